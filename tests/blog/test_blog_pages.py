"""What a reader sees on the home page, the blog index, tag and archive pages."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from wagtail.models import Page, PageViewRestriction, Site

from blog.models import BlogIndexPage, CommentSettings
from broadsheet.pagination import ListingPaginator
from home.models import HomePage

from ..comment_helpers import submit_comment
from ..conftest import clear_caches
from ..factories import make_author, make_blog_index, make_post

pytestmark = pytest.mark.django_db


def test_index_lists_live_posts_newest_first_with_date_authors_and_tags(client, blog_index):
    author = make_author("Maren Okafor")
    make_post(blog_index, "Older post", date="2015-11-02 10:00", tags=["Budget"], authors=[author])
    make_post(blog_index, "Newer post", date="2016-01-04 10:00", intro="A short summary.")
    response = client.get("/blog/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Newer post") < html.index("Older post")
    assert "Monday, November 2, 2015" in html
    assert "Maren Okafor" in html
    assert 'href="/blog/tag/budget/"' in html
    assert "A short summary." in html
    assert "Read more" in html


def test_home_page_shows_latest_posts(client, blog_index):
    make_post(blog_index, "Fresh analysis")
    response = client.get("/")
    assert response.status_code == 200
    assert "Fresh analysis" in response.content.decode()


def test_index_paginates_ten_a_page(client, blog_index):
    for n in range(12):
        make_post(blog_index, f"Numbered post {n:02d}", date=f"2020-01-{n + 1:02d} 09:00")
    first = client.get("/blog/").content.decode()
    second = client.get("/blog/?page=2").content.decode()
    assert "Numbered post 11" in first and "Numbered post 02" in first
    assert "Numbered post 01" not in first
    assert "Numbered post 01" in second and "Numbered post 00" in second
    assert "Page 2 of 2" in second


# The page cache is off here: each listing's cards are kept on their own until what they show changes.
def test_listing_cards_show_new_comments_titles_and_names_at_once(client, blog_index):
    CommentSettings.objects.create(site_id=blog_index.get_site().pk, hold_first_comments=False)
    author = make_author("Ilse Varga")
    post = make_post(blog_index, "Harbour levy", slug="harbour-levy", tags=["Quay"], authors=[author])
    listings = ["/", "/blog/", "/blog/tag/quay/", "/blog/2024/05/", "/blog/author/ilse-varga/"]

    def listings_without(markup):
        return [url for url in listings if markup not in client.get(url).content.decode()]

    assert listings_without('#comments">No comments</a>') == []

    assert submit_comment(Client(), "/blog/harbour-levy/", "The levy is back.").status_code == 302
    assert listings_without('#comments">1 comment</a>') == []

    post.title = "Harbour levy doubled"
    post.save_revision().publish()
    assert listings_without('<a href="/blog/harbour-levy/">Harbour levy doubled</a></h2>') == []

    author.name = "Ilse Varga-Moss"
    author.save()
    assert listings_without('rel="author" href="/blog/author/ilse-varga/">Ilse Varga-Moss</a>') == []

    tag = post.tags.get()
    tag.name = "Quayside"
    tag.save()
    assert listings_without('class="tag" rel="tag" href="/blog/tag/quay/">Quayside</a>') == []


def test_deep_pages_list_the_right_posts_newest_first(client, blog_index, monkeypatch):
    for n in range(35):
        make_post(blog_index, f"Numbered post {n:02d}", date=f"2020-01-{n % 28 + 1:02d} {9 + n // 28:02d}:00")
    # Posts 28-34 share days with posts 0-6, an hour later: newest first is by date, then by time.
    newest_first = sorted(range(35), key=lambda n: (n % 28, n // 28), reverse=True)
    # One page a chunk too: every page's keys are kept (and read back) apart from the others'.
    for chunk_pages in (ListingPaginator.CHUNK_PAGES, 1):
        monkeypatch.setattr(ListingPaginator, "CHUNK_PAGES", chunk_pages)
        clear_caches()  # nothing kept from the other chunk size
        for page in (1, 3, 4):
            html = client.get(f"/blog/?page={page}").content.decode()
            expected = newest_first[(page - 1) * 10 : page * 10]
            titles = [f"Numbered post {n:02d}" for n in expected]
            positions = [html.index(title) for title in titles]
            assert positions == sorted(positions), f"page {page} out of order ({chunk_pages} a chunk)"
            assert html.count("Numbered post") == len(titles) * 2  # the title and the hidden read-more text
            assert f"Page {page} of 4" in html


def test_page_count_follows_publishing_at_once(client, blog_index):
    posts = [make_post(blog_index, f"Post {n}", date=f"2020-01-{n + 1:02d} 09:00") for n in range(10)]
    assert "Page 1 of" not in client.get("/blog/").content.decode()
    make_post(blog_index, "One more", date="2020-02-01 09:00")
    assert "Page 1 of 2" in client.get("/blog/").content.decode()
    assert client.get("/blog/?page=2").status_code == 200
    posts[0].unpublish()
    assert "Page 1 of" not in client.get("/blog/").content.decode()
    assert client.get("/blog/?page=2").status_code == 404


@pytest.mark.parametrize(
    ("query", "status"),
    [("abc", 200), ("", 200), ("-1", 404), ("0", 404), ("99999", 404), ("2", 404)],
)
def test_bad_page_numbers_give_page_one_or_404(client, blog_index, query, status):
    make_post(blog_index, "Only post")
    response = client.get(f"/blog/?page={query}")
    assert response.status_code == status
    if status == 200:
        assert "Only post" in response.content.decode()
    else:
        assert "Page not found" in response.content.decode()


def test_tag_page_lists_only_tagged_posts(client, blog_index):
    make_post(blog_index, "About transit", tags=["Transit"])
    make_post(blog_index, "About housing", tags=["Housing"])
    response = client.get("/blog/tag/transit/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Posts labelled “Transit”" in html
    assert "About transit" in html
    assert "About housing" not in html


def test_label_links_on_cards_and_posts_lead_to_their_tag_pages(client, blog_index):
    from taggit.models import Tag

    post = make_post(blog_index, "Market day", slug="market-day", tags=["Économie locale", "Transit"])
    tags = {tag.name: tag for tag in Tag.objects.all()}
    for page_url in ("/", "/blog/", "/blog/market-day/", "/search/?q=market"):
        html = client.get(page_url).content.decode()
        for name, tag in tags.items():
            expected = blog_index.url + blog_index.reverse_subpage("tag_view", args=[tag.slug])
            link = re.search(rf'<a class="tag" rel="tag" href="([^"]+)">{name}</a>', html)
            assert link, f"{name} not linked on {page_url}"
            assert link.group(1) == iri_to_uri(expected)
            assert post.title in client.get(link.group(1)).content.decode()


def test_a_renamed_or_deleted_label_shows_at_once_on_its_page_and_the_cards(client, blog_index):
    post = make_post(blog_index, "Harbour levy", slug="harbour-levy", tags=["Quay", "Levy"])
    assert "Posts labelled “Quay”" in client.get("/blog/tag/quay/").content.decode()

    tag = post.tags.get(slug="quay")
    tag.name = "Quayside"
    tag.save()
    assert "Posts labelled “Quayside”" in client.get("/blog/tag/quay/").content.decode()

    tag.delete()
    assert client.get("/blog/tag/quay/").status_code == 404
    for url in ("/blog/", "/blog/tag/levy/", "/"):
        html = client.get(url).content.decode()
        assert "Levy</a>" in html and "Quayside" not in html, url


def test_unknown_tag_is_a_404_in_the_site_design(client, blog_index):
    response = client.get("/blog/tag/no-such-label/")
    assert response.status_code == 404
    assert 'class="site-header"' in response.content.decode()


def test_case_variants_of_a_label_are_one_tag(blog_index):
    make_post(blog_index, "First", tags=["ISIS"])
    second = make_post(blog_index, "Second", tags=["isis"])
    assert [t.name for t in second.tags.all()] == ["ISIS"]


def test_year_and_month_archives(client, blog_index):
    make_post(blog_index, "October post", date="2015-10-20 09:00")
    make_post(blog_index, "November post", date="2015-11-02 09:00")
    make_post(blog_index, "Next year post", date="2016-02-01 09:00")
    year = client.get("/blog/2015/").content.decode()
    month = client.get("/blog/2015/11/").content.decode()
    assert "October post" in year and "November post" in year and "Next year post" not in year
    assert "Posts from November 2015" in month
    assert "November post" in month and "October post" not in month


@pytest.mark.parametrize("url", ["/blog/2015/13/", "/blog/2015/00/", "/blog/no-such-post/"])
def test_impossible_archive_dates_and_unknown_slugs_are_404(client, blog_index, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_sidebar_counts_posts_by_year_month_and_label(client, blog_index):
    make_post(blog_index, "A", date="2015-11-02 09:00", tags=["Budget"])
    make_post(blog_index, "B", date="2015-11-20 09:00", tags=["Budget", "Council"])
    make_post(blog_index, "C", date="2016-01-05 09:00", tags=["Council"])
    html = client.get("/blog/").content.decode()
    assert 'href="/blog/2015/">2015</a> <span class="count">(2)</span>' in html
    assert 'href="/blog/2015/11/">November</a> <span class="count">(2)</span>' in html
    assert 'href="/blog/2016/01/">January</a> <span class="count">(1)</span>' in html
    assert 'href="/blog/tag/budget/">Budget</a> <span class="count">(2)</span>' in html
    assert 'href="/blog/tag/council/">Council</a> <span class="count">(2)</span>' in html


def test_sidebar_is_refreshed_when_a_post_is_published(client, blog_index):
    make_post(blog_index, "A", date="2015-11-02 09:00", tags=["Budget"])
    client.get("/blog/")
    make_post(blog_index, "B", date="2015-11-03 09:00", tags=["Budget"])
    html = client.get("/blog/").content.decode()
    assert 'href="/blog/tag/budget/">Budget</a> <span class="count">(2)</span>' in html


def test_drafts_and_scheduled_posts_are_invisible_to_readers(client, blog_index):
    make_post(blog_index, "Public post", tags=["Budget"], date="2015-11-02 09:00")
    make_post(blog_index, "Secret draft", tags=["Budget"], date="2015-11-03 09:00", publish=False)
    make_post(
        blog_index,
        "Future post",
        tags=["Budget"],
        date="2015-11-04 09:00",
        go_live_at=timezone.now() + timedelta(days=3),
    )
    for url in [
        "/",
        "/blog/",
        "/blog/tag/budget/",
        "/blog/2015/",
        "/blog/2015/11/",
        "/blog/feed/",
        "/blog/feed/atom/",
        "/sitemap.xml",
        "/sitemap-pages.xml",
    ]:
        body = client.get(url).content.decode()
        assert "Secret draft" not in body and "secret-draft" not in body, url
        assert "Future post" not in body and "future-post" not in body, url
    assert client.get("/blog/secret-draft/").status_code == 404
    assert client.get("/blog/future-post/").status_code == 404
    assert 'Budget</a> <span class="count">(1)</span>' in client.get("/blog/").content.decode()


def test_reader_text_is_escaped(client, blog_index):
    make_post(blog_index, "<script>alert(1)</script>", intro="<b>bold?</b>", tags=["<i>x</i>"])
    html = client.get("/blog/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html


LISTINGS = ["/blog/", "/blog/tag/news/", "/blog/2020/", "/blog/2020/01/", "/"]


def test_listing_query_count_does_not_grow_with_posts(client, blog_index, django_assert_max_num_queries):
    def add_posts(total):
        for n in range(total):
            make_post(
                blog_index,
                f"Post {total}-{n}",
                date=f"2020-01-{n % 28 + 1:02d} 09:00",
                tags=["news", f"topic-{n}"],
                authors=[make_author(f"Author {n % 3}")],
            )

    def cold_queries(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        clear_caches()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        return len(queries)

    add_posts(10)
    few = {url: cold_queries(url) for url in LISTINGS}
    add_posts(20)
    for url in LISTINGS:
        assert cold_queries(url) == few[url], url
        with django_assert_max_num_queries(14):
            client.get(url)


def nav_links(html):
    """The links of the main navigation."""
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.DOTALL).group(0)
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav)


def test_home_search_and_nav_link_to_the_sites_first_live_public_blog(client, home_page, settings):
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    home_page.add_child(instance=BlogIndexPage(title="Drafts", slug="drafts", live=False))
    members = make_blog_index(home_page, title="Members", slug="members")
    PageViewRestriction.objects.create(page=members, restriction_type="password", password="secret")
    make_post(make_blog_index(home_page, title="Notebook", slug="notebook"), "Fresh analysis")
    other_home = Page.get_first_root_node().add_child(instance=HomePage(title="Other", slug="other"))
    other_home.save_revision().publish()
    make_post(make_blog_index(other_home, title="Notes", slug="notes"), "Other analysis")
    Site.objects.create(hostname="other.example", port=80, root_page=other_home)

    for host, blog in [("testserver", ("/notebook/", "Notebook")), ("other.example", ("/notes/", "Notes"))]:
        for url in ["/", "/search/?q=analysis", "/no-such-page/"]:
            html = client.get(url, HTTP_HOST=host).content.decode()
            assert blog in nav_links(html), (host, url)
        home = client.get("/", HTTP_HOST=host).content.decode()
        assert f'<a href="{blog[0]}">All posts →</a>' in home
