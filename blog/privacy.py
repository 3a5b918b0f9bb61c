"""Which parts of the page tree are private, remembered between requests.

Wagtail asks the database for every page view restriction on each request (once to check the
page being served, once more for each `.public()` listing). Restrictions change rarely, so their
paths are cached until the site scope changes: whenever one is added, edited or removed, or a
page moves.
"""

from django.db.models import Q
from wagtail.models import PageViewRestriction
from wagtail.query import PageQuerySet

from broadsheet import caching


def restricted_paths():
    """Tree paths of the pages that carry a view restriction (their descendants are private too),
    kept in each process until the site scope changes (a request asks two or three times)."""
    return caching.remembered(
        "restricted-paths",
        lambda: tuple(PageViewRestriction.objects.values_list("page__path", flat=True)),
    )


def private_q():
    """A filter for pages inside a private section (matching none when there is none)."""
    private = Q(pk__in=[])
    for path in restricted_paths():
        private |= Q(path__startswith=path)
    return private


def public_q():
    """A filter for pages outside every private section, for querysets of any page model."""
    return ~private_q()


def is_public(page):
    return not any(page.path.startswith(path) for path in restricted_paths())


class PublicPageQuerySet(PageQuerySet):
    """Wagtail's page queryset, with `public()` answered from the remembered restrictions.

    `public()` and `not_public()` mean what they mean in Wagtail, without the query for the
    restrictions that Wagtail's own make on every call.
    """

    def private_q(self):
        # Wagtail's public() and not_public() are built on this.
        return private_q()

    def readable(self):
        """The pages a reader may see: live and outside every private section."""
        return self.live().public()


class CachedRestrictionsMixin:
    """Answer "which restrictions apply to this page?" without a query when there are none."""

    def get_view_restrictions(self):
        if self.alias_of_id is None and is_public(self):
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()
