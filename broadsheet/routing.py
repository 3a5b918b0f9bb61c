"""Finds the Site of a reader's request without a query, from what this process remembers, and
sends requests on other hosts (an old domain) to the site's own."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.http.request import split_domain_port
from wagtail.contrib.redirects.middleware import get_redirect
from wagtail.contrib.redirects.models import Redirect
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


def public_root_url(site, secure=False):
    """Where readers reach `site`: https when the request was (`secure`), the site's port is 443
    or plain HTTP is redirected to HTTPS (SECURE_SSL_REDIRECT), which Wagtail's Site.root_url
    does not know behind a proxy that terminates TLS."""
    https = secure or settings.SECURE_SSL_REDIRECT or site.port == 443
    port = "" if site.port in (80, 443) else f":{site.port}"
    return f"{'https' if https else 'http'}://{site.hostname}{port}"


# Answered on any host: load balancers probe by address.
OTHER_HOST_EXEMPT = ("/healthz",)


SITE_HOSTS = ("site-hosts",)


def site_hosts():
    """{"hostnames": every Wagtail Site's host name, "default": the default Site (or None)},
    kept in each process until the site scope changes."""

    def load():
        sites = list(Site.objects.select_related("root_page"))
        default = next((site for site in sites if site.is_default_site), None)
        return {"hostnames": {site.hostname.lower() for site in sites}, "default": default}

    return remembered(SITE_HOSTS, load)


def is_other_host(hostname, hosts):
    """Whether a request on `hostname` is sent to the default site's host, by `hosts`
    (site_hosts()'s answer)."""
    return hosts["default"] is not None and hostname.lower() not in hosts["hostnames"]


class OtherHostRedirectMiddleware:
    """With REDIRECT_OTHER_HOSTS on, a request on a host that is in ALLOWED_HOSTS but is no
    Site's own (the old domain of an imported blog, pointed here) is answered with a 301 to the
    default Site's host: to where the path's redirect leads when it has one (so an old address
    takes one hop), else to the same path. The target host is always the site's own, never one
    taken from the request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.REDIRECT_OTHER_HOSTS or request.path.startswith(OTHER_HOST_EXEMPT):
            return self.get_response(request)
        hostname, _port = split_domain_port(request.get_host())  # refuses hosts not allowed
        hosts = site_hosts()
        if not is_other_host(hostname, hosts):
            return self.get_response(request)
        default = hosts["default"]
        request._wagtail_site = default  # the old addresses are the default site's redirects
        target = self.old_address_target(request) or request.get_full_path()
        if not target.startswith(("http://", "https://")):
            target = public_root_url(default, secure=request.is_secure()) + target
        return HttpResponsePermanentRedirect(target)

    @staticmethod
    def old_address_target(request):
        path = Redirect.normalise_path(request.get_full_path(), decode_unicode=False)
        redirect = get_redirect(request, path) or get_redirect(request, urlsplit(path).path)
        return redirect.link if redirect is not None else None
