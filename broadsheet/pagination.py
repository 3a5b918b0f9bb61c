"""Pagination that treats every odd `?page=` the same way on every listing, and stays fast deep down."""

from collections.abc import Sequence

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.utils.functional import cached_property

from . import caching


class ListingPaginator(Paginator):
    """A paginator for long listings of a database that changes rarely.

    For a queryset named by `listing` (any value with a stable repr that tells this listing from
    every other), its number of rows and the keys of its rows in the listing's order are read
    once and kept until the listings scope changes (a post published, unpublished, moved or
    renamed); a page then loads just its own rows by key. The keys are kept in chunks of
    CHUNK_PAGES pages, so that a request reads back the same amount however long the listing.
    Page 500 costs what page 1 does: with OFFSET, PostgreSQL joined and sorted every row before
    the page, and computed each skipped row's select list (comment counts, labels) too.
    With `defer_rows`, a named listing's page loads its keys and rows only when they are first
    read, so a page whose view keeps what it shows of them (a listing's cards) reads neither.
    Anything else (search results, an unnamed queryset) is paginated the usual way.
    """

    CHUNK_PAGES = 10

    def __init__(self, object_list, per_page, count=None, listing=None, defer_rows=False):
        super().__init__(object_list, per_page)
        self.listing = listing
        self.defer_rows = defer_rows
        if count is not None:
            self.count = count  # the caller knows it already

    @property
    def named(self):
        return isinstance(self.object_list, QuerySet) and self.listing is not None

    def kept(self, name, compute, vary):
        return caching.cached(
            name,
            compute,
            scopes=[caching.LISTINGS],
            vary=(self.listing, *vary),
            timeout=settings.LISTING_COUNT_CACHE_SECONDS,
        )

    @cached_property
    def count(self):
        if not self.named:
            return super().count
        return self.kept("listing-count", self.object_list.count, ())

    def chunk(self, number, size):
        """The keys of rows number × size to (number + 1) × size of the listing, in its order."""
        keys = self.object_list.values_list("pk", flat=True)[number * size : (number + 1) * size]
        return self.kept("listing-keys", lambda: list(keys), (size, number))

    def keys(self, bottom, top):
        """The keys of rows `bottom` to `top` of the listing, in its order."""
        size = self.per_page * self.CHUNK_PAGES
        first, last = bottom // size, max(bottom, top - 1) // size
        keys = [key for number in range(first, last + 1) for key in self.chunk(number, size)]
        return keys[bottom - first * size : top - first * size]

    def page(self, number):
        if not self.named:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if not self.defer_rows:
            return self._get_page(self.rows(bottom, top), number, self)
        return self._get_page(Rows(lambda: self.rows(bottom, top)), number, self)

    def rows(self, bottom, top):
        """Rows `bottom` to `top` of the listing, in its order, in one query."""
        keys = self.keys(bottom, top) if top > bottom else []
        rows = {row.pk: row for row in self.object_list.filter(pk__in=keys)} if keys else {}
        return [rows[key] for key in keys if key in rows]


class Rows(Sequence):
    """A page's rows, loaded by `load()` when first read."""

    def __init__(self, load):
        self.load = load

    @cached_property
    def rows(self):
        return self.load()

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        return self.rows[index]


def paginate(request, items, per_page, count=None, listing=None, defer_rows=False):
    """Return the requested page; a missing or non-numeric `page` means page 1, one out of range 404s.

    `listing` names the listing whose order may be kept, `defer_rows` that its page loads its
    rows only when they are read (see ListingPaginator)."""
    paginator = ListingPaginator(items, per_page, count=count, listing=listing, defer_rows=defer_rows)
    raw = request.GET.get("page", "1")
    try:
        number = int(raw)
    except (TypeError, ValueError):
        number = 1
    if number < 1 or (number > 1 and number > paginator.num_pages):
        raise Http404("No such page")
    caching.uses(request, page=str(number))
    return paginator.page(number)
