"""Readers who confirmed their address, and the links in the emails subscriptions send."""

import re

from django.utils import timezone

from subscriptions.models import Subscriber, SubscriberStatus

CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/subscribe/confirm/[^/\s]+/)")


def confirmed_reader(email, whole_blog=True, labels=(), status=SubscriberStatus.CONFIRMED, **fields):
    """An address its owner confirmed (now `status`), following the whole blog (or only `labels`,
    Tag objects)."""
    subscriber = Subscriber.objects.create(
        email=email,
        status=status,
        confirmed_at=timezone.now(),
        whole_blog=whole_blog and not labels,
        **fields,
    )
    subscriber.labels.set(labels)
    return subscriber


def confirm_link(text):
    """The path of the confirmation link in an email's text."""
    return CONFIRM_LINK.search(text).group(1)


def subscribe_form(html, place):
    """The action and fields of the subscribe form at `place` ("home", "post", "footer", "page")
    as a browser would send them untouched: hidden fields, the empty honeypot, the labels offered."""
    from bs4 import BeautifulSoup

    form = BeautifulSoup(html, "html.parser").find("form", class_=f"subscribe-form--{place}")
    assert form is not None, f"no subscribe form at {place}"
    fields = {field["name"]: field.get("value", "") for field in form.find_all("input", type="hidden")}
    fields["website"] = ""
    labels = [box["value"] for box in form.find_all("input", type="checkbox")]
    return form["action"], fields, labels
