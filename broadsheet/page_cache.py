"""A page cache for anonymous readers, in Django's cache (local memory, or Redis with REDIS_URL).

Wagtail-cache (the usual package) does not support Wagtail 8 yet, and Django's own cache
middleware cannot be purged when a post is published. This middleware stores whole responses
under the site's freshness token (broadsheet/freshness.py): publishing, unpublishing, moving or
deleting a page and any change to a comment bump the token, so every reader sees the change at
once, in every worker.

What is never cached or served from the cache:
- requests that carry a session or messages cookie (editors, readers with a pending message);
- anything but GET and HEAD, and URLs with query parameters other than `page`, `q`, `tag` and `p`
  (a sitemap page's number);
- responses that set a cookie, used the CSRF token, are not 200, or say private/no-cache/no-store.
So no reader's form errors, messages or CSRF token can reach another reader.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from . import freshness

HEADER = "X-Page-Cache"
SKIP_PREFIXES = ("/admin/", "/documents/", "/comments/", "/healthz", "/static/", "/media/")
ALLOWED_PARAMETERS = {"page", "q", "tag", "p"}
KEPT_HEADERS = {
    "content-type",
    "content-language",
    "vary",
    "x-frame-options",
    "link",
    "last-modified",
    "x-robots-tag",
}


def _enabled():
    return getattr(settings, "PAGE_CACHE_SECONDS", 0) > 0


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _enabled() or not self.request_is_cacheable(request):
            return self.get_response(request)
        key = self.key_for(request)
        stored = cache.get(key)
        if stored is not None:
            status, headers, content = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            # A crawler re-reading a page it has (sitemaps carry Last-Modified) gets a bare 304.
            last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
            if last_modified is not None:
                response = get_conditional_response(request, last_modified=last_modified, response=response)
            response[HEADER] = "hit"
            return response
        response = self.get_response(request)
        if request.method == "GET" and self.response_is_cacheable(request, response):
            headers = [(k, v) for k, v in response.items() if k.lower() in KEPT_HEADERS]
            cache.set(key, (response.status_code, headers, response.content), settings.PAGE_CACHE_SECONDS)
            response[HEADER] = "miss"
        else:
            response[HEADER] = "skip"
        return response

    @staticmethod
    def request_is_cacheable(request):
        if request.method not in ("GET", "HEAD"):
            return False
        if request.path.startswith(SKIP_PREFIXES):
            return False
        if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
            return False
        return set(request.GET) <= ALLOWED_PARAMETERS

    @staticmethod
    def response_is_cacheable(request, response):
        cache_control = response.get("Cache-Control", "")
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not request.META.get("CSRF_COOKIE_USED")
            and not any(word in cache_control for word in ("private", "no-cache", "no-store"))
        )

    @staticmethod
    def key_for(request):
        address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        digest = hashlib.sha256(address.encode()).hexdigest()[:32]
        return f"page:{freshness.current()}:{digest}"
