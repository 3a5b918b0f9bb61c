from django import template

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
