"""Work the worker does for the blog, away from the request that caused it."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_comments_xtd.models import XtdComment
from django_tasks import task

from broadsheet import schedule

from .blogger import jobs
from .comments.notifications import send_follower_notifications
from .comments.spam import report
from .comments.status import CommentStatus, status_of, with_status
from .export import jobs as export_jobs
from .models import BlogPostPage, CommentReview, ImportStatus


@task()
def notify_followers(comment_id):
    """Queue one email per follower of the comment's post (each delivered, and retried, on its own)."""
    comment = with_status(XtdComment.norel_objects.filter(pk=comment_id), CommentStatus.PUBLIC).first()
    if comment is None:
        return 0  # removed or held again before the worker got to it
    return send_follower_notifications(comment)


@task()
def report_to_akismet(comment_id, spam):
    """Tell Akismet a moderator found the comment spam (`spam`) or not; True when it was told.

    Nothing is sent when a moderator changed their mind before the worker got to it. A call
    Akismet refuses, or that cannot reach it, fails the task (kept, like every result, as a row).
    """
    comment = XtdComment.norel_objects.select_related("review").filter(pk=comment_id).first()
    wanted = CommentStatus.SPAM if spam else CommentStatus.PUBLIC
    if comment is None or status_of(comment) is not wanted:
        return False
    post = BlogPostPage.objects.filter(pk=comment.object_pk).first()
    if post is None:
        return False
    return report(comment, post, getattr(comment, "review", None), spam)


@task()
@schedule.repeat(timedelta(days=1))
def clear_old_comment_ips():
    """Forget the IP address (and the browser headers kept for Akismet) of every comment older
    than COMMENT_IP_RETENTION_DAYS; returns how many comments had one."""
    before = timezone.now() - timedelta(days=settings.COMMENT_IP_RETENTION_DAYS)
    old = XtdComment.norel_objects.filter(submit_date__lt=before)
    CommentReview.objects.filter(comment__in=old.values("pk")).exclude(user_agent="", referrer="").update(
        user_agent="", referrer=""
    )
    return old.filter(ip_address__isnull=False).update(ip_address=None)


@task()
def check_blogger_import(job_id):
    """The dry run of an uploaded export (Blogger's or WordPress's): its summary, with nothing written."""
    return jobs.run_job(job_id, ImportStatus.CHECKING, dry_run=True)


@task()
def run_blogger_import(job_id):
    """The import of a checked export, all or nothing, reporting its progress as it goes."""
    return jobs.run_job(job_id, ImportStatus.IMPORTING, dry_run=False)


@task()
def export_whole_site(export_id):
    """Write a site's WordPress export file, for its download in the admin."""
    return export_jobs.run(export_id)
