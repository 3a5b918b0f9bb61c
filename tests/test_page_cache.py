"""Anonymous readers get cached pages; changes show at once; nobody gets another reader's page."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from .factories import make_post

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

    from .factories import make_author

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

    from broadsheet.page_cache import PageCacheMiddleware

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
