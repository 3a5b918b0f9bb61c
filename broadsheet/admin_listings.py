"""Admin listings that grow with the blog (comments, subscribers): pagination, and columns whose
cells are written in Python.

Wagtail renders each cell of a listing with a template of its own: a page of 50 comments is
some 350 template renders, half the time of the page. The columns here write the same markup
as Wagtail's cell templates (cell.html, date_cell.html, title_cell.html without buttons) with
format_html, which escapes every value as the templates do.
"""

import json

from django.utils.formats import date_format, get_format, localize
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.timezone import is_aware, localtime
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.templatetags.wagtailadmin_tags import timesince_simple
from wagtail.admin.ui import tables


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


def attributes(attrs):
    """HTML attributes as wagtailadmin/shared/attrs.html writes them (True: the name alone)."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


def class_attribute(column, *extra):
    names = " ".join(name for name in (column.classname, *extra) if name)
    return format_html(' class="{}"', names) if names else ""


class Column(tables.Column):
    """Wagtail's Column; a cell is written as cell.html writes it."""

    def render_cell_html(self, instance, parent_context):
        value = self.get_cell_context_data(instance, parent_context)["value"]
        return format_html("<td{}>{}</td>", class_attribute(self), "" if value is None else localize(value))


class DateColumn(tables.DateColumn):
    """Wagtail's DateColumn; a cell is written as date_cell.html and human_readable_date write it."""

    def render_cell_html(self, instance, parent_context):
        value = self.get_cell_context_data(instance, parent_context)["value"]
        if not value:
            return format_html("<td{}></td>", class_attribute(self))
        shown = localtime(value) if is_aware(value) else value  # as the template's date filter
        return format_html(
            '<td{}><button type="button" class="w-human-readable-date" data-controller="w-tooltip" '
            'data-w-tooltip-content-value="{}" data-w-tooltip-placement-value="top">'
            '<time class="w-human-readable-date__date" datetime="{}">{}</time></button></td>',
            class_attribute(self),
            date_format(shown, get_format("DATETIME_FORMAT") or "N j, Y, P"),
            date_format(shown, "c"),
            capfirst(timesince_simple(value)),
        )


class TitleColumn(tables.TitleColumn):
    """Wagtail's TitleColumn, without buttons; a cell is written as title_cell.html writes it."""

    def render_cell_html(self, instance, parent_context):
        context = self.get_cell_context_data(instance, parent_context)
        title = context["value"]
        if context["title_id"]:
            title = format_html('<span id="{}">{}</span>', context["title_id"], title)
        if context["link_url"]:
            title = format_html("<a{}>{}</a>", attributes(context["link_attrs"]), title)
        elif context["label_id"]:
            title = format_html('<label for="{}">{}</label>', context["label_id"], title)
        return format_html(
            '<td{}><div class="title-wrapper">{}</div></td>', class_attribute(self, "title"), title
        )
