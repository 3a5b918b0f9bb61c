"""Imports as jobs (BloggerImport rows): an upload checked and stored, one import at a time per
site, the dry run and the import run by tasks (blog/tasks.py), their progress and summaries.

An upload is read as bytes, never by its name: its first bytes say whether it is a zip, a
WordPress export (WXR) or other XML, it is checked as a Blogger or WordPress export
(ExportSource's zip guards included) before anything is kept,
and it is stored under a name made here, in its own folder of the default storage's private
`blogger-imports/` folder (never served: broadsheet/views.py serves only image folders). The
file is removed once its import has finished, failed or been discarded.
"""

import shutil
import tempfile
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from blog.importing.base import MAX_STORED_WARNINGS, ExportError
from blog.models import ACTIVE_IMPORT_STATUSES, BloggerImport, ImportStatus
from blog.progress import ProgressRecorder
from blog.setup import default_site
from blog.wordpress import wxr
from blog.wordpress.importer import WordPressImporter

from . import feed
from .importer import BloggerImporter

UPLOAD_FOLDER = "blogger-imports"
XML_START = (b"<", b"\xef\xbb\xbf<")  # with or without a byte order mark
ZIP_START = b"PK\x03\x04"
HEAD_BYTES = 4096  # enough for a WXR file's <rss> and its namespaces
BLOGGER, WORDPRESS = "blogger", "wordpress"
WXR_MARKS = (b"<rss", b"wordpress.org/export/")
# The name an upload is stored under says which importer reads it.
STORED_NAMES = {
    (BLOGGER, ".zip"): "export.zip",
    (BLOGGER, ".xml"): "export.xml",
    (WORDPRESS, ".xml"): "wordpress.xml",
}
# An import that has reported nothing for this long is taken to have died with its worker.
STALE_AFTER = timedelta(minutes=30)


class ImportBusy(Exception):
    """Another import into the same site is being checked or run."""


class UploadRefused(Exception):
    """The upload cannot be taken; the message says why, `status` is the HTTP status to answer."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def busy_message(site):
    running = BloggerImport.objects.filter(site=site, status__in=ACTIVE_IMPORT_STATUSES).first()
    if running is None:
        return "Another import into this site has just started."
    since = timezone.localtime(running.created_at).strftime("%Y-%m-%d %H:%M")
    return (
        f"Another import into this site ({running.original_name or 'an export'}, started {since}) "
        "is still being checked or imported: wait for it to finish."
    )


def site_for(blog_index):
    """The site an import into `blog_index` (None: a new blog) belongs to."""
    site = blog_index.get_site() if blog_index is not None else None
    return site or default_site()


def create(site, **fields):
    """A new job for `site` in one of the active states; ImportBusy when the site has one."""
    try:
        with transaction.atomic():
            return BloggerImport.objects.create(site=site, **fields)
    except IntegrityError:
        raise ImportBusy(busy_message(site)) from None


def is_stale(job):
    return job.status in ACTIVE_IMPORT_STATUSES and timezone.now() - job.updated_at > STALE_AFTER


# -- uploads -------------------------------------------------------------------------------------


def kind_of(head):
    """(format, suffix) from a file's first bytes: ("blogger", ".zip"), ("wordpress", ".xml") for
    a WXR file, ("blogger", ".xml") for other XML; None for anything else."""
    if head.startswith(ZIP_START):
        return BLOGGER, ".zip"
    if head.lstrip(b" \t\r\n").startswith(XML_START) or head.startswith(XML_START):
        return (WORDPRESS if all(mark in head for mark in WXR_MARKS) else BLOGGER), ".xml"
    return None


def source_and_info(kind, path):
    """The export at `path` opened and its first lines read, as the importer of `kind` reads it."""
    if kind == WORDPRESS:
        source = wxr.WxrSource(path)
        return source, wxr.read_info(source)
    source = feed.ExportSource(path)
    try:
        return source, feed.read_info(source)
    except BaseException:
        source.close()
        raise


def importer_for(stored_name):
    """The importer class for an upload stored under `stored_name`."""
    return (
        WordPressImporter if Path(stored_name).name == STORED_NAMES[(WORDPRESS, ".xml")] else BloggerImporter
    )


def store_upload(upload):
    """Check an uploaded export and keep it; returns (stored name, FeedInfo). Raises
    UploadRefused, having kept nothing, for a file too large, not XML or a zip, or not a
    Blogger or WordPress export."""
    limit = settings.BLOGGER_IMPORT_MAX_UPLOAD_MB * 2**20
    if upload.size > limit:
        raise UploadRefused(
            f"The file is {upload.size / 2**20:,.1f} MB; the largest export taken is "
            f"{settings.BLOGGER_IMPORT_MAX_UPLOAD_MB:,} MB.",
            status=413,
        )
    upload.seek(0)
    kind = kind_of(upload.read(HEAD_BYTES))
    if kind is None:
        raise UploadRefused(
            "This is not a Blogger or WordPress export: the file is neither XML (Blogger's .xml "
            "backup, Takeout's feed.atom, WordPress's export) nor a zip (Takeout's .zip)."
        )
    upload.seek(0)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / STORED_NAMES[kind]
        with copy.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        source = None
        try:
            source, info = source_and_info(kind[0], copy)
        except ExportError as error:
            message = str(error).removeprefix(f"{copy}: ")
            raise UploadRefused(message[:1].upper() + message[1:]) from None
        finally:
            if source is not None:
                source.close()
        with copy.open("rb") as stored:
            name = default_storage.save(
                f"{UPLOAD_FOLDER}/{uuid.uuid4().hex}/{STORED_NAMES[kind]}", File(stored)
            )
    return name, info


def remove_file(job):
    """Delete the job's stored export (and its folder, on a local disk)."""
    if not job.file:
        return
    default_storage.delete(job.file)
    try:
        Path(default_storage.path(job.file)).parent.rmdir()
    except (NotImplementedError, OSError):
        pass  # object storage has no folders; a folder not empty is left
    job.file = ""


@contextmanager
def local_copy(job):
    """The job's export as a file on this machine: the stored file itself when the storage is a
    local folder, else a temporary copy."""
    try:
        yield Path(default_storage.path(job.file))
        return
    except NotImplementedError:
        pass
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(job.file).name
        with default_storage.open(job.file, "rb") as stored, path.open("wb") as out:
            shutil.copyfileobj(stored, out)
        yield path


def finish(job, status, **fields):
    """End `job` with `status`; the uploaded file goes unless the job waits to be imported."""
    if status != ImportStatus.CHECKED:
        remove_file(job)
    job.finish(status, **fields)


def run_job(job_id, expected, dry_run):
    """The dry run (`expected` CHECKING) or the import (IMPORTING) of one job, as its task runs it;
    returns the job's status after, or None when there was nothing to do."""
    job = BloggerImport.objects.select_related("blog_index").filter(pk=job_id).first()
    if job is None or job.status != expected:
        return None  # discarded, or run already
    recorder = ProgressRecorder(job)
    path = None
    try:
        with local_copy(job) as path:
            importer = importer_for(job.file)(
                path,
                job.blog_index,
                dry_run=dry_run,
                # The dry run downloads nothing; the import fetches what is not in the export.
                fetch_images=job.fetch_images and not dry_run,
                progress=recorder,
            )
            report = importer.run()
    except ExportError as error:
        message = str(error).removeprefix(f"{path}: ")
        finish(job, ImportStatus.FAILED, error=message[:1].upper() + message[1:])
        return job.status
    except Exception:
        finish(
            job, ImportStatus.FAILED, error="The import stopped on an unexpected error; nothing was written."
        )
        raise
    finally:
        recorder.close()
    summary = report.summary(dry_run, importer.index.title, max_warnings=MAX_STORED_WARNINGS)
    blog_url = importer.info.url[:255] or job.blog_url
    if dry_run:
        finish(
            job, ImportStatus.CHECKED, progress=100, stage="Checked", check_summary=summary, blog_url=blog_url
        )
    else:
        finish(
            job,
            ImportStatus.FINISHED,
            progress=100,
            stage="Done",
            summary=summary,
            blog_index=importer.index,
            blog_url=blog_url,
        )
    return job.status


def start(job):
    """Mark a checked job for importing (the caller queues its task); False when it was not
    waiting to start. ImportBusy when another import into its site is active."""
    try:
        with transaction.atomic():
            changed = BloggerImport.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
                status=ImportStatus.IMPORTING,
                progress=0,
                stage="Waiting for the worker",
                updated_at=timezone.now(),
            )
    except IntegrityError:
        raise ImportBusy(busy_message(job.site)) from None
    return bool(changed)


def can_discard(job):
    return job.status == ImportStatus.CHECKED or is_stale(job)


def discard(job):
    """Drop a checked job that will not be started, or one whose worker stopped reporting; its
    file goes. False when the job is running (or finished) and stays."""
    if not can_discard(job):
        return False
    finish(job, ImportStatus.DISCARDED, stage="Discarded")
    return True
