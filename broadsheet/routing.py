"""Finds the Site of a reader's request without a query, from what this process remembers."""

from wagtail.models import Site

from .caching import remembered

# The admin always reads the database; health checks and files need no page tree.
SKIP_PREFIXES = ("/admin/", "/healthz", "/static/", "/media/", "/documents/")


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
