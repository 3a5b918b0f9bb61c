"""Admin listings that grow with the blog (comments, subscribers): pagination, and columns whose
cells are written in Python.

Wagtail renders each cell of a listing with a template of its own: a page of 50 comments is
some 350 template renders, half the time of the page. The columns here write the same markup
as Wagtail's cell templates (cell.html, date_cell.html, title_cell.html without buttons), escaping
every value as the templates do, and Table writes a page's rows with them.
"""

import html
import json
from contextlib import contextmanager

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.db import connection, transaction
from django.templatetags.l10n import unlocalize
from django.urls import reverse
from django.utils.formats import date_format, get_format, localize
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.timezone import is_aware, localtime
from django.utils.translation import gettext
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.templatetags.wagtailadmin_tags import timesince_simple
from wagtail.admin.ui import tables
from wagtail.coreutils import multigetattr


class EstimatedCountPaginator(WagtailPaginator):
    """Wagtail's paginator, counting exactly only up to EXACT_UP_TO items.

    Counting every row of a large table on each page of a listing costs more than the page; past
    EXACT_UP_TO the listing says what PostgreSQL's planner estimates (from the statistics it
    keeps for each table), which is what "Page 3 of 1,000" needs. A page past EXACT_UP_TO items
    first reads only its rows' keys, in order: the rows skipped are not joined to anything.

    `keys`, when given, is the same listing (filters, search, order) from fewer tables, such as
    a child model's rows from its parent's table alone: the count and a deep page's keys are
    read from it, the page's rows from `object_list`. With `by_index` (for a search), every
    page reads its keys first, and the keys and the count are read by indexes (see by_index).
    """

    EXACT_UP_TO = 1000

    def __init__(self, object_list, *args, keys=None, by_index=False, **kwargs):
        super().__init__(object_list, *args, **kwargs)
        self.keys = object_list if keys is None else keys
        self.by_index = by_index
        self.in_reading = False

    @contextmanager
    def reading(self):
        """by_index() around a search's queries (one transaction for those of a page)."""
        if not self.by_index or self.in_reading:
            yield
            return
        self.in_reading = True
        try:
            with by_index():
                yield
        finally:
            self.in_reading = False

    def page(self, number):
        with self.reading():
            return self.read_page(number)

    def read_page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if bottom <= self.EXACT_UP_TO and not self.by_index:
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            # The last page by the estimate: a whole page (and its orphans), not only up to an
            # estimate that may be short of the rows there are.
            top += self.orphans
        keys = list(self.keys.values_list("pk", flat=True)[bottom:top])
        if not keys and number > 1:
            # The estimate ran past the rows there are: count them, and give the real last page.
            self.__dict__["count"] = self.keys.order_by().count()
            self.__dict__.pop("num_pages", None)
            if self.num_pages < number:
                return self.read_page(self.num_pages)
        return self._get_page(self.object_list.filter(pk__in=keys), number, self)

    @cached_property
    def count(self):
        with self.reading():
            return estimated_count(self.keys, self.EXACT_UP_TO)


# Sent at the start of by_index()'s transaction.
BY_INDEX = (
    "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; "
    "SET LOCAL max_parallel_workers_per_gather = 0"
)


@contextmanager
def by_index():
    """The queries run inside read their rows through bitmap index scans, in a transaction of
    their own: sequential scans and walks down an index priced out, and no parallel workers.

    For a condition PostgreSQL prices as one cheap call a row, such as a text-search match on an
    expression (it does not know that to_tsvector parses each comment anew, some 40 µs each),
    reading rows in turn, or down the listing's order, until enough match looks cheaper than the
    expression's index: at 50,000 comments, counting the first EXACT_UP_TO + 1 comments with a
    word found in a third of them read 3,500 (150-250 ms), and the newest 50 with two words
    found together in 2% of them, joined to their threads, took 106 ms; through the index,
    5 ms and 4-13 ms. Workers started for a parallel bitmap scan only add to a page's time.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(BY_INDEX)
        yield


def estimated_count(queryset, exact_up_to=None):
    """How many rows `queryset` has: exactly up to `exact_up_to` (EstimatedCountPaginator's
    EXACT_UP_TO unless given), past that PostgreSQL's estimate (never below what was counted)."""
    return estimated_counts([queryset], exact_up_to)[0]


def estimated_counts(querysets, exact_up_to=None):
    """estimated_count() of each of `querysets` (of one database), in two queries at most
    whatever their number: one counting each up to the limit, one asking the planner's estimate
    of those past it."""
    if exact_up_to is None:
        exact_up_to = EstimatedCountPaginator.EXACT_UP_TO
    # In no order: the first rows PostgreSQL finds, not the first by the listing's order, which
    # for a filter no index answers means sorting every match.
    keys = [queryset.order_by().values_list("pk") for queryset in querysets]
    # A queryset that can have no rows (.none()) has no SQL either.
    asked = [n for n, query in enumerate(keys) if not query.query.is_empty()]
    counts = [0] * len(keys)
    if not asked:
        return counts
    with connection.cursor() as cursor:
        firsts = [keys[n][: exact_up_to + 1] for n in asked]
        cursor.execute(*combined(firsts, "(SELECT count(*) FROM ({}) AS counted)", ", ", "SELECT "))
        for n, count in zip(asked, cursor.fetchone(), strict=True):
            counts[n] = count
        past = [n for n, count in enumerate(counts) if count > exact_up_to]
        if past:
            estimated = [keys[n] for n in past]
            cursor.execute(*combined(estimated, "({})", " UNION ALL ", "EXPLAIN (FORMAT JSON) "))
            plan = cursor.fetchone()[0]
            top = (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]
            # Each query of the union is a plan of the Append at the top (the one query, alone).
            for n, estimate in zip(past, top["Plans"] if len(past) > 1 else [top], strict=True):
                counts[n] = max(int(estimate["Plan Rows"]), counts[n])
    return counts


def combined(querysets, each, separator, start):
    """One statement of `querysets`' SQL, each written into the `each` template, with their
    parameters in order."""
    parts = [queryset.query.sql_with_params() for queryset in querysets]
    sql = start + separator.join(each.format(part_sql) for part_sql, _ in parts)
    return sql, [param for _, params in parts for param in params]


class Select(forms.Select):
    """Django's Select; written as select.html writes it, without its template for each option
    (a filter offering fifty posts rendered fifty-one templates)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        if any(group_name for group_name, _, _ in widget["optgroups"]):
            return super().render(name, value, attrs, renderer)
        options = "".join(
            f'\n  <option value="{escaped(option["value"])}"{attributes(option["attrs"])}>'
            f"{escaped(localize(option['label']))}</option>"
            for _, group, _ in widget["optgroups"]
            for option in group
        )
        select = f'<select name="{escaped(widget["name"])}"{attributes(widget["attrs"])}>'
        return written(f"{select}{options}\n</select>")


class RowsChoiceIterator(django_filters.fields.ModelChoiceIterator):
    """django-filters' choices of a queryset, read as an ordinary query: Django's own iterator()
    opens a server-side cursor, which outside a transaction is held (DECLARE ... WITH HOLD):
    PostgreSQL copies the rows and the request waits for two more round trips."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ModelChoiceField(django_filters.fields.ModelChoiceField):
    iterator = RowsChoiceIterator


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filters' ModelChoiceFilter, its choices read as an ordinary query and written by Select."""

    field_class = ModelChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", Select)
        super().__init__(*args, **kwargs)


class ChoiceFilter(django_filters.ChoiceFilter):
    """django-filters' ChoiceFilter, written by Select."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", Select)
        super().__init__(*args, **kwargs)


def escaped(value):
    """`value` as a template writes it into HTML: safe strings as they are, anything else escaped
    (the standard library's escape, which Django's wraps, without its lazy-string checks)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def written(markup):
    """Markup the functions here wrote: every value in it went through escaped()."""
    return mark_safe(markup)  # noqa: S308 - each value in it was escaped


def attributes(attrs):
    """HTML attributes as wagtailadmin/shared/attrs.html writes them (True: the name alone)."""
    return "".join(
        f" {name}" if value is True else f' {name}="{escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def class_attribute(column, *extra):
    names = " ".join(name for name in (column.classname, *extra) if name)
    return f' class="{escaped(names)}"' if names else ""


class Table(tables.Table):
    """Wagtail's Table, its rows written in Python: each cell's own render_cell_html, without the
    template tag, context and loop Wagtail's table.html spends on each of a page's 350 cells."""

    template_name = "includes/admin_table.html"

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        columns = list(self.columns.values())
        rows = []
        urls = {}  # what TitleColumn reversed, for the rows after the first
        for row in self.rows:
            cell_context = {"table": self, "row": row, "request": context["request"], "urls": urls}
            cells = "".join(column.render_cell_html(row.instance, cell_context) for column in columns)
            rows.append(f"<tr{attributes(row.attrs)}>{cells}</tr>")
        context["rows_html"] = written("".join(rows))
        return context


class BulkActionsCheckboxColumn(tables.BulkActionsCheckboxColumn):
    """Wagtail's checkbox column; a cell is written as listing_checkbox_cell.html writes it (for
    anything but pages, which that template marks live or draft)."""

    def render_cell_html(self, instance, parent_context):
        if self.obj_type == "page":
            return super().render_cell_html(instance, parent_context)
        described = self.get_aria_describedby(instance)
        return written(
            '<td class="bulk-action-checkbox-cell"><input type="checkbox" '
            f'data-object-id="{escaped(quote(unlocalize(instance.pk)))}" data-bulk-action-checkbox '
            f'class="bulk-action-checkbox" aria-label="{escaped(gettext("Select"))}"'
            + (f' aria-describedby="{escaped(described)}"' if described else "")
            + " /></td>"
        )


def python_checkboxes(columns):
    """`columns` with Wagtail's checkbox column (as a snippet listing adds it) written in Python."""
    return [
        BulkActionsCheckboxColumn(column.name, obj_type=column.obj_type)
        if type(column) is tables.BulkActionsCheckboxColumn
        else column
        for column in columns
    ]


class Column(tables.Column):
    """Wagtail's Column; a cell is written as cell.html writes it."""

    def shown_value(self, instance):
        """The value cell.html shows: Column.get_cell_context_data's, without the rest of its context."""
        value = self.get_value(instance)
        if isinstance(value, int) and not isinstance(value, bool):
            value = unlocalize(value)
        return value if str(value).strip() else self.empty_value_display

    def render_cell_html(self, instance, parent_context):
        value = self.shown_value(instance)
        shown = "" if value is None else escaped(localize(value))
        return written(f"<td{class_attribute(self)}>{shown}</td>")


class DateColumn(tables.DateColumn):
    """Wagtail's DateColumn; a cell is written as date_cell.html and human_readable_date write it."""

    def render_cell_html(self, instance, parent_context):
        value = self.get_value(instance)
        if not value:
            return written(f"<td{class_attribute(self)}></td>")
        shown = localtime(value) if is_aware(value) else value  # as the template's date filter
        # (isoformat() is what date_format(shown, "c") writes, without its translation look-ups.)
        return written(
            f'<td{class_attribute(self)}><button type="button" class="w-human-readable-date" '
            'data-controller="w-tooltip" data-w-tooltip-content-value="'
            f'{escaped(date_format(shown, get_format("DATETIME_FORMAT") or "N j, Y, P"))}" '
            'data-w-tooltip-placement-value="top"><time class="w-human-readable-date__date" '
            f'datetime="{escaped(shown.isoformat())}">{escaped(capfirst(timesince_simple(value)))}'
            "</time></button></td>"
        )


class TitleColumn(tables.TitleColumn):
    """Wagtail's TitleColumn, without buttons; a cell is written as title_cell.html writes it,
    from the same methods Wagtail's get_cell_context_data calls."""

    shown_value = Column.shown_value

    # A key a row's URL cannot have but as its key.
    ANY_KEY = 918_273_645_546_372_819

    def get_link_url(self, instance, parent_context):
        key = multigetattr(instance, self.id_accessor)
        urls = parent_context.get("urls")
        if self._get_url_func or not self.url_name or type(key) is not int or urls is None:
            return super().get_link_url(instance, parent_context)
        # One reverse() a table, not one a row (each some 100 µs): an integer key needs no
        # quoting, so a row's URL is that of ANY_KEY with the row's key in its place.
        if self.url_name not in urls:
            urls[self.url_name] = reverse(self.url_name, args=(self.ANY_KEY,)).partition(str(self.ANY_KEY))
        before, _, after = urls[self.url_name]
        return f"{before}{key}{after}"

    def render_cell_html(self, instance, parent_context):
        title = escaped(localize(self.shown_value(instance)))
        title_id = self.get_title_id(instance, parent_context)
        if title_id:
            title = f'<span id="{escaped(title_id)}">{title}</span>'
        link_url = self.get_link_url(instance, parent_context)
        if link_url:
            link_attrs = self.get_link_attrs(instance, parent_context)
            link_attrs["href"] = link_url
            if self.link_classname is not None:
                link_attrs["class"] = self.link_classname
            title = f"<a{attributes(link_attrs)}>{title}</a>"
        elif label_id := self.get_label_id(instance, parent_context):
            title = f'<label for="{escaped(label_id)}">{title}</label>'
        return written(f'<td{class_attribute(self, "title")}><div class="title-wrapper">{title}</div></td>')
