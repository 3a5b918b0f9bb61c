"""Readers are routed from what each process remembers of the page tree, and see changes to it at once."""

import pytest
from wagtail.models import Site

from ..factories import make_post

pytestmark = pytest.mark.django_db


def test_renamed_blog_is_served_at_its_new_address_at_once(client, blog_index):
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    assert client.get("/blog/harbour-levy/").status_code == 200

    blog_index.slug = "journal"
    blog_index.save_revision().publish()

    assert client.get("/blog/harbour-levy/").status_code == 404
    response = client.get("/journal/harbour-levy/")
    assert response.status_code == 200
    assert "Harbour levy" in response.content.decode()


def test_unpublished_blog_disappears_at_once(client, blog_index):
    assert client.get("/blog/").status_code == 200
    blog_index.unpublish()
    assert client.get("/blog/").status_code == 404


def test_site_moved_to_another_host_stops_answering_the_old_one(client, blog_index, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "news.example.org"]
    assert client.get("/blog/").status_code == 200
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.is_default_site = "news.example.org", False
    site.save()

    assert client.get("/blog/").status_code == 404
    assert client.get("/blog/", HTTP_HOST="news.example.org").status_code == 200


def test_home_page_shows_a_retitled_blog_at_once(client, blog_index):
    assert blog_index.title in client.get("/").content.decode()
    blog_index.title = "The Harbour Journal"
    blog_index.save_revision().publish()
    assert "The Harbour Journal" in client.get("/").content.decode()


def test_made_up_host_names_cannot_grow_what_a_process_keeps(monkeypatch):
    from broadsheet.caching import local

    monkeypatch.setattr(local, "MAX_KEPT", 3)
    local.forget()
    for n in range(10):
        assert local.remembered(("site", f"host-{n}.example", 80), lambda n=n: n) == n
        assert len(local._kept["values"]) <= 3
    # What was dropped is loaded again when asked for, not lost.
    assert local.remembered(("site", "host-0.example", 80), lambda: "again") == "again"
