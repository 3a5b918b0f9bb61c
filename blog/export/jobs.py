"""Exports asked for in the admin (SiteExport rows): the request stores the row and queues the
task; the task (blog/tasks.py) writes the file, reporting its progress, and keeps it in the
default storage's private `site-exports/` folder (never served: broadsheet/views.py serves only
image folders) until it is downloaded through the admin; the newest KEEP files are kept.

A task and not a streamed response: a whole site takes longer to write than a web worker may
spend on one request (gunicorn's timeout, 30 seconds by default, ends the worker mid-file).
"""

import tempfile
import uuid
from datetime import timedelta

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from blog.models import ExportStatus, SiteExport
from blog.progress import ProgressRecorder

from .site import export_site

EXPORT_FOLDER = "site-exports"
KEEP = 3
ACTIVE = [ExportStatus.QUEUED, ExportStatus.RUNNING]
# An export that has reported nothing for this long is taken to have died with its worker.
STALE_AFTER = timedelta(minutes=30)


def is_stale(export):
    return export.status in ACTIVE and timezone.now() - export.updated_at > STALE_AFTER


def running_export(site):
    """The export of `site` waiting or being written, if one is and its worker still reports."""
    fresh = timezone.now() - STALE_AFTER
    return SiteExport.objects.filter(site=site, status__in=ACTIVE, updated_at__gte=fresh).first()


def request_export(site, user):
    """(export, True) for a new export of `site` to queue, or (the one under way, False)."""
    with transaction.atomic():
        under_way = running_export(site)
        if under_way is not None:
            return under_way, False
        return SiteExport.objects.create(site=site, created_by=user, stage="Waiting for the worker"), True


def file_name(export):
    """The download's name: the site's host and the day ("blog-example-org-2026-12-01.xml")."""
    day = timezone.localtime(export.finished_at or export.created_at).strftime("%Y-%m-%d")
    return f"{slugify(export.site.hostname) or 'site'}-{day}.xml"


def run(export_id):
    """Write one queued export; returns its status after, or None when there was nothing to do."""
    export = SiteExport.objects.select_related("site__root_page").filter(pk=export_id).first()
    if export is None or export.status != ExportStatus.QUEUED:
        return None
    export.status, export.stage, export.updated_at = ExportStatus.RUNNING, "Starting", timezone.now()
    export.save(update_fields=["status", "stage", "updated_at"])
    recorder = ProgressRecorder(export)
    try:
        with tempfile.TemporaryFile() as stream:
            counts = export_site(stream, export.site, recorder)
            size = stream.tell()
            stream.seek(0)
            stored = default_storage.save(f"{EXPORT_FOLDER}/{uuid.uuid4().hex}/export.xml", File(stream))
    except Exception:
        export.finish(ExportStatus.FAILED, error="The export stopped on an unexpected error; try again.")
        raise
    finally:
        recorder.close()
    export.finish(ExportStatus.FINISHED, file=stored, size=size, counts=counts, progress=100, stage="Done")
    remove_old(export.site)
    return export.status


def remove_old(site):
    """Delete all but the newest KEEP finished exports of `site`, files and rows."""
    finished = SiteExport.objects.filter(site=site, status=ExportStatus.FINISHED).order_by(
        "-finished_at", "-pk"
    )
    for old in finished[KEEP:]:
        remove_file(old)
        old.delete()


def remove_file(export):
    if export.file:
        default_storage.delete(export.file)
        export.file = ""
