"""Which parts of the page tree are private, remembered between requests.

Wagtail asks the database for every page view restriction on each request (once to check the
page being served, once more for each `.public()` listing). Restrictions change rarely, so their
paths are cached until the site scope changes: whenever one is added, edited or removed, or a
page moves.
"""

from django.db.models import Q
from wagtail.models import PageViewRestriction

from broadsheet import caching


def restricted_paths():
    """Tree paths of the pages that carry a view restriction (their descendants are private too)."""
    return caching.cached(
        "restricted-paths",
        lambda: list(PageViewRestriction.objects.values_list("page__path", flat=True)),
        scopes=[caching.SITE],
    )


def public_q():
    """A filter for pages outside every private section."""
    private = Q(pk__in=[])
    for path in restricted_paths():
        private |= Q(path__startswith=path)
    return ~private


def is_public(page):
    return not any(page.path.startswith(path) for path in restricted_paths())


class CachedRestrictionsMixin:
    """Answer "which restrictions apply to this page?" without a query when there are none."""

    def get_view_restrictions(self):
        if self.alias_of_id is None and is_public(self):
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()
