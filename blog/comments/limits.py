"""How many comments one address may post in a while (COMMENTS_RATE_LIMIT per COMMENTS_RATE_PERIOD)."""

from django.conf import settings
from django.core.cache import cache

from broadsheet.client import client_ip


def rate_limited(request):
    """Count this comment attempt against the client's address; True when it is over the limit."""
    key = f"comments:rate:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, settings.COMMENTS_RATE_PERIOD)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, settings.COMMENTS_RATE_PERIOD)
        attempts = 1
    return attempts > settings.COMMENTS_RATE_LIMIT
