"""What a hit costs in front of Django is cut short without changing what it answers: each worker
keeps the pages it answered last in its own memory (broadsheet/caching/front.py's RecentPages)
and never answers one from there that the shared cache would not answer; what the front stores
is also a file any worker reads (PageFiles), under the same rules; the log line of hits can be
sampled (PAGE_CACHE_LOG_HITS), never that of other requests."""

import os
import time
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.http import QueryDict

from blog.models import BlogPostPage
from broadsheet.caching import pages
from broadsheet.caching.backends import FRONT_FILES
from broadsheet.caching.front import PageCacheFront, PageFiles

from ..factories import make_post
from ..wsgi_helpers import django_requests, wsgi_get
from .test_shared_cache import disk_cache, in_another_process  # noqa: F401 - both are fixtures

pytestmark = pytest.mark.django_db

PAGE_CACHE = "broadsheet.caching.pages.PageCacheMiddleware"
REQUEST_LOG = "broadsheet.middleware.RequestLogMiddleware"


@pytest.fixture
def front(disk_cache, settings):  # noqa: F811
    """The WSGI application as a worker runs it, on a disk cache other processes share."""
    settings.PAGE_CACHE_SECONDS = 600
    settings.PAGE_CACHE_MEMORY_MB = 16
    return PageCacheFront(WSGIHandler())


def test_a_page_another_process_forgets_is_not_answered_from_memory(
    front,
    in_another_process,  # noqa: F811
    blog_index,
):
    post = make_post(blog_index, "Harbour levy", slug="harbour-levy")
    other = make_post(blog_index, "Ferry timetable", slug="ferry", date="2020-01-01 09:00")
    assert wsgi_get(front, "/blog/harbour-levy/")["X-Page-Cache"] == "miss"
    for _ in range(3):
        assert wsgi_get(front, "/blog/harbour-levy/")["X-Page-Cache"] == "hit"
    assert len(front.recent.pages) == 1  # kept in this worker's memory
    # Changed behind the cache's back (no signal): the stored page is still the old one.
    BlogPostPage.objects.filter(pk=post.pk).update(title="Harbour levy withdrawn")
    assert "Harbour levy withdrawn" not in wsgi_get(front, "/blog/harbour-levy/").text()

    in_another_process(f"caching.forget(caching.post({other.pk}))")
    with django_requests() as started:
        assert wsgi_get(front, "/blog/harbour-levy/")["X-Page-Cache"] == "hit"
    assert started == []

    in_another_process(f"caching.forget(caching.post({post.pk}))")
    page = wsgi_get(front, "/blog/harbour-levy/")
    assert page["X-Page-Cache"] == "miss" and "Harbour levy withdrawn" in page.text()
    assert wsgi_get(front, "/blog/harbour-levy/")["X-Page-Cache"] == "hit"


def test_memory_keeps_a_page_no_longer_than_the_shared_cache_and_within_budget(front, settings, blog_index):
    settings.PAGE_CACHE_SECONDS = 2
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    assert wsgi_get(front, "/blog/harbour-levy/")["X-Page-Cache"] == "miss"
    assert wsgi_get(front, "/blog/harbour-levy/")["X-Page-Cache"] == "hit"
    assert len(front.recent.pages) == 1
    time.sleep(2.1)
    assert wsgi_get(front, "/blog/harbour-levy/")["X-Page-Cache"] == "miss"

    assert wsgi_get(front, "/blog/harbour-levy/")["X-Page-Cache"] == "hit"
    settings.PAGE_CACHE_MEMORY_MB = 0
    assert wsgi_get(front, "/blog/harbour-levy/")["X-Page-Cache"] == "hit"
    assert len(front.recent.pages) == 0


def test_one_hit_in_page_cache_log_hits_is_logged_and_all_else(settings, blog_index, request_log):
    middleware = [name for name in settings.MIDDLEWARE if name != REQUEST_LOG]
    middleware.insert(middleware.index(PAGE_CACHE), REQUEST_LOG)
    settings.MIDDLEWARE = middleware
    settings.PAGE_CACHE_SECONDS = 600
    settings.PAGE_CACHE_LOG_HITS = 3
    front = PageCacheFront(WSGIHandler())
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    for _ in range(7):  # a miss, then six hits
        assert wsgi_get(front, "/blog/harbour-levy/").status == 200
    lines = request_log.read()
    assert [(line["path"], line["status"], line.get("sample")) for line in lines] == [
        ("/blog/harbour-levy/", 200, None),
        ("/blog/harbour-levy/", 200, 3),
        ("/blog/harbour-levy/", 200, 3),
    ]
    assert lines[1]["bytes"] == lines[0]["bytes"] and lines[1]["remote_addr"] == "127.0.0.1"

    settings.PAGE_CACHE_LOG_HITS = 0
    assert wsgi_get(front, "/blog/harbour-levy/")["X-Page-Cache"] == "hit"
    assert wsgi_get(front, "/blog/no-such-post/").status == 404
    later = request_log.read()[3:]
    assert [(line["path"], line["status"]) for line in later] == [("/blog/no-such-post/", 404)]


def test_a_worker_answers_a_page_another_stored_from_its_file(
    front,
    in_another_process,  # noqa: F811
    blog_index,
):
    """What a worker stores is also a file: another worker, which never answered the page and
    finds no entry for it in the cache, answers it from there as the first would, until a
    change anywhere forgets it."""
    post = make_post(blog_index, "Harbour levy", slug="harbour-levy")
    assert wsgi_get(front, "/blog/harbour-levy/")["X-Page-Cache"] == "miss"
    first = wsgi_get(front, "/blog/harbour-levy/")
    caches[pages.ALIAS].delete(pages.key_for("http", "testserver", "/blog/harbour-levy/", QueryDict()))
    other_worker = PageCacheFront(WSGIHandler())
    with django_requests() as started:
        hit = wsgi_get(other_worker, "/blog/harbour-levy/")
    assert started == [] and hit["X-Page-Cache"] == "hit"
    assert (hit.status, hit.header_list, hit.body) == (first.status, first.header_list, first.body)

    BlogPostPage.objects.filter(pk=post.pk).update(title="Harbour levy withdrawn")
    in_another_process(f"caching.forget(caching.post({post.pk}))")
    page = wsgi_get(PageCacheFront(WSGIHandler()), "/blog/harbour-levy/")
    assert page["X-Page-Cache"] == "miss" and "Harbour levy withdrawn" in page.text()


def test_clearing_the_page_cache_removes_the_files(front, disk_cache, blog_index):  # noqa: F811
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    assert wsgi_get(front, "/blog/harbour-levy/")["X-Page-Cache"] == "miss"
    folder = Path(caches[pages.ALIAS].directory) / FRONT_FILES
    assert len(list(folder.iterdir())) == 1
    caches[pages.ALIAS].clear()
    assert not folder.exists()
    assert wsgi_get(PageCacheFront(WSGIHandler()), "/blog/harbour-levy/")["X-Page-Cache"] == "miss"


def test_files_past_their_time_or_beyond_the_budget_are_removed(tmp_path):
    files = PageFiles(tmp_path, budget=2500, seconds=600)
    now = time.time()
    for name, expires in (("page:old", now + 600), ("page:a", now + 600), ("page:b", now + 600)):
        files.write(name, ({"site": "1"}, 200, [], None, ("f", (), (), expires)), b"x" * 1000)
    os.utime(files.path("page:old"), (now - 700, now - 700))  # stored longer ago than PAGE_CACHE_SECONDS
    os.utime(files.path("page:a"), (now - 10, now - 10))
    files.sweep()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["page-a", "page-b"]
    files.budget = 1500  # one page's file and no more: the older goes
    files.sweep()
    assert [path.name for path in tmp_path.iterdir()] == ["page-b"]
    assert files.read("page:b") == ({"site": "1"}, 200, (), b"x" * 1000, ("f", (), (), now + 600))
    files.write("page:late", ({}, 200, [], None, ("f", (), (), now - 1)), b"y")
    assert files.read("page:late") is None  # past its time
    Path(files.path("page:b")).write_bytes(b"not a page")
    assert files.read("page:b") is None and files.read("page:none") is None


def test_a_page_file_replaced_is_read_again(tmp_path):
    """A worker keeps what a page's file holds before its content, and reads it again once the
    file is another (every write replaces it)."""
    files = PageFiles(tmp_path, budget=2**20, seconds=600)
    expires = time.time() + 600
    files.write("page:a", ({"site": "1"}, 200, [("Vary", "Cookie")], None, ("f", (), (), expires)), b"first")
    recorded, _status, headers, content, _front = files.read("page:a")
    assert (recorded, headers, content) == ({"site": "1"}, (("Vary", "Cookie"),), b"first")
    files.write(
        "page:a", ({"site": "2"}, 200, [("Vary", "Accept")], None, ("f", (), (), expires)), b"second!"
    )
    recorded, _status, headers, content, _front = files.read("page:a")
    assert (recorded, headers, content) == ({"site": "2"}, (("Vary", "Accept"),), b"second!")
