"""Stored pages are answered in front of Django (broadsheet/caching/front.py) exactly as Django
answers them, and only when Django would: through the real WSGI application."""

import pytest
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from broadsheet.caching.front import PageCacheFront

from ..factories import make_post
from ..wsgi_helpers import django_requests, wsgi_get

pytestmark = pytest.mark.django_db

PAGE_CACHE = "broadsheet.caching.pages.PageCacheMiddleware"
REQUEST_LOG = "broadsheet.middleware.RequestLogMiddleware"
CSP = "broadsheet.middleware.ContentSecurityPolicyMiddleware"


@pytest.fixture
def production_like(settings):
    """The page cache on, behind the security headers and the Content-Security-Policy that
    production sends, with a TLS proxy on loopback."""
    settings.PAGE_CACHE_SECONDS = 600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.FORWARDED_ALLOW_IPS = "127.0.0.1"
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"]}}
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index(PAGE_CACHE), CSP)
    settings.MIDDLEWARE = middleware
    return settings


@pytest.fixture
def apps(production_like):
    """(the WSGI application as broadsheet.wsgi makes it, Django's handler alone) on these settings."""
    django = WSGIHandler()
    return PageCacheFront(django), django


def without_length(answer):
    return {name: value for name, value in answer.headers.items() if name != "content-length"}


def test_a_stored_page_is_answered_before_django_with_the_headers_django_gives_it(apps, blog_index):
    front, django = apps
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    https = {"X_Forwarded_Proto": "https"}
    first = wsgi_get(front, "/blog/harbour-levy/", **https)
    assert first.status == 200 and first["X-Page-Cache"] == "miss"
    with django_requests() as started, CaptureQueriesContext(connection) as queries:
        hit = wsgi_get(front, "/blog/harbour-levy/", **https)
    assert started == [] and len(queries) == 0
    assert hit.status == 200 and hit["X-Page-Cache"] == "hit" and hit.body == first.body
    assert int(hit["Content-Length"]) == len(hit.body)
    through_django = wsgi_get(django, "/blog/harbour-levy/", **https)
    assert through_django["X-Page-Cache"] == "hit" and through_django.body == hit.body
    assert without_length(hit) == without_length(through_django)
    assert hit["Strict-Transport-Security"] == "max-age=3600"
    assert hit["Content-Security-Policy"] == "default-src 'self'"
    assert hit["X-Content-Type-Options"] == "nosniff" and hit["X-Frame-Options"] == "DENY"
    assert hit["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert hit["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "public" in hit["Cache-Control"] and "s-maxage=600" in hit["Cache-Control"]
    assert hit["Content-Type"] == first["Content-Type"]
    assert hit.headers.get("vary") == first.headers.get("vary")


def test_a_feed_reader_gets_the_same_304_from_the_front(apps, blog_index):
    front, django = apps
    make_post(blog_index, "Budget one", slug="budget-one", tags=["Budget"])
    for url in ("/blog/feed/", "/blog/tag/budget/feed/atom/", "/sitemap-pages.xml?p=1"):
        first = wsgi_get(front, url)
        assert first["X-Page-Cache"] == "miss", url
        if "etag" in first:
            condition = {"If_None_Match": first["ETag"]}
        else:
            condition = {"If_Modified_Since": first["Last-Modified"]}
        with django_requests() as started:
            again = wsgi_get(front, url, **condition)
        assert started == [], url
        assert (again.status, again.body, again["X-Page-Cache"]) == (304, b"", "hit"), url
        assert again.headers == wsgi_get(django, url, **condition).headers, url
        assert wsgi_get(front, url).body == first.body, url


def test_head_is_answered_without_a_body(apps, blog_index):
    front, _django = apps
    make_post(blog_index, "Quay lights", slug="quay-lights")
    page = wsgi_get(front, "/blog/quay-lights/")
    with django_requests() as started:
        head = wsgi_get(front, "/blog/quay-lights/", method="HEAD")
    assert started == [] and head.status == 200 and head["X-Page-Cache"] == "hit"
    assert head.body == b"" and int(head["Content-Length"]) == len(page.body)


def test_a_host_not_in_allowed_hosts_is_never_answered_from_the_cache(apps, blog_index, settings):
    front, _django = apps
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    settings.ALLOWED_HOSTS = ["testserver", "blog.example.org"]
    assert wsgi_get(front, "/blog/harbour-levy/", host="blog.example.org")["X-Page-Cache"] == "miss"
    assert wsgi_get(front, "/blog/harbour-levy/", host="blog.example.org")["X-Page-Cache"] == "hit"
    assert wsgi_get(front, "/blog/harbour-levy/", host="evil.example").status == 400
    settings.ALLOWED_HOSTS = ["testserver"]
    refused = wsgi_get(front, "/blog/harbour-levy/", host="blog.example.org")
    assert refused.status == 400 and "x-page-cache" not in refused


def test_an_old_domain_is_sent_to_the_sites_own_host_before_the_cache_answers(apps, blog_index, settings):
    front, _django = apps
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    settings.ALLOWED_HOSTS = ["testserver", "old.example"]
    assert wsgi_get(front, "/blog/harbour-levy/", host="old.example")["X-Page-Cache"] == "miss"
    assert wsgi_get(front, "/blog/harbour-levy/")["X-Page-Cache"] == "miss"
    settings.REDIRECT_OTHER_HOSTS = True
    moved = wsgi_get(front, "/blog/harbour-levy/", host="old.example")
    assert (moved.status, moved["Location"]) == (301, "http://testserver/blog/harbour-levy/")
    assert wsgi_get(front, "/blog/harbour-levy/")["X-Page-Cache"] == "hit"
    with django_requests() as started:
        assert wsgi_get(front, "/blog/harbour-levy/")["X-Page-Cache"] == "hit"
        assert wsgi_get(front, "/blog/harbour-levy/", host="old.example").status == 301
    assert len(started) == 1  # the site's own host from the front, the old domain from Django


def test_http_and_https_are_kept_apart_and_only_a_trusted_proxy_says_https(apps, blog_index):
    front, _django = apps
    make_post(blog_index, "Ferry timetable", slug="ferry")
    secure = wsgi_get(front, "/blog/ferry/", X_Forwarded_Proto="https")
    plain = wsgi_get(front, "/blog/ferry/")
    assert (secure["X-Page-Cache"], plain["X-Page-Cache"]) == ("miss", "miss")
    assert "strict-transport-security" not in plain
    # A peer that is not a trusted proxy cannot claim https: it gets the plain page.
    claimed = wsgi_get(front, "/blog/ferry/", remote_addr="203.0.113.9", X_Forwarded_Proto="https")
    assert claimed["X-Page-Cache"] == "hit" and claimed.body == plain.body
    assert "strict-transport-security" not in claimed
    assert wsgi_get(front, "/blog/ferry/", X_Forwarded_Proto="https").body == secure.body


def test_plain_http_is_redirected_before_the_cache_answers_when_https_is_required(apps, blog_index, settings):
    front, _django = apps
    make_post(blog_index, "Ferry timetable", slug="ferry")
    assert wsgi_get(front, "/blog/ferry/")["X-Page-Cache"] == "miss"
    settings.SECURE_SSL_REDIRECT = True
    moved = wsgi_get(PageCacheFront(WSGIHandler()), "/blog/ferry/")  # read when the handler starts
    assert (moved.status, moved["Location"]) == (301, "https://testserver/blog/ferry/")


def test_session_and_messages_cookies_and_undeclared_parameters_go_to_django(apps, blog_index):
    front, _django = apps
    make_post(blog_index, "Quay repairs", slug="quay")
    wsgi_get(front, "/blog/quay/")
    for cookie in ("sessionid=made-up", "messages=pending"):
        with django_requests() as started:
            answer = wsgi_get(front, "/blog/quay/", Cookie=cookie)
        assert started and "x-page-cache" not in answer, cookie
    assert wsgi_get(front, "/blog/quay/", Cookie="theme=dark")["X-Page-Cache"] == "hit"
    assert "x-page-cache" not in wsgi_get(front, "/blog/quay/?utm_source=anything")
    assert wsgi_get(front, "/blog/quay/?page=3")["X-Page-Cache"] == "skip"
    assert wsgi_get(front, "/blog/?page=1")["X-Page-Cache"] == "miss"
    assert wsgi_get(front, "/blog/?page=1")["X-Page-Cache"] == "hit"
    assert wsgi_get(front, "/blog/?page=01")["X-Page-Cache"] == "skip"


def test_an_editors_page_is_never_stored_and_readers_never_get_it(apps, blog_index):
    front, _django = apps
    make_post(blog_index, "Budget day", slug="budget-day")
    editor = Client()
    editor.force_login(get_user_model().objects.create_superuser("editor", "editor@example.org", "pw"))
    session = f"sessionid={editor.cookies['sessionid'].value}"
    for _ in range(2):
        page = wsgi_get(front, "/blog/budget-day/", Cookie=session)
        assert "wagtail-userbar" in page.text() and "private" in page["Cache-Control"]
    reader = wsgi_get(front, "/blog/budget-day/")
    assert reader["X-Page-Cache"] == "miss" and "wagtail-userbar" not in reader.text()
    again = wsgi_get(front, "/blog/budget-day/")
    assert again["X-Page-Cache"] == "hit" and "wagtail-userbar" not in again.text()
    assert "csrfmiddlewaretoken" not in again.text()


def test_a_change_shows_at_once_through_the_front(apps, blog_index):
    front, _django = apps
    post = make_post(blog_index, "Draft title", slug="levy")
    wsgi_get(front, "/blog/levy/")
    assert wsgi_get(front, "/blog/levy/")["X-Page-Cache"] == "hit"
    post.title = "Corrected title"
    post.save_revision().publish()
    page = wsgi_get(front, "/blog/levy/")
    assert page["X-Page-Cache"] == "miss" and "Corrected title" in page.text()
    assert "Corrected title" in wsgi_get(front, "/blog/").text()


def test_the_front_answers_nothing_with_the_page_cache_off(apps, blog_index, settings):
    front, _django = apps
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    wsgi_get(front, "/blog/harbour-levy/")
    settings.PAGE_CACHE_SECONDS = 0
    with django_requests() as started:
        answer = wsgi_get(front, "/blog/harbour-levy/")
    assert started and answer.status == 200 and "x-page-cache" not in answer


def test_pages_the_front_answers_are_logged_like_any_request(production_like, blog_index, request_log):
    middleware = [name for name in production_like.MIDDLEWARE if name != REQUEST_LOG]
    middleware.insert(middleware.index(PAGE_CACHE), REQUEST_LOG)
    production_like.MIDDLEWARE = middleware
    front = PageCacheFront(WSGIHandler())
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    for _ in range(2):
        wsgi_get(front, "/blog/harbour-levy/", remote_addr="192.0.2.7")
    wsgi_get(front, "/blog/harbour-levy/", method="HEAD")
    lines = request_log.read()
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/blog/harbour-levy/", 200),
        ("GET", "/blog/harbour-levy/", 200),
        ("HEAD", "/blog/harbour-levy/", 200),
    ]
    assert lines[1]["remote_addr"] == "192.0.2.7" and lines[1]["bytes"] == lines[0]["bytes"]


def test_the_wsgi_application_answers_through_the_front(blog_index, settings):
    from broadsheet import wsgi

    settings.PAGE_CACHE_SECONDS = 600
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    assert isinstance(wsgi.application, PageCacheFront)
    assert wsgi_get(wsgi.application, "/blog/harbour-levy/")["X-Page-Cache"] == "miss"
    with django_requests() as started:
        assert wsgi_get(wsgi.application, "/blog/harbour-levy/")["X-Page-Cache"] == "hit"
    assert started == []
