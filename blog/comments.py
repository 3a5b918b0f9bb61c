"""Reader comments on posts: threads and counts, the moderation rules, spam checks and emails.

Comments are django-comments-xtd's XtdComment rows. Their two flags keep their meaning:
awaiting moderation is ``is_public=False, is_removed=False``; public is ``is_public=True,
is_removed=False``; removed is ``is_removed=True``. Spam is a removed comment whose CommentReview
says ``spam=True``; CommentReview also records why a comment was held and who decided.
"""

import logging
import re
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection, send_mail
from django.db import transaction
from django.db.models import CharField, Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
from django_comments_xtd import get_form
from django_comments_xtd.models import TmpXtdComment, XtdComment, max_thread_level_for_content_type
from django_comments_xtd.moderation import XtdCommentModerator
from django_comments_xtd.signals import confirmation_received

from broadsheet import caching
from broadsheet.client import client_ip
from broadsheet.mail import one_line

logger = logging.getLogger(__name__)

MODERATE_PERMISSION = "django_comments_xtd.change_xtdcomment"
LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


def comment_settings(site):
    """The site's CommentSettings (defaults when never saved), cached until the site scope changes."""
    from wagtail.models import Site

    from .models import CommentSettings

    site_id = site.pk if isinstance(site, Site) else site
    return caching.cached(
        "comment-settings",
        lambda: CommentSettings.objects.filter(site_id=site_id).first() or CommentSettings(site_id=site_id),
        scopes=[caching.SITE],
        vary=site_id,
    )


def post_content_type():
    from .models import BlogPostPage

    return ContentType.objects.get_for_model(BlogPostPage)


def public_comments():
    """Comments a reader may see (on any post)."""
    return XtdComment.norel_objects.filter(
        site_id=settings.SITE_ID, is_public=True, is_removed=False
    ).order_by()


def with_comment_counts(posts):
    """Annotate a post queryset with `comment_count`, counted in the same query."""
    counts = (
        public_comments()
        .filter(content_type=post_content_type(), object_pk=Cast(OuterRef("pk"), output_field=CharField()))
        .values("object_pk")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return posts.annotate(comment_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0)))


def thread_rows(post):
    """The post's public comments in thread order (each reply right after the comment it answers).

    Plain rows, not model instances: the thread shows a handful of fields of each comment.
    """
    return (
        public_comments()
        .filter(content_type=post_content_type(), object_pk=str(post.pk))
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


def render_thread(rows, replies_open):
    """The thread as nested lists: each comment's replies in an <ol> inside its <li>.

    Built here rather than in a template: a template per comment (django-comments-xtd's
    recursive tag) or even a loop with a few filters per comment cost more than the rest of a
    post page once a thread has some fifty comments. Everything a reader wrote is escaped by
    format_html; only the fixed markup above is trusted.
    """
    if not rows:
        return ""
    max_level = max_thread_level_for_content_type(post_content_type())
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
                iso_date=when.isoformat(),
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


def comment_context(post, request):
    """What the post template needs for its comments section."""
    rows = list(visible_thread(thread_rows(post)))
    closed = post.comments_closed(request)
    return {
        "comment_thread": render_thread(rows, replies_open=not closed),
        "comment_count": len(rows),
        "comments_closed": closed,
        "comment_form": None if closed else get_form()(post),
    }


def rate_limited(request):
    """Count this comment attempt against the client's address; True when it is over the limit."""
    key = f"comments:rate:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, settings.COMMENTS_RATE_PERIOD)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, settings.COMMENTS_RATE_PERIOD)
        attempts = 1
    return attempts > settings.COMMENTS_RATE_LIMIT


def count_links(text):
    return len(LINK.findall(text or ""))


def akismet_says_spam(comment, post, request):
    """Ask Akismet about a comment; None when it is not configured or could not answer."""
    if not settings.AKISMET_API_KEY:
        return None
    data = {
        "api_key": settings.AKISMET_API_KEY,
        "blog": post.get_site().root_url,
        "user_ip": client_ip(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
        "referrer": request.META.get("HTTP_REFERER", ""),
        "permalink": post.get_full_url(request),
        "comment_type": "reply" if comment.get("parent_id") else "comment",
        "comment_author": comment["user_name"],
        "comment_author_email": comment["user_email"],
        "comment_author_url": comment["user_url"],
        "comment_content": comment["comment"],
        "comment_date_gmt": timezone.now().isoformat(),
        "blog_lang": "en",
    }
    url = urllib.parse.urljoin(settings.AKISMET_API_URL, "comment-check")
    body = urllib.parse.urlencode(data).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=5) as response:
            answer = response.read().decode().strip()
    except (urllib.error.URLError, OSError) as error:
        logger.warning("Akismet could not be reached: %s", error)
        return None
    if answer not in {"true", "false"}:
        logger.warning("Akismet gave no verdict: %r", answer[:200])
        return None
    return answer == "true"


def is_moderator(user):
    return user.is_authenticated and user.has_perm(MODERATE_PERMISSION)


class BlogPostModerator(XtdCommentModerator):
    """Applies the site's comment settings to every new comment on a post."""

    def allow(self, comment, content_object, request):
        return content_object.live and not content_object.comments_closed(request)

    def moderate(self, comment, content_object, request):
        if is_moderator(request.user):
            return False
        rules = comment_settings(content_object.get_site())
        reasons = []
        spam = akismet_says_spam(comment, content_object, request)
        if spam:
            reasons.append("Akismet says spam")
        elif spam is None and settings.AKISMET_API_KEY:
            reasons.append("Akismet gave no answer")
        links = count_links(comment["comment"])
        if links > rules.max_links:
            reasons.append(f"{links} links")
        if rules.hold_first_comments and not (
            public_comments().filter(user_email__iexact=comment["user_email"]).exists()
        ):
            reasons.append("first comment from this address")
        request.comment_review = {"spam": bool(spam), "held_because": "; ".join(reasons)}
        if spam:
            comment["is_removed"] = True
        return bool(reasons)

    def email(self, comment, content_object, request):
        """Record why a comment was held, then tell the moderators about it."""
        from .models import CommentReview

        stored = comment.xtd_comment
        review = getattr(request, "comment_review", None)
        if stored is None or not review or stored.is_public:
            return
        CommentReview.objects.update_or_create(comment=stored, defaults=review)
        if not review["spam"] and comment_settings(content_object.get_site()).notify_moderators:
            notify_moderators(stored, content_object)


def moderator_emails():
    users = get_user_model().objects.with_perm(MODERATE_PERMISSION, include_superusers=True)
    return sorted({u.email for u in users.filter(is_active=True).exclude(email="")})


def notify_moderators(comment, post):
    recipients = moderator_emails()
    if not recipients:
        return
    context = {
        "comment": comment,
        "post": post,
        "queue_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("comments:list") + "?status=held",
        "edit_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("comments:edit", args=[comment.pk]),
    }
    send_mail(
        one_line(f"[{settings.WAGTAIL_SITE_NAME}] A comment on “{post.title}” awaits moderation"),
        render_to_string("comments/moderation_email.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )


def set_status(comments, status, user):
    """Approve, remove or mark as spam; returns how many comments changed."""
    from .models import CommentReview

    flags = {
        "public": {"is_public": True, "is_removed": False},
        "removed": {"is_public": False, "is_removed": True},
        "spam": {"is_public": False, "is_removed": True},
    }[status]
    changed = 0
    for comment in comments:
        was_public = comment.is_public and not comment.is_removed
        for field, value in flags.items():
            setattr(comment, field, value)
        # save() (not update) so django-comments-xtd hides or shows the replies with their parent.
        comment.save()
        CommentReview.objects.update_or_create(
            comment=comment,
            defaults={"spam": status == "spam", "reviewed_by": user, "reviewed_at": timezone.now()},
        )
        if status == "public" and not was_public and comment.content_object is not None:
            queue_follower_notifications(comment)
        changed += 1
    return changed


def store_posted_comment(sender, comment, request, **kwargs):
    """Store a comment the form accepted and queue the emails it causes, in one transaction.

    Takes the place of django-comments-xtd's own receiver (disconnected in BlogConfig.ready),
    which sends the followers' emails inside the request with pickled mute links. Comments
    need no email confirmation here (COMMENTS_XTD_CONFIRM_EMAIL is False), so each accepted
    comment is stored at once; the moderators' email (BlogPostModerator.email, run by
    confirmation_received) and the followers' emails are tasks that commit with the comment.
    """
    fields = ("user_name", "user_email", "followup", "submit_date")
    if XtdComment.objects.filter(**{field: comment[field] for field in fields}).exists():
        return  # the same form sent twice
    with transaction.atomic():
        stored = XtdComment(**comment)
        stored.save()
        comment.xtd_comment = stored
        confirmation_received.send(sender=TmpXtdComment, comment=comment, request=request)
        if stored.is_public:
            queue_follower_notifications(stored)


MUTE_SALT = "blog.comments.mute"


def mute_key(comment):
    """A signed key naming `comment`; its link stops the emails about that post to its author."""
    return signing.dumps({"comment": comment.pk}, salt=MUTE_SALT)


def read_mute_key(key):
    """The comment id a mute key names; raises signing.BadSignature (SignatureExpired when too old)."""
    data = signing.loads(key, salt=MUTE_SALT, max_age=settings.COMMENTS_MUTE_LINK_MAX_AGE)
    if not isinstance(data, dict) or not isinstance(data.get("comment"), int):
        raise signing.BadSignature("not a mute key")
    return data["comment"]


def followers(comment):
    """For each address that asked to hear about the post's comments, except the new comment's
    own author: that address's latest public comment asking so (it names them and their mute link)."""
    return (
        XtdComment.norel_objects.filter(
            content_type_id=comment.content_type_id,
            object_pk=comment.object_pk,
            is_public=True,
            is_removed=False,
            followup=True,
        )
        .exclude(user_email__iexact=comment.user_email)
        .exclude(user_email="")
        .order_by("user_email", "-submit_date", "-pk")
        .distinct("user_email")
    )


def queue_follower_notifications(comment):
    """The followers hear about a comment readers can now see; the worker sends the emails."""
    from .tasks import notify_followers

    # Queued in the caller's transaction: the task exists exactly when the change that caused it does.
    notify_followers.enqueue(comment.pk)


def send_follower_notifications(comment):
    """One email per follower of `comment`'s post, each with its own mute link; returns how many."""
    from .models import BlogPostPage

    post = BlogPostPage.objects.filter(pk=comment.object_pk).first()
    if post is None:
        return 0
    messages = []
    for follower in followers(comment):
        context = {
            "user_name": follower.user_name,
            "comment": comment,
            "content_object": post,
            "mute_url": reverse("comments-xtd-mute", args=[mute_key(follower)]),
        }
        message = EmailMultiAlternatives(
            one_line(f"[{settings.WAGTAIL_SITE_NAME}] New comment on “{post.title}”"),
            render_to_string("comments/follower_email.txt", context),
            settings.COMMENTS_XTD_FROM_EMAIL,
            [follower.user_email],
        )
        message.attach_alternative(render_to_string("comments/follower_email.html", context), "text/html")
        messages.append(message)
    return get_connection().send_messages(messages) if messages else 0
