"""Pagination that treats every odd `?page=` the same way on every listing, and stays fast deep down."""

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.utils.functional import cached_property

from . import freshness, page_cache


def cached_for_query(name, queryset, compute):
    """`compute()`, kept per content version (freshness.cached) under `name` and the SQL of `queryset`."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing, such as an unknown label
        sql, params = "nothing", ()
    return freshness.cached((name, sql, params), compute, settings.LISTING_COUNT_CACHE_SECONDS)


class ListingPaginator(Paginator):
    """A paginator for long listings of a database that changes rarely.

    For a queryset, the keys of every row in the listing's order are read once per version of
    the site's content (the freshness token changes whenever a post is published, unpublished,
    moved or commented on) and kept in the cache; a page then loads just its own rows by key.
    Page 500 costs what page 1 does: with OFFSET, PostgreSQL joined and sorted every row before
    the page, and computed each skipped row's select list (comment counts, labels) too.
    Anything else (search results) is paginated the usual way.
    """

    def __init__(self, object_list, per_page, count=None):
        super().__init__(object_list, per_page)
        if count is not None:
            self.count = count  # the caller knows it already

    @cached_property
    def keys(self):
        keys = self.object_list.values_list("pk", flat=True)  # no annotations: cheaper to compile as a key
        return cached_for_query("listing-keys", keys, lambda: list(keys))

    @cached_property
    def count(self):
        if not isinstance(self.object_list, QuerySet):
            return super().count
        return len(self.keys)

    def page(self, number):
        items = self.object_list
        if not isinstance(items, QuerySet):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = self.keys[bottom:top]
        rows = {row.pk: row for row in items.filter(pk__in=keys)} if keys else {}
        return self._get_page([rows[key] for key in keys if key in rows], number, self)


def paginate(request, items, per_page, count=None):
    """Return the requested page; a missing or non-numeric `page` means page 1, one out of range 404s."""
    paginator = ListingPaginator(items, per_page, count=count)
    raw = request.GET.get("page", "1")
    try:
        number = int(raw)
    except (TypeError, ValueError):
        number = 1
    if number < 1 or (number > 1 and number > paginator.num_pages):
        raise Http404("No such page")
    page_cache.uses(request, page=str(number))
    return paginator.page(number)
