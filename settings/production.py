"""Production: every value that differs between deployments comes from the environment.

Required: DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL. The README's "Deploying"
section lists the optional ones (REDIS_URL, EMAIL_URL, AWS_*, SENTRY_DSN, FRONTEND_CACHE_*).
"""

import os

from django.core.exceptions import ImproperlyConfigured

REQUIRED = {
    "DJANGO_SECRET_KEY": "a long random string: python -c 'import secrets; print(secrets.token_urlsafe(50))'",
    "DJANGO_ALLOWED_HOSTS": "the site's host names, comma-separated, e.g. blog.example.org",
    "DATABASE_URL": "the PostgreSQL server, e.g. postgres://broadsheet:secret@db.internal:5432/broadsheet",
}
# Checked before base.py is imported: without DATABASE_URL base.py would start the embedded
# development server, which has no place on a production host.
missing = [name for name in REQUIRED if not os.environ.get(name, "").strip()]
if missing:
    raise ImproperlyConfigured(
        "Broadsheet's production settings need these environment variables:\n"
        + "\n".join(f"  {name}: {REQUIRED[name]}" for name in missing)
    )

from django.core.checks.security.base import (  # noqa: E402
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)

# The rule of Django's `check --deploy` (security.W009), enforced at start: a short or
# repetitive key can be guessed, and whoever has it can forge signed links and sessions.
_key = os.environ["DJANGO_SECRET_KEY"]
if (
    len(_key) < SECRET_KEY_MIN_LENGTH
    or len(set(_key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
    or _key.startswith(SECRET_KEY_INSECURE_PREFIX)
):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY is too weak: use at least {SECRET_KEY_MIN_LENGTH} characters, at least "
        f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} of them different, not starting with "
        f"{SECRET_KEY_INSECURE_PREFIX!r}. "
        f"Make one with: {REQUIRED['DJANGO_SECRET_KEY'].split(': ', 1)[1]}"
    )

import dj_database_url  # noqa: E402

try:
    _database = dj_database_url.config(conn_max_age=600, conn_health_checks=True)
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL ({error}).") from error
if _database.get("ENGINE") != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "DATABASE_URL must name a PostgreSQL server (postgres://user:password@host:5432/name); "
        f"it names {_database.get('ENGINE') or 'no known database engine'}."
    )

from .base import *  # noqa: E402, F403
from .base import INSTALLED_APPS, MIDDLEWARE, env_bool  # noqa: E402

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = [host.strip() for host in os.environ["DJANGO_ALLOWED_HOSTS"].split(",") if host.strip()]
DATABASES = {"default": {**_database, "OPTIONS": {"connect_timeout": 5, **_database.get("OPTIONS", {})}}}

# Static files: WhiteNoise serves them from every app server, compressed, under hashed names
# with far-future caching headers (collectstatic runs before the server starts).
_after_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE = [
    *MIDDLEWARE[:_after_security],
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "broadsheet.middleware.ContentSecurityPolicyMiddleware",
    "broadsheet.middleware.RequestLogMiddleware",
    *MIDDLEWARE[_after_security:],
]
INSTALLED_APPS = [*INSTALLED_APPS, "csp"]

# Media: S3-compatible object storage when a bucket is named, else local files in MEDIA_ROOT.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    # django-storages reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_S3_REGION_NAME,
    # AWS_S3_ENDPOINT_URL (MinIO, R2, Spaces...) and AWS_S3_CUSTOM_DOMAIN from the environment.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "location": os.environ.get("MEDIA_LOCATION", "media"),
            "file_overwrite": False,
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False),
        },
    }
    if os.environ.get("MEDIA_URL"):
        MEDIA_URL = os.environ["MEDIA_URL"]
# Media on local disk is served by the app servers unless SERVE_MEDIA=false (when nginx or
# the CDN serves MEDIA_ROOT itself).
SERVE_MEDIA = env_bool("SERVE_MEDIA", "AWS_STORAGE_BUCKET_NAME" not in os.environ)

# HTTPS: a proxy or CDN in front terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 31_536_000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get(
        "DJANGO_CSRF_TRUSTED_ORIGINS",
        ",".join(f"https://{host.lstrip('.')}" for host in ALLOWED_HOSTS if host != "*"),
    ).split(",")
    if origin.strip()
]

# Content-Security-Policy (django-csp). The site's own pages load only their own scripts and
# styles; the Wagtail admin needs inline styles, data:/blob: images (uploads, previews) and
# same-origin frames (live preview), and under /admin/ only, inline scripts (its page editor
# runs some; checked in headless Chromium). Embeds (video players) are iframes from other sites.
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", "https:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "media-src": [SELF, "https:"],
        "frame-src": [SELF, "https:"],
        "frame-ancestors": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}
CSP_ADMIN_UPDATE = {"script-src": [UNSAFE_INLINE]}
# Extra sources for a CDN or media domain, e.g. CSP_EXTRA_SOURCES=https://media.example.org
for _source in filter(None, os.environ.get("CSP_EXTRA_SOURCES", "").split(",")):
    for _directive in ("script-src", "style-src", "connect-src", "font-src"):
        CONTENT_SECURITY_POLICY["DIRECTIVES"][_directive].append(_source.strip())

# Wagtail's admin would otherwise fetch release news and avatars from other sites.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", f"https://{ALLOWED_HOSTS[0].lstrip('.')}")

# Email: queued by the request, delivered by the worker through EMAIL_URL (see base.py) or the
# classic variables.
if not os.environ.get("EMAIL_URL"):
    EMAIL_DELIVERY_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", os.environ.get("DEFAULT_FROM_EMAIL", "noreply@localhost"))

# Errors to Sentry when SENTRY_DSN is set.
if os.environ.get("SENTRY_DSN"):
    import sentry_sdk

    sentry_sdk.init(
        dsn=os.environ["SENTRY_DSN"],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", 0)),
        send_default_pii=False,
    )
