"""Requests through a WSGI application itself (broadsheet.wsgi's: the page cache's front, then
Django's handler), in the test's own process and transaction."""

import io
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core import signals
from django.db import close_old_connections


@contextmanager
def connections_kept():
    """Django's handler closes the database connection at each request's start and end; the
    test's transaction lives on it (Django's test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@contextmanager
def django_requests():
    """A list that gets an item each time Django's handler starts a request."""
    started = []

    def count(**kwargs):
        started.append(kwargs.get("environ", {}).get("PATH_INFO"))

    signals.request_started.connect(count)
    try:
        yield started
    finally:
        signals.request_started.disconnect(count)


@dataclass
class Answer:
    status: int
    header_list: list
    body: bytes
    headers: dict = field(init=False)

    def __post_init__(self):
        self.headers = {name.lower(): value for name, value in self.header_list}

    def __getitem__(self, name):
        return self.headers[name.lower()]

    def __contains__(self, name):
        return name.lower() in self.headers

    def text(self):
        return self.body.decode()


def wsgi_get(app, url, method="GET", host="testserver", remote_addr="127.0.0.1", scheme="http", **headers):
    """`app`'s answer to `method` `url` from `remote_addr`; `headers` as keywords
    (`If_None_Match="..."`, `X_Forwarded_Proto="https"`)."""
    parts = urlsplit(url)
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": parts.path,
        "QUERY_STRING": parts.query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "443" if scheme == "https" else "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": remote_addr,
        "HTTP_HOST": host,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    environ.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    started = {}

    def start_response(status, header_list, exc_info=None):
        started.update(status=int(status.split()[0]), header_list=header_list)

    with connections_kept():
        result = app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
    return Answer(started["status"], started["header_list"], body)
