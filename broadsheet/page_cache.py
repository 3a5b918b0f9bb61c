"""A page cache for anonymous readers, in its own cache alias ("pages": local memory, or Redis).

Wagtail-cache (the usual package) does not support Wagtail 8 yet, and Django's own cache
middleware cannot be purged when a post is published. This middleware stores whole responses
under the site's freshness token (broadsheet/freshness.py): publishing, unpublishing, moving or
deleting a page and any change to a comment bump the token, so every reader sees the change at
once, in every worker. The "pages" alias is bounded on its own (PAGE_CACHE_MAX_ENTRIES), so
filling it never evicts what the "default" alias holds (rate-limit counters, listings' keys).

A page is stored under its address and only the query parameters its view read. The lookup
happens before the view runs, so the key is made of every parameter in PARAMETERS (sorted by
name); after the view has run, the response is stored only if the view declared, with `uses()`,
each parameter the request carries, in the spelling it gave. A post page reads none, so
`/post/?q=x&page=7` is answered but never stored: made-up values cannot fill the cache.

What is never cached or served from the cache:
- requests that carry a session or messages cookie (editors, readers with a pending message);
- anything but GET and HEAD, and URLs with a query parameter outside PARAMETERS;
- responses that set a cookie, used the CSRF token, are not 200, or say private/no-cache/no-store.
So no reader's form errors, messages or CSRF token can reach another reader.
"""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe, urlencode

from . import freshness

HEADER = "X-Page-Cache"
SKIP_PREFIXES = ("/admin/", "/documents/", "/comments/", "/healthz", "/static/", "/media/")
# Every query parameter a cacheable view reads: `page` (listings and search), the search's own
# (search/query.py) and `p` (a sitemap page's number).
PARAMETERS = {"page", "q", "tag", "from", "to", "p"}
ALIAS = "pages"
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


def uses(request, *names, **canonical):
    """Declare that the response to `request` depends on these query parameters.

    Give a parameter as a keyword with the one spelling the view gives its value
    (`uses(request, page="2")` when it read `?page=2`) and a request spelling it otherwise
    (`?page=02`, `?page=x`, `?page=2&page=2`) is answered but not stored.
    """
    used = request.__dict__.setdefault("_page_cache_uses", {})
    used.update(dict.fromkeys(names))
    used.update(canonical)


def used_all_parameters(request):
    """Whether the view declared every query parameter of `request` (in its canonical spelling)."""
    used = getattr(request, "_page_cache_uses", {})
    for name in request.GET:
        if name not in used:
            return False
        if used[name] is not None and request.GET.getlist(name) != [used[name]]:
            return False
    return True


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _enabled() or not self.request_is_cacheable(request):
            return self.get_response(request)
        key = self.key_for(request)
        cache = caches[ALIAS if ALIAS in settings.CACHES else "default"]
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
        if (
            request.method == "GET"
            and used_all_parameters(request)
            and self.response_is_cacheable(request, response)
        ):
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
        return set(request.GET) <= PARAMETERS

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
        """The request's address with its query parameters sorted by name (each keeps its values' order)."""
        query = urlencode(sorted(request.GET.lists()), doseq=True)
        address = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
        digest = hashlib.sha256(address.encode()).hexdigest()[:32]
        return f"page:{freshness.current()}:{digest}"
