"""A page cache for anonymous readers, in its own cache alias ("pages"), and the Cache-Control
that tells shared caches (a CDN, a proxy) what they may keep, from the same rules.

Wagtail-cache (the usual package) does not support Wagtail 8 yet, and Django's own cache
middleware cannot be purged when a post is published. A stored page records the scopes it
depends on (`depends_on()`; listings by default) and their generations: it is served while they
are current, so a comment on one post forgets that post's page and the listings that show its
count, and no other post's page.

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

What is stored is sent as `public` with `s-maxage` (shared caches may keep it as long as this
cache does); what is personal to one reader (a session, a message, the CSRF token, a cookie) as
`private`; anything else keeps the headers its view gave.

Behind the WSGI front (broadsheet/caching/front.py, which answers stored pages before Django
runs) the middleware leaves the storing to the front, which adds the headers the middleware
outside this one gave the page.
"""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import parse_http_date_safe, urlencode

from . import generations
from .scopes import ANY, COMMENT_COUNTS, LISTINGS, SITE

HEADER = "X-Page-Cache"
# The WSGI environ key under which the front (front.py) hands itself to the middleware.
FRONT = "broadsheet.page_cache.front"
# The read API is left alone: its documents and images change without a scope to forget them.
SKIP_PREFIXES = ("/admin/", "/documents/", "/comments/", "/api/", "/healthz", "/static/", "/media/")
# Every query parameter a cacheable view reads: `page` (listings and search), the search's own
# (search/query.py) and `p` (a sitemap page's number).
PARAMETERS = {"page", "q", "tag", "from", "to", "p"}
ALIAS = "pages"
# What a page depends on when its view names nothing: everything but single posts' pages.
DEFAULT_SCOPES = (LISTINGS, COMMENT_COUNTS)
KEPT_HEADERS = {
    "content-type",
    "content-language",
    "vary",
    "x-frame-options",
    "link",
    "last-modified",
    "etag",
    "x-robots-tag",
}


def enabled():
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


def depends_on(request, *scopes):
    """Declare what the page answering `request` shows: a change to any of `scopes` forgets it.

    A page that declares nothing depends on listings and comment counts (and, as every page, on
    the site).
    """
    request.__dict__.setdefault("_page_cache_scopes", []).extend(scopes)


def used_all_parameters(request):
    """Whether the view declared every query parameter of `request` (in its canonical spelling)."""
    used = getattr(request, "_page_cache_uses", {})
    for name in request.GET:
        if name not in used:
            return False
        if used[name] is not None and request.GET.getlist(name) != [used[name]]:
            return False
    return True


def shared_cache_control(response):
    """Let shared caches keep a page the page cache keeps, for as long, and serve it stale a while."""
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=settings.PAGE_CACHE_SECONDS,
        stale_while_revalidate=settings.PAGE_CACHE_STALE_WHILE_REVALIDATE,
        stale_if_error=settings.PAGE_CACHE_STALE_IF_ERROR,
    )


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not enabled() or request.path.startswith(SKIP_PREFIXES):
            return self.get_response(request)
        if not self.request_is_cacheable(request):
            response = self.get_response(request)
            if self.is_personal(request, response):
                patch_cache_control(response, private=True)
            return response
        key = self.key_for(request)
        stored = caches[ALIAS].get(key)
        if stored is not None:
            recorded, status, headers, content = stored[:4]
            if generations.still_current(recorded):
                return self.from_stored(request, status, headers, content)
        # Read before the view runs: a change made while it renders keeps its page out of the cache.
        before = generations.current([ANY])[ANY]
        response = self.get_response(request)
        if (
            request.method == "GET"
            and used_all_parameters(request)
            and self.response_is_cacheable(request, response)
        ):
            scopes = getattr(request, "_page_cache_scopes", None) or DEFAULT_SCOPES
            recorded = generations.current([SITE, *scopes, ANY])
            response[HEADER] = "miss"
            shared_cache_control(response)
            if recorded.pop(ANY) == before:
                headers = [(k, v) for k, v in response.items() if k.lower() in KEPT_HEADERS]
                entry = (recorded, response.status_code, headers, response.content)
                self.store(request, key, entry, response)
        else:
            response[HEADER] = "skip"
            if self.is_personal(request, response):
                patch_cache_control(response, private=True)
        return response

    @staticmethod
    def store(request, key, entry, response):
        """Keep `entry` ((recorded, status, headers, content)) under `key`; behind the front, hand
        it over with the headers `response` has now, for the front to store on the way out."""
        front = request.META.get(FRONT)
        if front is None:
            caches[ALIAS].set(key, entry, settings.PAGE_CACHE_SECONDS)
        else:
            front.keep(response, key, entry, dict(response.items()))

    @staticmethod
    def from_stored(request, status, headers, content):
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        shared_cache_control(response)
        # A crawler or feed reader re-reading a page it has (sitemaps carry Last-Modified, feeds
        # an ETag too) gets a bare 304.
        last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
        etag = response.get("ETag")
        if last_modified is not None or etag is not None:
            response = get_conditional_response(
                request, etag=etag, last_modified=last_modified, response=response
            )
        response[HEADER] = "hit"
        return response

    @staticmethod
    def request_is_cacheable(request):
        if request.method not in ("GET", "HEAD"):
            return False
        if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
            return False
        return set(request.GET) <= PARAMETERS

    @staticmethod
    def is_personal(request, response):
        """Whether `response` was made for this reader alone (a session, messages, a cookie, a CSRF token)."""
        return (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            or "messages" in request.COOKIES
            or bool(response.cookies)
            or bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
            or bool(request.META.get("CSRF_COOKIE_USED"))
        )

    @classmethod
    def response_is_cacheable(cls, request, response):
        cache_control = response.get("Cache-Control", "")
        return (
            response.status_code == 200
            and not response.streaming
            and not cls.is_personal(request, response)
            and not any(word in cache_control for word in ("private", "no-cache", "no-store"))
        )

    @staticmethod
    def key_for(request):
        return key_for(request.scheme, request.get_host(), request.path, request.GET)


def key_for(scheme, host, path, query):
    """The key of an address, its query (a QueryDict) sorted by name (each keeps its values' order)."""
    query = urlencode(sorted(query.lists()), doseq=True)
    address = f"{scheme}://{host}{path}?{query}"
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    return f"page:{digest}"
