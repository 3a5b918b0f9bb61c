"""The ceiling's trivial app: the saved page's bytes, with a Content-Type alone or the headers given."""

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def answer(monkeypatch, tmp_path, headers=None):
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>Saved page</p>")
    monkeypatch.setenv("STATIC_PAGE", str(page))
    if headers is not None:
        (tmp_path / "headers.json").write_text(json.dumps(headers))
        monkeypatch.setenv("STATIC_HEADERS", str(tmp_path / "headers.json"))
    spec = importlib.util.spec_from_file_location("bench_static_page", BENCH / "static_page.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    started = []
    body = b"".join(
        module.application({"PATH_INFO": "/any/"}, lambda status, sent: started.append((status, sent)))
    )
    return started[0], body


def test_the_trivial_app_answers_the_saved_page_with_its_length(monkeypatch, tmp_path):
    (status, headers), body = answer(monkeypatch, tmp_path)
    assert (status, body) == ("200 OK", b"<p>Saved page</p>")
    assert headers == [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "17")]


def test_given_the_stored_pages_headers_it_sends_those(monkeypatch, tmp_path):
    given = [["Content-Type", "text/html; charset=utf-8"], ["Vary", "Cookie"], ["X-Frame-Options", "DENY"]]
    (_status, headers), _body = answer(monkeypatch, tmp_path, given)
    assert headers == [*map(tuple, given), ("Content-Length", "17")]
