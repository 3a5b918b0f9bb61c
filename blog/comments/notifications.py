"""The emails comments cause: moderators hear of held comments, followers of new public ones.

A follower's email carries a mute link: a signed key naming their comment, which the mute view
reads back; it is also the message's one-click unsubscribe address (RFC 8058). Sending is queued
(see blog.tasks and broadsheet.mail), never done in a request.

Ticking "email me" is not consent from an address's owner: followers are written to only once
their address is confirmed. Which addresses are confirmed is the address book's answer; the
blog's own knows of none, and the app that confirms readers' addresses (subscriptions) puts its
own in place with `use_address_book`.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection, send_mail
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django_comments_xtd.models import XtdComment

from ..models import BlogPostPage
from .status import MODERATE_PERMISSION, CommentStatus, with_status

MUTE_SALT = "blog.comments.mute"


class AddressBook:
    """Which readers' addresses their owners confirmed. This one knows of none."""

    def confirmed(self):
        """The confirmed addresses, lower-cased (a queryset of strings, or a list)."""
        return []

    def follow_up_requested(self, comment):
        """A stored `comment` asks for follow-up emails; its address may need confirming."""


address_book = AddressBook()


def use_address_book(book):
    """Let `book` answer which addresses are confirmed, from now on."""
    global address_book
    address_book = book


def moderator_emails():
    users = get_user_model().objects.with_perm(MODERATE_PERMISSION, include_superusers=True)
    return sorted({u.email for u in users.filter(is_active=True).exclude(email="")})


def notify_moderators(comment, post):
    recipients = moderator_emails()
    if not recipients:
        return
    admin_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    context = {
        "comment": comment,
        "post": post,
        "queue_url": f"{admin_url}{reverse('comments:list')}?status={CommentStatus.HELD}",
        "edit_url": admin_url + reverse("comments:edit", args=[comment.pk]),
    }
    send_mail(
        f"[{settings.WAGTAIL_SITE_NAME}] A comment on “{post.title}” awaits moderation",
        render_to_string("comments/moderation_email.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )


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
    """For each confirmed address (however it was capitalised) that asked to hear about the post's
    comments, except the new comment's own author: that address's latest public comment asking
    so (it names them and their mute link)."""
    post_comments = XtdComment.norel_objects.filter(
        content_type_id=comment.content_type_id, object_pk=comment.object_pk, followup=True
    )
    return (
        with_status(post_comments, CommentStatus.PUBLIC)
        .exclude(user_email__iexact=comment.user_email)
        .exclude(user_email="")
        .annotate(address=Lower("user_email"))
        .filter(address__in=address_book.confirmed())
        .order_by("address", "-submit_date", "-pk")
        .distinct("address")
    )


def send_follower_notifications(comment):
    """One email per follower of `comment`'s post, each with its own mute link (also its one-click
    unsubscribe address); returns how many."""
    post = BlogPostPage.objects.filter(pk=comment.object_pk).first()
    if post is None:
        return 0
    root_url = post.get_site().root_url.rstrip("/")
    messages = []
    for follower in followers(comment):
        mute_url = reverse("comments-xtd-mute", args=[mute_key(follower)])
        context = {
            "user_name": follower.user_name,
            "comment": comment,
            "content_object": post,
            "mute_url": mute_url,
        }
        message = EmailMultiAlternatives(
            f"[{settings.WAGTAIL_SITE_NAME}] New comment on “{post.title}”",
            render_to_string("comments/follower_email.txt", context),
            settings.COMMENTS_XTD_FROM_EMAIL,
            [follower.user_email],
            headers={
                "List-Unsubscribe": f"<{root_url}{mute_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(render_to_string("comments/follower_email.html", context), "text/html")
        messages.append(message)
    return get_connection().send_messages(messages) if messages else 0
