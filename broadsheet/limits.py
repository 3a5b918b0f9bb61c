"""How often one reader's address may do a thing in a while, counted in the default cache."""

from django.core.cache import cache

from .client import client_ip


def over_limit(request, action, limit, period):
    """Count one attempt at `action` from the reader behind `request`; True when it is more than
    `limit` in `period` seconds."""
    key = f"{action}:rate:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, period)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, period)
        attempts = 1
    return attempts > limit
