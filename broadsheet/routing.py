"""The top of the page tree (the site, its home page, the blogs), kept in each process between requests.

Wagtail looks these up in the database on every request before it reaches the page asked for:
the Site for the host name, the site's home page as its specific type, the blog index under it.
They change only when pages are published, moved or deleted or a site is edited, and each of
those changes the site's freshness token (broadsheet/freshness.py), so they are kept per token:
the first request after a change loads them again. Only reader requests use them; the admin
always reads the database.
"""

import threading

from wagtail.models import Site

from . import freshness

# Host names come from requests; a flood of made-up ones must not grow the store for ever.
MAX_KEPT = 500
# The admin always reads the database; health checks and files need no page tree.
SKIP_PREFIXES = ("/admin/", "/healthz", "/static/", "/media/", "/documents/")

_lock = threading.Lock()
_kept = {"token": None, "values": {}}


def remembered(key, load):
    """`load()`'s result, kept in this process until the site's content next changes."""
    token = freshness.current()
    with _lock:
        if _kept["token"] != token:
            _kept["token"], _kept["values"] = token, {}
        values = _kept["values"]
        if key in values:
            return values[key]
    value = load()
    with _lock:
        if _kept["token"] == token:
            if len(values) >= MAX_KEPT:
                values.clear()
            values[key] = value
    return value


def forget():
    """Drop everything kept (the next request loads it again)."""
    with _lock:
        _kept["token"], _kept["values"] = None, {}


class SiteMiddleware:
    """Finds the Site of a reader's request from what this process remembers.

    Wagtail caches the Site it finds on the request (`request._wagtail_site`); setting it first
    spares the query, and the remembered Site's home page keeps its specific instance, so
    routing starts without loading it again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and not request.path.startswith(SKIP_PREFIXES):
            # Wagtail reads the raw host too (the ALLOWED_HOSTS check comes later, in CommonMiddleware).
            key = ("site", request._get_raw_host().lower(), request.get_port())
            request._wagtail_site = remembered(key, lambda: Site.find_for_request(request))
        return self.get_response(request)
