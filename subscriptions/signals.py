"""When a post is first published, its followers are sent it.

"First" is Wagtail's own record: publishing sets `first_published_at` only when it was empty,
and `last_published_at` every time, so the two are equal exactly once, at the first
publication; later edits, and publishing again after unpublishing, send nothing. A post is
back-dated, and not sent, when its date is more than SUBSCRIPTIONS_BACKDATED_HOURS before it
was first saved (its first revision): an editor placing an old piece in the archive, not news.
Imported posts never reach here: blog/bulk.py writes them without signals, and a later import
that publishes one finds `first_published_at` already set from the export.
"""

from datetime import timedelta

from django.conf import settings
from django.dispatch import receiver
from wagtail.signals import page_published

from blog.models import BlogPostPage

from .models import Mailing
from .tasks import send_mailing


def is_first_publication(post):
    return (
        post.live
        and post.first_published_at is not None
        and post.first_published_at == post.last_published_at
    )


def is_backdated(post):
    first_saved = post.revisions.order_by("created_at", "pk").values_list("created_at", flat=True).first()
    if first_saved is None:
        return False
    return post.date < first_saved - timedelta(hours=settings.SUBSCRIPTIONS_BACKDATED_HOURS)


@receiver(page_published, sender=BlogPostPage)
def send_new_post(sender, instance, **kwargs):
    """Queue the email of a post published for the first time (the task commits with the publish)."""
    if not is_first_publication(instance) or is_backdated(instance):
        return
    mailing, created = Mailing.objects.get_or_create(post_id=instance.pk)
    if created:
        send_mailing.enqueue(mailing.pk)
