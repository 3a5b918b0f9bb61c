"""Without Redis, every process of the machine shares one disk cache: what one stores or forgets,
the others see."""

import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.test import override_settings

from broadsheet import caching

from ..factories import make_post

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def disk_cache(tmp_path):
    """The disk caches of settings.base, in a folder of this test's own."""
    with override_settings(CACHES=importlib.import_module("settings.base").disk_caches(tmp_path)):
        yield tmp_path


# The other process runs each piece of code it is sent (one JSON string a line) and prints what it
# printed and then this line. It lives as long as the test, as a server's worker processes do.
DONE = "-- done --"
RUNNER = f"""
import json, sys
import django
django.setup()
from broadsheet import caching
for line in sys.stdin:
    exec(json.loads(line))
    print({DONE!r}, flush=True)
"""


@pytest.fixture
def in_another_process(disk_cache):
    """Run code (after `from broadsheet import caching`) in another process on the same disk
    cache; what it printed comes back."""
    env = {**os.environ, "TEST_CACHES": "disk", "CACHE_DIR": str(disk_cache)}
    env["DJANGO_SETTINGS_MODULE"] = "settings.test"
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            [sys.executable, "-c", RUNNER],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )

        def error_output():
            errors.seek(0)
            return errors.read()

        def run(code):
            process.stdin.write(json.dumps(code) + "\n")
            process.stdin.flush()
            lines = []
            for line in process.stdout:
                if line.rstrip("\n") == DONE:
                    return "".join(lines).strip()
                lines.append(line)
            raise AssertionError(f"the other process stopped:\n{error_output()}")

        yield run
        process.stdin.close()
        assert process.wait(timeout=60) == 0, error_output()


@pytest.mark.django_db  # forgetting waits for the transaction to commit
def test_a_value_stored_by_one_process_is_found_by_another_until_its_scope_is_forgotten(in_another_process):
    stored = 'print(caching.cached("greeting", lambda: "from the child", scopes=[caching.LISTINGS]))'
    assert in_another_process(stored) == "from the child"
    found = caching.cached("greeting", lambda: "from the parent", scopes=[caching.LISTINGS])
    assert found == "from the child"

    caching.forget(caching.COMMENT_COUNTS)  # another scope: kept
    assert in_another_process(stored) == "from the child"

    caching.forget(caching.LISTINGS)
    again = 'print(caching.cached("greeting", lambda: "computed again", scopes=[caching.LISTINGS]))'
    assert in_another_process(again) == "computed again"


@pytest.mark.django_db
@override_settings(PAGE_CACHE_SECONDS=600)
def test_a_post_forgotten_by_another_process_is_rendered_again(in_another_process, client, blog_index):
    post = make_post(blog_index, "Harbour levy", slug="harbour-levy")
    other = make_post(blog_index, "Ferry timetable", slug="ferry", date="2020-01-01 09:00")
    assert client.get("/blog/harbour-levy/")["X-Page-Cache"] == "miss"
    assert client.get("/blog/harbour-levy/")["X-Page-Cache"] == "hit"

    in_another_process(f"caching.forget(caching.post({other.pk}))")
    assert client.get("/blog/harbour-levy/")["X-Page-Cache"] == "hit"
    in_another_process(f"caching.forget(caching.post({post.pk}))")
    assert client.get("/blog/harbour-levy/")["X-Page-Cache"] == "miss"


def test_reading_many_values_holds_at_most_a_megabyte_of_each_shards_pages(disk_cache):
    from django.core.cache import caches

    values = caches["values"]
    for n in range(2_000):
        values.set(f"value-{n}", "x" * 2_000)
    assert all(values.get(f"value-{n}") == "x" * 2_000 for n in range(2_000))
    for shard in values._cache._shards:
        # SQLite's page cache, in pages of the file (negative: in KiB), and none of the file mapped.
        (pages,) = shard._sql("PRAGMA cache_size").fetchone()
        (page_size,) = shard._sql("PRAGMA page_size").fetchone()
        assert (pages * page_size if pages > 0 else -pages * 1024) <= 2**20
        assert shard._sql("PRAGMA mmap_size").fetchone() == (0,)
