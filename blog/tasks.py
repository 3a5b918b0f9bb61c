"""Work the worker does for the blog, away from the request that caused it."""

from django_comments_xtd.models import XtdComment
from django_tasks import task

from .comments.notifications import send_follower_notifications
from .comments.status import CommentStatus, with_status


@task()
def notify_followers(comment_id):
    """Queue one email per follower of the comment's post (each delivered, and retried, on its own)."""
    comment = with_status(XtdComment.norel_objects.filter(pk=comment_id), CommentStatus.PUBLIC).first()
    if comment is None:
        return 0  # removed or held again before the worker got to it
    return send_follower_notifications(comment)
