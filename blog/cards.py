"""A post's card on listings, and the line under a post's title (its authors, labels and reading
time) that cards and post pages share.

Built here rather than in templates: a listing shows ten cards, and a card's template with its
byline's (tags and filters for each author and label) cost more than the rest of the page.
Everything from a post is escaped by format_html; only the fixed markup below is trusted.
"""

from urllib.parse import quote

from django.conf import settings
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import RFC3986_SUBDELIMS

from broadsheet import caching

CARD_HTML = (
    '\n<article class="post-card">\n'
    '    <p class="post-date"><time datetime="{iso_date}">{date}</time></p>\n'
    '    <h2 class="post-card__title"><a href="{url}">{title}</a></h2>\n'
    "    {byline}\n"
    "    {summary}\n"
    '    <p class="post-card__footer">\n'
    '        <a class="read-more" href="{url}">Read more'
    '<span class="visually-hidden"> of “{title}”</span></a>\n'
    '        <a class="comment-count" href="{url}#comments">{comments}</a>\n'
    "    </p>\n"
    "</article>\n"
)
SNIPPET_HTML = '<p class="post-card__snippet">{}</p>'
INTRO_HTML = '<p class="post-card__intro">{}</p>'
BYLINE_HTML = (
    '\n<p class="post-meta">\n'
    "    {authors}\n"
    "    {labels}\n"
    '    <span class="reading-time">{minutes} min read</span>\n'
    "</p>\n"
)
AUTHOR_HTML = '<a class="post-author" rel="author" href="{}">{}</a>'
LABEL_HTML = '<a class="tag" rel="tag" href="{}">{}</a>'
LABELS_HTML = '\n        <span class="post-tags">Labels: {}</span>\n    '


def route_url(request, blog_index, route, slug):
    """The address of `blog_index`'s `route` page (a label's or an author's) for `slug`.

    The same as `{% routablepageurl blog_index route slug %}`, which costs a page URL and a
    reverse() per call: a listing shows dozens of labels and bylines, so each route's address
    is worked out once per request and each slug appended to it.
    """
    prefixes = getattr(request, "_route_url_prefixes", {}) if request is not None else {}
    prefix = prefixes.get((blog_index.pk, route))
    if prefix is None:
        # reverse_subpage(route, ["-"]) is e.g. "tag/-/": the part before the slug is the same for every slug.
        prefix = blog_index.get_url(request) + blog_index.reverse_subpage(route, args=["-"])[:-2]
        if request is not None:
            request._route_url_prefixes = {**prefixes, (blog_index.pk, route): prefix}
    return f"{prefix}{quote(slug, safe=RFC3986_SUBDELIMS + '~:@')}/"


def post_date(value):
    """A post's date as the blog shows it: "Monday, November 2, 2015"."""
    return f"{value:%A}, {value:%B} {value.day}, {value.year}"


def iso_time(value):
    """`value` in ISO 8601 to the second, in the site's time zone: what HTML's datetime attribute
    accepts (Django's "c" format adds microseconds, and HTML allows at most three digits)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def comment_count_label(count):
    """The footer readers know: "No comments", "1 comment", "12 comments"."""
    if count in (None, ""):
        return "Comments"
    count = int(count)
    if count == 0:
        return "No comments"
    return f"{count} comment{pluralize(count)}"


def byline(post, blog_index, request):
    """The line under a post's title: its authors, its labels and its reading time."""

    def links(html, route, items):
        urls = ((route_url(request, blog_index, route, item["slug"]), item["name"]) for item in items)
        return format_html_join(", ", html, urls)

    authors = post.author_list
    labels = post.label_list
    return format_html(
        BYLINE_HTML,
        authors=format_html("By {}", links(AUTHOR_HTML, "author_view", authors)) if authors else "",
        labels=format_html(LABELS_HTML, links(LABEL_HTML, "tag_view", labels)) if labels else "",
        minutes=post.reading_minutes,
    )


def card(post, blog_index, request, snippet=""):
    """A post's card: its date, title, byline, `snippet` (search results) or else its intro, and
    links to read it and its comments."""
    if snippet:
        summary = format_html(SNIPPET_HTML, snippet)
    elif post.intro:
        summary = format_html(INTRO_HTML, post.intro)
    else:
        summary = ""
    return format_html(
        CARD_HTML,
        iso_date=iso_time(post.date),
        date=post_date(post.date),
        url=post.get_url(request=request),
        title=post.title,
        byline=byline(post, blog_index, request),
        summary=summary,
        comments=comment_count_label(post.comment_count),
    )


def listing_cards(posts, blog_index, request, listing_page=None):
    """The cards of `posts`, a listing's page (or its first few posts), as a list of HTML.

    `listing_page` names which page of which listing they are (any value with a stable repr):
    then the cards are kept until listings or comment counts change, and a page served from them
    loads none of its posts. Without it they are made each time.
    """
    if listing_page is None:
        return [card(post, blog_index, request) for post in posts]
    return kept_cards(listing_page, request, lambda: [card(post, blog_index, request) for post in posts])


def kept_cards(listing_page, request, make):
    """`make()`, the cards of the listing's page `listing_page` (as listing_cards names it), kept
    until listings or comment counts change."""
    return caching.cached(
        "listing-cards",
        make,
        scopes=[caching.LISTINGS, caching.COMMENT_COUNTS],
        # Cards link to posts, labels and authors by addresses that depend on the site served.
        vary=(listing_page, request.get_host() if request is not None else ""),
        timeout=settings.LISTING_COUNT_CACHE_SECONDS,
    )
