"""The request log is written in batches (broadsheet.logging.BufferedStreamHandler, as settings'
LOGGING configures it), each line exactly as the logging machinery would write it: the lines of
pages the front answers are made from text worked out once per page, and reach the stream in
one write at most flush_seconds later, when a batch is full, and at exit."""

import io
import json
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.handlers.wsgi import WSGIHandler

from broadsheet.caching.front import PageCacheFront
from broadsheet.logging import BufferedStreamHandler, JsonFormatter, LineTemplate, json_line

from ..factories import make_post
from ..wsgi_helpers import wsgi_get

ROOT = Path(__file__).resolve().parents[2]
PAGE_CACHE = "broadsheet.caching.pages.PageCacheMiddleware"
REQUEST_LOG = "broadsheet.middleware.RequestLogMiddleware"


class WritesKept(io.StringIO):
    """A text stream that also keeps each write() it was given."""

    def __init__(self):
        super().__init__()
        self.writes = []
        self.lock = threading.Lock()

    def write(self, text):
        with self.lock:
            self.writes.append(text)
        return super().write(text)


def written_within(stream, count, seconds=10):
    """Wait until `stream` has had `count` writes (the flusher thread runs on its own)."""
    deadline = time.monotonic() + seconds
    while len(stream.writes) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return stream.writes


@pytest.mark.parametrize(
    "created",
    [1764625793.0, 1764625793.2505, 1764625793.9999996, 1764625793.0009995, 1764625799.999, 1.5],
)
@pytest.mark.parametrize("milliseconds", [0.0, 0.04999, 0.25, 0.35, 12.0, 99.95, 1234.5678])
def test_a_line_from_its_template_is_the_line_json_line_writes(created, milliseconds):
    fields = {
        "method": "GET",
        "path": '/blog/caf\u00e9 "quoted" \\ \x00/',
        "status": 200,
        "duration_ms": 0.0,
        "remote_addr": "198.51.100.5",
        "user_id": None,
        "bytes": 71734,
        "sample": 3,
    }
    template = LineTemplate("INFO", "broadsheet.request", "GET /blog/ 200", fields, "duration_ms")
    rounded = {**fields, "duration_ms": round(milliseconds, 1)}
    expected = json_line(created, "INFO", "broadsheet.request", "GET /blog/ 200", rounded)
    assert template.line(created, milliseconds) == expected
    # One template for every reader of the page: the address is given with each line.
    per_reader = LineTemplate(
        "INFO", "broadsheet.request", "GET /blog/ 200", fields, "duration_ms", ("remote_addr",)
    )
    for address in ("198.51.100.5", "2001:db8::7", 'odd "address"'):
        line = json_line(
            created, "INFO", "broadsheet.request", "GET /blog/ 200", {**rounded, "remote_addr": address}
        )
        assert per_reader.line(created, milliseconds, address) == line


def test_a_template_refuses_fields_json_line_writes_itself():
    with pytest.raises(ValueError, match="time"):
        LineTemplate("INFO", "broadsheet.request", "m", {"time": 1, "duration_ms": 0.0}, "duration_ms")


def test_lines_wait_for_their_batch_and_are_written_in_one_write():
    stream = WritesKept()
    handler = BufferedStreamHandler(stream, buffer_bytes=1000, flush_seconds=0.2)
    lines = [f'{{"n": {n}, "text": "{"x" * 280}"}}\n' for n in range(6)]
    for line in lines[:3]:
        handler.add(line)
    assert stream.writes == []  # not yet due, the batch not yet full
    handler.add(lines[3])  # past 1,000 bytes: written at once, the four together
    assert stream.writes == ["".join(lines[:4])]
    for line in lines[4:]:
        handler.add(line)
    assert written_within(stream, 2) == ["".join(lines[:4]), "".join(lines[4:])]
    assert stream.getvalue() == "".join(lines)


def test_with_no_buffer_each_line_is_written_as_it_comes():
    stream = WritesKept()
    handler = BufferedStreamHandler(stream, buffer_bytes=0)
    logger = logging.getLogger("tests.unbuffered")
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    try:
        logger.warning("one %s", "line", extra={"path": "/blog/"})
        assert [json.loads(text)["message"] for text in stream.writes] == ["one line"]
    finally:
        logger.removeHandler(handler)


def requests_logged(front, handlers):
    """The front asked for the post (twice from one reader), then HEAD, with `handlers` alone on
    the request log (the lines written when each answer is made, or by the logging machinery)."""
    logger = logging.getLogger("broadsheet.request")
    saved, logger.handlers = logger.handlers, []
    for handler in handlers:
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    try:
        answers = [wsgi_get(front, "/blog/harbour-levy/", remote_addr="192.0.2.7") for _ in range(2)]
        answers.append(wsgi_get(front, "/blog/harbour-levy/", method="HEAD"))
    finally:
        logger.handlers = saved
    return [answer["X-Page-Cache"] for answer in answers]


@pytest.mark.django_db
def test_hits_are_logged_with_the_fields_and_format_of_any_request(settings, blog_index):
    """The lines of hits, as the front makes them (a plain stream, and a batching one that
    writes the same text later in one write), are the lines the logging machinery makes (its
    own LogRecord and formatter, which a filter on a handler calls for), but for the time and
    the duration each request took."""
    middleware = [name for name in settings.MIDDLEWARE if name != REQUEST_LOG]
    middleware.insert(middleware.index(PAGE_CACHE), REQUEST_LOG)
    settings.MIDDLEWARE = middleware
    settings.PAGE_CACHE_SECONDS = 600
    front = PageCacheFront(WSGIHandler())
    make_post(blog_index, "Harbour levy", slug="harbour-levy")
    assert wsgi_get(front, "/blog/harbour-levy/")["X-Page-Cache"] == "miss"

    plain, batched, machinery = io.StringIO(), WritesKept(), io.StringIO()
    buffered = BufferedStreamHandler(batched, flush_seconds=60)
    assert requests_logged(front, [logging.StreamHandler(plain), buffered]) == ["hit"] * 3
    assert batched.writes == []
    buffered.flush()
    assert batched.writes == [plain.getvalue()]  # one write, the same text
    through_machinery = logging.StreamHandler(machinery)
    through_machinery.addFilter(lambda record: True)
    assert requests_logged(front, [through_machinery]) == ["hit"] * 3

    fast = [json.loads(text) for text in plain.getvalue().splitlines()]
    slow = [json.loads(text) for text in machinery.getvalue().splitlines()]
    assert [list(line) for line in fast] == [list(line) for line in slow]  # same fields, same order
    for line in fast + slow:
        assert isinstance(line.pop("duration_ms"), float)
        assert len(line.pop("time")) == len("2026-12-01T21:49:53.760+00:00")
    assert fast == slow
    assert [(line["method"], line["remote_addr"]) for line in fast] == [
        ("GET", "192.0.2.7"),
        ("GET", "192.0.2.7"),
        ("HEAD", "127.0.0.1"),
    ]


EXITING = r"""
import logging, logging.config, os, sys
logging.config.dictConfig({
    "version": 1,
    "formatters": {"json": {"()": "broadsheet.logging.JsonFormatter"}},
    "handlers": {"json": {
        "class": "broadsheet.logging.BufferedStreamHandler", "formatter": "json", "flush_seconds": 600,
    }},
    "loggers": {"broadsheet.request": {"handlers": ["json"], "level": "INFO", "propagate": False}},
})
log = logging.getLogger("broadsheet.request")
for n in range(3):
    log.info("parent %s", n, extra={"n": n})
child = os.fork()
if child == 0:
    log.info("child", extra={"n": 9})
    sys.exit(0)
os.waitpid(child, 0)
"""


def test_waiting_lines_are_written_at_exit_and_a_forked_worker_writes_only_its_own():
    result = subprocess.run(
        [sys.executable, "-c", EXITING], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    messages = [json.loads(line)["message"] for line in result.stderr.splitlines()]
    assert sorted(messages) == ["child", "parent 0", "parent 1", "parent 2"]
