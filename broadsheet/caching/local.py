"""The top of the page tree (the site, its home page, the blogs), kept in each process between requests.

Wagtail looks these up in the database on every request before it reaches the page asked for.
They change only with the site scope (a site, the home page or a blog edited, a page moved), so
each process keeps them until the site's generation changes: one cache read, no query.
"""

import threading

from . import generations
from .scopes import SITE

# Host names come from requests; a flood of made-up ones must not grow the store for ever.
MAX_KEPT = 500

_lock = threading.Lock()
_kept = {"generation": None, "values": {}}


def remembered(key, load):
    """`load()`'s result, kept in this process until the site scope next changes."""
    generation = generations.current([SITE])[SITE]
    with _lock:
        if _kept["generation"] != generation:
            _kept["generation"], _kept["values"] = generation, {}
        values = _kept["values"]
        if key in values:
            return values[key]
    value = load()
    with _lock:
        if _kept["generation"] == generation:
            if len(values) >= MAX_KEPT:
                values.clear()
            values[key] = value
    return value


def kept(key, generation):
    """What `remembered(key, ...)` keeps, if this process keeps it for the site scope's
    `generation` (one its caller knows to be current); else None. Reads no cache."""
    with _lock:
        if _kept["generation"] == generation:
            return _kept["values"].get(key)
    return None


def forget():
    """Drop everything this process keeps (the next request loads it again)."""
    with _lock:
        _kept["generation"], _kept["values"] = None, {}
