"""Request logging, a clear answer when the database cannot be reached, the admin's CSP."""

import functools
import logging
import time
from types import SimpleNamespace

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

from .client import client_ip
from .logging import LineTemplate, json_line, plain_json_streams, write_line

ADMIN_PREFIX = "/admin/"  # as broadsheet/urls.py mounts it
request_logger = logging.getLogger("broadsheet.request")
logger = logging.getLogger(__name__)


class RequestLogMiddleware:
    """One structured log line per request: method, path, status, duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        user = getattr(request, "_cached_user", None)  # only if the view loaded it: no extra query
        log_request(
            request,
            response.status_code,
            started,
            size=len(response.content) if not response.streaming else None,
            user_id=user.pk if user is not None and user.is_authenticated else None,
        )
        return response


def log_request(request, status, started, size, user_id=None, **more):
    """The log line of one request (`request` needs `method`, `path` and `META`), begun at
    `started` (time.monotonic()), answered with `status` and `size` bytes; `more` fields after."""
    log_answer(request.method, request.path, request.META, status, started, size, user_id, **more)


def log_answer(method, path, meta, status, started, size, user_id=None, **more):
    """log_request() of a request with that method, path and WSGI environ (`meta`)."""
    if not request_logger.isEnabledFor(logging.INFO):
        return
    milliseconds = (time.monotonic() - started) * 1000
    remote_addr = reader_address(
        meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_FORWARDED_FOR", ""), settings.FORWARDED_ALLOW_IPS
    )

    def fields():
        return {
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(milliseconds, 1),
            "remote_addr": remote_addr,
            "user_id": user_id,
            "bytes": size,
            **more,
        }

    # Made directly: the line says where the request went, not which line of code logged it, so
    # the logger need not walk the stack to find out.
    def make_record():
        args = (method, path, status)
        return request_logger.makeRecord(
            request_logger.name, logging.INFO, __file__, 0, "%s %s %s", args, None, extra=fields()
        )

    handlers = plain_json_streams(request_logger, logging.INFO)
    if handlers is None:
        request_logger.handle(make_record())
        return
    # As configured (settings' LOGGING): the JSON line, written without the logging machinery,
    # from the text the same request's line had (all but the time and the duration).
    try:
        template = line_template(method, path, status, user_id, size, tuple(more.items()))
    except (TypeError, ValueError):  # a field that cannot be part of a key, or one json_line writes
        line = json_line(time.time(), "INFO", request_logger.name, f"{method} {path} {status}", fields())
    else:
        line = template.line(time.time(), milliseconds, remote_addr)
    for handler in handlers:
        write_line(handler, line, make_record)


@functools.lru_cache(maxsize=10_000)  # as many as the front keeps addresses
def line_template(method, path, status, user_id, size, more):
    """The request log's line for these fields, but for its time, its duration and the reader's
    address (each reader's own: kept per page, not per reader and page)."""
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": 0.0,
        "remote_addr": "",
        "user_id": user_id,
        "bytes": size,
        **dict(more),
    }
    message = f"{method} {path} {status}"
    return LineTemplate("INFO", request_logger.name, message, fields, "duration_ms", ("remote_addr",))


@functools.lru_cache(maxsize=4096)
def reader_address(remote_addr, forwarded_for, trusted_proxies):
    """client_ip() (None for "") of a request from `remote_addr` with that X-Forwarded-For, while
    FORWARDED_ALLOW_IPS is `trusted_proxies`: worked out once for each."""
    meta = {"REMOTE_ADDR": remote_addr, "HTTP_X_FORWARDED_FOR": forwarded_for}
    return client_ip(SimpleNamespace(META=meta)) or None


class DatabaseUnavailableMiddleware:
    """While the database is down, answer 503 with a page that says so, not a 500.

    Nothing is half-saved: the request's transaction never reached the database, and the
    reader's browser still holds the form they sent (the page tells them to send it again).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable for %s %s: %s", request.method, request.path, exception)
        # Rendered without the request's context processors: they may need the database.
        html = render_to_string("503.html", {"site_name": settings.WAGTAIL_SITE_NAME})
        response = HttpResponse(html, status=503)
        response["Retry-After"] = "30"
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy, loosened for the Wagtail admin only (settings.CSP_ADMIN_UPDATE).

    Parts of the admin's page editor still run inline scripts (block definitions, widgets that
    jQuery inserts), which a strict script-src blocks; the public pages keep the strict policy.
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if request.path.startswith(ADMIN_PREFIX) and parts.update is None:
            parts.update = settings.CSP_ADMIN_UPDATE
        return parts
