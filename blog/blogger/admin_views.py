"""Import a blog (a Blogger backup or a WordPress export) in the Wagtail admin: upload the export,
read the dry run's summary, start the import and watch its progress. The requests only store and
queue; tasks do the work.

The pages work without JavaScript: while a job is being checked or imported its page reloads
itself every few seconds (a meta refresh) and shows a progress bar.
"""

from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from wagtail.admin.menu import MenuItem

from blog.models import ACTIVE_IMPORT_STATUSES, BloggerImport, BlogIndexPage, ImportStatus
from blog.tasks import check_blogger_import, run_blogger_import

from . import jobs

PERMISSION = "blog.import_blogger"
REFRESH_SECONDS = 2
LISTED = 20


class ImportForm(forms.Form):
    """The upload: the export, the blog to import into, and whether to download images."""

    export = forms.FileField(
        label="Export file",
        help_text="Blogger's backup (.xml), Google Takeout's feed.atom or its .zip with the images, or "
        "WordPress's export (Tools → Export → All content, an .xml file).",
    )
    blog_index = forms.ModelChoiceField(
        label="Import into",
        queryset=BlogIndexPage.objects.order_by("path"),
        empty_label=None,
        required=False,
    )
    fetch_images = forms.BooleanField(
        label="Download images that are not in the export",
        required=False,
        help_text="From their address on the old blog (Blogger serves them while the blog exists; a "
        "WordPress site, while it is up).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.fields["blog_index"].queryset.exists():
            del self.fields["blog_index"]  # the import makes the site's first blog

    def clean_blog_index(self):
        chosen = self.cleaned_data["blog_index"]
        blogs = self.fields["blog_index"].queryset
        if chosen is None and blogs.count() > 1:
            raise forms.ValidationError("Choose the blog to import into.")
        return chosen or blogs.first()


class ImportMenuItem(MenuItem):
    """ "Import a blog", for users allowed to import."""

    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


def menu_item():
    return ImportMenuItem("Import a blog", reverse("blogger_import:index"), icon_name="download", order=900)


def allowed(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def page(request, template, status=200, **context):
    return TemplateResponse(
        request,
        f"blog/admin/{template}",
        {"page_title": "Import a blog", "header_icon": "download", **context},
        status=status,
    )


class UploadLimit(FileUploadHandler):
    """Stops reading an upload once it is larger than an export may be."""

    def __init__(self, request, limit):
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def too_large():
    return jobs.UploadRefused(
        f"The file is larger than the {settings.BLOGGER_IMPORT_MAX_UPLOAD_MB:,} MB an export may be.", 413
    )


def recent_imports():
    return BloggerImport.objects.select_related("site", "blog_index", "created_by")[:LISTED]


@csrf_exempt  # the CSRF check reads the body: upload() makes it once the size limit is in place
def index(request):
    """The upload form and the site's recent imports; POST checks and keeps the upload and
    queues its dry run."""
    allowed(request)
    if request.method != "POST":
        return page(request, "blogger_import.html", form=ImportForm(), imports=recent_imports())
    limit = settings.BLOGGER_IMPORT_MAX_UPLOAD_MB * 2**20
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit + 2**20:
        # Refused unread, which changes nothing: a request this large is not an export.
        return refused(request, ImportForm(), too_large())
    handler = UploadLimit(request, limit)
    request.upload_handlers.insert(0, handler)
    return upload(request, handler)


@csrf_protect
def upload(request, handler):
    form = ImportForm(request.POST, request.FILES)
    if handler.exceeded:
        return refused(request, form, too_large())
    if not form.is_valid():
        return page(request, "blogger_import.html", status=400, form=form, imports=recent_imports())
    blog_index = form.cleaned_data.get("blog_index")
    site = jobs.site_for(blog_index)
    if BloggerImport.objects.filter(site=site, status__in=ACTIVE_IMPORT_STATUSES).exists():
        return refused(request, form, jobs.UploadRefused(jobs.busy_message(site), 409))
    export = form.cleaned_data["export"]
    try:
        stored, info = jobs.store_upload(export)
    except jobs.UploadRefused as error:
        return refused(request, form, error)
    try:
        job = jobs.create(
            site,
            blog_index=blog_index,
            status=ImportStatus.CHECKING,
            stage="Waiting for the worker",
            file=stored,
            original_name=display_name(export.name),
            size=export.size,
            fetch_images=form.cleaned_data["fetch_images"],
            blog_url=info.url[:255],
            created_by=request.user,
        )
    except jobs.ImportBusy as error:
        default_storage.delete(stored)
        return refused(request, form, jobs.UploadRefused(str(error), 409))
    check_blogger_import.enqueue(job.pk)
    return redirect("blogger_import:detail", job.pk)


def display_name(name):
    """The uploaded file's own name, for people to recognise it by (never used as a path)."""
    return PurePosixPath((name or "").replace("\\", "/")).name[:255] or "export"


def refused(request, form, error):
    return page(
        request, "blogger_import.html", status=error.status, form=form, imports=recent_imports(), error=error
    )


def detail(request, pk, status=200, error=None):
    """One import: its progress while it runs, then the dry run's or the import's summary."""
    allowed(request)
    job = get_object_or_404(BloggerImport.objects.select_related("site", "blog_index", "created_by"), pk=pk)
    running = job.status in ACTIVE_IMPORT_STATUSES
    return page(
        request,
        "blogger_import_detail.html",
        status=status,
        job=job,
        running=running,
        refresh=REFRESH_SECONDS if running and not jobs.is_stale(job) else None,
        stale=jobs.is_stale(job),
        can_discard=jobs.can_discard(job),
        summary=job.summary or job.check_summary,
        error=error,
    )


@require_POST
def start(request, pk):
    """Queue the import of a checked export (409 while another import into the site is active)."""
    allowed(request)
    job = get_object_or_404(BloggerImport, pk=pk)
    try:
        started = jobs.start(job)
    except jobs.ImportBusy as error:
        return detail(request, pk, status=409, error=str(error))
    if not started:
        return detail(request, pk, status=409, error="This export is not waiting to be imported.")
    run_blogger_import.enqueue(job.pk)
    return redirect("blogger_import:detail", job.pk)


@require_POST
def discard(request, pk):
    """Drop a checked export that will not be imported (or an import whose worker stopped)."""
    allowed(request)
    job = get_object_or_404(BloggerImport, pk=pk)
    if not jobs.discard(job):
        return detail(request, pk, status=409, error="This import is running and cannot be discarded.")
    return redirect("blogger_import:detail", job.pk)


urlpatterns = [
    path("", index, name="index"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/start/", start, name="start"),
    path("<int:pk>/discard/", discard, name="discard"),
]
