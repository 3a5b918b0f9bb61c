"""The admin listings' cells written in Python are the cells Wagtail's templates write."""

from datetime import timedelta

from bs4 import BeautifulSoup, NavigableString
from django import forms
from django.template.loader import get_template
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import Truncator
from django_comments_xtd.models import XtdComment
from wagtail.admin.ui import tables

from blog.admin_views import CommentViewSet
from broadsheet import admin_listings
from subscriptions.admin_views import SubscriberViewSet
from subscriptions.models import Subscriber

from ..factories import make_comment, make_post

CONTEXT = {"row": None, "table": None, "request": None}


def shape(html, element="td"):
    """Elements, attributes and text of `html`'s first `element`, whatever the whitespace between them."""

    def walk(node):
        if isinstance(node, NavigableString):
            return " ".join(str(node).split()) or None
        attrs = {k: " ".join(v) if isinstance(v, list) else v for k, v in node.attrs.items()}
        return (node.name, sorted(attrs.items()), [c for c in map(walk, node.children) if c is not None])

    return walk(BeautifulSoup(html, "html.parser").find(element))


def as_wagtail(column, obj):
    """The cell as Wagtail writes it: the template of the Wagtail class the column is built on,
    given the column's own context."""
    base = next(cls for cls in type(column).__mro__ if cls.__module__ == tables.__name__)
    return get_template(base.cell_template_name).render(column.get_cell_context_data(obj, CONTEXT))


def test_comment_and_reader_cells_are_wagtails(blog_index):
    post = make_post(blog_index, title="Tide <tables> & votes", slug="tides")
    made = make_comment(post, text='A reply with <b>"markup"</b> & more', name="Jo <Quay>")
    comment = XtdComment.objects.get(pk=made.pk)
    comment.submit_date = timezone.now() - timedelta(days=3)
    comment.listing_post, comment.listing_post_url = post, "/blog/tides/"
    reader = Subscriber.objects.create(email="reader@example.org", bounces=2)
    checked = 0
    for viewset, obj in ((CommentViewSet, comment), (SubscriberViewSet, reader)):
        for column in viewset.list_display:
            assert isinstance(
                column, (admin_listings.Column, admin_listings.DateColumn, admin_listings.TitleColumn)
            )
            ours = column.render_cell_html(obj, CONTEXT)
            theirs = as_wagtail(column, obj)
            assert shape(ours) == shape(theirs), (column.name, ours, theirs)
            checked += 1
    assert checked == 12
    # What a reader wrote is escaped, as the templates escape it; an empty date is an empty cell.
    row = "".join(column.render_cell_html(comment, CONTEXT) for column in CommentViewSet.list_display)
    assert "Jo &lt;Quay&gt;" in row and "<b>" not in row and "Tide &lt;tables&gt; &amp; votes" in row
    assert 'href="/blog/tides/#c' in row and "3\xa0days ago" in row


def test_listing_tables_with_rows_written_in_python_are_wagtails(blog_index):
    post = make_post(blog_index, title="Quay <votes>", slug="quay")
    comments = [make_comment(post, text=f"Comment {n} & <i>more</i>") for n in range(3)]
    # Cut short at 90 characters as Wagtail's column cuts them: plain text, and accented text
    # (combining accents are not counted).
    long = ["The harbour board's levy, once more. " * 3, "Cafe\u0301 de la Gare, re\u0301sume\u0301. " * 4]
    comments += [make_comment(post, text=text) for text in long]
    listed = list(XtdComment.objects.filter(pk__in=[c.pk for c in comments]).order_by("-pk"))
    for comment in listed:
        comment.listing_post, comment.listing_post_url = post, "/blog/quay/"
    readers = [Subscriber.objects.create(email=f"reader{n}@example.org") for n in range(2)]
    checkbox = tables.BulkActionsCheckboxColumn("bulk_actions", obj_type="snippet")
    written = {}
    listings = (([checkbox, *CommentViewSet.list_display], listed), (SubscriberViewSet.list_display, readers))
    for columns, objects in listings:
        table = admin_listings.Table(admin_listings.python_checkboxes(columns), objects)
        ours = table.render_html({"request": None})
        theirs = tables.Table(columns, objects).render_html({"request": None})
        assert shape(ours, "table") == shape(theirs, "table")
        assert ours.count("<tr") == len(objects) + 1
        written[columns[0].name] = ours
    table = written["bulk_actions"]
    first = listed[0].pk
    assert f'data-object-id="{first}"' in table and f'aria-describedby="snippet_{first}_title"' in table
    assert "Comment 0 &amp; &lt;i&gt;more&lt;/i&gt;" in table and "Quay &lt;votes&gt;" in table
    for text in long:
        assert escape(text) not in table and escape(Truncator(text).chars(90)) in table


def test_filter_selects_written_in_python_are_djangos():
    choices = [("", "All comments"), ("a<b", 'A & <b>"quoted"</b>'), (3, "Three")]
    for value in ("", "a<b", 3, None):
        ours = admin_listings.Select(choices=choices).render("post", value, {"id": "id_post"})
        theirs = forms.Select(choices=choices).render("post", value, {"id": "id_post"})
        assert shape(ours, "select") == shape(theirs, "select"), (ours, theirs)
    chosen = admin_listings.Select(choices=choices).render("post", "a<b")
    assert '<option value="a&lt;b" selected>A &amp; &lt;b&gt;&quot;quoted&quot;&lt;/b&gt;</option>' in chosen
