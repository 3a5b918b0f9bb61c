"""One token that changes whenever what readers see changes; cached pages and widgets are keyed by it.

The local-memory cache is private to each gunicorn worker, so a purge made in one worker would
not reach the others. The token therefore lives where every process sees it: in the shared
cache when one is configured (Redis), otherwise in a small file whose inode and mtime change on
every bump (one `stat` per request, no database query).
"""

import hashlib
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches

CACHE_KEY = "site-freshness"


def _is_local():
    # `cache` is a proxy; ask the configured backend itself.
    return caches["default"].__class__.__module__.startswith("django.core.cache.backends.locmem")


def _stamp_path():
    return Path(settings.FRESHNESS_STAMP_FILE)


def current():
    """The current token: a short string, different after every `bump()`."""
    if _is_local():
        path = _stamp_path()
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            bump()
            stat = os.stat(path)
        return f"{stat.st_ino:x}.{stat.st_mtime_ns:x}"
    token = cache.get(CACHE_KEY)
    if token is None:
        token = secrets.token_hex(6)
        cache.add(CACHE_KEY, token, None)
        token = cache.get(CACHE_KEY, token)
    return token


def cached(key, compute, timeout=None):
    """`compute()`, kept in the cache under `key` until the token next changes.

    For whatever is derived from what readers see (a sidebar, a listing's order, match counts):
    the same question gets the same answer until something is published, unpublished, moved,
    renamed or commented on. `key` is any value with a stable repr; `timeout` (seconds, None for
    no limit) bounds how long an answer may be kept even while nothing changes. `compute()` must
    not return None.
    """
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    full_key = f"fresh:{current()}:{digest}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, timeout)
    return value


def bump():
    """Make every page and widget cached so far stale, in every process."""
    if _is_local():
        path = _stamp_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        temporary.write_text(secrets.token_hex(8))
        os.replace(temporary, path)  # a new inode: readers never see a half-written stamp
    else:
        cache.set(CACHE_KEY, secrets.token_hex(6), None)


def bump_now_and_after_commit():
    """Bump at once, and again when the transaction commits: no request can cache the old state."""
    from django.db import transaction

    bump()
    transaction.on_commit(bump)
