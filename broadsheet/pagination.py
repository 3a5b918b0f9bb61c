"""Pagination that treats every odd `?page=` the same way on every listing."""

from django.core.paginator import Paginator
from django.http import Http404


def paginate(request, items, per_page):
    """Return the requested page; a missing or non-numeric `page` means page 1, one out of range 404s."""
    paginator = Paginator(items, per_page)
    raw = request.GET.get("page", "1")
    try:
        number = int(raw)
    except (TypeError, ValueError):
        number = 1
    if number < 1 or (number > 1 and number > paginator.num_pages):
        raise Http404("No such page")
    return paginator.page(number)
