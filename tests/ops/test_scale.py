"""Scale-out: two gunicorn app servers and two task workers on one PostgreSQL server and one
Redis (`make test-scale`).

Starts Debian's PostgreSQL and Redis servers on loopback ports with their data in a temporary
folder (installing the packages with apt when they are missing), migrates, loads the demo blog,
and runs two app servers and two workers (which send the CDN purges) with production settings,
behind Debian's Varnish with the site's own configuration (deploy/varnish/). Everything started here
is stopped at the end, also on Ctrl-C. The last test runs two workers on the test database and
checks that no task runs twice.
"""

import glob
import html
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
import pytest
import requests

from ..editor_helpers import PARAGRAPH, post_form

pytestmark = pytest.mark.scale

ROOT = Path(__file__).resolve().parents[2]
PG_PORT, REDIS_PORT, PORT_A, PORT_B, CDN_PORT = 8610, 8611, 8612, 8613, 8614
DB_PASSWORD = "scale-test-" + secrets.token_hex(8)
DATABASE_URL = f"postgres://broadsheet:{DB_PASSWORD}@127.0.0.1:{PG_PORT}/broadsheet"
SITE_HOST = f"127.0.0.1:{PORT_A}"  # the demo site's address (load_demo --port), as the CDN serves it


def wait_until(predicate, what, timeout=60):
    """Poll until `predicate()` is true; the servers need a moment to start or recover."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (requests.RequestException, OSError, psycopg.Error):
            pass
        time.sleep(0.3)
    raise AssertionError(f"gave up waiting for {what}")


def ensure_packages():
    if (
        glob.glob("/usr/lib/postgresql/*/bin/initdb")
        and shutil.which("redis-server")
        and shutil.which("varnishd")
    ):
        return
    subprocess.run(
        [
            "apt-get",
            "-o",
            "DPkg::Lock::Timeout=600",
            "install",
            "-y",
            "postgresql",
            "redis-server",
            "varnish",
        ],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


class PostgresServer:
    """Debian's PostgreSQL, its cluster in a temporary folder, run as the `postgres` user."""

    def __init__(self, folder):
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))[-1]).parent
        self.folder = folder
        self.data = folder / "pgdata"

    def run(self, *args, **kwargs):
        # initdb and the server refuse to run as root.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *args], check=True, capture_output=True, text=True, **kwargs)

    def init(self):
        password_file = self.folder / "pgpass"
        password_file.write_text(DB_PASSWORD)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            shutil.chown(password_file, "postgres")
        self.run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "broadsheet",
            "--auth=scram-sha-256",
            f"--pwfile={password_file}",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        self.start()
        with psycopg.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE broadsheet")

    def start(self):
        options = f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -k {self.folder} -c max_connections=60"
        self.run(
            str(self.bin / "pg_ctl"),
            *("-D", str(self.data), "-o", options, "-l", str(self.folder / "pg.log"), "-w", "start"),
        )

    def stop(self):
        if (self.data / "postmaster.pid").exists():
            self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


class Varnish:
    """Debian's Varnish in front of both app servers, with deploy/varnish/default.vcl."""

    def __init__(self, folder):
        self.folder = folder / "varnish"
        self.folder.mkdir()
        backends = "".join(
            f'backend app_{name} {{ .host = "127.0.0.1"; .port = "{port}"; .probe = healthz; }}\n'
            for name, port in (("a", PORT_A), ("b", PORT_B))
        )
        backends += "sub vcl_init { app.add_backend(app_a); app.add_backend(app_b); }\n"
        backends += 'acl purgers { "127.0.0.1"; }\n'
        (self.folder / "backends.vcl").write_text(backends)
        self.log = open(folder / "varnish.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            ["varnishd", "-F", "-j", "none", "-a", f"127.0.0.1:{CDN_PORT}", "-n", str(self.folder / "work")]
            + ["-f", str(ROOT / "deploy" / "varnish" / "default.vcl"), "-s", "malloc,64m"]
            + ["-p", f"vcl_path={self.folder}:{ROOT / 'deploy' / 'varnish'}"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_log(self):
        """Every request Varnish answers, one line each, in varnish-requests.log (for a failed run)."""
        self.ncsa = subprocess.Popen(
            ["varnishncsa", "-n", str(self.folder / "work"), "-F", "%m %{Host}i %U%q %{Varnish:handling}x"]
            + ["-w", str(self.folder.parent / "varnish-requests.log")],
            start_new_session=True,
        )

    def get(self, path):
        """A reader's request through Varnish, for the site's own address (as a CDN receives it)."""
        headers = {"Host": SITE_HOST, "X-Forwarded-Proto": "https"}
        return requests.get(
            f"http://127.0.0.1:{CDN_PORT}{path}", headers=headers, allow_redirects=False, timeout=30
        )

    def stop(self):
        for process in (getattr(self, "ncsa", None), self.process):
            if process and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
        self.log.close()


class Browser:
    """A client that goes through the HTTPS proxy's headers and keeps its cookies across servers.

    The cookies are Secure (production settings), so they are sent by hand: an HTTP client
    library would keep them back from the plain-HTTP loopback address behind the "proxy".
    """

    def __init__(self):
        self.cookies = {}

    def request(self, method, url, data=None, follow=True):
        for _ in range(10):
            origin = re.match(r"http://[^/]+", url).group(0).replace("http://", "https://")
            headers = {"X-Forwarded-Proto": "https", "Origin": origin, "Referer": origin + "/"}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            response = requests.request(
                method, url, data=data, headers=headers, allow_redirects=False, timeout=30
            )
            for header in response.raw.headers.getlist("Set-Cookie"):
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            if not (follow and response.is_redirect):
                return response
            location = response.headers["Location"]
            if not location.startswith("http"):
                location = origin.replace("https://", "http://") + location
            url = location
            method, data = "GET", None
        raise AssertionError("too many redirects")

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, data, **kwargs):
        return self.request("POST", url, data=data, **kwargs)


def csrf_token(page_html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page_html).group(1)


class Cluster:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="broadsheet-scale-"))
        self.folder.chmod(0o755)
        self.postgres = PostgresServer(self.folder)
        self.redis = None
        self.cdn = None
        self.servers = {}
        self.workers = {}
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))},
            "DJANGO_SETTINGS_MODULE": "settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
            "MEDIA_ROOT": str(self.folder / "media"),
            "STATIC_ROOT": str(self.folder / "static"),
            "FRONTEND_CACHE_BACKEND": "http",
            "FRONTEND_CACHE_LOCATION": f"http://127.0.0.1:{CDN_PORT}",
            "EMAIL_URL": "consolemail://",
            "WEB_CONCURRENCY": "2",
            "HOST": "127.0.0.1",
        }

    def manage(self, *args, **env):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **env},
            check=True,
            capture_output=True,
            text=True,
        )

    def start(self):
        ensure_packages()
        self.postgres.init()
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1"]
            + ["--save", "", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        ping = ["redis-cli", "-p", str(REDIS_PORT), "ping"]
        wait_until(lambda: subprocess.run(ping, capture_output=True).stdout.strip() == b"PONG", "Redis")
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        # No CDN yet: loading the demo purges nothing.
        self.manage("load_demo", "--hostname", "127.0.0.1", "--port", str(PORT_A), FRONTEND_CACHE_BACKEND="")
        for name, port in (("a", PORT_A), ("b", PORT_B)):
            self.start_server(name, port)
            self.start_worker(name)
        # The demo's own tasks (reference index updates, and the purges they lead to) are done,
        # and stay done a moment, before the CDN starts keeping pages. (The repeating tasks
        # migrate queued wait for their own time.)
        waiting = (
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')"
            " AND (run_after IS NULL OR run_after <= now())"
        )
        quiet = []
        wait_until(
            lambda: quiet.append(self.query(waiting)[0][0] == 0) or quiet[-3:] == [True] * 3,
            "the tasks the demo queued",
            timeout=180,
        )
        self.cdn = Varnish(self.folder)
        wait_until(lambda: self.cdn.get("/healthz").status_code == 200, "Varnish and its backends")
        self.cdn.start_log()

    def start_worker(self, name):
        log = open(self.folder / f"worker-{name}.log", "w")  # noqa: SIM115 - closed with the process
        self.workers[name] = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--worker-id", f"worker-{name}"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_server(self, name, port):
        log = open(self.folder / f"gunicorn-{name}.log", "w")  # noqa: SIM115 - closed with the process
        self.servers[name] = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env={**self.env, "PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        health = f"http://127.0.0.1:{port}/healthz"
        wait_until(lambda: requests.get(health, timeout=5).status_code == 200, f"app server {name}")

    def stop_server(self, name):
        process = self.servers.pop(name, None)
        if process and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)

    def stop(self):
        for name in list(self.servers):
            self.stop_server(name)
        for process in self.workers.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)
        if self.redis and self.redis.poll() is None:
            os.killpg(self.redis.pid, signal.SIGTERM)
            self.redis.wait(timeout=30)
        if self.cdn:
            self.cdn.stop()
        try:
            self.postgres.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def query(self, sql, *params):
        with psycopg.connect(DATABASE_URL) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster()
    # Stop what was started even when the run is interrupted (Ctrl-C or a TERM from CI).
    previous = signal.signal(signal.SIGTERM, lambda *args: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        signal.signal(signal.SIGTERM, previous)


A = f"http://127.0.0.1:{PORT_A}"
B = f"http://127.0.0.1:{PORT_B}"


@pytest.fixture(scope="module")
def editor(cluster):
    """The demo editor, logged in through server A."""
    browser = Browser()
    login = browser.get(f"{A}/admin/login/")
    response = browser.post(
        f"{A}/admin/login/",
        {
            "csrfmiddlewaretoken": csrf_token(login.text),
            "username": "demo",
            "password": "demo",
            "next": "/admin/",
        },
        follow=False,
    )
    assert response.status_code == 302, response.text[:2000]
    return browser


def test_both_servers_send_the_security_headers_and_long_lived_static_files(cluster):
    for base in (A, B):
        response = Browser().get(f"{base}/blog/")
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        # Readers' pages run no inline script (the admin's policy, below, has to allow it).
        assert re.search(r"script-src 'self'(;|$)", response.headers["Content-Security-Policy"])
        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', response.text).group(1)
        static = Browser().get(base + stylesheet)
        assert static.status_code == 200
        assert "immutable" in static.headers["Cache-Control"]
    plain = requests.get(f"{A}/blog/", allow_redirects=False, timeout=10)
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")


def test_an_image_one_server_renders_is_served_by_the_other(cluster):
    (url_path,) = cluster.query(
        "SELECT p.url_path FROM wagtailcore_page p JOIN blog_blogpostpage b ON b.page_ptr_id = p.id"
        ' WHERE p.live AND b.body::text LIKE \'%%"type": "image"%%\' LIMIT 1'
    )[0]
    post_path = public_path(url_path)
    page = Browser().get(A + post_path)
    image = re.search(r'<img[^>]+src="(/media/[^"]+)"', page.text).group(1)
    response = Browser().get(B + image)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("image/")


def test_session_from_one_server_works_on_the_other(editor):
    dashboard = editor.get(f"{B}/admin/")
    assert dashboard.status_code == 200
    assert "/admin/login/" not in dashboard.url
    assert "Dashboard" in dashboard.text
    assert "frame-ancestors 'self'" in dashboard.headers["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in dashboard.headers["Content-Security-Policy"]


def publish_post(browser, base, index_id, title, tag):
    """Create and publish a post through the Wagtail admin of the server at `base`."""
    add_url = f"{base}/admin/pages/add/blog/blogpostpage/{index_id}/"
    form = browser.get(add_url)
    assert form.status_code == 200
    # As the editor's author chooser does: the first author it lists.
    chooser = browser.get(f"{base}/admin/snippets/choose/blog/author/").json()
    author_id = re.search(r"/admin/snippets/choose/blog/author/chosen/(\d+)/", chooser["html"]).group(1)
    data = post_form(
        title,
        [author_id],
        csrfmiddlewaretoken=csrf_token(form.text),
        date=time.strftime("%Y-%m-%d %H:%M"),
        tags=tag,
        intro="A post written in the scale-out test.",
        **{"body-0-value": PARAGRAPH.replace("Body.", "Published through one server, served by the other.")},
    )
    response = browser.post(add_url, data, follow=False)
    errors = re.findall(r'id="([\w-]+)-errors"', response.text) or re.findall(r"error-message", response.text)
    assert response.status_code == 302, f"the admin refused the post: {errors}"


def public_path(url_path):
    """A page's address on the site from its tree path (without the site root's slug)."""
    return "/" + url_path.strip("/").split("/", 1)[1] + "/"


def oldest_post_path(cluster):
    """A post whose page no new post or comment elsewhere changes (its neighbours stay the same)."""
    sql = (
        "SELECT p.url_path FROM wagtailcore_page p JOIN blog_blogpostpage b ON b.page_ptr_id = p.id"
        " WHERE p.live ORDER BY b.date LIMIT 1"
    )
    return public_path(cluster.query(sql)[0][0])


def cached_at_the_cdn(cluster, *paths):
    for path in paths:
        cluster.cdn.get(path)
        response = cluster.cdn.get(path)
        assert response.status_code == 200, path
        assert response.headers["X-Cache"] == "hit", f"Varnish did not keep {path}: {response.headers}"


def test_post_published_through_one_server_is_served_by_the_other_with_both_caches_purged(cluster, editor):
    index_id, index_path = cluster.query("SELECT id, url_path FROM wagtailcore_page WHERE slug = 'blog'")[0]
    # Both servers render (and cache) the index and a label page before the post exists.
    for base in (A, B):
        assert "Lighthouse keepers vote" not in Browser().get(f"{base}/blog/").text
        assert Browser().get(f"{base}/blog/tag/lighthouses/").status_code == 404
    # Varnish keeps the index (and its second page), an old post and another label's page.
    old_post = oldest_post_path(cluster)
    other_label = "/blog/tag/{}/".format(
        cluster.query("SELECT slug FROM taggit_tag ORDER BY slug LIMIT 1")[0][0]
    )
    cached_at_the_cdn(cluster, "/", "/blog/", "/blog/?page=2", old_post, other_label)

    publish_post(editor, B, index_id, "Lighthouse keepers vote", "lighthouses")

    post = Browser().get(f"{A}/blog/lighthouse-keepers-vote/")
    assert post.status_code == 200
    assert "Published through one server, served by the other." in post.text
    for base in (A, B):
        assert "Lighthouse keepers vote" in Browser().get(f"{base}/blog/").text
        label_page = Browser().get(f"{base}/blog/tag/lighthouses/")
        assert label_page.status_code == 200 and "Lighthouse keepers vote" in label_page.text
    # A worker sends Varnish a PURGE for each page that shows the post, a moment after the publish:
    # those are fetched again (the index's other pages too); the pages that do not show it are kept.
    wait_until(lambda: "Lighthouse keepers vote" in cluster.cdn.get("/blog/").text, "the purge of the index")
    for path in ("/", "/blog/?page=2"):
        assert cluster.cdn.get(path).headers["X-Cache"] == "miss", path
    assert "Lighthouse keepers vote" in cluster.cdn.get("/").text
    assert "Lighthouse keepers vote" in cluster.cdn.get("/blog/tag/lighthouses/").text
    for path in (old_post, other_label):
        assert cluster.cdn.get(path).headers["X-Cache"] == "hit", path


HIDDEN_INPUT = r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"'


def comment_form(page_html):
    """The fields of the post's comment form, or None when the site has no comment form."""
    match = re.search(r'<form[^>]+action="([^"]*comments/post/[^"]*)"(.*?)</form>', page_html, re.S)
    if not match:
        return None
    fields = {
        html.unescape(name): html.unescape(value) for name, value in re.findall(HIDDEN_INPUT, match.group(2))
    }
    return html.unescape(match.group(1)), fields


def filled_comment_form(browser, base, post_path, text):
    """The comment form of the post at `base` + `post_path`, filled in: (action URL, fields)."""
    form = comment_form(browser.get(f"{base}{post_path}").text)
    assert form is not None, f"no comment form on {post_path}"
    action, fields = form
    fields.update(
        {"name": "Morwenna", "email": "morwenna@example.org", "url": "", "comment": text, "honeypot": ""}
    )
    return base + action, fields


def post_comment(base, post_path, text):
    browser = Browser()
    return browser.post(*filled_comment_form(browser, base, post_path, text))


OPEN_COMMENTS = """
from wagtail.models import Site

from blog.models import CommentSettings

rules = CommentSettings.for_site(Site.objects.get(is_default_site=True))
rules.hold_first_comments = False
rules.save()
"""


def test_comment_posted_on_one_server_appears_on_the_other(cluster):
    # The editor's site setting: publish a first-time commenter's comment without holding it.
    cluster.manage("shell", "-c", OPEN_COMMENTS)
    response = post_comment(A, "/blog/lighthouse-keepers-vote/", "The north light needs a keeper too.")
    assert response.status_code == 200
    assert "The north light needs a keeper too." in Browser().get(f"{B}/blog/lighthouse-keepers-vote/").text


def test_a_comment_purges_its_post_at_the_cdn_and_no_other_post(cluster):
    post_path = "/blog/lighthouse-keepers-vote/"
    old_post = oldest_post_path(cluster)
    cached_at_the_cdn(cluster, post_path, old_post)
    assert post_comment(B, post_path, "Seen through the cache at once.").status_code == 200
    wait_until(lambda: "Seen through the cache at once." in cluster.cdn.get(post_path).text, "the purge")
    assert cluster.cdn.get(old_post).headers["X-Cache"] == "hit"


def test_stopping_one_server_loses_no_request_sent_to_the_other(cluster):
    statuses, errors, stop = [], [], threading.Event()

    def reader():
        while not stop.is_set():
            try:
                statuses.append(Browser().get(f"{B}/blog/").status_code)
            except requests.RequestException as error:
                errors.append(error)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    wait_until(lambda: len(statuses) >= 10, "requests before the stop")
    cluster.stop_server("a")
    count_at_stop = len(statuses)
    wait_until(lambda: len(statuses) >= count_at_stop + 10, "requests after the stop")
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(statuses) == {200}
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{A}/healthz", timeout=5)


def test_healthz_is_503_while_the_database_is_down_and_recovers_losing_no_comment(cluster):
    post_path = "/blog/lighthouse-keepers-vote/"
    reader = Browser()
    action, fields = filled_comment_form(reader, B, post_path, "Sent while the database was away.")
    cluster.postgres.stop()
    try:
        health = requests.get(f"{B}/healthz", timeout=30)
        assert health.status_code == 503
        assert health.json()["database"].startswith("error") and health.json()["cache"] == "ok"
        # A page readers already had is still served from the shared page cache; one that
        # needs the database answers with the outage page, not a 500.
        cached = Browser().get(B + post_path)
        assert cached.status_code == 200
        assert "The north light needs a keeper too." in cached.text
        page = Browser().get(f"{B}/search/?q=outage")
        assert page.status_code == 503
        assert "cannot reach its database" in page.text
        refused = reader.post(action, fields)
        assert refused.status_code == 503
        assert "nothing you sent has been saved" in refused.text
    finally:
        cluster.postgres.start()
    wait_until(lambda: requests.get(f"{B}/healthz", timeout=10).status_code == 200, "recovery")
    # The reader sends the same form again, as the 503 page tells them to. (Not following the
    # redirect: it names the site's address, server A, stopped by now.)
    assert reader.post(action, fields, follow=False).status_code == 302
    post = Browser().get(B + post_path)
    assert post.status_code == 200
    assert "The north light needs a keeper too." in post.text
    assert post.text.count("Sent while the database was away.") == 1


def test_two_workers_on_one_database_run_each_task_once(transactional_db, settings):
    """Each queued email is claimed by one worker (SELECT ... FOR UPDATE SKIP LOCKED): N tasks,
    two workers taking them at once, N messages, each exactly once."""
    from django_tasks_db.models import DBTaskResult

    from broadsheet.mail import send_email

    from ..task_helpers import DATABASE_TASKS, SmtpServer, Worker, free_port
    from ..task_helpers import wait_until as wait_for

    settings.TASKS = DATABASE_TASKS
    smtp_port = free_port()
    # A little time per message, so both workers are busy at once.
    smtp = SmtpServer(smtp_port, delay=0.05).start()
    workers = [Worker(smtp_port, worker_id=f"worker-{name}") for name in "ab"]
    try:
        for worker in workers:
            wait_for(worker.started, "both workers to start")
        count = 40
        for n in range(count):
            message = {
                "subject": f"Message {n}",
                "body": "Body",
                "from_email": "site@example.org",
                "to": [f"reader{n}@example.org"],
                **{field: [] for field in ("cc", "bcc", "reply_to", "alternatives", "attachments")},
                "headers": {},
            }
            send_email.enqueue(message)
        wait_for(lambda: len(smtp.messages) >= count, "every message", timeout=120)
        wait_for(lambda: not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists(), "every task")
        time.sleep(1)  # a duplicate would arrive by now
    finally:
        codes = [worker.stop() for worker in workers]
        smtp.stop()
    assert codes == [0, 0]
    subjects = sorted(message["Subject"] for message in smtp.messages)
    assert subjects == sorted(f"Message {n}" for n in range(count))
    rows = DBTaskResult.objects.all()
    assert all(len(row.worker_ids) == 1 for row in rows)  # claimed once, never re-run
    assert {row.worker_ids[0] for row in rows} == {"worker-a", "worker-b"}
