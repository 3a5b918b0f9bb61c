"""Importing from Blogger in the Wagtail admin: upload, dry run, start, progress, summary."""

import io
import re
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, Site

from blog.blogger import jobs
from blog.models import BloggerImport, BlogIndexPage, BlogPostPage, ImportStatus
from home.models import HomePage

from ..blogger_helpers import FIXTURES
from ..conftest import only_site_home
from ..factories import make_blog_index
from ..task_helpers import DATABASE_TASKS, Worker, free_port, wait_until

pytestmark = pytest.mark.django_db

UPLOADS = Path(settings.MEDIA_ROOT) / jobs.UPLOAD_FOLDER


@pytest.fixture(autouse=True)
def _no_uploads_left_behind():
    before = stored_uploads()
    yield
    assert stored_uploads() == before, "an upload was left in the private folder"


def stored_uploads():
    return sorted(str(path.relative_to(UPLOADS)) for path in UPLOADS.rglob("*")) if UPLOADS.exists() else []


def export_file(name="blog-11-25-2026.xml", content=None):
    data = content if content is not None else (FIXTURES / "classic.xml").read_bytes()
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def upload(client, export, **fields):
    return client.post("/admin/blogger-import/", {"export": export, **fields})


def text_of(response):
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def summary_of(response):
    section = BeautifulSoup(response.content, "html.parser").find(id="import-summary")
    return {row.th.get_text(): row.td.get_text() for row in section.find_all("tr")}


def test_upload_is_checked_by_a_dry_run_then_imported_and_ends_with_the_summary(
    admin_client, blog_index, client
):
    response = upload(admin_client, export_file())
    job = BloggerImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/blogger-import/{job.pk}/"

    # The dry run ran as a task (the test settings run tasks at once): its summary, nothing written.
    checked = admin_client.get(response["Location"])
    assert job.__class__.objects.get().status == ImportStatus.CHECKED
    assert "Dry run: nothing was written" in text_of(checked)
    assert summary_of(checked)["posts"] == "3 new, 0 updated, 0 unchanged"
    assert summary_of(checked)["static pages"] == "1 new, 0 updated, 0 unchanged"
    assert "image kept at its external address: https://pictures.example.net/quay.png" in text_of(checked)
    assert "Start the import" in text_of(checked)
    assert not BlogPostPage.objects.exists() and not Redirect.objects.exists()

    started = admin_client.post(f"/admin/blogger-import/{job.pk}/start/")
    assert started.status_code == 302
    done = admin_client.get(started["Location"])
    page = BeautifulSoup(done.content, "html.parser")
    assert page.find(id="import-progress")["value"] == "100" and "100%" in page.find(id="import-percent").text
    assert "Imported (classic Atom export) into “Blog”" in text_of(done)
    assert summary_of(done)["posts"] == "3 new, 0 updated, 0 unchanged"
    assert summary_of(done)["redirects created"] == str(Redirect.objects.count())
    assert '<meta http-equiv="refresh"' not in done.content.decode()
    job.refresh_from_db()
    assert (job.status, job.progress, job.file) == (ImportStatus.FINISHED, 100, "")
    assert job.blog_url == "https://alderledger.blogspot.com/"
    assert "The levy vote" in client.get("/blog/levy-vote/").content.decode()


def test_the_command_prints_the_summary_the_admin_shows(admin_client, blog_index, tmp_path):
    export = tmp_path / "export.xml"
    export.write_bytes((FIXTURES / "classic.xml").read_bytes())
    out = io.StringIO()
    call_command("import_blogger", str(export), "--dry-run", stdout=out)
    printed = out.getvalue()
    upload(admin_client, export_file())
    shown = summary_of(admin_client.get(f"/admin/blogger-import/{BloggerImport.objects.get().pk}/"))
    for name, value in shown.items():
        assert re.search(rf"{re.escape(name)}:\s+{re.escape(value)}\n", printed), name
    assert jobs.discard(BloggerImport.objects.get())


def test_an_empty_install_takes_the_import_from_the_admin(admin_client, client, empty_install):
    welcome = empty_install
    form = admin_client.get("/admin/blogger-import/")
    assert "This site has no blog yet" in text_of(form)

    job_url = upload(admin_client, export_file())["Location"]
    assert not BlogIndexPage.objects.exists()  # the dry run made nothing
    admin_client.post(f"{job_url}start/")

    home = HomePage.objects.get()
    blog = BlogIndexPage.objects.get()
    site = Site.objects.get(is_default_site=True)
    assert (home.title, blog.title, site.site_name, site.root_page_id) == (
        "The Alder Ledger",
        "The Alder Ledger",
        "The Alder Ledger",
        home.pk,
    )
    assert not Page.objects.filter(pk=welcome.pk).exists()
    front = client.get("/")
    assert front.status_code == 200 and "The levy vote" in front.content.decode()
    assert '<a class="site-title" href="/">The Alder Ledger</a>' in front.content.decode()
    assert client.get("/2015/11/levy-vote.html")["Location"] == "/blog/levy-vote/"


def test_a_second_import_into_the_same_site_is_refused_while_one_runs(admin_client, blog_index):
    site = blog_index.get_site()
    running = jobs.create(site, blog_index=blog_index, status=ImportStatus.IMPORTING, original_name="one.xml")
    response = upload(admin_client, export_file())
    assert response.status_code == 409
    assert "Another import into this site (one.xml" in text_of(response)
    assert list(BloggerImport.objects.values_list("pk", flat=True)) == [running.pk]

    # A checked export cannot start while the other runs either; once it has finished, it can.
    checked = jobs.create(site, blog_index=blog_index, status=ImportStatus.CHECKED, original_name="two.xml")
    with pytest.raises(jobs.ImportBusy):
        jobs.create(site, blog_index=blog_index, status=ImportStatus.CHECKING)
    refused = admin_client.post(f"/admin/blogger-import/{checked.pk}/start/")
    assert refused.status_code == 409 and "still being checked or imported" in text_of(refused)
    checked.refresh_from_db()
    assert checked.status == ImportStatus.CHECKED
    jobs.finish(running, ImportStatus.FINISHED)
    assert jobs.start(checked)


def test_the_command_waits_its_turn_too(blog_index, tmp_path):
    jobs.create(blog_index.get_site(), blog_index=blog_index, status=ImportStatus.CHECKING)
    with pytest.raises(CommandError, match="Another import into this site"):
        call_command("import_blogger", str(FIXTURES / "classic.xml"), stdout=io.StringIO())
    assert not BlogPostPage.objects.exists()


def zip_of(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


BAD_UPLOADS = {
    "an image": (
        "photo.xml",
        b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
        400,
        "This is not a Blogger or WordPress export: the file is neither XML",
    ),
    "another XML document": (
        "feed.atom",
        b"<rss version='2.0'><channel><title>x</title></channel></rss>",
        400,
        "Not a Blogger export: the document is <rss>, not an Atom <feed>",
    ),
    "a DTD": (
        "export.xml",
        b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]><feed>&x;</feed>',
        400,
        "Refused: the file declares a DTD or entities",
    ),
    "a zip without a feed": (
        "takeout.zip",
        zip_of({"Takeout/Blogger/Albums/x/ferry.png": b"png"}),
        400,
        "The zip holds no Blogger feed (feed.atom or an .xml export)",
    ),
    "a zip reaching outside its folders": (
        "takeout.zip",
        zip_of({"../../feed.atom": (FIXTURES / "feed.atom").read_bytes()}),
        400,
        "Refused: the zip names a file outside its folders (../../feed.atom)",
    ),
}


@pytest.mark.parametrize("name", BAD_UPLOADS)
def test_bad_uploads_are_refused_with_a_message_and_nothing_is_stored(admin_client, blog_index, name):
    filename, data, status, message = BAD_UPLOADS[name]
    response = upload(admin_client, export_file(filename, data))
    assert response.status_code == status
    assert message in BeautifulSoup(response.content, "html.parser").find(id="import-error").get_text()
    assert not BloggerImport.objects.exists() and not BlogPostPage.objects.exists()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(admin_client, blog_index, settings):
    settings.BLOGGER_IMPORT_MAX_FEED_MB = 1
    feed = (FIXTURES / "feed.atom").read_bytes().replace(b"</feed>", b" " * (3 * 2**20) + b"</feed>")
    bomb = zip_of({"Takeout/Blogger/Blogs/Quayside Notes/feed.atom": feed})
    assert len(bomb) < 2**20 / 10  # spaces compress a thousandfold
    response = upload(admin_client, export_file("takeout.zip", bomb))
    assert response.status_code == 400
    assert "unpacks to 3 MB, more than the 1 MB allowed" in text_of(response)
    assert not BloggerImport.objects.exists()


def test_an_upload_larger_than_allowed_is_refused_unread(admin_client, blog_index, settings):
    settings.BLOGGER_IMPORT_MAX_UPLOAD_MB = 1
    for size in (2 * 2**20 + 10, 2**20 + 10):  # past the request limit, then past the file limit
        response = upload(admin_client, export_file(content=b"<feed>" + b" " * size))
        assert response.status_code == 413, size
        assert "larger than the 1 MB an export may be" in text_of(response)
    assert not BloggerImport.objects.exists()


def test_an_export_broken_late_in_the_file_fails_its_dry_run_and_keeps_nothing(admin_client, blog_index):
    broken = (FIXTURES / "classic.xml").read_bytes().replace(b"</feed>", b"<entry><title>cut off")
    job_url = upload(admin_client, export_file(content=broken))["Location"]
    response = admin_client.get(job_url)
    failure = BeautifulSoup(response.content, "html.parser").find(id="import-failure").get_text()
    assert "Malformed XML at line" in failure
    assert "Start the import" not in text_of(response)
    assert BloggerImport.objects.get().status == ImportStatus.FAILED
    assert not BlogPostPage.objects.exists()


def test_a_checked_export_can_be_discarded(admin_client, blog_index):
    job_url = upload(admin_client, export_file())["Location"]
    response = admin_client.post(f"{job_url}discard/", follow=True)
    assert "Discarded" in text_of(response) and "Start the import" not in text_of(response)
    assert admin_client.post(f"{job_url}start/").status_code == 409
    assert not BlogPostPage.objects.exists()


def test_only_users_allowed_to_import_see_the_import(client, blog_index):
    editor = get_user_model().objects.create_user("ed", "ed@example.org", "pw")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    # Wagtail answers a refused admin page by sending the user back to the dashboard, saying so.
    for response in (client.get("/admin/blogger-import/"), upload(client, export_file())):
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert "you do not have permission" in text_of(client.get("/admin/blogger-import/", follow=True))
    assert not BloggerImport.objects.exists()
    assert "Import a blog" not in client.get("/admin/").content.decode()
    editor.user_permissions.add(Permission.objects.get(codename="import_blogger"))
    assert client.get("/admin/blogger-import/").status_code == 200
    assert "Import a blog" in client.get("/admin/").content.decode()


@pytest.fixture
def worker_site(transactional_db, settings):
    """A home page and blog in rows a worker process can read, and the queue in the database."""
    settings.TASKS = DATABASE_TASKS
    return make_blog_index(only_site_home())


def test_a_worker_runs_the_dry_run_and_the_import_while_the_page_shows_its_progress(worker_site):
    admin = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw")
    browser = Client()
    browser.force_login(admin)
    job_url = upload(browser, export_file())["Location"]
    waiting = browser.get(job_url)
    # Queued: the page says what it waits for, shows the bar and reloads itself.
    assert '<meta http-equiv="refresh" content="2">' in waiting.content.decode()
    assert BeautifulSoup(waiting.content, "html.parser").find(id="import-progress") is not None

    worker = Worker(free_port(), worker_id="import-worker")
    try:
        wait_until(worker.started, "the worker to start")
        job = BloggerImport.objects.get()
        wait_until(lambda: BloggerImport.objects.get().status == ImportStatus.CHECKED, "the dry run")
        assert "3 new, 0 updated" in summary_of(browser.get(job_url))["posts"]
        browser.post(f"{job_url}start/")
        seen = set()

        def finished():
            page = BeautifulSoup(browser.get(job_url).content, "html.parser")
            seen.add(int(page.find(id="import-progress")["value"]))
            return BloggerImport.objects.get().status == ImportStatus.FINISHED

        wait_until(finished, "the import")
    finally:
        assert worker.stop() == 0, "".join(worker.log)
    done = browser.get(job_url)
    assert summary_of(done)["posts"] == "3 new, 0 updated, 0 unchanged"
    assert BeautifulSoup(done.content, "html.parser").find(id="import-progress")["value"] == "100"
    assert max(seen) <= 100
    job.refresh_from_db()
    assert job.progress == 100 and job.stage == "Done"
    assert Client().get("/blog/levy-vote/").status_code == 200
