"""One generation per scope, kept where every process of the machine (or every server) reads it.

They live in the "default" cache alias: the shared disk cache of this machine, or Redis when
REDIS_URL is set. A generation is a random token rather than a counter: replacing it is one
write, and a generation the cache has lost is simply a new one, so what recorded the old one is
forgotten, never wrongly kept.
"""

import secrets

from django.core.cache import caches
from django.db import transaction

from .scopes import ANY

ALIAS = "default"
PREFIX = "generation:"


def _cache():
    return caches[ALIAS]


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


def still_current(recorded):
    """Whether every generation in `recorded` ({scope: generation}) is still the current one."""
    return bool(recorded) and current(recorded) == recorded


def bump(scopes):
    """Give each of `scopes` (and ANY) a new generation, for every process at once."""
    _cache().set_many({PREFIX + scope: secrets.token_hex(6) for scope in {*scopes, ANY}}, None)


def bump_now_and_after_commit(scopes):
    """Bump at once, and again when the transaction commits: no request can keep the old state."""
    scopes = list(scopes)
    bump(scopes)
    transaction.on_commit(lambda: bump(scopes))
