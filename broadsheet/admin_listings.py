"""Pagination for admin listings that grow with the blog (comments, subscribers)."""

import json

from django.utils.functional import cached_property
from wagtail.admin.paginator import WagtailPaginator


class EstimatedCountPaginator(WagtailPaginator):
    """Wagtail's paginator, counting exactly only up to EXACT_UP_TO items.

    Counting every row of a large table on each page of a listing costs more than the page; past
    EXACT_UP_TO the listing says what PostgreSQL's planner estimates (from the statistics it
    keeps for each table), which is what "Page 3 of 1,000" needs. A page past EXACT_UP_TO items
    first reads only its rows' keys, in order: the rows skipped are not joined to anything.
    """

    EXACT_UP_TO = 1000

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom <= self.EXACT_UP_TO:
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return self._get_page(self.object_list.filter(pk__in=keys), number, self)

    @cached_property
    def count(self):
        exact = self.object_list[: self.EXACT_UP_TO + 1].count()
        if exact <= self.EXACT_UP_TO:
            return exact
        plan = json.loads(self.object_list.order_by().explain(format="json"))
        return max(int(plan[0]["Plan"]["Plan Rows"]), exact)
