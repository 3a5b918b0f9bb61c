from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-pages"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".data" / "test-media"  # noqa: F405
WAGTAILADMIN_BASE_URL = "http://testserver"
FRESHNESS_STAMP_FILE = BASE_DIR / ".data" / "test-freshness"  # noqa: F405
# The browser tests' live server shows uploaded images.
SERVE_MEDIA = True
# The live server answers each request in its own thread; persistent connections would outlive them.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
PAGE_CACHE_SECONDS = 0  # tests that need the page cache switch it on
