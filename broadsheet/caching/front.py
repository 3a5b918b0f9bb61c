"""Stored pages answered in front of Django: the WSGI application around Django's handler.

Through Django, a stored page still costs the handler, its signals, the request object, every
middleware before the page cache and the way back out. The front answers the same stored pages
from the WSGI environ, before any of that, exactly as the whole stack would: the body the page
cache keeps, its headers, and the headers the middleware outside the page cache gave the page
when it was stored (SecurityMiddleware's, the Content-Security-Policy), replayed while the
settings that shape them (OUTER_SETTINGS) are the same.

It answers only when sure; anything else goes to Django unchanged, where PageCacheMiddleware
applies its rules (broadsheet/caching/pages.py) and hands what it keeps to the front:
- GET and HEAD (without a body) outside SKIP_PREFIXES, without a session or messages cookie,
  with no query parameter outside PARAMETERS; a page is stored only under a key its view
  declared, so nothing else is found;
- a Host that ALLOWED_HOSTS allows, and with REDIRECT_OTHER_HOSTS one that is a Site's own, as
  this process last read them (broadsheet/routing.py's redirect comes first);
- plain HTTP only while SECURE_SSL_REDIRECT is off; https only when a trusted proxy says so
  (broadsheet/client.py): the scheme header from any other peer is removed before Django reads
  it, so http and https pages are kept apart and neither can be stored for the other;
- an entry whose scopes are all current (one cache read, broadsheet/caching/generations.py);
  a conditional request gets the same 304 as through Django.

The pages it answered last are also kept in the process's memory (RecentPages, at most
PAGE_CACHE_MEMORY_MB) while ANY's generation stays the one under which they were found current:
a hit then costs one read of the shared cache (that generation), not two and an unpickling.
On the disk cache, what the front stores is also written as a file of its own (PageFiles): a
page no longer in a worker's memory is read from there with one open(), an fstat() and one read
of its content, its headers and scopes as this process last read them from that same file.
"""

import hashlib
import logging
import marshal
import os
import secrets
import threading
import time
from collections import OrderedDict
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.core.cache import caches
from django.core.handlers.wsgi import get_bytes_from_wsgi, get_path_info, get_script_name
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import QueryDict, parse_cookie
from django.http.request import split_domain_port, validate_host

from .. import client, routing
from ..middleware import log_answer
from . import backends, generations, local, pages
from .scopes import SITE

logger = logging.getLogger(__name__)

# What the middleware outside the page cache does with a page depends on these; a stored page's
# headers are replayed only under the settings it was stored with.
OUTER_SETTINGS = (
    "MIDDLEWARE",
    "PAGE_CACHE_SECONDS",
    "PAGE_CACHE_STALE_WHILE_REVALIDATE",
    "PAGE_CACHE_STALE_IF_ERROR",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "CONTENT_SECURITY_POLICY",
    "CONTENT_SECURITY_POLICY_REPORT_ONLY",
)
CONDITIONS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE")
PAGE_CACHE = "broadsheet.caching.pages.PageCacheMiddleware"
REQUEST_LOG = "broadsheet.middleware.RequestLogMiddleware"
# Set on a response by keep(): what the middleware decided to store, for after the way out.
KEEP = "_page_cache_keep"
EMPTY_QUERY = QueryDict()
# What a request's address is made of: the front keeps what the last ones gave (their path, host
# and page key) instead of working it out again; a flood of made-up ones must not grow that for ever.
ADDRESS_INPUTS = (
    "PATH_INFO",
    "SCRIPT_NAME",
    "SCRIPT_URL",
    "REDIRECT_URL",
    "QUERY_STRING",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_HOST",
    "SERVER_NAME",
    "HTTP_X_FORWARDED_PORT",
    "SERVER_PORT",
)
MAX_ADDRESSES = 10_000  # a site's reader pages in rotation (5,000 in bench/peer.py) stay known
UNKNOWN = object()
# Where the front found a stored page: this process's memory, its file (PageFiles), the pages cache.
MEMORY, FILE, CACHE = "memory", "file", "cache"

_config = {}


@receiver(setting_changed)
def _settings_changed(**kwargs):
    _config.clear()


def config():
    """What the front reads of the settings, worked out once per process: "fingerprint" (of
    OUTER_SETTINGS), "log" (whether hits are logged: RequestLogMiddleware runs before the page
    cache; "log_every": one hit in that many, none with 0) and the settings each request needs."""
    if not _config:
        values = repr([getattr(settings, name, None) for name in OUTER_SETTINGS])
        middleware = list(settings.MIDDLEWARE)
        before_cache = middleware[: middleware.index(PAGE_CACHE)] if PAGE_CACHE in middleware else []
        logged = REQUEST_LOG in before_cache
        allowed = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed:
            allowed = [".localhost", "127.0.0.1", "[::1]"]
        _config.update(
            fingerprint=hashlib.sha256(values.encode()).hexdigest()[:16],
            log=logged,
            log_every=max(int(getattr(settings, "PAGE_CACHE_LOG_HITS", 1)), 0) if logged else 0,
            enabled=pages.enabled(),
            proxy_header=settings.SECURE_PROXY_SSL_HEADER,
            session_cookie=settings.SESSION_COOKIE_NAME,
            https_only=settings.SECURE_SSL_REDIRECT,
            forwarded_host=settings.USE_X_FORWARDED_HOST,
            forwarded_port=settings.USE_X_FORWARDED_PORT,
            allowed_hosts=list(allowed),
            other_hosts=settings.REDIRECT_OTHER_HOSTS,
            seconds=settings.PAGE_CACHE_SECONDS,
            memory_bytes=int(getattr(settings, "PAGE_CACHE_MEMORY_MB", 0) * 2**20),
            files=PageFiles.of(caches[pages.ALIAS]),
            epoch=object(),
        )
    return _config


class RecentPages:
    """Stored pages this process answered last, kept in its memory, at most `budget` bytes of
    them (and MAX_PAGES).

    Each is kept for the generation of ANY under which it was found current, and all of them
    are dropped when ANY has another: every forget(), in any process, gives ANY a new one last
    (broadsheet/caching/generations.py), so while ANY keeps it no scope has changed and the
    pages are as current as when they were found. A page is kept no longer than the shared
    cache keeps it (`expires`, recorded when it was stored there).
    """

    MAX_PAGES = 500

    def __init__(self, budget, epoch=None):
        self.budget, self.epoch = budget, epoch
        self.lock = threading.Lock()
        self.generation, self.pages, self.size = None, OrderedDict(), 0

    def get(self, key, generation):
        """The entry kept under `key` while ANY's generation is `generation`, else None."""
        with self.lock:
            if generation != self.generation:
                return None
            kept = self.pages.get(key)
            if kept is None:
                return None
            expires, entry, size = kept
            if expires <= time.time():
                del self.pages[key]
                self.size -= size
                return None
            self.pages.move_to_end(key)
            return entry

    def keep(self, key, entry, expires, generation, push_out=True):
        """Keep `entry`, found current under ANY's `generation`, until `expires` (time.time());
        without `push_out`, only if no other page has to go for it."""
        size = len(entry[3]) + 1024  # its content, and about what the rest of it takes
        if size > self.budget:
            return
        with self.lock:
            if generation != self.generation:
                self.generation, self.pages, self.size = generation, OrderedDict(), 0
            full = self.size + size > self.budget or len(self.pages) >= self.MAX_PAGES
            if full and not push_out:
                return
            old = self.pages.pop(key, None)
            if old is not None:
                self.size -= old[2]
            self.pages[key] = (expires, entry, size)
            self.size += size
            while self.size > self.budget or len(self.pages) > self.MAX_PAGES:
                self.size -= self.pages.popitem(last=False)[1][2]


class PageCacheFront:
    """A WSGI application: stored pages answered at once, everything else by `app` (Django's)."""

    def __init__(self, app):
        self.app = app
        self.recent = RecentPages(0)
        self.addresses = {}
        self.hits = 0

    def __call__(self, environ, start_response):
        started = time.monotonic()
        known = config()
        if self.recent.epoch is not known["epoch"]:
            self.recent = RecentPages(known["memory_bytes"], known["epoch"])
            self.addresses = {}
        self.drop_untrusted_scheme(environ, known)
        if not known["enabled"]:
            return self.app(environ, start_response)
        try:
            answer = self.stored_answer(environ, known)
        except Exception:  # noqa: BLE001 - Django answers, or reports, whatever this could not read
            answer = None
        if answer is None:
            environ[pages.FRONT] = self
            return self.from_django(environ, start_response)
        method, path, status, headers, body, size = answer
        start_response(status, headers)
        every = known["log_every"]
        if every == 1:
            log_answer(method, path, environ, int(status[:3]), started, size)
        elif every:
            self.hits += 1
            if self.hits % every == 0:
                log_answer(method, path, environ, int(status[:3]), started, size, sample=every)
        return [body]

    @staticmethod
    def drop_untrusted_scheme(environ, known):
        """Remove the proxy's scheme header (SECURE_PROXY_SSL_HEADER) unless a trusted proxy sent it."""
        header = known["proxy_header"]
        if header and header[0] in environ and not client.peer_is_trusted(environ):
            del environ[header[0]]

    def stored_answer(self, environ, known):
        """(method, path, status line, headers, body, size) for a stored page, or None for Django."""
        method = environ["REQUEST_METHOD"].upper()
        if method not in ("GET", "HEAD"):
            return None
        cookies = environ.get("HTTP_COOKIE")
        if cookies:
            names = parse_cookie(cookies)
            if known["session_cookie"] in names or "messages" in names:
                return None
        scheme = scheme_of(environ, known)
        if scheme != "https" and known["https_only"]:
            return None
        inputs = (scheme, *map(environ.get, ADDRESS_INPUTS))
        address = self.addresses.get(inputs, UNKNOWN)
        if address is UNKNOWN:
            address = page_address(environ, scheme, known)
            if len(self.addresses) >= MAX_ADDRESSES:
                self.addresses.clear()
            self.addresses[inputs] = address
        if address is None:
            return None
        path, host, key = address
        generation = generations.current_any()
        found = self.find(key, generation, known)
        if found is None:
            return None
        stored, source = found
        answer = self.answer(environ, method, path, host, key, generation, stored, source, known)
        if answer is None:
            return None
        status, headers = answer
        if status != "200 OK":
            return method, path, status, headers, b"", 0
        content = stored[3]
        size = len(content)
        body = b"" if method == "HEAD" else content
        return method, path, status, [*headers, ("Content-Length", str(size))], body, size

    def find(self, key, generation, known):
        """(stored entry, where it was found: MEMORY, FILE or CACHE) for `key`, or None."""
        stored = self.recent.get(key, generation)
        if stored is not None:
            return stored, MEMORY
        files = known["files"]
        stored = files.read(key) if files is not None else None
        if stored is not None:
            return stored, FILE
        stored = pages_cache(known).get(key)
        if stored is None or len(stored) < 5:
            return None
        return stored, CACHE

    def answer(self, environ, method, path, host, key, generation, stored, source, known):
        """(status line, headers but Content-Length) of `stored` when it may be answered, else None."""
        recorded, status, headers, content, (fingerprint, hit_headers, outer_headers, *expires) = stored
        if fingerprint != known["fingerprint"]:
            return None
        if source is not MEMORY:
            if not generations.still_current(recorded, generation):
                return None
            if expires:
                # Read from its file, a page pushes no other out: over more pages than memory
                # holds, in turn, each would go before it was asked for again.
                self.recent.keep(key, stored, expires[0], generation, push_out=source is CACHE)
        if known["other_hosts"] and not path.startswith(routing.OTHER_HOST_EXEMPT):
            hosts = local.kept(routing.SITE_HOSTS, recorded[SITE])
            if hosts is None or routing.is_other_host(split_domain_port(host)[0], hosts):
                return None
        if not environ.keys().isdisjoint(CONDITIONS):
            request = SimpleNamespace(method=method, path=path, META=environ)
            response = pages.PageCacheMiddleware.from_stored(request, status, headers, content)
            if response.status_code != 200:
                for name, value in outer_headers:
                    response[name] = value
                return f"{response.status_code} {response.reason_phrase}", list(response.items())
        return "200 OK", hit_headers

    def from_django(self, environ, start_response):
        response = self.app(environ, start_response)
        kept = getattr(response, KEEP, None)
        if kept is not None:
            try:
                self.store(response, *kept)
            except Exception:
                logger.warning("Could not store a page in the page cache", exc_info=True)
        return response

    @staticmethod
    def keep(response, key, entry, headers):
        """Called by PageCacheMiddleware: store `entry` under `key` once `response` (whose headers
        were `headers` as the page cache let it go) is on its way out of Django."""
        setattr(response, KEEP, (key, entry, headers))

    @staticmethod
    def store(response, key, entry, headers):
        """Store `entry` completed with the headers the middleware outside the page cache added.

        Not at all when that middleware set a cookie (the page is someone's own); without them
        (the front then leaves the page to Django's middleware) when it changed the page.
        """
        if response.cookies:
            return
        recorded, status, kept_headers, content = entry
        cache = caches[pages.ALIAS]
        files = config()["files"]
        if response.streaming or response.status_code != status or response.content != content:
            cache.set(key, entry, config()["seconds"])
            if files is not None:
                files.remove(key)
            return
        inner = {name.lower(): value for name, value in headers.items()}
        outer_headers = tuple(
            (name, value) for name, value in response.items() if inner.get(name.lower()) != value
        )
        hit = pages.PageCacheMiddleware.from_stored(
            SimpleNamespace(method="GET", META={}), status, kept_headers, content
        )
        for name, value in outer_headers:
            hit[name] = value
        seconds = config()["seconds"]
        front = (config()["fingerprint"], tuple(hit.items()), outer_headers, time.time() + seconds)
        cache.set(key, (*entry, front), seconds)
        if files is not None:
            files.write(key, (recorded, status, kept_headers, None, front), content)


class PageFiles:
    """What the front stores, also kept as files, one per page key, in the disk cache's folder
    (`front/`): a worker reads one with an open(), an fstat() and one read of its content (the
    rest it keeps while the file is the same), where reading the cache's entry costs a query, an
    open() and an unpickling of the whole page.

    A file is written whole aside and renamed into place, so a reader has the old one or the new
    one. It holds the entry the front stores in the cache, its content after the rest (written
    with marshal by this code only: nothing from a request is read back as data), and is answered
    under the same rules (the fingerprint, its scopes current, its time not past). Every
    SWEEP_EVERY stores, a process removes the files past their time and, beyond `budget` bytes
    (the pages cache's size limit), the oldest; the disk cache's clear() removes them all
    (broadsheet/caching/backends.py).
    """

    MAGIC = b"BSF1"
    SWEEP_EVERY = 200

    def __init__(self, folder, budget, seconds):
        self.folder, self.budget, self.seconds = str(folder), budget, seconds
        self.stores = 0
        self.heads, self.shared = {}, {}

    @classmethod
    def of(cls, cache):
        """The files kept next to `cache` (the pages alias), or None when it is not the disk cache."""
        if not isinstance(cache, backends.DiskCache):
            return None
        options = settings.CACHES.get(pages.ALIAS, {}).get("OPTIONS", {})
        budget = int(options.get("size_limit", 2**30))
        return cls(os.path.join(cache.directory, backends.FRONT_FILES), budget, settings.PAGE_CACHE_SECONDS)

    def path(self, key):
        return self.folder + os.sep + key.replace(":", "-")

    def read(self, key):
        """The entry stored under `key` ((recorded, status, headers, content, front)), or None.

        What a file holds before its content is read once per process and kept (`heads`, as
        many as MAX_ADDRESSES) for as long as the file at that path is the same one: a file is
        only ever replaced, by another of its own inode, never written over.
        """
        try:
            fd = os.open(self.path(key), os.O_RDONLY)
        except OSError:
            return None
        try:
            stat = os.fstat(fd)
            identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            kept = self.heads.get(key)
            if kept is None or kept[0] != identity:
                if len(self.heads) >= MAX_ADDRESSES:
                    self.heads.clear()
                    self.shared.clear()
                kept = self.heads[key] = (identity, *self.read_head(fd))
            _, (recorded, status, headers, _, front), start = kept
            size = stat.st_size - start
            content = os.pread(fd, size, start)
        except Exception:  # noqa: BLE001 - a file this version cannot read is not answered
            return None
        finally:
            os.close(fd)
        if len(content) != size or not front[3] > time.time():
            return None
        return recorded, status, headers, content, front

    def read_head(self, fd):
        """(the entry without its content, where the content starts) of the file open at `fd`."""
        start = os.pread(fd, 8, 0)
        if len(start) < 8 or start[:4] != self.MAGIC:
            raise ValueError("not a page file")
        head_size = int.from_bytes(start[4:], "big")
        head = os.pread(fd, head_size, 8)
        if len(head) != head_size:
            raise ValueError("a page file cut short")
        recorded, status, headers, _, (fingerprint, hit_headers, outer_headers, *rest) = marshal.loads(head)
        # Pages of a kind share their headers: kept once, not once for each page.
        headers = tuple(headers)
        share = self.shared.setdefault
        front = (fingerprint, share(hit_headers, hit_headers), share(outer_headers, outer_headers), *rest)
        return (recorded, status, share(headers, headers), None, front), 8 + head_size

    def write(self, key, stored, content):
        """Keep `stored` ((recorded, status, headers, None, front)) and `content` under `key`."""
        os.makedirs(self.folder, exist_ok=True)
        head = marshal.dumps(stored)
        aside = os.path.join(self.folder, f".{os.getpid()}-{secrets.token_hex(4)}")
        with open(aside, "wb") as file:
            file.write(self.MAGIC + len(head).to_bytes(4, "big") + head)
            file.write(content)
        os.replace(aside, self.path(key))
        self.stores += 1
        if self.stores % self.SWEEP_EVERY == 1:
            self.sweep()

    def remove(self, key):
        Path(self.path(key)).unlink(missing_ok=True)

    def sweep(self):
        """Remove the files past their time (and writes left half-done), then the oldest beyond budget."""
        now, kept = time.time(), []
        with os.scandir(self.folder) as entries:
            for entry in entries:
                try:
                    stat, aside = entry.stat(), entry.name.startswith(".")
                    if stat.st_mtime + (60 if aside else self.seconds) < now:
                        os.unlink(entry.path)
                    elif not aside:
                        kept.append((stat.st_mtime, stat.st_size, entry.path))
                except FileNotFoundError:
                    continue
        total = sum(size for _, size, _ in kept)
        for _, size, path in sorted(kept):
            if total <= self.budget:
                break
            Path(path).unlink(missing_ok=True)
            total -= size


_local = threading.local()


def pages_cache(known):
    """caches[pages.ALIAS] of this thread, looked up once while the settings stay the same."""
    kept = getattr(_local, "pages", None)
    if kept is None or kept[0] is not known["epoch"]:
        kept = _local.pages = (known["epoch"], caches[pages.ALIAS])
    return kept[1]


def page_address(environ, scheme, known):
    """(path, host, page key) of a request the page cache may answer, by its address alone (its
    path, query and host); None when it may not."""
    path = path_of(environ)
    if path.startswith(pages.SKIP_PREFIXES):
        return None
    raw_query = get_bytes_from_wsgi(environ, "QUERY_STRING", "")
    query = QueryDict(raw_query) if raw_query else EMPTY_QUERY
    if not set(query) <= pages.PARAMETERS:
        return None
    host = allowed_host(environ, scheme, known)
    if host is None:
        return None
    return path, host, pages.key_for(scheme, host, path, query)


def path_of(environ):
    """request.path, as Django's WSGIRequest makes it."""
    path_info = get_path_info(environ) or "/"
    return f"{get_script_name(environ).rstrip('/')}/{path_info.replace('/', '', 1)}"


def scheme_of(environ, known):
    """request.scheme, as Django's HttpRequest works it out."""
    if known["proxy_header"]:
        header, secure_value = known["proxy_header"]
        value = environ.get(header)
        if value is not None:
            return "https" if value.split(",", 1)[0].strip() == secure_value else "http"
    return environ.get("wsgi.url_scheme")


def allowed_host(environ, scheme, known):
    """request.get_host() (the host with its port, as the request gave it) when ALLOWED_HOSTS
    allows it; None when Django would refuse it."""
    if known["forwarded_host"] and "HTTP_X_FORWARDED_HOST" in environ:
        host = environ["HTTP_X_FORWARDED_HOST"]
    elif "HTTP_HOST" in environ:
        host = environ["HTTP_HOST"]
    else:
        host = environ["SERVER_NAME"]
        if known["forwarded_port"] and "HTTP_X_FORWARDED_PORT" in environ:
            port = str(environ["HTTP_X_FORWARDED_PORT"])
        else:
            port = str(environ["SERVER_PORT"])
        if port != ("443" if scheme == "https" else "80"):
            host = f"{host}:{port}"
    domain, _port = split_domain_port(host)
    return host if domain and validate_host(domain, known["allowed_hosts"]) else None
