"""Double opt-in: an address gets posts, or reply notifications, only once its owner confirmed it.

Asking to subscribe stores the address as pending (or leaves a known one as it is) and emails
a confirmation link, at most once every SUBSCRIPTIONS_RESEND_MINUTES per address; an address
that is confirmed and already follows posts is sent nothing. The link opens a page with a
button, so mail scanners that open links confirm nothing.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag
from wagtail.models import Site

from blog.models import BlogPostPage

from .models import Subscriber, SubscriberStatus, normalise_email
from .tokens import confirm_key


def site_root(site=None):
    """The address of `site` (or the default site) without a trailing slash, for links in emails."""
    site = site or Site.objects.filter(is_default_site=True).first()
    root = site.root_url if site is not None else settings.WAGTAILADMIN_BASE_URL
    return root.rstrip("/")


def ask_to_subscribe(email, labels=(), site=None, source="form"):
    """A reader asks for posts (all of them, or only those with `labels`, Tag objects) at `email`.

    Returns nothing on purpose: whoever asks is told the same whether the address was known.
    """
    email = normalise_email(email)
    label_ids = sorted(tag.pk for tag in labels)
    with transaction.atomic():
        subscriber, _created = Subscriber.objects.get_or_create(
            email=email, defaults={"whole_blog": not label_ids, "source": source}
        )
        if subscriber.status == SubscriberStatus.PENDING:
            # Not confirmed yet: what it follows is whatever was last asked for.
            subscriber.whole_blog = not label_ids
            subscriber.save(update_fields=["whole_blog"])
            subscriber.labels.set(label_ids)
        if subscriber.status == SubscriberStatus.CONFIRMED and subscriber.follows_posts:
            return
        send_confirmation(subscriber, not label_ids, label_ids, site=site)


def ask_to_confirm_for_replies(email, site=None):
    """An address asked for reply notifications: unless it is confirmed already, ask its owner."""
    email = normalise_email(email)
    if not email:
        return
    subscriber, _created = Subscriber.objects.get_or_create(
        email=email, defaults={"whole_blog": False, "source": "comment"}
    )
    if subscriber.confirmed_at is None or subscriber.status == SubscriberStatus.SUSPENDED:
        send_confirmation(subscriber, False, [], site=site, replies=True)


def send_confirmation(subscriber, whole_blog, label_ids, site=None, replies=False):
    """Email `subscriber` a link confirming these choices, unless one went out lately; True if sent.

    The email is queued (broadsheet.mail) in the caller's transaction.
    """
    now = timezone.now()
    recent = now - timezone.timedelta(minutes=settings.SUBSCRIPTIONS_RESEND_MINUTES)
    claimed = (
        Subscriber.objects.filter(pk=subscriber.pk)
        .filter(Q(confirmation_sent_at__isnull=True) | Q(confirmation_sent_at__lt=recent))
        .update(confirmation_sent_at=now)
    )
    if not claimed:
        return False
    root = site_root(site)
    key = confirm_key(subscriber, whole_blog, label_ids, replies=replies)
    context = {
        "site_name": settings.WAGTAIL_SITE_NAME,
        "confirm_url": root + reverse("subscriptions:confirm", args=[key]),
        "home_url": root + "/",
        "replies": replies,
        "days": settings.SUBSCRIPTIONS_CONFIRM_DAYS,
    }
    subject = (
        f"[{settings.WAGTAIL_SITE_NAME}] Confirm your address for reply notifications"
        if replies
        else f"[{settings.WAGTAIL_SITE_NAME}] Confirm your subscription"
    )
    message = EmailMultiAlternatives(
        subject,
        render_to_string("subscriptions/email/confirm.txt", context),
        settings.SUBSCRIPTIONS_FROM_EMAIL,
        [subscriber.email],
    )
    message.attach_alternative(render_to_string("subscriptions/email/confirm.html", context), "text/html")
    message.send()
    return True


def confirm(subscriber, choice):
    """Apply a confirmation key's `choice` (tokens.read_confirm_key) to `subscriber`."""
    now = timezone.now()
    subscriber.confirmed_at = now
    subscriber.confirmation_sent_at = None  # the owner answered: a new request may be sent at once
    subscriber.bounces = 0
    if choice["replies"]:
        if subscriber.status == SubscriberStatus.PENDING:
            # Confirmed for replies only: posts wait for a confirmation of their own.
            subscriber.whole_blog = False
            subscriber.labels.clear()
            subscriber.status = SubscriberStatus.CONFIRMED
        elif subscriber.status == SubscriberStatus.SUSPENDED:
            subscriber.status = SubscriberStatus.CONFIRMED
    else:
        subscriber.status = SubscriberStatus.CONFIRMED
        subscriber.whole_blog = choice["all"]
        subscriber.unsubscribed_at = None
        # A label deleted since the link was sent is left out.
        subscriber.labels.set(Tag.objects.filter(pk__in=choice["labels"]))
    subscriber.save()


def unsubscribe(subscriber):
    """Send `subscriber` no more posts (reply notifications are muted from their own emails)."""
    if subscriber.status != SubscriberStatus.UNSUBSCRIBED:
        subscriber.status = SubscriberStatus.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["status", "unsubscribed_at"])


class ConfirmedAddresses:
    """The address book the blog's reply notifications ask (blog.comments.notifications)."""

    def confirmed(self):
        return (
            Subscriber.objects.filter(confirmed_at__isnull=False)
            .exclude(status=SubscriberStatus.SUSPENDED)
            .values("email")
        )

    def follow_up_requested(self, comment):
        pk = str(comment.object_pk)
        post = BlogPostPage.objects.filter(pk=pk).first() if pk.isdigit() else None
        ask_to_confirm_for_replies(comment.user_email, site=post.get_site() if post else None)
