"""Every reader page renders in a small number of queries, however big the blog grows."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from ..factories import add_posts, make_author, make_comment, make_post, paragraph

pytestmark = pytest.mark.django_db

BUDGET = 10

READER_URLS = [
    "/",
    "/blog/",
    "/blog/?page=2",
    "/blog/post-0/",
    "/blog/tag/news/",
    "/blog/2020/",
    "/blog/2020/01/",
    "/blog/author/author-0/",
    "/blog/author/author-0/?page=2",
    "/blog/feed/",
    "/blog/feed/atom/",
    "/blog/feed/json/",
    "/blog/tag/news/feed/",
    "/blog/tag/news/feed/atom/",
    "/blog/author/author-0/feed/",
    "/blog/author/author-0/feed/atom/",
    "/sitemap.xml",
    "/sitemap-pages.xml",
    "/sitemap-authors.xml",
    "/robots.txt",
    "/search/?q=harbour",
]


def queries_per_page(client):
    """Queries per page once the caches a first visitor fills (sidebar, site roots) are warm."""
    for url in READER_URLS:
        client.get(url)
    counts = {}
    for url in READER_URLS:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(queries)
    return counts


# The most the main reader pages may cost once a process has served one request. The page tree's top
# (site, home, blog), each listing's order and the cards of each of its pages, the label or author
# a listing is for, a post's previous and next posts, a search's match and label counts, which
# posts a results page ranks, their snippets and its cards, and each feed as a whole are kept until
# what they show changes, so: a listing, a post (found by its address, with its thread), a search
# seen before, a feed and the sitemap's index, authors and pages are nothing.
TIGHT_BUDGETS = {
    "/": 0,
    "/blog/": 0,
    "/blog/?page=2": 0,
    "/blog/post-0/": 0,
    "/blog/tag/news/": 0,
    "/blog/2020/01/": 0,
    "/blog/author/author-0/": 0,
    "/blog/author/author-0/?page=2": 0,
    "/blog/feed/": 0,
    "/blog/feed/atom/": 0,
    "/blog/feed/json/": 0,
    "/blog/tag/news/feed/": 0,
    "/blog/author/author-0/feed/atom/": 0,
    "/sitemap.xml": 0,
    "/sitemap-pages.xml": 0,
    "/sitemap-authors.xml": 0,
    "/search/?q=harbour": 0,
}


def test_reader_pages_keep_a_constant_small_query_budget_and_the_main_ones_a_tight_one(client, blog_index):
    add_posts(blog_index, 0, 11)
    few = queries_per_page(client)
    add_posts(blog_index, 11, 10)
    many = queries_per_page(client)
    # Flat: more posts, labels and comments cost no more queries.
    assert {url: n for url, n in many.items() if n > few[url]} == {}
    assert {url: n for url, n in many.items() if n > BUDGET} == {}
    # And with those 21 posts the main pages stay within their tight budgets.
    over = {url: many[url] for url, ceiling in TIGHT_BUDGETS.items() if many[url] > ceiling}
    assert over == {}


def test_post_page_budget_holds_with_many_tags_and_authors(client, blog_index, django_assert_max_num_queries):
    make_post(blog_index, "Earlier", slug="earlier", date="2019-01-01 09:00")
    make_post(
        blog_index,
        "Crowded",
        slug="crowded",
        date="2020-01-01 09:00",
        tags=[f"label-{n}" for n in range(30)],
        authors=[make_author(f"Writer {n}") for n in range(6)],
    )
    make_post(blog_index, "Later", slug="later", date="2021-01-01 09:00")
    client.get("/blog/")
    with django_assert_max_num_queries(BUDGET):
        html = client.get("/blog/crowded/").content.decode()
    assert html.count('property="article:tag"') == 30
    assert "Writer 5" in html
    assert 'href="/blog/earlier/"' in html and 'href="/blog/later/"' in html


def unstamped(html):
    """A page without what its comment form makes for each request (the time, its signature)."""
    return re.sub(r'(name="(?:timestamp|security_hash|csrfmiddlewaretoken)" value=")[^"]*"', r'\1"', html)


# A post page a first reader opens: the post, its previous and next posts, its related posts, the
# posts that cite it, its comment thread and the comment rules (each kept afterwards).
POST_PAGE_COLD = 6


def test_related_and_citing_posts_cost_a_query_each_once_and_none_after(
    client, blog_index, django_assert_max_num_queries
):
    cited = make_post(blog_index, "Cited", slug="cited", date="2020-01-01 09:00", tags=["harbour", "levy"])
    link = paragraph(f'<p>See <a linktype="page" id="{cited.pk}">the vote</a>.</p>')
    for n in range(12):
        make_post(blog_index, f"Related {n}", date=f"{2008 + n}-06-01 09:00", tags=["harbour"])
        make_post(blog_index, f"Citing {n}", date=f"{2021 + n}-06-01 09:00", tags=[f"topic-{n}"], body=[link])
    for _ in range(2):
        client.get("/blog/")  # the site's roots and the sidebar
        with django_assert_max_num_queries(POST_PAGE_COLD):
            html = client.get("/blog/cited/").content.decode()
        assert html.count('<li><a href="/blog/related-') == 4
        assert html.count('<li><a href="/blog/citing-') == 10
        with django_assert_max_num_queries(TIGHT_BUDGETS["/blog/post-0/"]):
            again = client.get("/blog/cited/").content.decode()
        assert unstamped(again) == unstamped(html)
        make_post(blog_index, "Citing again", date="2035-06-01 09:00", body=[link])
        cited.save_revision().publish()  # forgets the post's page: its lists are worked out again


def test_private_section_stays_private_with_cached_restrictions(client, home_page, blog_index):
    make_post(blog_index, "Open letter", slug="open-letter")
    assert client.get("/blog/open-letter/").status_code == 200
    PageViewRestriction.objects.create(page=blog_index, restriction_type=PageViewRestriction.LOGIN)
    response = client.get("/blog/open-letter/")
    assert response.status_code == 302 and "/login" in response["Location"]
    assert "Open letter" not in client.get("/search/?q=letter").content.decode()
    PageViewRestriction.objects.all().delete()
    assert client.get("/blog/open-letter/").status_code == 200


def test_author_pages_and_feeds_with_photos_and_images_cost_a_few_queries(
    client, blog_index, django_assert_max_num_queries
):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    from blog.models import Author

    photo = Image.objects.create(title="Portrait", file=get_test_image_file(filename="portrait.png"))
    author = Author.objects.create(name="Ada Writer", bio="Covers the harbour.", photo=photo)
    image = Image.objects.create(title="Quay", file=get_test_image_file(filename="quay.png"))
    for n in range(15):
        body = [
            {"type": "paragraph", "value": f'<p>Post {n} links <a href="/blog/">home</a>.</p>'},
            {"type": "image", "value": {"image": image.pk, "alt_text": "", "caption": "", "credit": ""}},
        ]
        make_post(blog_index, f"Post {n}", slug=f"post-{n}", authors=[author], body=body, feed_image=image)
    ceilings = {
        "/blog/author/ada-writer/": 1,  # the photo's rendition, unless Wagtail keeps it
        "/blog/author/ada-writer/?page=2": 1,
        "/blog/feed/": 0,
        "/blog/feed/json/": 0,
        "/blog/author/ada-writer/feed/": 0,
        "/blog/author/ada-writer/feed/atom/": 0,
    }
    for url, ceiling in ceilings.items():
        client.get(url)
        with django_assert_max_num_queries(ceiling):
            response = client.get(url)
        assert response.status_code == 200 and "Post 1" in response.content.decode(), url


def test_a_post_page_read_without_queries_shows_each_change_at_once(
    client, blog_index, django_assert_max_num_queries
):
    post = make_post(blog_index, "Harbour dues", slug="harbour-dues", tags=["levy"])
    client.get("/blog/harbour-dues/")
    with django_assert_max_num_queries(0):
        assert "No comments" in client.get("/blog/harbour-dues/").content.decode()

    make_comment(post, text="The dues were raised twice.", name="Ines Marsh")
    html = client.get("/blog/harbour-dues/").content.decode()
    assert "The dues were raised twice." in html and "Ines Marsh" in html and "1 comment" in html

    post.title, post.slug = "Harbour dues, again", "harbour-dues-again"
    post.save_revision().publish()
    assert client.get("/blog/harbour-dues/").status_code in (301, 302, 404)
    html = client.get("/blog/harbour-dues-again/").content.decode()
    assert "<h1>Harbour dues, again</h1>" in html and "The dues were raised twice." in html

    label = post.tags.get()
    label.name = "Port levy"
    label.save()
    assert "Port levy" in client.get("/blog/harbour-dues-again/").content.decode()

    post.unpublish()
    assert client.get("/blog/harbour-dues-again/").status_code == 404
