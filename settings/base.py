"""Settings shared by every environment; each value can be set from the environment."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def local_secret_key(path):
    """This checkout's own random key, made on first use and kept in `path` (mode 0600).

    Never a fixed string: anyone who knows a site's key can forge its signed links and
    sessions. Created beside, then linked into place, so processes starting together (a
    server and a worker) agree on one key.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f"{path.name}.{os.getpid()}.new")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(50))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # another process was first; its key wins
    finally:
        draft.unlink()
    return path.read_text().strip()


# Production requires DJANGO_SECRET_KEY (settings/production.py); elsewhere it may be left unset.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or local_secret_key(BASE_DIR / ".data" / "secret_key")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
# Requests on an allowed host that is no Wagtail Site's (an old domain pointed here) are
# answered with a 301 to the default site's host (broadsheet.routing.OtherHostRedirectMiddleware).
REDIRECT_OTHER_HOSTS = env_bool("REDIRECT_OTHER_HOSTS", False)

INSTALLED_APPS = [
    "home",
    "blog",
    "search",
    "subscriptions",
    "broadsheet",
    "wagtail.contrib.frontend_cache",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.api.v2",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "django_comments_xtd",
    "django_comments",
    "axes",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # First: an old domain's request is sent on before anything answers it (REDIRECT_OTHER_HOSTS).
    "broadsheet.routing.OtherHostRedirectMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "broadsheet.caching.pages.PageCacheMiddleware",
    "broadsheet.routing.SiteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "broadsheet.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "broadsheet.urls"
WSGI_APPLICATION = "broadsheet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "blog.context_processors.site",
            ],
        },
    },
]

# PostgreSQL is the one database: DATABASE_URL names a server, otherwise the embedded
# server from pgserver runs with its data in .data/postgres (git-ignored).
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.config(conn_max_age=60, conn_health_checks=True)}
else:
    from broadsheet.embedded_db import database_url

    DATABASES = {"default": dj_database_url.parse(database_url(), conn_max_age=60)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def disk_caches(directory):
    """The three cache aliases as diskcache stores under `directory`, each with its byte budget."""

    def store(name, megabytes, shards, timeout):
        # diskcache answers a busy shard's read as a miss after DATABASE_TIMEOUT seconds; writes
        # to "default" (a generation, a rate-limit count) wait longer rather than be lost. Shards
        # let workers store at once; "default" is written rarely and read several keys at a time.
        # Each shard's SQLite connection keeps at most 1 MB of pages and maps none of its file:
        # diskcache's defaults (32 MB of pages and 64 MB mapped, for each of the nine shards)
        # let every worker grow by what it had read, 15-20 MB per 1,000 different pages, while
        # the operating system keeps the files' pages anyway.
        return {
            "BACKEND": "broadsheet.caching.backends.DiskCache",
            "LOCATION": str(Path(directory) / name),
            "SHARDS": shards,
            "DATABASE_TIMEOUT": timeout,
            "OPTIONS": {"size_limit": megabytes * 2**20, "sqlite_cache_size": 256, "sqlite_mmap_size": 0},
        }

    return {
        "default": store("default", int(os.environ.get("CACHE_SIZE_MB", 64)), 1, 1.0),
        "values": store("values", int(os.environ.get("VALUE_CACHE_SIZE_MB", 256)), 4, 0.1),
        "pages": store("pages", int(os.environ.get("PAGE_CACHE_SIZE_MB", 1024)), 4, 0.1),
    }


# REDIS_URL gives every app server one shared cache and one session store (django-redis);
# without it every process of this machine shares one disk cache (diskcache, in .data/cache/,
# bounded in bytes) and sessions live in the database. Three aliases, each bounded on its own so
# that filling one cannot push out another (broadsheet/caching/):
# - "default": rate-limit counters and the generations of cache scopes (small, must stay);
# - "values": what pages are built from (sidebars, listings' order, counts);
# - "pages": whole pages for anonymous readers.
# On Redis they are the same server (or PAGE_CACHE_REDIS_URL for pages) with their own key
# prefixes; Redis' maxmemory and eviction policy bound them there (see README).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "broadsheet")
if REDIS_URL:
    _redis_options = {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2}
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": _redis_options,
        },
        "values": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"{CACHE_KEY_PREFIX}-values",
            "OPTIONS": _redis_options,
        },
        "pages": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ.get("PAGE_CACHE_REDIS_URL", REDIS_URL),
            "KEY_PREFIX": f"{CACHE_KEY_PREFIX}-pages",
            "OPTIONS": _redis_options,
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = disk_caches(Path(os.environ.get("CACHE_DIR", BASE_DIR / ".data" / "cache")))

# django-axes refuses a login while its username and client address have failed too often,
# before any password is checked (broadsheet/auth.py).
AUTHENTICATION_BACKENDS = ["broadsheet.auth.ThrottledModelBackend"]
# LOGIN_FAILURE_LIMIT wrong passwords for one username from one address lock that pair out for
# LOGIN_LOCKOUT_MINUTES (each further try starts the wait again); `manage.py axes_reset` unlocks.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "broadsheet.client.client_ip"
AXES_LOCKOUT_TEMPLATE = "login_locked.html"
AXES_HTTP_RESPONSE_CODE = 429
# Failures are kept (until the lockout ends) to count them; successful logins are not logged.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATICFILES_DIRS = [BASE_DIR / "broadsheet" / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static_collected"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
SITE_ID = 1

# Wagtail
WAGTAIL_SITE_NAME = os.environ.get("WAGTAIL_SITE_NAME", "Broadsheet")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# Wagtail's PostgreSQL backend; search/backend.py keeps labels and authors out of snippets' text.
WAGTAILSEARCH_BACKENDS = {
    "default": {
        "BACKEND": "search.backend",
        "SEARCH_CONFIG": "english",
    }
}
# Documents are always served by Wagtail's view (/documents/<id>/<name>), which checks their
# collection's privacy, never as plain media: MEDIA_ROOT/documents/ must not be served directly.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# The folders of MEDIA_ROOT that anyone may read (images, renditions, admin avatars).
PUBLIC_MEDIA_FOLDERS = ["original_images", "images", "avatar_images"]
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAIL_DATE_FORMAT = "%Y-%m-%d"
# Uploaded and imported images with more pixels than this are refused (Wagtail's own default).
WAGTAILIMAGES_MAX_IMAGE_PIXELS = int(os.environ.get("WAGTAILIMAGES_MAX_IMAGE_PIXELS", 128_000_000))
WAGTAIL_DATETIME_FORMAT = "%Y-%m-%d %H:%M"

# A blog spells its labels as it likes ("ISIS"), but "isis" is the same label.
TAGGIT_CASE_INSENSITIVE = True

# Email leaves the request: EMAIL_BACKEND queues each message as a task (broadsheet/mail.py)
# and the worker delivers it through EMAIL_DELIVERY_BACKEND. Development writes each message to
# a file in .data/mail/. EMAIL_URL (smtp://user:password@host:587/?tls=True, or consolemail://)
# sets the delivery backend, host, port, credentials and TLS in one variable; otherwise the usual
# EMAIL_* variables apply (EMAIL_BACKEND names the delivery backend).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", BASE_DIR / ".data" / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", 30))
if os.environ.get("EMAIL_URL"):
    import dj_email_url

    globals().update(dj_email_url.parse(os.environ["EMAIL_URL"]))
EMAIL_DELIVERY_BACKEND = EMAIL_BACKEND
EMAIL_BACKEND = "broadsheet.mail.TaskEmailBackend"
# A failed delivery is tried again EMAIL_RETRY_SECONDS × 2^attempt later (30 s, 1 min, 2 min...),
# EMAIL_MAX_ATTEMPTS times in all (about an hour over eight attempts), then given up and listed
# by `manage.py tasks_status`.
EMAIL_RETRY_SECONDS = float(os.environ.get("EMAIL_RETRY_SECONDS", 30))
EMAIL_MAX_ATTEMPTS = int(os.environ.get("EMAIL_MAX_ATTEMPTS", 8))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Broadsheet <noreply@localhost>")

# Background tasks (emails, Wagtail's reference index and cache purges) are rows in the
# database, run by `manage.py db_worker` (`make worker`; `make run` and `make serve` start one).
# A task queued inside a transaction commits, or is rolled back, with it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# The read API at /api/v2/ (broadsheet/api.py): public live content only, never cached by the
# page cache. Listings hold at most WAGTAILAPI_LIMIT_MAX items; the API's own search is off
# (/search/ is the site's); rich text comes as display HTML with real links; each reader's
# address may make API_RATE_LIMIT requests ("<n>/second", "minute", "hour" or "day").
WAGTAILAPI_LIMIT_MAX = 20
WAGTAILAPI_SEARCH_ENABLED = False
WAGTAILAPI_RICH_TEXT_FORMAT = "html"
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120/minute")

# Blog
BLOG_POSTS_PER_PAGE = 10
# Blogger exports uploaded in the admin: the largest upload taken (MB), and the largest feed a
# Takeout zip may unpack to (MB). Uploads are kept in the default storage's blogger-imports/
# folder, which is never served.
BLOGGER_IMPORT_MAX_UPLOAD_MB = int(os.environ.get("BLOGGER_IMPORT_MAX_UPLOAD_MB", 512))
BLOGGER_IMPORT_MAX_FEED_MB = int(os.environ.get("BLOGGER_IMPORT_MAX_FEED_MB", 2048))
# How long the sidebar (archive and labels) is cached; publishing a post clears it at once.
BLOG_SIDEBAR_CACHE_SECONDS = int(os.environ.get("BLOG_SIDEBAR_CACHE_SECONDS", 3600))
# How long a listing's number of posts (for "Page 3 of 40") is kept; publishing clears it at once.
LISTING_COUNT_CACHE_SECONDS = int(os.environ.get("LISTING_COUNT_CACHE_SECONDS", 3600))

# The proxies in front (addresses or networks, comma-separated; "*" trusts every peer): only
# their X-Forwarded-For names the reader (broadsheet/client.py). gunicorn reads the same variable.
FORWARDED_ALLOW_IPS = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Comments (django-comments-xtd)
COMMENTS_APP = "django_comments_xtd"
COMMENTS_XTD_MAX_THREAD_LEVEL = int(os.environ.get("COMMENTS_MAX_THREAD_LEVEL", 3))
# Readers comment without an email round trip; moderation and the spam checks carry the load.
# blog.comments.moderation.store_posted_comment stores every accepted comment at once on that
# basis, and django-comments-xtd's confirmation view (which unpickles its keys) is not mounted.
COMMENTS_XTD_CONFIRM_EMAIL = False
COMMENT_MAX_LENGTH = 3000
COMMENTS_XTD_FORM_CLASS = "blog.forms.CommentForm"
COMMENTS_XTD_FROM_EMAIL = DEFAULT_FROM_EMAIL
COMMENTS_XTD_CONTACT_EMAIL = DEFAULT_FROM_EMAIL
# Mail is queued as tasks (see EMAIL_BACKEND); a thread per message would hide failures.
COMMENTS_XTD_THREADED_EMAILS = False
# How long the "stop these emails" link in a follow-up email works (seconds; 60 days).
COMMENTS_MUTE_LINK_MAX_AGE = int(os.environ.get("COMMENTS_MUTE_LINK_MAX_AGE", 60 * 24 * 60 * 60))
# A timestamp in the comment form older than this (seconds) fails the security check.
COMMENTS_TIMEOUT = int(os.environ.get("COMMENTS_TIMEOUT", 24 * 60 * 60))
# Per client IP address: at most COMMENTS_RATE_LIMIT comments in COMMENTS_RATE_PERIOD seconds.
COMMENTS_RATE_LIMIT = int(os.environ.get("COMMENTS_RATE_LIMIT", 5))
COMMENTS_RATE_PERIOD = int(os.environ.get("COMMENTS_RATE_PERIOD", 10 * 60))
# Commenters' IP addresses (and the browser headers kept for Akismet) are cleared this many days
# after the comment, by a task that runs daily.
COMMENT_IP_RETENTION_DAYS = int(os.environ.get("COMMENT_IP_RETENTION_DAYS", 90))
# Akismet is asked about every new comment when a key is set.
AKISMET_API_KEY = os.environ.get("AKISMET_API_KEY", "")
AKISMET_API_URL = os.environ.get("AKISMET_API_URL", "https://rest.akismet.com/1.1/")

# Readers who follow by email (subscriptions/). A post is sent when it is first published, in
# batches of SUBSCRIPTIONS_BATCH_SIZE messages (one task and one mail-server connection each), at
# most SUBSCRIPTIONS_PER_MINUTE messages a minute (0: as fast as the workers and mail server go).
SUBSCRIPTIONS_BATCH_SIZE = int(os.environ.get("SUBSCRIPTIONS_BATCH_SIZE", 100))
SUBSCRIPTIONS_PER_MINUTE = int(os.environ.get("SUBSCRIPTIONS_PER_MINUTE", 0))
# An address whose mail server refuses this many posts in a row for good (5xx) is suspended.
SUBSCRIPTIONS_SUSPEND_AFTER = int(os.environ.get("SUBSCRIPTIONS_SUSPEND_AFTER", 3))
# A message the mail server turns away for now (4xx) is tried again this many times in all.
SUBSCRIPTIONS_MAX_ATTEMPTS = int(os.environ.get("SUBSCRIPTIONS_MAX_ATTEMPTS", EMAIL_MAX_ATTEMPTS))
# A post dated more than this many hours before it was first saved is back-dated: not emailed.
SUBSCRIPTIONS_BACKDATED_HOURS = int(os.environ.get("SUBSCRIPTIONS_BACKDATED_HOURS", 24))
# How long a confirmation link works (days), and how soon the same address may be sent another.
SUBSCRIPTIONS_CONFIRM_DAYS = int(os.environ.get("SUBSCRIPTIONS_CONFIRM_DAYS", 7))
SUBSCRIPTIONS_RESEND_MINUTES = int(os.environ.get("SUBSCRIPTIONS_RESEND_MINUTES", 10))
# Per reader address: at most SUBSCRIPTIONS_RATE_LIMIT subscribe forms in SUBSCRIPTIONS_RATE_PERIOD s.
SUBSCRIPTIONS_RATE_LIMIT = int(os.environ.get("SUBSCRIPTIONS_RATE_LIMIT", 10))
SUBSCRIPTIONS_RATE_PERIOD = int(os.environ.get("SUBSCRIPTIONS_RATE_PERIOD", 60 * 60))
# How often a send checks on batches that other workers still have in hand (seconds).
SUBSCRIPTIONS_RECHECK_SECONDS = float(os.environ.get("SUBSCRIPTIONS_RECHECK_SECONDS", 30))
SUBSCRIPTIONS_FROM_EMAIL = os.environ.get("SUBSCRIPTIONS_FROM_EMAIL", DEFAULT_FROM_EMAIL)
# Where readers write to have what the site keeps about them exported or erased (/about-your-data/).
PRIVACY_CONTACT_EMAIL = os.environ.get("PRIVACY_CONTACT_EMAIL", "")

# Front-end cache (a CDN or caching proxy) purged when a post is published or commented on.
# FRONTEND_CACHE_BACKEND picks one: "cloudflare" (FRONTEND_CACHE_CLOUDFLARE_BEARER_TOKEN and
# FRONTEND_CACHE_CLOUDFLARE_ZONEID), "cloudfront" (FRONTEND_CACHE_CLOUDFRONT_DISTRIBUTION_ID,
# AWS credentials from the usual AWS_* variables) or "http" (FRONTEND_CACHE_LOCATION: a
# Varnish/nginx that accepts PURGE). FRONTEND_CACHE_HOSTNAMES limits it to some hosts.
FRONTEND_CACHE_BACKEND = os.environ.get("FRONTEND_CACHE_BACKEND", "").strip().lower()
WAGTAILFRONTENDCACHE = {}
if FRONTEND_CACHE_BACKEND == "cloudflare":
    WAGTAILFRONTENDCACHE["cdn"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
        "BEARER_TOKEN": os.environ.get("FRONTEND_CACHE_CLOUDFLARE_BEARER_TOKEN", ""),
        "ZONEID": os.environ.get("FRONTEND_CACHE_CLOUDFLARE_ZONEID", ""),
    }
elif FRONTEND_CACHE_BACKEND == "cloudfront":
    WAGTAILFRONTENDCACHE["cdn"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudfrontBackend",
        "DISTRIBUTION_ID": os.environ.get("FRONTEND_CACHE_CLOUDFRONT_DISTRIBUTION_ID", ""),
    }
elif FRONTEND_CACHE_BACKEND == "http":
    WAGTAILFRONTENDCACHE["cdn"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": os.environ.get("FRONTEND_CACHE_LOCATION", ""),
    }
elif FRONTEND_CACHE_BACKEND:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"FRONTEND_CACHE_BACKEND={FRONTEND_CACHE_BACKEND!r}: use cloudflare, cloudfront or http."
    )
if WAGTAILFRONTENDCACHE and os.environ.get("FRONTEND_CACHE_HOSTNAMES"):
    WAGTAILFRONTENDCACHE["cdn"]["HOSTNAMES"] = os.environ["FRONTEND_CACHE_HOSTNAMES"].split(",")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "broadsheet.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # Request lines are written in batches: REQUEST_LOG_BUFFER_KB at a time, or at most
        # REQUEST_LOG_FLUSH_SECONDS after they were made, and at exit (broadsheet/logging.py).
        "json": {
            "class": "broadsheet.logging.BufferedStreamHandler",
            "formatter": "json",
            "buffer_bytes": int(os.environ.get("REQUEST_LOG_BUFFER_KB", 64)) * 1024,
            "flush_seconds": float(os.environ.get("REQUEST_LOG_FLUSH_SECONDS", 1)),
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # One JSON line per request (RequestLogMiddleware, on in production).
    "loggers": {"broadsheet.request": {"handlers": ["json"], "level": "INFO", "propagate": False}},
}

# Whole pages for anonymous readers (broadsheet/caching/pages.py); PAGE_CACHE=0 switches it off.
# Ten minutes at most: a cached comment form's security hash (valid two hours) stays usable.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", 600)) if env_bool("PAGE_CACHE", True) else 0
# Each worker also keeps the pages it answered last in its own memory, up to this many MB, while
# nothing changes anywhere (broadsheet/caching/front.py); 0 keeps none there. Not by default on
# the disk cache, whose page files any worker reads as fast (and over many pages faster, in less
# memory: bench/README.md); with Redis, whose every read is a round trip, 16.
PAGE_CACHE_MEMORY_MB = float(os.environ.get("PAGE_CACHE_MEMORY_MB", 16 if REDIS_URL else 0))
# One in this many pages answered from the page cache gets a request log line (0: none); every
# other request always gets one.
PAGE_CACHE_LOG_HITS = int(os.environ.get("PAGE_CACHE_LOG_HITS", 1))
# What shared caches in front (a CDN, a proxy) are told about the pages the page cache keeps:
# they may keep them PAGE_CACHE_SECONDS too (s-maxage), serve one that old while fetching it
# again, and serve it this long when the site is failing.
PAGE_CACHE_STALE_WHILE_REVALIDATE = int(os.environ.get("PAGE_CACHE_STALE_WHILE_REVALIDATE", 60))
PAGE_CACHE_STALE_IF_ERROR = int(os.environ.get("PAGE_CACHE_STALE_IF_ERROR", 86_400))
