import json
from datetime import date
from urllib.parse import urljoin

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils.encoding import escape_uri_path
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import to_locale

from blog import bodies, cards, feeds
from blog.comments.threads import section_context
from blog.models import share_defaults
from blog.sidebar import build_sidebar
from broadsheet import caching

register = template.Library()


@register.simple_tag(takes_context=True)
def blog_sidebar(context, blog_index):
    """The archive and labels widgets for `blog_index`, rendered once per change to the blog.

    A ten-year blog has 120 archive months: building their links costs more than the rest of
    the page, so the finished HTML is cached (per host, as links depend on the site served).
    """
    request = context.get("request")
    host = request.get_host() if request else ""
    return caching.cached(
        "blog-sidebar-html",
        lambda: render_to_string(
            "includes/sidebar.html",
            {"blog_index": blog_index, "sidebar": build_sidebar(blog_index), "request": request},
        ),
        scopes=[caching.LISTINGS],
        vary=(blog_index.pk, host, date.today()),
        timeout=settings.BLOG_SIDEBAR_CACHE_SECONDS,
    )


@register.simple_tag(takes_context=True)
def tag_url(context, blog_index, slug):
    """The address of `blog_index`'s page for the label `slug`."""
    return cards.route_url(context.get("request"), blog_index, "tag_view", slug)


@register.simple_tag(takes_context=True)
def author_url(context, blog_index, slug):
    """The address of `blog_index`'s page for the author `slug`."""
    return cards.route_url(context.get("request"), blog_index, "author_view", slug)


@register.simple_tag(takes_context=True)
def feed_links(context, blog_index, subject=None):
    """The feeds a page announces (see blog.feeds.alternates): its label's or author's, then its blog's."""
    return feeds.alternates(context.get("request"), blog_index, subject or None)


@register.simple_tag(takes_context=True)
def post_body(context, post):
    """`post`'s body (includes/post_body.html), rendered once for each published version."""
    return bodies.body_html(post, context.get("request"))


@register.inclusion_tag("includes/comments.html", takes_context=True)
def comment_section(context, post):
    """`post`'s comments: the thread, its count, and the form while comments are open."""
    request = context.get("request")
    return {**section_context(post, request), "request": request, "user": context.get("user")}


register.simple_tag(cards.post_date, name="post_date")
register.filter("iso_time", cards.iso_time)
register.filter("comment_count_label", cards.comment_count_label)


@register.simple_tag(takes_context=True)
def listing_cards(context, posts, blog_index, listing_page=None):
    """The cards of `posts` as a list of HTML (blog.cards.listing_cards): kept when
    `listing_page` names which page of which listing they are."""
    return cards.listing_cards(posts, blog_index, context.get("request"), listing_page)


@register.simple_tag(takes_context=True)
def post_meta(context, post, blog_index):
    """The line under `post`'s title: its authors, labels and reading time (blog.cards.byline)."""
    return cards.byline(post, blog_index, context.get("request"))


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


@register.inclusion_tag("includes/share_card.html", takes_context=True)
def share_card(context, title="", description="", post=None):
    """The page's meta description, Open Graph and Twitter card; `post` makes it a post's article
    card. Without `title` or `description` the page's own are used, else the site's."""
    request = context["request"]
    page = context.get("page")
    defaults = share_defaults(request)
    subject = post or page
    if subject is not None:
        title = title or subject.seo_title or subject.title
        describe = getattr(subject, "get_meta_description", None)
        description = description or (describe() if describe else subject.search_description)
    image = (post.share_image(defaults["root_url"]) if post is not None else {}) or defaults["image"]
    return {
        "site_name": settings.WAGTAIL_SITE_NAME,
        "locale": to_locale(settings.LANGUAGE_CODE),
        "title": title or settings.WAGTAIL_SITE_NAME,
        "description": description or defaults["description"],
        "url": defaults["root_url"] + escape_uri_path(request.path),
        "image": image,
        "handle": defaults["handle"],
        "post": post,
        "author_urls": article_authors(context, post, defaults["root_url"]),
    }


def article_authors(context, post, root_url):
    """Open Graph names an article's authors by their pages' full addresses."""
    blog_index = context.get("blog_index")
    if post is None or blog_index is None:
        return []
    return [urljoin(root_url + "/", author_url(context, blog_index, a["slug"])) for a in post.author_list]
