import os

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Local memory is enough for tests in one process; with TEST_CACHES=disk (the processes that
# tests/ops/test_shared_cache.py starts) the shared disk cache of settings.base is kept.
if os.environ.get("TEST_CACHES") != "disk":
    CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"test-{alias}"}
        for alias in ("default", "values", "pages")
    }
# Tests run tasks at once, in the test's own process and transaction, unless TEST_TASKS=database:
# the worker processes tests start, and the tests that prove what the queue does, use the database.
if os.environ.get("TEST_TASKS") != "database":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Queued email is delivered to django.core.mail.outbox unless a test's worker names a backend.
if not os.environ.get("EMAIL_BACKEND") and not os.environ.get("EMAIL_URL"):
    EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".data" / "test-media"  # noqa: F405
WAGTAILADMIN_BASE_URL = "http://testserver"
# The browser tests' live server shows uploaded images.
SERVE_MEDIA = True
# The live server answers each request in its own thread; persistent connections would outlive them.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
PAGE_CACHE_SECONDS = 0  # tests that need the page cache switch it on
# The oEmbed provider a test runs on loopback (the machine reaches no real provider).
if os.environ.get("TEST_OEMBED_ENDPOINT"):
    WAGTAILEMBEDS_FINDERS = [
        {
            "class": "wagtail.embeds.finders.oembed",
            "providers": [
                {"endpoint": os.environ["TEST_OEMBED_ENDPOINT"], "urls": [r"^https://video\.test/.+$"]}
            ],
        }
    ]
# Each request's log line is written as it is made (pytest closes the stream it captured before
# the process exits, when a batch would be written).
LOGGING["handlers"]["json"]["buffer_bytes"] = 0  # noqa: F405
