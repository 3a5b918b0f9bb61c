import copy
import io
import json
import logging
import os
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.db import transaction
from wagtail.models import Page, Site

from blog.models import BlogIndexPage
from broadsheet.logging import JsonFormatter
from home.models import HomePage

from .factories import make_blog_index
from .task_helpers import Worker, wait_until


def clear_caches():
    """Empty every cache and what this process keeps: the next request starts cold."""
    from django.core.cache import caches

    from broadsheet.caching import local

    for cache in caches.all(initialized_only=False):
        cache.clear()
    local.forget()


@pytest.fixture(autouse=True)
def _clear_cache():
    clear_caches()
    yield
    clear_caches()


@pytest.fixture(autouse=True)
def _mail_through_the_queue(settings):
    """Django's test set-up swaps EMAIL_BACKEND for its outbox; put the site's queue back in
    front of it, so every test's email goes through the send_email task as in production."""
    settings.EMAIL_BACKEND = "broadsheet.mail.TaskEmailBackend"


# The home page and blog made once with the test database: their primary keys.
SHARED_SITE = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the site's home page (the default site's root, at testserver) and
    its blog "Blog" committed once: each test's transaction starts from them, as `home_page` and
    `blog_index` give them, instead of publishing its own. A test that needs the page tree as
    Wagtail's migrations leave it asks for `empty_install`."""
    with django_db_blocker.unblock():
        home = make_home_page()
        SHARED_SITE.update(home=home.pk, blog=make_blog_index(home).pk)


@contextmanager
def rows_for_many_tests(django_db_blocker):
    """An outer transaction for rows that several tests read (`made_once` makes them inside it):
    each test's own transaction is a savepoint in it, rolled back as usual, and the rows go when
    it is rolled back after the last test (as Django's TestCase.setUpTestData)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="class")
def made_once(request, django_db_setup, django_db_blocker):
    """What the test class's `make_once(home, blog_index)` makes, made once for all its tests."""
    with rows_for_many_tests(django_db_blocker):
        with django_db_blocker.unblock():
            made = request.cls.make_once(*shared_home_and_blog())
        yield made


@pytest.fixture
def once(made_once, blog_index):
    """The test class's `made_once`, as a copy of the test's own (its rows are rolled back after
    each test; a change to the objects stays the test's too)."""
    return copy.deepcopy(made_once)


def shared_home_and_blog():
    """The home page and blog made with the test database (made again if a flush took them)."""
    home = HomePage.objects.filter(pk=SHARED_SITE["home"]).first() or make_home_page()
    blog = BlogIndexPage.objects.filter(pk=SHARED_SITE["blog"], path__startswith=home.path).first()
    return home, blog or make_blog_index(home)


def make_home_page():
    # A transactional test before this one may have flushed the rows Wagtail's migrations made.
    root = ensure_wagtail_roots()
    root.get_children().filter(slug="home").delete()
    home = root.add_child(instance=HomePage(title="Home", slug="home"))
    home.save_revision().publish()
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "testserver", "port": 80, "root_page": home},
    )
    return home


@pytest.fixture
def home_page(db, request):
    """The site's published home page, with the blog under it only if the test asks for
    `blog_index`."""
    if not HomePage.objects.filter(pk=SHARED_SITE["home"]).exists():
        return make_home_page()  # a transactional test before this one flushed the shared rows
    if "blog_index" not in request.fixturenames:
        BlogIndexPage.objects.get(pk=SHARED_SITE["blog"]).delete()
    return HomePage.objects.get(pk=SHARED_SITE["home"])


@pytest.fixture
def empty_install(db):
    """The page tree as Wagtail's migrations leave it: its "Welcome" page as the site's root."""
    root = ensure_wagtail_roots()
    for child in root.get_children():
        child.delete()
    root.refresh_from_db()
    welcome = root.add_child(instance=Page(title="Welcome to your new Wagtail site!", slug="home"))
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", port=80, root_page=welcome, is_default_site=True)
    return welcome


@pytest.fixture
def blog_index(home_page):
    shared = BlogIndexPage.objects.filter(pk=SHARED_SITE["blog"]).first()
    return shared or make_blog_index(home_page)


@pytest.fixture
def purge_server(settings):
    """A caching proxy stand-in that records the PURGE requests Wagtail's HTTP backend sends."""
    purged = []

    class Handler(BaseHTTPRequestHandler):
        def do_PURGE(self):
            purged.append(f"http://{self.headers['Host']}{self.path}")
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WAGTAILFRONTENDCACHE = {
        "cdn": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": f"http://127.0.0.1:{server.server_address[1]}",
        }
    }
    yield purged
    server.shutdown()
    server.server_close()


class FakeAkismet(BaseHTTPRequestHandler):
    """Answers like Akismet: comment-check calls spam any text that mentions pills; submit-spam
    and submit-ham thank. `seen` holds every call as (path, form data)."""

    seen = []

    def do_POST(self):
        data = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        FakeAkismet.seen.append((self.path, data))
        if self.path.endswith("/comment-check"):
            answer = b"true" if "pills" in data["comment_content"][0] else b"false"
        else:
            answer = b"Thanks for making the web a better place."
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def akismet(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAkismet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeAkismet.seen = []
    settings.AKISMET_API_KEY = "test-key"
    settings.AKISMET_API_URL = f"http://127.0.0.1:{server.server_port}/1.1/"
    yield FakeAkismet
    server.shutdown()
    server.server_close()


# Browser tests (marked `browser`): Debian's Chromium driven by Playwright against pytest-django's
# live server.


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    from .browser_support import CHROMIUM_ARGS, ensure_chromium

    # Playwright's sync API keeps an event loop running in this thread from the first browser test
    # to the end of the run, and Django refuses ORM calls from a thread with a running loop. The
    # test code's ORM calls never overlap the browser's own, so they are safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    return {
        **browser_type_launch_args,
        "executable_path": str(ensure_chromium()),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": 1280, "height": 900},
        "locale": "en-US",
        "timezone_id": "UTC",
        "color_scheme": "light",
    }


@pytest.fixture(scope="session")
def axe_source():
    from .browser_support import ensure_axe

    return ensure_axe()


def only_site_home(title="Home", hostname="testserver", port=80):
    """A new home page as the root of the one site (for transactional tests, whose rows other
    processes and threads can read)."""
    root = ensure_wagtail_roots()
    root.get_children().filter(slug="home").delete()
    home = root.add_child(instance=HomePage(title=title, slug="home"))
    home.save_revision().publish()
    Site.objects.all().delete()
    Site.objects.create(hostname=hostname, port=port, root_page=home, is_default_site=True)
    return home


@pytest.fixture(scope="session")
def html_checkers():
    """pa11y and the Nu Html Checker, installed when missing (see tests/browser_support.py)."""
    from .browser_support import ensure_checkers

    ensure_checkers()


def ensure_wagtail_roots():
    """The rows Wagtail's migrations create, which a transactional test's flush removes."""
    from django.conf import settings
    from wagtail.models import Collection, Locale

    locale, _ = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE.split("-")[0])
    if not Collection.get_first_root_node():
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    return root or Page.add_root(instance=Page(title="Root", slug="root", locale=locale))


@pytest.fixture
def live_home(live_server, settings):
    """A home page served by the live server (transactional: the server sees the test's rows)."""
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    port = int(live_server.url.rsplit(":", 1)[1])
    return only_site_home("Broadsheet", hostname="localhost", port=port)


@pytest.fixture
def live_blog(live_home):
    return make_blog_index(live_home, title="Notebook")


@pytest.fixture
def request_log(settings):
    """The JSON lines RequestLogMiddleware writes during the test, parsed (a list that fills in)."""
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "broadsheet.middleware.RequestLogMiddleware"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("broadsheet.request")
    logger.addHandler(handler)

    class Lines(list):
        def read(self):
            self[:] = [json.loads(line) for line in stream.getvalue().splitlines()]
            return self

    yield Lines()
    logger.removeHandler(handler)


@pytest.fixture
def workers():
    """Start `manage.py db_worker` processes; each one still running is stopped at the end and
    must exit cleanly."""
    started = []

    def start(smtp_port, **kwargs):
        worker = Worker(smtp_port, **kwargs)
        started.append(worker)
        wait_until(worker.started, "the worker to start")
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            assert worker.stop() == 0, "".join(worker.log)
