"""Stored pages through gunicorn, as production serves them: the front of the page cache answers
them with Django's headers, HEAD without a body, and https only from a trusted proxy."""

import http.client
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ..factories import make_post
from ..task_helpers import database_url, free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)  # the server reads the test's rows
# What gunicorn and the transport add, which differ from one answer to the next.
TRANSPORT = {"date", "server", "connection", "content-length", "transfer-encoding", "x-page-cache"}


class Server:
    """gunicorn with gunicorn.conf.py (broadsheet.wsgi:application) on a loopback port."""

    def __init__(self, folder, forwarded_allow_ips):
        self.port = free_port()
        self.log = open(folder / f"gunicorn-{self.port}.log", "w")  # noqa: SIM115 - closed in stop()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.ops.page_cache_settings",
            "TEST_CACHES": "disk",
            "CACHE_DIR": str(folder / "cache"),
            "DATABASE_URL": database_url(),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "2",
            "FORWARDED_ALLOW_IPS": forwarded_allow_ips,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(self.answers, "gunicorn to start", timeout=90)

    def answers(self):
        try:
            return self.request("GET", "/healthz")[0] == 200
        except OSError:
            return False

    def request(self, method, path, **headers):
        """(status, {lower-case name: value}, body)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            return response.status, {name.lower(): value for name, value in response.getheaders()}, body
        finally:
            connection.close()

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)
        self.log.close()


@pytest.fixture
def serve(tmp_path):
    servers = []

    def start(forwarded_allow_ips="127.0.0.1"):
        servers.append(Server(tmp_path, forwarded_allow_ips))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def test_a_stored_page_comes_back_from_gunicorn_with_the_headers_django_gave_it(serve, blog_index):
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    server = serve()
    https = {"X-Forwarded-Proto": "https"}
    status, first, page = server.request("GET", "/blog/harbour-levy/", **https)
    assert status == 200 and first["x-page-cache"] == "miss"
    status, hit, body = server.request("GET", "/blog/harbour-levy/", **https)
    assert status == 200 and hit["x-page-cache"] == "hit" and body == page
    assert int(hit["content-length"]) == len(page)
    kept = {name: value for name, value in hit.items() if name not in TRANSPORT}
    assert kept == {name: value for name, value in first.items() if name not in TRANSPORT}
    assert kept["strict-transport-security"] == "max-age=3600"
    assert kept["content-security-policy"] == "default-src 'self'"
    assert "s-maxage=600" in kept["cache-control"] and kept["x-frame-options"] == "DENY"
    status, head, body = server.request("HEAD", "/blog/harbour-levy/", **https)
    assert (status, head["x-page-cache"], body) == (200, "hit", b"")
    status, _headers, _body = server.request("GET", "/blog/harbour-levy/", Host="evil.example")
    assert status == 400


def test_behind_gunicorn_only_a_trusted_proxy_makes_a_request_https(serve, blog_index):
    make_post(blog_index, "Ferry timetable", slug="ferry")
    server = serve(forwarded_allow_ips="192.0.2.1")  # this test's loopback peer is not the proxy
    status, first, page = server.request("GET", "/blog/ferry/", **{"X-Forwarded-Proto": "https"})
    assert status == 200 and first["x-page-cache"] == "miss"
    assert "strict-transport-security" not in first
    status, plain, body = server.request("GET", "/blog/ferry/")
    assert plain["x-page-cache"] == "hit" and body == page  # the page it was given is the http one
