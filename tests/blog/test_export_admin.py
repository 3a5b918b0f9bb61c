"""Exporting the site from the Wagtail admin: the button, the background export, the download."""

from datetime import timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from wagtail.models import Site

from blog.export import jobs
from blog.models import ExportStatus, SiteExport

from ..export_helpers import NS, field, make_small_site, parse

pytestmark = pytest.mark.django_db

EXPORTS = Path(settings.MEDIA_ROOT) / jobs.EXPORT_FOLDER


@pytest.fixture(autouse=True)
def _no_exports_left_behind(db):
    before = stored_exports()
    yield
    for export in SiteExport.objects.all():
        jobs.remove_file(export)
    assert stored_exports() == before, "an export file was left in the private folder"


def stored_exports():
    return (
        sorted(str(p.relative_to(EXPORTS)) for p in EXPORTS.rglob("*") if p.is_file())
        if EXPORTS.exists()
        else []
    )


def text_of(response):
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def download_link(response):
    link = BeautifulSoup(response.content, "html.parser").select_one("#exports a[download]")
    return link["href"] if link else None


def test_the_button_exports_the_site_in_the_background_and_the_file_downloads(
    admin_client, home_page, blog_index, django_assert_max_num_queries
):
    site = make_small_site(home_page, blog_index)
    with django_assert_max_num_queries(12):
        page = admin_client.get("/admin/site-export/")
    assert page.status_code == 200 and "No exports yet." in text_of(page)
    assert "Export the site" in admin_client.get("/admin/").content.decode()

    # The test settings run tasks at once; in production a worker writes the file meanwhile.
    response = admin_client.post("/admin/site-export/")
    assert (response.status_code, response["Location"]) == (302, "/admin/site-export/")
    export = SiteExport.objects.get()
    assert export.status == ExportStatus.FINISHED and export.counts["posts"] == 6
    with django_assert_max_num_queries(12):
        listed = admin_client.get("/admin/site-export/")
    assert "Ready to download" in text_of(listed) and "6 posts, 7 comments" in text_of(listed)

    download = admin_client.get(download_link(listed))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="testserver-')
    channel, items = parse(b"".join(download.streaming_content))
    assert field(items[site.first.pk], "title") == "The first tide table"
    assert len(channel.findall("broadsheet:redirect", NS)) == 3


def test_a_second_click_while_an_export_is_under_way_queues_no_other(admin_client, blog_index):
    SiteExport.objects.create(site=Site.objects.get(is_default_site=True), status=ExportStatus.RUNNING)
    admin_client.post("/admin/site-export/")
    assert SiteExport.objects.count() == 1
    page = admin_client.get("/admin/site-export/")
    assert "An export is being written in the background" in text_of(page)
    assert BeautifulSoup(page.content, "html.parser").select_one("form button").has_attr("disabled")


def test_an_export_whose_worker_stopped_reporting_does_not_block_the_next(admin_client, blog_index):
    stalled = SiteExport.objects.create(
        site=Site.objects.get(is_default_site=True), status=ExportStatus.RUNNING
    )
    SiteExport.objects.filter(pk=stalled.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    admin_client.post("/admin/site-export/")
    assert SiteExport.objects.filter(status=ExportStatus.FINISHED).count() == 1
    page = admin_client.get("/admin/site-export/")
    assert "An export is being written" not in text_of(page)
    assert not BeautifulSoup(page.content, "html.parser").select_one("form button").has_attr("disabled")


def test_only_users_allowed_to_export_see_the_export(client, admin_client, blog_index):
    admin_client.post("/admin/site-export/")
    export = SiteExport.objects.get()
    editor = get_user_model().objects.create_user("ed", "ed@example.org", "pw")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    # Wagtail answers a refused admin page by sending the user back to the dashboard, saying so.
    for response in (
        client.get("/admin/site-export/"),
        client.post("/admin/site-export/"),
        client.get(f"/admin/site-export/{export.pk}/download/"),
    ):
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert SiteExport.objects.count() == 1
    assert "Export the site" not in client.get("/admin/").content.decode()

    editor.user_permissions.add(Permission.objects.get(codename="export_site"))
    assert client.get("/admin/site-export/").status_code == 200
    download = client.get(f"/admin/site-export/{export.pk}/download/")
    assert download.status_code == 200 and b"<wp:wxr_version>" in b"".join(download.streaming_content)


def test_a_download_that_is_not_there_is_a_404(admin_client, blog_index):
    assert admin_client.get("/admin/site-export/999/download/").status_code == 404
    admin_client.post("/admin/site-export/")
    export = SiteExport.objects.get()
    jobs.remove_file(export)
    export.save()
    assert admin_client.get(f"/admin/site-export/{export.pk}/download/").status_code == 404


def test_only_the_newest_exports_are_kept(admin_client, blog_index):
    for _ in range(jobs.KEEP + 2):
        admin_client.post("/admin/site-export/")
    assert SiteExport.objects.count() == jobs.KEEP
    assert len(stored_exports()) == jobs.KEEP
