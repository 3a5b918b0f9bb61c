"""A post's thread as readers see it: its rows in thread order, rendered as nested lists."""

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
from django_comments_xtd.models import max_thread_level_for_content_type

from broadsheet import caching

from .form import comment_form_html
from .status import public_comments


def thread_rows(post):
    """The post's public comments in thread order (each reply right after the comment it answers).

    Plain rows, not model instances: the thread shows a handful of fields of each comment.
    """
    return (
        public_comments()
        .filter(content_type=ContentType.objects.get_for_model(post), object_pk=str(post.pk))
        .order_by("thread_id", "order")
        .values("pk", "parent_id", "level", "user_name", "user_url", "comment", "submit_date")
    )


def visible_thread(rows):
    """The rows a reader sees: a reply whose parent is not shown (held, removed) cannot hang in
    the tree, so it is left out with everything below it."""
    shown = set()
    for row in rows:
        if row["parent_id"] == row["pk"] or row["parent_id"] in shown:
            shown.add(row["pk"])
            yield row


REPLY_URL_MARK = 9876543210
COMMENT_HTML = (
    '<li class="comment" id="c{pk}"><article class="comment__inner">'
    '<p class="comment__meta"><span class="comment__author">{author}</span> '
    '<a class="comment__permalink" href="#c{pk}" title="Link to this comment">'
    '<time datetime="{iso_date}">{date}</time></a></p>'
    '<div class="comment__body">{body}</div>{actions}</article>'
)
AUTHOR_LINK_HTML = '<a href="{}" rel="nofollow ugc">{}</a>'
REPLY_HTML = (
    '<p class="comment__actions"><a class="comment__reply" href="{url}" data-reply-to="{pk}">Reply</a></p>'
)


def date_label(when):
    """ "November 2, 2015 at 9:05 PM" """
    hour = when.hour % 12 or 12
    return f"{when:%B} {when.day}, {when.year} at {hour}:{when:%M} {'AM' if when.hour < 12 else 'PM'}"


def render_thread(rows, replies_open, max_level):
    """The thread as nested lists: each comment's replies in an <ol> inside its <li>; a comment
    nested `max_level` deep offers no reply link.

    Built here rather than in a template: a template per comment (django-comments-xtd's
    recursive tag) or even a loop with a few filters per comment cost more than the rest of a
    post page once a thread has some fifty comments. Everything a reader wrote is escaped by
    format_html; only the fixed markup above is trusted.
    """
    if not rows:
        return ""
    # One reverse() for the whole thread: the reply URL differs only by the comment's id.
    reply_url = reverse("comments-xtd-reply", kwargs={"cid": REPLY_URL_MARK}).replace(
        str(REPLY_URL_MARK), "{}"
    )
    parts = ['<ol class="comment-list">']
    for row, following in zip(rows, [*rows[1:], None], strict=False):
        when = timezone.localtime(row["submit_date"])
        author = row["user_name"]
        if row["user_url"]:
            author = format_html(AUTHOR_LINK_HTML, row["user_url"], author)
        actions = ""
        if replies_open and row["level"] < max_level:
            actions = format_html(REPLY_HTML, url=reply_url.format(row["pk"]), pk=row["pk"])
        parts.append(
            format_html(
                COMMENT_HTML,
                pk=row["pk"],
                author=author,
                iso_date=when.isoformat(timespec="seconds"),  # HTML allows at most 3 digits of a second
                date=date_label(when),
                body=mark_safe(linebreaks(row["comment"], autoescape=True)),  # noqa: S308 - escaped by linebreaks
                actions=actions,
            )
        )
        next_level = following["level"] if following else 0
        if next_level > row["level"]:
            parts.append('<ol class="comment-list">')  # its replies follow
        else:
            parts.append("</li>" + "</ol></li>" * (row["level"] - next_level))
    parts.append("</ol>")
    return mark_safe("".join(parts))  # noqa: S308 - every value went through format_html


def kept_thread(post, replies_open, max_level):
    """(the thread's HTML, how many comments it shows): rendered once until a comment on the
    post, or the post itself, changes (every such change forgets the post's scope)."""

    def render():
        rows = list(visible_thread(thread_rows(post)))
        return render_thread(rows, replies_open, max_level), len(rows)

    return caching.cached(
        "comment-thread",
        render,
        scopes=[caching.post(post.pk)],
        vary=(post.pk, replies_open, max_level, timezone.get_current_timezone_name()),
    )


def section_context(post, request):
    """What the comment section of `post`'s page shows (templates/includes/comments.html)."""
    closed = post.comments_closed(request)
    max_level = max_thread_level_for_content_type(ContentType.objects.get_for_model(post))
    thread, count = kept_thread(post, replies_open=not closed, max_level=max_level)
    return {
        "comment_thread": thread,
        "comment_count": count,
        "comments_closed": closed,
        "comment_form": None if closed else comment_form_html(post, request),
    }
