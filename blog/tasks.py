"""Work the worker does for the blog, away from the request that caused it."""

from django_comments_xtd.models import XtdComment
from django_tasks import task

from .comments import send_follower_notifications


@task()
def notify_followers(comment_id):
    """Queue one email per follower of the comment's post (each delivered, and retried, on its own)."""
    comment = XtdComment.norel_objects.filter(pk=comment_id, is_public=True, is_removed=False).first()
    if comment is None:
        return 0  # removed or held again before the worker got to it
    return send_follower_notifications(comment)
