"""A change forgets the cached pages that show it and keeps every other one; shared caches are told
what they may keep."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from wagtail.models import PageViewRestriction

from blog.models import CommentSettings

from ..comment_helpers import submit_comment
from ..factories import make_author, make_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


@pytest.fixture
def page_cache_on():
    with override_settings(PAGE_CACHE_SECONDS=600):
        yield


def cache_state(client, *urls):
    return {url: client.get(url)["X-Page-Cache"] for url in urls}


def warm(client, *urls):
    for url in urls:
        client.get(url)
    assert set(cache_state(client, *urls).values()) == {"hit"}


def test_a_comment_forgets_its_post_and_the_listings_and_no_other_post(client, blog_index):
    CommentSettings.objects.create(site_id=blog_index.get_site().pk, hold_first_comments=False)
    make_post(blog_index, "Harbour levy", slug="harbour-levy", date="2024-05-01 09:00")
    make_post(blog_index, "Ferry timetable", slug="ferry", date="2024-05-02 09:00")
    make_post(blog_index, "Quay lights", slug="quay-lights", date="2024-05-03 09:00")
    warm(client, "/blog/harbour-levy/", "/blog/ferry/", "/blog/quay-lights/", "/blog/", "/blog/feed/")

    assert submit_comment(Client(), "/blog/ferry/", "The 7:40 is back.").status_code == 302

    assert cache_state(client, "/blog/harbour-levy/", "/blog/quay-lights/", "/blog/feed/") == {
        "/blog/harbour-levy/": "hit",  # its neighbour, but a comment changes no previous/next link
        "/blog/quay-lights/": "hit",
        "/blog/feed/": "hit",  # feeds show no comment counts
    }
    ferry = client.get("/blog/ferry/")
    assert ferry["X-Page-Cache"] == "miss" and "The 7:40 is back." in ferry.content.decode()
    index = client.get("/blog/")
    assert index["X-Page-Cache"] == "miss" and "1 comment" in index.content.decode()


def test_publishing_forgets_the_listings_and_its_neighbour_and_keeps_older_posts(client, blog_index):
    make_post(blog_index, "Old harbour", slug="old-harbour", date="2020-01-01 09:00", tags=["harbour"])
    make_post(blog_index, "Last week", slug="last-week", date="2024-05-01 09:00")
    listings = ["/blog/", "/blog/tag/harbour/", "/blog/feed/", "/blog/2024/", "/", "/sitemap-pages.xml?p=1"]
    warm(client, "/blog/old-harbour/", "/blog/last-week/", *listings)

    make_post(blog_index, "Harbour reopens", slug="harbour-reopens", date="2024-06-01", tags=["harbour"])

    assert client.get("/blog/old-harbour/")["X-Page-Cache"] == "hit"
    for url in listings:
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss", url
        assert "harbour-reopens" in response.content.decode(), url
    # The post before the new one now links to it as its newer post.
    neighbour = client.get("/blog/last-week/")
    assert neighbour["X-Page-Cache"] == "miss" and "Harbour reopens" in neighbour.content.decode()


def test_unpublishing_a_post_forgets_the_posts_that_linked_to_it(client, blog_index):
    make_post(blog_index, "January", slug="january", date="2024-01-01 09:00")
    february = make_post(blog_index, "February", slug="february", date="2024-02-01 09:00")
    make_post(blog_index, "March", slug="march", date="2024-03-01 09:00")
    make_post(blog_index, "December", slug="december", date="2024-12-01 09:00")
    warm(client, "/blog/january/", "/blog/march/", "/blog/december/")

    february.unpublish()

    for url in ("/blog/january/", "/blog/march/"):
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss" and "February" not in response.content.decode(), url
    assert "/blog/march/" in client.get("/blog/january/").content.decode()
    # December's previous post was March, before and after.
    assert client.get("/blog/december/")["X-Page-Cache"] == "hit"


def test_renaming_an_author_forgets_the_posts_that_show_them_and_no_other(client, blog_index):
    author = make_author("Ilse Varga")
    make_post(blog_index, "Harbour levy", slug="harbour-levy", date="2024-01-01 09:00", authors=[author])
    make_post(blog_index, "Middle", slug="middle", date="2024-02-01 09:00")
    make_post(blog_index, "Ferry timetable", slug="ferry", date="2024-03-01 09:00")
    warm(client, "/blog/harbour-levy/", "/blog/ferry/", "/blog/")

    author.name = "Ilse Varga-Moss"
    author.save()

    assert client.get("/blog/ferry/")["X-Page-Cache"] == "hit"
    for url in ("/blog/harbour-levy/", "/blog/"):
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss" and "Ilse Varga-Moss" in response.content.decode(), url


def test_a_private_section_forgets_every_cached_page(client, blog_index):
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    warm(client, "/blog/harbour-levy/", "/blog/", "/")

    PageViewRestriction.objects.create(page=blog_index, restriction_type=PageViewRestriction.LOGIN)

    assert client.get("/blog/harbour-levy/").status_code == 302  # to the login page
    assert client.get("/blog/").status_code == 302
    home = client.get("/")
    assert home["X-Page-Cache"] == "miss" and "harbour-levy" not in home.content.decode()


def test_new_comment_rules_forget_every_post_page(client, blog_index):
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    warm(client, "/blog/harbour-levy/")
    rules = CommentSettings.for_site(blog_index.get_site())
    rules.save()
    assert client.get("/blog/harbour-levy/")["X-Page-Cache"] == "miss"


def test_publishing_purges_the_listings_and_the_neighbour_from_the_cdn(
    blog_index, purge_server, django_capture_on_commit_callbacks
):
    make_post(blog_index, "Last week", slug="last-week", date="2024-05-01 09:00")
    make_post(blog_index, "Old harbour", slug="old-harbour", date="2020-01-01 09:00")
    purge_server.clear()
    with django_capture_on_commit_callbacks(execute=True):
        make_post(
            blog_index, "Harbour reopens", slug="harbour-reopens", date="2024-06-01 09:00", tags=["harbour"]
        )
    purged = {url.removeprefix("http://testserver") for url in purge_server}
    assert {"/blog/harbour-reopens/", "/blog/", "/blog/feed/", "/blog/last-week/"} <= purged
    # Its label's and its author's pages and feeds, and the blog's other feeds.
    assert {
        "/blog/feed/atom/",
        "/blog/feed/json/",
        "/blog/tag/harbour/",
        "/blog/tag/harbour/feed/",
        "/blog/tag/harbour/feed/atom/",
        "/blog/author/ada-writer/",
        "/blog/author/ada-writer/feed/",
        "/blog/author/ada-writer/feed/atom/",
    } <= purged
    assert "/blog/old-harbour/" not in purged


SHARED = ("public", "max-age=0", "s-maxage=600", "stale-while-revalidate=60", "stale-if-error=86400")


def directives(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_anonymous_reader_pages_may_be_kept_by_shared_caches(client, blog_index):
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    for url in ("/blog/harbour-levy/", "/blog/", "/blog/feed/"):
        miss, hit = client.get(url), client.get(url)
        assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("miss", "hit"), url
        assert set(SHARED) <= directives(miss) and set(SHARED) <= directives(hit), url


def test_personal_admin_and_error_responses_are_never_public(client, blog_index):
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    client.get("/blog/harbour-levy/")
    reader = Client()
    reader.cookies["messages"] = "pending"
    assert "private" in directives(reader.get("/blog/harbour-levy/"))

    editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    signed_in = Client()
    signed_in.force_login(editor)
    page = signed_in.get("/blog/harbour-levy/")
    assert "private" in directives(page) and "public" not in directives(page)
    for url in ("/admin/", "/healthz"):
        assert "public" not in directives(signed_in.get(url)), url

    for response in (
        client.get("/blog/no-such-post/"),
        client.get("/healthz"),
        client.post("/comments/post/", {"object_pk": "x"}),
        client.get("/blog/harbour-levy/?utm_source=x"),
    ):
        assert "public" not in directives(response), response


def test_a_response_that_used_the_csrf_token_is_private(rf, settings):
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from broadsheet.caching.pages import PageCacheMiddleware

    middleware = PageCacheMiddleware(lambda request: HttpResponse(f"<input value='{get_token(request)}'>"))
    response = middleware(rf.get("/somewhere/"))
    assert response["X-Page-Cache"] == "skip" and "private" in directives(response)


def test_moving_a_post_to_another_date_forgets_its_old_and_new_neighbours(client, blog_index):
    make_post(blog_index, "January", slug="january", date="2024-01-01 09:00")
    moving = make_post(blog_index, "February", slug="february", date="2024-02-01 09:00")
    make_post(blog_index, "March", slug="march", date="2024-03-01 09:00")
    make_post(blog_index, "November", slug="november", date="2024-11-01 09:00")
    make_post(blog_index, "December", slug="december", date="2024-12-01 09:00")
    make_post(blog_index, "Older", slug="older", date="2023-01-01 09:00")
    warm(client, "/blog/january/", "/blog/march/", "/blog/november/", "/blog/december/", "/blog/older/")

    moving.date = moving.date.replace(month=11, day=15)
    moving.save_revision().publish()

    for url in ("/blog/january/", "/blog/march/", "/blog/november/", "/blog/december/"):
        assert client.get(url)["X-Page-Cache"] == "miss", url
    assert "February" in client.get("/blog/november/").content.decode()
    assert "February" not in client.get("/blog/january/").content.decode()
    assert client.get("/blog/older/")["X-Page-Cache"] == "hit"


def test_a_page_rendered_while_something_changes_is_not_kept(rf):
    from django.http import HttpResponse

    from broadsheet import caching
    from broadsheet.caching.pages import PageCacheMiddleware

    renders = []

    def view(request):
        if not renders:
            caching.forget(caching.post(1))  # a change lands while the first request renders
        renders.append(request.path)
        return HttpResponse("the page")

    middleware = PageCacheMiddleware(view)
    assert middleware(rf.get("/somewhere/"))["X-Page-Cache"] == "miss"
    assert middleware(rf.get("/somewhere/"))["X-Page-Cache"] == "miss"  # rendered again: nothing kept
    assert middleware(rf.get("/somewhere/"))["X-Page-Cache"] == "hit"
    assert len(renders) == 2
