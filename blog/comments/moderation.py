"""Moderation: the rules every new comment passes, where accepted comments are stored, and the
status changes moderators make (each reported to Akismet when it corrects or confirms a hold)."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_comments_xtd import views as xtd_views
from django_comments_xtd.models import TmpXtdComment
from django_comments_xtd.moderation import XtdCommentModerator
from django_comments_xtd.signals import confirmation_received

from ..models import CommentReview, CommentSettings
from ..tasks import notify_followers, report_to_akismet
from . import notifications
from .notifications import notify_moderators
from .spam import akismet_says_spam, count_links, kept_headers
from .status import CommentStatus, is_moderator, public_comments, status_of


class BlogPostModerator(XtdCommentModerator):
    """Applies the site's comment settings to every new comment on a post."""

    def allow(self, comment, content_object, request):
        return content_object.live and not content_object.comments_closed(request)

    def moderate(self, comment, content_object, request):
        if is_moderator(request.user):
            return False
        rules = CommentSettings.for_request(request)
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
        review = {"spam": bool(spam), "held_because": "; ".join(reasons)}
        if settings.AKISMET_API_KEY:
            # Kept only to tell Akismet about the comment again when a moderator decides on it.
            review.update(kept_headers(request))
        request.comment_review = review
        if spam:
            comment.update(CommentStatus.SPAM.flags)
        return bool(reasons)

    def email(self, comment, content_object, request):
        """Record why a comment was held (or what Akismet was told), then tell the moderators."""
        stored = comment.xtd_comment
        review = getattr(request, "comment_review", None)
        if stored is None or not review:
            return
        if status_of(stored) is CommentStatus.PUBLIC and "user_agent" not in review:
            return
        CommentReview.objects.update_or_create(comment=stored, defaults=review)
        if status_of(stored) is CommentStatus.HELD and CommentSettings.for_request(request).notify_moderators:
            notify_moderators(stored, content_object)


def akismet_verdict(before, after):
    """True (spam) or False (ham) when a change of status is news for Akismet, else None: a comment
    marked spam, or one held back (by a rule or as spam) that a moderator lets through."""
    if after is CommentStatus.SPAM and before is not CommentStatus.SPAM:
        return True
    if after is CommentStatus.PUBLIC and before in {CommentStatus.HELD, CommentStatus.SPAM}:
        return False
    return None


def set_status(comments, status, user):
    """Approve, remove or mark as spam; returns how many comments changed."""
    status = CommentStatus(status)
    changed = 0
    for comment in comments:
        before = status_of(comment)
        if before is status:
            continue
        for field, value in status.flags.items():
            setattr(comment, field, value)
        # save() (not update) so django-comments-xtd hides or shows the replies with their parent.
        comment.save()
        CommentReview.objects.update_or_create(
            comment=comment,
            defaults={"spam": status.is_spam, "reviewed_by": user, "reviewed_at": timezone.now()},
        )
        # Tasks are queued in the caller's transaction: each exists exactly when its change does.
        if status is CommentStatus.PUBLIC:  # notify_followers skips a post no longer readable
            notify_followers.enqueue(comment.pk)
        verdict = akismet_verdict(before, status)
        if verdict is not None and settings.AKISMET_API_KEY and comment.ip_address:
            report_to_akismet.enqueue(comment.pk, spam=verdict)
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
    if xtd_views._get_comment_if_exists(comment):
        return  # the same form sent twice
    with transaction.atomic():
        stored = xtd_views._create_comment(comment)
        comment.xtd_comment = stored
        confirmation_received.send(sender=TmpXtdComment, comment=comment, request=request)
        status = status_of(stored)
        if status is CommentStatus.PUBLIC:
            notify_followers.enqueue(stored.pk)
        if stored.followup and status is not CommentStatus.SPAM:
            notifications.address_book.follow_up_requested(stored)
