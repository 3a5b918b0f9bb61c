"""One generation per scope, kept where every process of the machine (or every server) reads it.

They live in the "default" cache alias: the shared disk cache of this machine, or Redis when
REDIS_URL is set. A generation is a random token rather than a counter: replacing it is one
write, and a generation the cache has lost is simply a new one, so what recorded the old one is
forgotten, never wrongly kept.

ANY gets a new generation with every bump, written after the scopes' own. So while ANY's
generation is the one a process read before it last checked some recorded generations, no scope
can have changed since: that process may take them as current after reading ANY alone.
"""

import secrets
import threading
import time

from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver

from .scopes import ANY

ALIAS = "default"
PREFIX = "generation:"

# This thread's cache object (what caches[ALIAS] gives it, without looking it up each time) and
# ANY's generation with the cache's last_write() token read before it (the disk cache's).
_local = threading.local()
_caches_changed = [0]
TRUST_WRITE_MARK_SECONDS = 1.0


@receiver(setting_changed)
def _settings_changed(setting, **kwargs):
    if setting == "CACHES":
        _caches_changed[0] += 1


def _cache():
    kept = getattr(_local, "cache", None)
    if kept is None or kept[0] != _caches_changed[0]:
        kept = _local.cache = (_caches_changed[0], caches[ALIAS])
        _local.any = None
    return kept[1]


def current(scopes):
    """{scope: generation} for `scopes`, in one read (a scope never seen before gets one now)."""
    scopes = list(dict.fromkeys(scopes))
    keys = {PREFIX + scope: scope for scope in scopes}
    found = _cache().get_many(list(keys))
    for key in keys:
        if key not in found:
            token = secrets.token_hex(6)
            _cache().add(key, token, None)
            found[key] = _cache().get(key, token)
    return {scope: found[key] for key, scope in keys.items()}


# The recorded generations this process found current, and ANY's generation read before.
_confirmed = {"any": None, "recorded": set()}
_lock = threading.Lock()
# Recorded sets come from stored entries; a flood of them must not grow the set for ever.
MAX_CONFIRMED = 10_000


def current_any():
    """ANY's generation now, in one read; none while the disk cache says nothing was written to
    it since this thread last read it (broadsheet/caching/backends.py), for a second at most (a
    process that writes without marking, one of an older version, is seen within that)."""
    cache = _cache()
    last_write = getattr(cache, "last_write", None)
    token = last_write() if last_write is not None else None
    now = time.monotonic()
    kept = _local.any
    if token is not None and kept is not None and kept[0] == token and now < kept[2]:
        return kept[1]
    generation = cache.get(PREFIX + ANY) or current([ANY])[ANY]  # read after the token
    if token is not None:
        _local.any = (token, generation, now + TRUST_WRITE_MARK_SECONDS)
    return generation


def still_current(recorded, any_now=None):
    """Whether every generation in `recorded` ({scope: generation}) is still the current one.

    One read (ANY's generation) when this process has found the same generations current since
    ANY last changed; otherwise that read and one of `recorded`'s scopes. A caller that has just
    read ANY (current_any()) passes it as `any_now`, saving that read: when the answer is True,
    `recorded` stays current for as long as ANY keeps that generation.
    """
    if not recorded:
        return False
    marker = tuple(recorded.items())
    if any_now is None:
        any_now = current_any()  # read first: a bump writes it last
    if _confirmed["any"] == any_now and marker in _confirmed["recorded"]:
        return True
    if current(recorded) != recorded:
        return False
    with _lock:
        if _confirmed["any"] != any_now or len(_confirmed["recorded"]) >= MAX_CONFIRMED:
            _confirmed["any"], _confirmed["recorded"] = any_now, set()
        _confirmed["recorded"].add(marker)
    return True


def bump(scopes):
    """Give each of `scopes` and then ANY a new generation, for every process at once."""
    tokens = {PREFIX + scope: secrets.token_hex(6) for scope in scopes if scope != ANY}
    tokens[PREFIX + ANY] = secrets.token_hex(6)  # last: see the module's docstring
    _cache().set_many(tokens, None)


def bump_now_and_after_commit(scopes):
    """Bump at once, and again when the transaction commits: no request can keep the old state."""
    scopes = list(scopes)
    bump(scopes)
    transaction.on_commit(lambda: bump(scopes))
