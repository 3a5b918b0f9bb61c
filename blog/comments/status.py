"""The status of a comment, and the one place that knows how each status is stored.

django-comments-xtd keeps two flags on a comment; CommentReview (``review``) adds ``spam``:

    held     is_public=False, is_removed=False
    public   is_public=True,  is_removed=False
    removed  is_removed=True, not review.spam
    spam     is_removed=True, review.spam

Moderators are the users with MODERATE_PERMISSION. This module imports no other part of the
app, so models and views alike can use it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django_comments_xtd.models import XtdComment

MODERATE_PERMISSION = "django_comments_xtd.change_xtdcomment"


def is_moderator(user):
    """True for a user who may see every comment and set its status."""
    return user.is_authenticated and user.has_perm(MODERATE_PERMISSION)


class CommentStatus(models.TextChoices):
    """What a moderator sees a comment as, and may set it to."""

    HELD = "held", "Awaiting moderation"
    PUBLIC = "public", "Public"
    REMOVED = "removed", "Removed"
    SPAM = "spam", "Spam"

    @property
    def flags(self):
        """The XtdComment fields a comment in this status has."""
        return {
            "held": {"is_public": False, "is_removed": False},
            "public": {"is_public": True, "is_removed": False},
            "removed": {"is_public": False, "is_removed": True},
            "spam": {"is_public": False, "is_removed": True},
        }[self.value]

    @property
    def is_spam(self):
        """What CommentReview.spam says for a comment in this status."""
        return self is CommentStatus.SPAM


def with_status(queryset, status):
    """The comments of `queryset` in `status` (a CommentStatus or its value); all of them for none."""
    if not status:
        return queryset
    status = CommentStatus(status)
    if status in (CommentStatus.REMOVED, CommentStatus.SPAM):
        # As a semi-join: PostgreSQL estimates it well, where the LEFT JOIN that
        # `exclude(review__spam=True)` writes made it walk every comment.
        # XtdComment's reviews: `queryset` may also be of django_comments' Comment, its parent.
        reviews = XtdComment._meta.get_field("review").related_model.objects
        spam = Exists(reviews.filter(comment_id=OuterRef("pk"), spam=True))
        return queryset.filter(spam if status is CommentStatus.SPAM else ~spam, is_removed=True)
    return queryset.filter(**status.flags)


def status_of(comment):
    """The CommentStatus of one comment; only a removed one's `review` is read (spam or not)."""
    if comment.is_removed:
        review = getattr(comment, "review", None)  # None when it has no review
        return CommentStatus.SPAM if review is not None and review.spam else CommentStatus.REMOVED
    return CommentStatus.PUBLIC if comment.is_public else CommentStatus.HELD


def public_comments():
    """Comments a reader may see, on any post of this site."""
    site_comments = XtdComment.norel_objects.filter(site_id=settings.SITE_ID)
    return with_status(site_comments, CommentStatus.PUBLIC).order_by()
