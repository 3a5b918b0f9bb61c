"""Anonymous readers get cached pages; changes show at once; nobody gets another reader's page."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from ..factories import make_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


@pytest.fixture
def page_cache_on():
    with override_settings(PAGE_CACHE_SECONDS=600):
        yield


def test_second_anonymous_visit_is_served_from_cache_without_queries(client, blog_index):
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    first = client.get("/blog/harbour-levy/")
    assert first["X-Page-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/blog/harbour-levy/")
    assert second["X-Page-Cache"] == "hit" and len(queries) == 0
    assert second.content == first.content and second["Content-Type"] == first["Content-Type"]


def test_publishing_and_unpublishing_show_at_once(client, blog_index):
    make_post(blog_index, "First post", slug="first-post")
    assert "First post" in client.get("/blog/").content.decode()
    assert "First post" in client.get("/").content.decode()
    second = make_post(blog_index, "Second post", slug="second-post")
    assert "Second post" in client.get("/blog/").content.decode()
    assert "Second post" in client.get("/").content.decode()
    second.unpublish()
    assert "Second post" not in client.get("/blog/").content.decode()
    assert client.get("/blog/second-post/").status_code == 404


def test_renaming_an_author_or_a_label_shows_at_once(client, blog_index):
    from taggit.models import Tag

    from ..factories import make_author

    author = make_author("Ilse Varga")
    make_post(blog_index, "Harbour levy", slug="harbour-levy", tags=["Budget"], authors=[author])
    for url in ("/blog/", "/blog/harbour-levy/"):
        html = client.get(url).content.decode()
        assert "Ilse Varga" in html and ">Budget<" in html
    author.name = "Ilse Varga-Moss"
    author.save()
    tag = Tag.objects.get(name="Budget")
    tag.name = "Public budget"
    tag.save()
    for url in ("/blog/", "/blog/harbour-levy/"):
        response = client.get(url)
        html = response.content.decode()
        assert response["X-Page-Cache"] == "miss", url
        assert "Ilse Varga-Moss" in html and ">Public budget<" in html


def test_editing_a_post_shows_the_new_text_at_once(client, blog_index):
    post = make_post(blog_index, "Draft title", slug="levy")
    assert "Draft title" in client.get("/blog/levy/").content.decode()
    post.title = "Corrected title"
    post.save_revision().publish()
    assert "Corrected title" in client.get("/blog/levy/").content.decode()


def test_reader_comments_through_a_cached_page_and_sees_the_comment_at_once(blog_index):
    import re

    from django.test import Client
    from django_comments_xtd.models import XtdComment

    from blog.models import CommentSettings

    CommentSettings.objects.create(site_id=blog_index.get_site().pk, hold_first_comments=False)
    make_post(blog_index, "Ferry timetable", slug="ferry")
    reader = Client(enforce_csrf_checks=True)
    reader.get("/blog/ferry/")
    cached = reader.get("/blog/ferry/")
    assert cached["X-Page-Cache"] == "hit" and "csrfmiddlewaretoken" not in cached.content.decode()
    form = re.search(r'<form class="comment-form".*?</form>', cached.content.decode(), re.S).group(0)
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    data.update(name="Skipper Bev", email="bev@example.org", url="", comment="The 7:40 sailing is back.")
    response = reader.post("/comments/post/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert XtdComment.objects.filter(comment="The 7:40 sailing is back.", is_public=True).exists()
    page = Client().get("/blog/ferry/")
    assert page["X-Page-Cache"] == "miss" and "The 7:40 sailing is back." in page.content.decode()
    assert "1 comment" in Client().get("/blog/").content.decode()


def test_form_errors_are_never_cached_for_the_next_reader(client, blog_index):
    make_post(blog_index, "Quay lights", slug="quay-lights")
    client.get("/blog/quay-lights/")
    refused = client.post("/comments/post/", {"content_type": "blog.blogpostpage", "object_pk": "x"})
    assert refused.status_code in (400, 404)
    page = client.get("/blog/quay-lights/").content.decode()
    assert "Please correct" not in page and "could not be accepted" not in page


def test_logged_in_editor_is_never_served_or_stores_a_cached_page(client, blog_index):
    make_post(blog_index, "Budget day", slug="budget-day")
    client.get("/blog/budget-day/")  # an anonymous reader fills the cache
    editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(editor)
    response = client.get("/blog/budget-day/")
    assert "X-Page-Cache" not in response
    assert "wagtail-userbar" in response.content.decode()
    client.logout()
    anonymous = client.get("/blog/budget-day/").content.decode()
    assert "wagtail-userbar" not in anonymous


def test_reader_with_a_pending_message_or_odd_parameters_bypasses_the_cache(client, blog_index):
    make_post(blog_index, "Quay repairs", slug="quay")
    client.get("/blog/quay/")
    client.cookies["messages"] = "pending"
    assert "X-Page-Cache" not in client.get("/blog/quay/")
    del client.cookies["messages"]
    assert "X-Page-Cache" not in client.get("/blog/quay/?utm_source=anything")
    assert client.get("/blog/?page=1")["X-Page-Cache"] == "miss"


def test_responses_that_set_a_cookie_or_use_the_csrf_token_are_not_stored(rf):
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from broadsheet.caching.pages import PageCacheMiddleware

    def with_token(request):
        return HttpResponse(f"<input value='{get_token(request)}'>")

    def with_cookie(request):
        response = HttpResponse("hello")
        response.set_cookie("seen", "1")
        return response

    for view in (with_token, with_cookie):
        middleware = PageCacheMiddleware(view)
        middleware(rf.get("/somewhere/"))
        assert middleware(rf.get("/somewhere/"))["X-Page-Cache"] == "skip"


def stored_pages():
    """How many responses the page cache holds (its local-memory store)."""
    from django.core.cache import caches

    return len(caches["pages"]._cache)


def test_made_up_parameters_on_a_post_page_store_no_copies(client, blog_index):
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    for n in range(40):
        response = client.get(f"/blog/harbour-levy/?q=word{n}&page={n}")
        assert response.status_code == 200 and response["X-Page-Cache"] == "skip"
    assert stored_pages() == 0
    assert client.get("/blog/harbour-levy/")["X-Page-Cache"] == "miss"
    assert client.get("/blog/harbour-levy/")["X-Page-Cache"] == "hit"
    assert stored_pages() == 1


def test_listing_pages_are_stored_per_page_number_not_per_spelling(client, blog_index):
    for n in range(12):
        make_post(blog_index, f"Post {n}", slug=f"post-{n}", date=f"2024-05-{n + 1:02d} 09:00")
    assert client.get("/blog/?page=2")["X-Page-Cache"] == "miss"
    second = client.get("/blog/?page=2")
    assert second["X-Page-Cache"] == "hit" and "Post 0" in second.content.decode()
    for spelling in ("02", "x", "2&page=2", " 2"):
        response = client.get(f"/blog/?page={spelling}")
        assert response.status_code == 200 and response["X-Page-Cache"] == "skip", spelling
    assert client.get("/blog/")["X-Page-Cache"] == "miss"
    assert stored_pages() == 2


def test_each_search_gets_its_own_copy_whatever_the_order_of_its_parameters(client, blog_index):
    make_post(blog_index, "Harbour levy", slug="harbour-levy", tags=["budget"])
    make_post(blog_index, "Ferry timetable", slug="ferry", tags=["budget"])
    harbour = client.get("/search/?q=harbour&tag=budget")
    ferry = client.get("/search/?q=ferry&tag=budget")
    assert (harbour["X-Page-Cache"], ferry["X-Page-Cache"]) == ("miss", "miss")
    assert "Harbour levy" in harbour.content.decode() and "Harbour levy" not in ferry.content.decode()
    again = client.get("/search/?tag=budget&q=harbour")
    assert again["X-Page-Cache"] == "hit" and again.content == harbour.content
    assert client.get("/search/?q=ferry&tag=budget")["X-Page-Cache"] == "hit"
    # Other spellings of the same search are answered, but not stored again.
    for spelling in ("?q=%20harbour%20&tag=budget", "?q=harbour&tag=budget&from=soon"):
        assert client.get(f"/search/{spelling}")["X-Page-Cache"] == "skip", spelling
    # The empty search page reads no page number.
    assert client.get("/search/?page=3")["X-Page-Cache"] == "skip"


def test_sitemap_pages_are_stored_by_number_and_the_index_ignores_it(client, blog_index):
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    assert client.get("/sitemap-pages.xml?p=1")["X-Page-Cache"] == "miss"
    assert client.get("/sitemap-pages.xml?p=1")["X-Page-Cache"] == "hit"
    assert client.get("/sitemap.xml?p=7")["X-Page-Cache"] == "skip"
    assert client.get("/sitemap.xml")["X-Page-Cache"] == "miss"


def test_filling_the_page_cache_leaves_the_comment_rate_limit_counting(blog_index, rf, settings):
    from django.http import HttpResponse

    from broadsheet.caching.pages import PageCacheMiddleware

    from ..comment_helpers import submit_comment

    settings.COMMENTS_RATE_LIMIT = 1
    make_post(blog_index, "Quay lights", slug="quay-lights")
    reader = Client()
    assert submit_comment(reader, "/blog/quay-lights/", "First.").status_code == 302
    # More pages than either cache alias holds (MAX_ENTRIES 300 each in the test settings).
    middleware = PageCacheMiddleware(lambda request: HttpResponse(f"page {request.path}"))
    for n in range(400):
        assert middleware(rf.get(f"/page-{n}/"))["X-Page-Cache"] == "miss"
    refused = submit_comment(reader, "/blog/quay-lights/", "Second, too soon.")
    assert refused.status_code == 429
