"""Importing a WordPress export in the Wagtail admin, beside the Blogger formats: upload, dry run,
start, progress, summary."""

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_comments_xtd.models import XtdComment
from wagtail.contrib.redirects.models import Redirect
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed

from blog.models import BloggerImport, BlogPostPage, ImportStatus

from ..task_helpers import Worker, free_port, wait_until
from .test_blogger_admin_import import (  # noqa: F401 - fixtures used by name
    _no_uploads_left_behind,
    summary_of,
    text_of,
    upload,
    worker_site,
)

pytestmark = pytest.mark.django_db

EXPORT = Path(__file__).parent.parent / "fixtures" / "wordpress" / "tidewater.xml"


def wxr_file(content=None):
    data = content if content is not None else EXPORT.read_bytes()
    return SimpleUploadedFile("tidewater.WordPress.2026-11-24.xml", data, content_type="text/xml")


@pytest.fixture
def stored_videos(db):
    """The export's videos as Wagtail's embed cache would hold them: pages render with no network."""
    for url in ("https://www.youtube.com/watch?v=Qz7harbour1", "https://vimeo.com/76979871"):
        Embed.objects.create(url=url, hash=get_embed_hash(url), type="video", html="<iframe></iframe>")


def test_a_wordpress_export_is_checked_by_a_dry_run_then_imported(
    admin_client, blog_index, client, stored_videos
):
    response = upload(admin_client, wxr_file())
    job = BloggerImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/blogger-import/{job.pk}/"

    checked = admin_client.get(response["Location"])
    assert "Dry run: nothing was written" in text_of(checked)
    assert "(WordPress WXR 1.2 export)" in text_of(checked)
    assert summary_of(checked)["posts"] == "7 new, 0 updated, 0 unchanged"
    assert summary_of(checked)["spam comments skipped"] == "1"
    # Without the uploads folder the images stay where they are, and say so.
    assert "image kept at its external address: https://tidewater-almanac.example/wp-content/uploads" in (
        text_of(checked)
    )
    assert not BlogPostPage.objects.exists() and not Redirect.objects.exists()

    done = admin_client.get(admin_client.post(f"/admin/blogger-import/{job.pk}/start/")["Location"])
    assert "Imported (WordPress WXR 1.2 export) into “Blog”" in text_of(done)
    assert summary_of(done)["comments"] == "4 new, 0 updated, 0 unchanged"
    job.refresh_from_db()
    assert (job.status, job.progress, job.file) == (ImportStatus.FINISHED, 100, "")
    assert job.blog_url == "https://tidewater-almanac.example"
    assert "The quay reopens" in client.get("/blog/the-quay-reopens/").content.decode()
    assert client.get("/?p=15")["Location"] == "/blog/night-ferry-timetable/"


def test_a_wordpress_export_broken_late_fails_its_dry_run_and_keeps_nothing(admin_client, blog_index):
    broken = EXPORT.read_bytes().replace(b"</channel>", b"<item><title>cut off")
    job_url = upload(admin_client, wxr_file(broken))["Location"]
    failure = BeautifulSoup(admin_client.get(job_url).content, "html.parser").find(id="import-failure")
    assert "Malformed XML at line" in failure.get_text()
    assert BloggerImport.objects.get().status == ImportStatus.FAILED
    assert not BlogPostPage.objects.exists()


def test_a_worker_imports_a_wordpress_export_while_the_page_shows_its_progress(worker_site):  # noqa: F811
    admin = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw")
    browser = Client()
    browser.force_login(admin)
    job_url = upload(browser, wxr_file())["Location"]
    worker = Worker(free_port(), worker_id="wordpress-import-worker")
    try:
        wait_until(worker.started, "the worker to start")
        wait_until(lambda: BloggerImport.objects.get().status == ImportStatus.CHECKED, "the dry run")
        assert summary_of(browser.get(job_url))["posts"] == "7 new, 0 updated, 0 unchanged"
        browser.post(f"{job_url}start/")
        wait_until(lambda: BloggerImport.objects.get().status == ImportStatus.FINISHED, "the import")
    finally:
        assert worker.stop() == 0, "".join(worker.log)
    done = browser.get(job_url)
    assert summary_of(done)["comments"] == "4 new, 0 updated, 0 unchanged"
    assert BeautifulSoup(done.content, "html.parser").find(id="import-progress")["value"] == "100"
    assert XtdComment.objects.filter(is_public=True).count() == 3
    assert Client().get("/blog/night-ferry-timetable/").status_code == 200
