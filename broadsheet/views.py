"""Views that are not pages."""

import posixpath

from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from wagtail.models import Site


@never_cache
def healthz(request):
    """200 when the database and the cache answer, else 503 naming what is down (for load balancers)."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means "not healthy"
        checks["database"] = f"error: {error.__class__.__name__}"
        # Drop the broken connection so the next probe reconnects once the server is back.
        connection.close_if_unusable_or_obsolete()
    try:
        cache.set("healthz", "ok", 10)
        checks["cache"] = "ok" if cache.get("healthz") == "ok" else "error: value not read back"
    except Exception as error:  # noqa: BLE001
        checks["cache"] = f"error: {error.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "unavailable", **checks}
    return JsonResponse(body, status=200 if healthy else 503)


@cache_control(public=True, max_age=86400)
def favicon(request):
    """`/favicon.ico`, which browsers and crawlers ask for whatever a page links to: the site's icon."""
    path = finders.find("img/favicon.ico")
    if path is None:
        raise Http404("No icon")
    return FileResponse(open(path, "rb"), content_type="image/x-icon")  # FileResponse closes it


def robots_txt(request):
    """`/robots.txt`: where the sitemap is, and the parts of the site crawlers have no use for."""
    site = Site.find_for_request(request)
    root_url = site.root_url if site is not None else f"{request.scheme}://{request.get_host()}"
    return TemplateResponse(
        request, "robots.txt", {"sitemap_url": root_url + reverse("sitemap")}, content_type="text/plain"
    )


def public_media(request, path):
    """A file from MEDIA_ROOT's public folders (settings.PUBLIC_MEDIA_FOLDERS), else 404.

    Documents are never among them: Wagtail's document view serves those, after checking the
    privacy of their collection. The path is normalised before its folder is checked, so
    `images/../documents/...` cannot reach another folder.
    """
    from django.conf import settings
    from django.views.static import serve

    normalised = posixpath.normpath(path).lstrip("/")
    if normalised.split("/", 1)[0] not in settings.PUBLIC_MEDIA_FOLDERS or "/" not in normalised:
        raise Http404("Not a public media file")
    return serve(request, normalised, document_root=settings.MEDIA_ROOT)
