"""Production settings, start-up checks, /healthz, request logs and front-end cache purging."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import django_comments
from django.contrib.sites.models import Site
from django.db import connection
from django.utils import timezone

from ..factories import make_post

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    """Run manage.py in a fresh process with exactly the environment a deployment would give it."""
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def database_url():
    db = connection.settings_dict
    host = db["HOST"]
    if host.startswith("/"):
        return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@/{db['NAME']}?host={host}"
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "settings.production",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "blog.example.org",
}


def test_deploy_check_reports_nothing(db):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", DATABASE_URL=database_url(), **PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_missing_variables_stop_start_up_naming_each_one():
    result = manage("check", DJANGO_SETTINGS_MODULE="settings.production")
    assert result.returncode == 1
    for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"):
        assert f"  {name}: " in result.stderr
    assert "Traceback" not in result.stderr


def test_database_url_that_is_not_postgresql_is_refused():
    result = manage("check", DATABASE_URL="mysql://blog:pw@db.internal/blog", **PRODUCTION_ENV)
    assert result.returncode == 1
    assert "DATABASE_URL must name a PostgreSQL server" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_and_redis_are_reported_at_start_up():
    # Nothing listens on these loopback ports (a port below 1024 no test server can hold).
    result = manage(
        "check_services",
        DATABASE_URL="postgres://blog:hunter2-secret@127.0.0.1:9/blog",
        REDIS_URL="redis://127.0.0.1:9/0",
        **PRODUCTION_ENV,
    )
    assert result.returncode == 1
    assert "Cannot connect to the PostgreSQL database blog@127.0.0.1:9/blog" in result.stderr
    assert "Cannot use the cache at redis://127.0.0.1:9/0" in result.stderr
    assert "hunter2-secret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_healthz_reports_database_and_cache(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_while_the_cache_is_unreachable(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["cache"].startswith("error: ")


def test_each_request_is_logged_as_one_json_line(client, blog_index, request_log):
    client.get("/blog/?page=1", REMOTE_ADDR="192.0.2.7")
    client.get("/blog/no-such-post/")
    lines = request_log.read()
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/blog/", 200),
        ("GET", "/blog/no-such-post/", 404),
    ]
    assert lines[0]["remote_addr"] == "192.0.2.7"
    assert lines[0]["level"] == "INFO" and lines[0]["duration_ms"] >= 0


def test_publishing_a_post_purges_it_and_the_listings_it_appears_on(
    blog_index, purge_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_post(blog_index, "Harbour levy passes", date="2015-11-02 09:00", tags=["harbour"])
    assert set(purge_server) >= {
        "http://testserver/blog/harbour-levy-passes/",
        "http://testserver/blog/",
        "http://testserver/blog/tag/harbour/",
        "http://testserver/blog/2015/",
        "http://testserver/blog/2015/11/",
        "http://testserver/blog/feed/",
        "http://testserver/blog/feed/atom/",
        "http://testserver/",
    }


def test_deleting_a_post_purges_it_the_listings_it_was_on_and_its_neighbours(
    blog_index, purge_server, django_capture_on_commit_callbacks
):
    older = make_post(blog_index, "Ferry timetable", date="2015-10-01 09:00")
    post = make_post(blog_index, "Harbour levy passes", date="2015-11-02 09:00", tags=["harbour"])
    purge_server.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post.delete()
    assert set(purge_server) >= {
        "http://testserver/blog/harbour-levy-passes/",
        "http://testserver/blog/",
        "http://testserver/blog/tag/harbour/",
        "http://testserver/blog/2015/11/",
        "http://testserver/blog/feed/",
        "http://testserver/",
        older.get_full_url(),  # its "next" link pointed at the deleted post
    }


def test_a_new_comment_purges_its_post_and_listings(
    blog_index, purge_server, django_capture_on_commit_callbacks
):
    post = make_post(blog_index, "Ferry timetable", date="2016-03-04 09:00", tags=["ferries"])
    purge_server.clear()
    with django_capture_on_commit_callbacks(execute=True):
        django_comments.get_model().objects.create(
            content_object=post,
            site=Site.objects.get_current(),
            user_name="Rowan",
            user_email="rowan@example.org",
            comment="The early boat is gone again.",
            submit_date=timezone.now(),
        )
    assert "http://testserver/blog/ferry-timetable/" in purge_server
    assert "http://testserver/blog/tag/ferries/" in purge_server
    assert "http://testserver/blog/" in purge_server
