"""Without Redis, every process of the machine shares one disk cache: what one stores or forgets,
the others see."""

import importlib
import os
import subprocess
import sys
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


def in_another_process(directory, code):
    """Run `code` (after `from broadsheet import caching`) in a new process on the same disk cache."""
    env = {**os.environ, "TEST_CACHES": "disk", "CACHE_DIR": str(directory)}
    env["DJANGO_SETTINGS_MODULE"] = "settings.test"
    script = f"import django; django.setup()\nfrom broadsheet import caching\n{code}"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.django_db  # forgetting waits for the transaction to commit
def test_a_value_stored_by_one_process_is_found_by_another_until_its_scope_is_forgotten(disk_cache):
    stored = 'print(caching.cached("greeting", lambda: "from the child", scopes=[caching.LISTINGS]))'
    assert in_another_process(disk_cache, stored) == "from the child"
    found = caching.cached("greeting", lambda: "from the parent", scopes=[caching.LISTINGS])
    assert found == "from the child"

    caching.forget(caching.COMMENT_COUNTS)  # another scope: kept
    assert in_another_process(disk_cache, stored) == "from the child"

    caching.forget(caching.LISTINGS)
    again = 'print(caching.cached("greeting", lambda: "computed again", scopes=[caching.LISTINGS]))'
    assert in_another_process(disk_cache, again) == "computed again"


@pytest.mark.django_db
@override_settings(PAGE_CACHE_SECONDS=600)
def test_a_post_forgotten_by_another_process_is_rendered_again(disk_cache, client, blog_index):
    post = make_post(blog_index, "Harbour levy", slug="harbour-levy")
    other = make_post(blog_index, "Ferry timetable", slug="ferry", date="2020-01-01 09:00")
    assert client.get("/blog/harbour-levy/")["X-Page-Cache"] == "miss"
    assert client.get("/blog/harbour-levy/")["X-Page-Cache"] == "hit"

    in_another_process(disk_cache, f"caching.forget(caching.post({other.pk}))")
    assert client.get("/blog/harbour-levy/")["X-Page-Cache"] == "hit"
    in_another_process(disk_cache, f"caching.forget(caching.post({post.pk}))")
    assert client.get("/blog/harbour-levy/")["X-Page-Cache"] == "miss"
