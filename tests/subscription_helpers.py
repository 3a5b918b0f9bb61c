"""Readers who confirmed their address, and the links in the emails subscriptions send."""

import re

from django.utils import timezone

from subscriptions.models import Subscriber, SubscriberStatus

CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/subscribe/confirm/[^/\s]+/)")


def confirmed_reader(email, whole_blog=True, labels=(), **fields):
    """An address its owner confirmed, following the whole blog (or only `labels`, Tag objects)."""
    subscriber = Subscriber.objects.create(
        email=email,
        status=SubscriberStatus.CONFIRMED,
        confirmed_at=timezone.now(),
        whole_blog=whole_blog and not labels,
        **fields,
    )
    subscriber.labels.set(labels)
    return subscriber


def confirm_link(text):
    """The path of the confirmation link in an email's text."""
    return CONFIRM_LINK.search(text).group(1)
