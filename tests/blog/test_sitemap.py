"""The sitemap index, its pages and robots.txt: every live public page, cheaply, in small documents."""

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date
from wagtail.models import Page, PageViewRestriction, Site

from blog.sitemaps import PageSitemap
from home.models import HomePage

from ..factories import make_blog_index, make_post

pytestmark = pytest.mark.django_db
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def index_entries(client, **headers):
    response = client.get("/sitemap.xml", **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    root = ET.fromstring(response.content)
    assert root.tag == f"{NS}sitemapindex"
    return [(e.findtext(f"{NS}loc"), e.findtext(f"{NS}lastmod")) for e in root.findall(f"{NS}sitemap")]


def sitemap_page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    root = ET.fromstring(response.content)
    assert root.tag == f"{NS}urlset"
    return response, [(e.findtext(f"{NS}loc"), e.findtext(f"{NS}lastmod")) for e in root.findall(f"{NS}url")]


def all_locations(client):
    locations = []
    for loc, _ in index_entries(client):
        locations += [url for url, _ in sitemap_page(client, loc)[1]]
    return locations


def test_index_points_at_a_page_that_lists_live_pages_with_their_wagtail_urls(client, home_page, blog_index):
    post = make_post(blog_index, "In the sitemap")
    unicode_post = make_post(blog_index, "Café notes", slug="café-notes")
    make_post(blog_index, "Not in the sitemap", publish=False)
    entries = index_entries(client)
    assert [loc for loc, _ in entries] == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-authors.xml",  # the page of the posts' author
    ]
    response, urls = sitemap_page(client, entries[0][0])
    expected = [page.get_full_url() for page in (home_page, blog_index, post, unicode_post)]
    assert [loc for loc, _ in urls] == expected
    assert expected[0] == "http://testserver/" and "caf%C3%A9-notes" in expected[3]
    post.refresh_from_db()
    lastmod = datetime.fromisoformat(dict(urls)[post.get_full_url()])
    assert lastmod == post.last_published_at.replace(microsecond=0)
    assert response["X-Robots-Tag"] == "noindex, noodp, noarchive"


def test_drafts_and_private_sections_stay_out(client, home_page, blog_index):
    make_post(blog_index, "Open letter", slug="open-letter")
    hidden = make_post(blog_index, "Members only", slug="members-only")
    make_post(blog_index, "A draft", slug="a-draft", publish=False)
    PageViewRestriction.objects.create(page=hidden, restriction_type=PageViewRestriction.LOGIN)
    locations = all_locations(client)
    assert "http://testserver/blog/open-letter/" in locations
    assert not any("members-only" in loc or "a-draft" in loc for loc in locations)

    PageViewRestriction.objects.create(
        page=blog_index, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    assert all_locations(client) == ["http://testserver/"]


def test_a_big_blog_is_split_into_pages_each_with_its_own_dates(client, blog_index, monkeypatch):
    monkeypatch.setattr(PageSitemap, "limit", 3)
    posts = [make_post(blog_index, f"Post {n}", slug=f"post-{n}") for n in range(6)]
    long_ago = timezone.make_aware(datetime(2021, 3, 4, 5, 6))
    Page.objects.filter(pk=posts[0].pk).update(last_published_at=long_ago)
    entries = index_entries(client)
    assert [loc for loc, _ in entries] == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-pages.xml?p=2",
        "http://testserver/sitemap-pages.xml?p=3",
        "http://testserver/sitemap-authors.xml",
    ]
    # Home, blog and post 0 on page 1: its date is the blog's, not the edited post's.
    blog_index.refresh_from_db()
    assert entries[0][1] == blog_index.last_published_at.isoformat()
    listed = []
    for loc, lastmod in entries:
        response, urls = sitemap_page(client, loc)
        assert len(urls) <= 3
        assert response["Last-Modified"] == http_date(datetime.fromisoformat(lastmod).timestamp())
        listed += [url for url, _ in urls]
    assert listed == [
        "http://testserver/",
        "http://testserver/blog/",
        *[p.get_full_url() for p in posts],
        "http://testserver/blog/author/ada-writer/",
    ]


def test_sitemap_pages_answer_conditional_requests_and_bad_numbers(client, blog_index):
    make_post(blog_index, "Dated")
    for url in ("/sitemap-pages.xml", "/sitemap.xml"):
        last_modified = client.get(url)["Last-Modified"]
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert client.get("/sitemap-pages.xml?p=2").status_code == 404
    assert client.get("/sitemap-pages.xml?p=two").status_code == 404
    assert client.get("/sitemap-posts.xml").status_code == 404


def test_sitemap_queries_stay_few_and_flat_as_the_blog_grows(
    client, blog_index, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(PageSitemap, "limit", 5)
    urls = ["/sitemap.xml", "/sitemap-pages.xml", "/sitemap-pages.xml?p=2"]

    def counts():
        for url in urls:
            client.get(url)  # fills the caches a first visitor fills (view restrictions)
        found = {}
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found[url] = len(queries)
        return found

    for n in range(8):
        make_post(blog_index, f"Early {n}", slug=f"early-{n}")
    few = counts()
    for n in range(12):
        make_post(blog_index, f"Later {n}", slug=f"later-{n}")
    assert counts() == few
    make_post(blog_index, "Latest", slug="latest")  # listings change: each page is made again
    for url, ceiling in zip(urls, (2, 2, 2), strict=True):
        with django_assert_max_num_queries(ceiling):
            assert client.get(url).status_code == 200
    # The index, the authors and each page's document are kept until listings change; a page
    # made again reads its own rows only (no count of the whole site, no OFFSET past the pages before it).
    for url, ceiling in [*zip(urls, (0, 0, 0), strict=True), ("/sitemap-authors.xml", 0)]:
        with django_assert_max_num_queries(ceiling):
            assert client.get(url).status_code == 200


def test_every_page_is_listed_once_in_tree_order_as_posts_come_and_go(
    client, home_page, blog_index, monkeypatch
):
    monkeypatch.setattr(PageSitemap, "limit", 3)
    posts = [make_post(blog_index, f"Post {n}", slug=f"post-{n}") for n in range(7)]

    def listed():
        return [loc for loc in all_locations(client) if "/author/" not in loc]

    expected = [home_page.get_full_url(), blog_index.get_full_url(), *[p.get_full_url() for p in posts]]
    assert listed() == expected
    # A page published after the index was read moves the pages' boundaries; unpublished, it goes.
    posts.append(make_post(blog_index, "Post 7", slug="post-7"))
    posts[2].unpublish()
    expected = [home_page.get_full_url(), blog_index.get_full_url(), *[p.get_full_url() for p in posts]]
    del expected[4]
    assert listed() == expected
    assert len(index_entries(client)) == 3 + 1  # eight pages by three, and the authors


def test_each_site_lists_its_own_pages(client, home_page, blog_index, settings):
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    make_post(blog_index, "Main site post", slug="main-post")
    other_home = Page.get_first_root_node().add_child(instance=HomePage(title="Other", slug="other"))
    other_home.save_revision().publish()
    other_blog = make_blog_index(other_home, title="Other blog", slug="notes")
    other_post = make_post(other_blog, "Other site post", slug="other-post")
    Site.objects.create(hostname="other.example", port=80, root_page=other_home)

    assert all_locations(client) == [
        "http://testserver/",
        "http://testserver/blog/",
        "http://testserver/blog/main-post/",
        "http://testserver/blog/author/ada-writer/",
    ]
    response = client.get("/sitemap.xml", HTTP_HOST="other.example")
    pages, authors = [e.text for e in ET.fromstring(response.content).iter(f"{NS}loc")]
    assert (pages, authors) == (
        "http://other.example/sitemap-pages.xml",
        "http://other.example/sitemap-authors.xml",
    )
    other_client = client.__class__(HTTP_HOST="other.example")
    _, urls = sitemap_page(other_client, pages)
    assert [url for url, _ in urls] == [
        "http://other.example/",
        "http://other.example/notes/",
        other_post.get_full_url(),
    ]
    _, urls = sitemap_page(other_client, authors)
    assert [url for url, _ in urls] == ["http://other.example/notes/author/ada-writer/"]


def test_robots_txt_names_the_sitemap_index(client, home_page):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    assert client.get("/sitemap.xml").status_code == 200


@override_settings(PAGE_CACHE_SECONDS=600)
def test_sitemap_pages_are_cached_with_their_headers_and_refreshed_on_publish(client, blog_index):
    make_post(blog_index, "First", slug="first")
    first = client.get("/sitemap-pages.xml?p=1")
    assert first["X-Page-Cache"] == "miss"
    again = client.get("/sitemap-pages.xml?p=1")
    assert again["X-Page-Cache"] == "hit"
    assert again["Last-Modified"] == first["Last-Modified"] and again["X-Robots-Tag"]
    not_modified = client.get("/sitemap-pages.xml?p=1", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert not_modified.status_code == 304 and not_modified["X-Page-Cache"] == "hit"
    assert not_modified.content == b""
    make_post(blog_index, "Second", slug="second")
    assert b"/blog/second/" in client.get("/sitemap-pages.xml?p=1").content
