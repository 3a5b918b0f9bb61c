"""Everything stored about one email address: handed back as JSON, or erased.

The address is in comments (with their IP address and the browser details kept for Akismet),
in a subscription (its labels and a record of each post sent) and in the email tasks queued or
kept for it. Erasing deletes the subscription and those tasks, and takes the comments down or
keeps their text without anything that names the reader, as the editor chooses. Comments are
saved or deleted one by one, so the pages that show them are forgotten (blog/signals.py).
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast, Lower
from django.utils import timezone
from django_comments_xtd.models import XtdComment
from django_tasks_db.models import DBTaskResult

from blog.comments.status import status_of
from blog.models import BlogPostPage, CommentReview

from .models import Subscriber, normalise_email

ANONYMOUS = "Anonymous"


def comments_of(email):
    return (
        XtdComment.norel_objects.annotate(address=Lower("user_email"))
        .filter(address=normalise_email(email))
        .select_related("review")
        .order_by("submit_date", "pk")
    )


def tasks_of(email):
    """Email tasks (queued, kept as results) whose message or result names the address; not
    ones running now."""
    quoted = f'"{normalise_email(email)}"'
    return (
        DBTaskResult.objects.annotate(text=Cast("args_kwargs", TextField()))
        .filter(text__icontains=quoted)
        .exclude(status="RUNNING")
    )


def posts_by_id(comments):
    ids = {comment.object_pk for comment in comments if str(comment.object_pk).isdigit()}
    return {str(post.pk): post for post in BlogPostPage.objects.filter(pk__in=ids).defer_streamfields()}


def summary(email):
    """How much is stored about the address, by kind."""
    email = normalise_email(email)
    subscriber = Subscriber.objects.filter(email=email).first()
    comments = list(comments_of(email))
    own = {comment.pk for comment in comments}
    return {
        "email": email,
        "subscriber": subscriber,
        "deliveries": subscriber.deliveries.count() if subscriber else 0,
        "comments": len(comments),
        "replies_by_others": XtdComment.norel_objects.filter(parent_id__in=own).exclude(pk__in=own).count(),
        "tasks": tasks_of(email).count(),
    }


def subject_of(task):
    """The subject of a queued email task (broadsheet.mail.send_email), or None."""
    args = task.args_kwargs.get("args") or []
    return args[0].get("subject") if args and isinstance(args[0], dict) else None


def when(value):
    return value.isoformat() if value else None


def export(email):
    """Everything stored about the address, as JSON-ready data."""
    email = normalise_email(email)
    comments = list(comments_of(email))
    posts = posts_by_id(comments)
    post_type = ContentType.objects.get_for_model(BlogPostPage).pk
    subscriber = Subscriber.objects.filter(email=email).prefetch_related("labels").first()
    data = {"email": email, "exported_at": timezone.now().isoformat(), "subscription": None, "comments": []}
    if subscriber:
        data["subscription"] = {
            "status": subscriber.status,
            "every_post": subscriber.whole_blog,
            "labels": sorted(tag.name for tag in subscriber.labels.all()),
            "source": subscriber.source,
            "subscribed_at": when(subscriber.subscribed_at),
            "confirmation_sent_at": when(subscriber.confirmation_sent_at),
            "confirmed_at": when(subscriber.confirmed_at),
            "unsubscribed_at": when(subscriber.unsubscribed_at),
            "refused_by_mail_server": subscriber.bounces,
            "last_refusal": subscriber.last_bounce,
            "posts_sent": [
                {
                    "post": delivery.mailing.post.title,
                    "status": delivery.status,
                    "sent_at": when(delivery.sent_at),
                    "error": delivery.error,
                }
                for delivery in subscriber.deliveries.select_related("mailing__post").order_by("pk")
            ],
        }
    for comment in comments:
        post = posts.get(str(comment.object_pk)) if comment.content_type_id == post_type else None
        review = getattr(comment, "review", None)
        data["comments"].append(
            {
                "post": post.title if post else None,
                "post_url": post.full_url if post else None,
                "name": comment.user_name,
                "email": comment.user_email,
                "website": comment.user_url,
                "comment": comment.comment,
                "submitted_at": when(comment.submit_date),
                "ip_address": comment.ip_address,
                "status": status_of(comment).value,
                "email_me_replies": comment.followup,
                "browser": review.user_agent if review else "",
                "referrer": review.referrer if review else "",
            }
        )
    data["emails_queued_or_kept"] = [
        {
            "subject": subject_of(task),
            "status": task.status,
            "enqueued_at": when(task.enqueued_at),
        }
        for task in tasks_of(email).order_by("enqueued_at")
    ]
    return data


def erase(email, delete_comments):
    """Erase the address: its subscription and email tasks go; its comments are deleted
    (`delete_comments`) or kept as "Anonymous" without email, website, IP address or browser
    details. Returns how many rows of each kind changed."""
    email = normalise_email(email)
    done = {"subscriptions": 0, "comments": 0, "tasks": 0}
    with transaction.atomic():
        done["subscriptions"] = (
            Subscriber.objects.filter(email=email).delete()[1].get(Subscriber._meta.label, 0)
        )
        for comment in comments_of(email):
            if delete_comments:
                comment.delete()
            else:
                comment.user_name = ANONYMOUS
                comment.user_email = ""
                comment.user_url = ""
                comment.ip_address = None
                comment.followup = False
                comment.save()
                CommentReview.objects.filter(comment=comment).update(user_agent="", referrer="")
            done["comments"] += 1
        done["tasks"] = tasks_of(email).delete()[0]
    return done
