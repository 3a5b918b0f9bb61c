"""Readers who follow the blog by email, and each post's sends to them."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from taggit.models import Tag


def normalise_email(address):
    """One spelling per address: the same reader types Ada@Example.org and ada@example.org."""
    return (address or "").strip().lower()


class SubscriberStatus(models.TextChoices):
    """Where an address stands: only confirmed ones are sent posts."""

    PENDING = "pending", "Awaiting confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    SUSPENDED = "suspended", "Suspended (bouncing)"


class SubscriberQuerySet(models.QuerySet):
    """Subscribers, with the questions sending and the admin ask of them."""

    def following(self, post):
        """Confirmed subscribers who follow the whole blog or one of `post`'s labels."""
        labels = SubscriberLabel.objects.filter(tag__in=post.tags.all().values("pk"))
        return self.filter(status=SubscriberStatus.CONFIRMED).filter(
            Q(whole_blog=True) | Q(pk__in=labels.values("subscriber_id"))
        )


class Subscriber(models.Model):
    """One email address, what it follows, and whether its owner confirmed it."""

    email = models.EmailField(max_length=254, unique=True)
    status = models.CharField(
        max_length=16, choices=SubscriberStatus.choices, default=SubscriberStatus.PENDING, db_index=True
    )
    whole_blog = models.BooleanField(
        "every post", default=True, help_text="Sent every post; otherwise only posts with its labels."
    )
    labels = models.ManyToManyField(Tag, through="SubscriberLabel", blank=True, related_name="+")
    source = models.CharField(max_length=32, blank=True, help_text="Where the address came from.")
    subscribed_at = models.DateTimeField(default=timezone.now)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # Posts in a row the address's mail server refused for good; reset by a delivered one.
    bounces = models.PositiveIntegerField(default=0)
    last_bounce = models.CharField(max_length=255, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["email"]
        permissions = [("manage_reader_data", "Can export and erase everything stored about an address")]
        # The Readers admin's deep pages read their keys in address order from this index alone
        # (subscriptions/migrations/0002_subscriber_email_keys).
        indexes = [models.Index(fields=["email"], include=["id"], name="subscriber_email_keys")]

    def __str__(self):
        return self.email

    def clean(self):
        self.email = normalise_email(self.email)

    @property
    def follows_posts(self):
        """Whether the address asked for posts at all (an address confirmed for reply
        notifications alone follows none)."""
        return self.whole_blog or self.labels.exists()


class SubscriberLabel(models.Model):
    """A label a subscriber follows."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="followed_labels")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscriber", "tag"], name="one_follow_per_label")]


class Mailing(models.Model):
    """One post's send to its followers: the message as it went out, and when."""

    post = models.OneToOneField("blog.BlogPostPage", on_delete=models.CASCADE, related_name="mailing")
    created_at = models.DateTimeField(auto_now_add=True)
    # Filled once, by the first task: the message every subscriber gets, with UNSUBSCRIBE_MARK
    # where each one's own unsubscribe address goes.
    prepared_at = models.DateTimeField(null=True, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    html = models.TextField(blank=True)
    text = models.TextField(blank=True)
    list_id = models.CharField(max_length=255, blank=True)
    site_url = models.CharField(max_length=255, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The mail server could not be reached: nothing is tried before `paused_until`.
    paused_until = models.DateTimeField(null=True, blank=True)
    connection_failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Last time a task worked on it; a send with no work for a while is taken up again.
    touched_at = models.DateTimeField(null=True, blank=True)

    UNSUBSCRIBE_MARK = "https://unsubscribe.invalid/MARK/"

    def __str__(self):
        return f"Email of “{self.post.title}”"


class DeliveryStatus(models.TextChoices):
    """One message to one subscriber, from queued to sent (or not)."""

    QUEUED = "queued", "Queued"
    CLAIMED = "claimed", "In a batch"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Not sent (no longer subscribed)"
    FAILED = "failed", "Failed"
    # The worker stopped while this message was with the mail server: it may have arrived, so it
    # is not sent again.
    INTERRUPTED = "interrupted", "Interrupted"


class Delivery(models.Model):
    """One post to one subscriber: exactly one row each, whatever the number of workers."""

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    # The batch that has it in hand (its first row's id; that batch's worker holds an advisory
    # lock of this number while it lives).
    claim = models.BigIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["mailing", "subscriber"], name="one_delivery_per_subscriber")
        ]
        indexes = [models.Index(fields=["mailing", "status", "id"], name="delivery_by_status")]

    def __str__(self):
        return f"{self.mailing_id} → {self.subscriber_id}: {self.status}"
