"""Values and fragments that pages are built from (a sidebar, a listing's order, match counts).

They live in the "values" alias, apart from whole pages ("pages") and from rate-limit counters
and generations ("default"), so filling one never pushes out the others.
"""

import hashlib

from django.core.cache import caches

from . import generations
from .scopes import ANY, SITE

ALIAS = "values"


def key_for(name, vary):
    digest = hashlib.sha256(repr(vary).encode()).hexdigest()[:32]
    return f"value:{name}:{digest}"


def cached(name, compute, *, scopes, vary=(), timeout=None, more_scopes=None):
    """`compute()`, kept until a change touches one of `scopes` (or the site), or for `timeout` seconds.

    `name` says what it is and `vary` (any value with a stable repr) which one: the same name and
    vary get the same answer. `more_scopes(value)`, when given, names the scopes that only the
    computed value reveals (a post's neighbours). `compute()` must not return None.
    """
    store = caches[ALIAS]
    key = key_for(name, vary)
    entry = store.get(key)
    if entry is not None:
        recorded, value = entry
        if generations.still_current(recorded):
            return value
    # Generations are read before computing: a change made meanwhile makes this entry stale.
    recorded = generations.current([SITE, *scopes, ANY])
    value = compute()
    if more_scopes is not None:
        later = generations.current([*more_scopes(value), ANY])
        if later[ANY] != recorded[ANY]:
            return value  # something changed while computing; keep nothing
        recorded.update(later)
    del recorded[ANY]
    store.set(key, (recorded, value), timeout)
    return value
