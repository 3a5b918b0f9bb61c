from django import template
from django.template.defaultfilters import pluralize

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
