"""How many comments one address may post in a while (COMMENTS_RATE_LIMIT per COMMENTS_RATE_PERIOD)."""

from django.conf import settings

from broadsheet.limits import over_limit


def rate_limited(request):
    """Count this comment attempt against the client's address; True when it is over the limit."""
    return over_limit(request, "comments", settings.COMMENTS_RATE_LIMIT, settings.COMMENTS_RATE_PERIOD)
