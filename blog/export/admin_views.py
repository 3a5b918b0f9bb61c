"""Export the site from the Wagtail admin (Settings → Export the site): a button that queues the
export, its progress, and the download of the finished file. Superusers and groups given "Can
export the whole site" may use it: the file holds every draft and commenters' email addresses.
"""

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from wagtail.admin.menu import MenuItem

from blog.models import ExportStatus, SiteExport
from blog.tasks import export_whole_site

from . import jobs
from .site import NoSite, site_to_export

PERMISSION = "blog.export_site"
REFRESH_SECONDS = 2
LISTED = 10


class ExportMenuItem(MenuItem):
    """ "Export the site", for users allowed to export."""

    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


def menu_item():
    return ExportMenuItem("Export the site", reverse("site_export:index"), icon_name="upload", order=950)


def allowed(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def index(request):
    """The button, and the site's recent exports with their progress; POST queues an export."""
    allowed(request)
    try:
        site = site_to_export()
    except NoSite as error:
        return page(request, status=409, error=f"Nothing to export: {error}.", exports=[])
    if request.method == "POST":
        export, created = jobs.request_export(site, request.user)
        if created:
            export_whole_site.enqueue(export.pk)
        return redirect("site_export:index")
    exports = list(SiteExport.objects.filter(site=site).select_related("site", "created_by")[:LISTED])
    under_way = any(export.status in jobs.ACTIVE and not jobs.is_stale(export) for export in exports)
    return page(
        request,
        site=site,
        exports=exports,
        under_way=under_way,
        refresh=REFRESH_SECONDS if under_way else None,
    )


def page(request, status=200, **context):
    return TemplateResponse(
        request,
        "blog/admin/site_export.html",
        {"page_title": "Export the site", "header_icon": "upload", **context},
        status=status,
    )


def download(request, pk):
    """The finished file, as an attachment named after the site and the day."""
    allowed(request)
    export = get_object_or_404(SiteExport.objects.select_related("site"), pk=pk, status=ExportStatus.FINISHED)
    if not export.file:
        raise Http404("This export's file is gone")
    try:
        stream = default_storage.open(export.file, "rb")
    except FileNotFoundError:
        raise Http404("This export's file is gone") from None
    return FileResponse(
        stream, as_attachment=True, filename=jobs.file_name(export), content_type="application/xml"
    )


urlpatterns = [
    path("", index, name="index"),
    path("<int:pk>/download/", download, name="download"),
]
