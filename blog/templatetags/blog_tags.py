import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.template.defaultfilters import pluralize
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from blog.sidebar import get_sidebar

register = template.Library()


@register.inclusion_tag("includes/sidebar.html", takes_context=True)
def blog_sidebar(context, blog_index):
    """The archive and labels widgets for `blog_index`."""
    return {
        "blog_index": blog_index,
        "sidebar": get_sidebar(blog_index),
        "request": context.get("request"),
    }


@register.simple_tag
def post_date(value):
    """A post's date as the blog shows it: "Monday, November 2, 2015"."""
    return f"{value:%A}, {value:%B} {value.day}, {value.year}"


@register.filter
def comment_count_label(count):
    """The footer readers know: "No comments", "1 comment", "12 comments"."""
    if count in (None, ""):
        return "Comments"
    count = int(count)
    if count == 0:
        return "No comments"
    return f"{count} comment{pluralize(count)}"


@register.simple_tag
def site_url(page, path):
    """`path` made absolute on the site that serves `page` (for links in emails)."""
    return page.get_site().root_url.rstrip("/") + path


# The characters that could end a <script> element or open a comment inside one, as JSON escapes.
JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def json_ld(data):
    """`data` as a JSON-LD script element, escaped like Django's json_script so text cannot break out."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308
