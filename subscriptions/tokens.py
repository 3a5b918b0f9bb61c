"""The signed keys in subscription links: signed JSON (django.core.signing), never pickled.

A confirmation key names the subscriber and what confirming gives them, and expires after
SUBSCRIPTIONS_CONFIRM_DAYS. An unsubscribe key names the subscriber and does not expire: the
link in an old email keeps working.
"""

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "subscriptions.confirm"
UNSUBSCRIBE_SALT = "subscriptions.unsubscribe"


def is_id(value):
    return isinstance(value, int) and not isinstance(value, bool)


def confirm_key(subscriber, whole_blog, label_ids, replies=False):
    """The key of a confirmation link: confirming follows the whole blog or the labels
    `label_ids`, or (`replies`) only confirms the address for reply notifications."""
    data = {"s": subscriber.pk, "all": bool(whole_blog), "labels": sorted(label_ids)}
    if replies:
        data = {"s": subscriber.pk, "replies": True}
    return signing.dumps(data, salt=CONFIRM_SALT)


def read_confirm_key(key):
    """What a confirmation key says: {"s", "all", "labels"} or {"s", "replies"}; raises
    signing.BadSignature (SignatureExpired when too old) for anything else."""
    data = signing.loads(key, salt=CONFIRM_SALT, max_age=settings.SUBSCRIPTIONS_CONFIRM_DAYS * 86400)
    if not isinstance(data, dict) or not is_id(data.get("s")):
        raise signing.BadSignature("not a confirmation key")
    if data.get("replies") is True:
        return {"s": data["s"], "replies": True}
    labels = data.get("labels")
    if not isinstance(data.get("all"), bool) or not isinstance(labels, list):
        raise signing.BadSignature("not a confirmation key")
    if not all(is_id(label) for label in labels):
        raise signing.BadSignature("not a confirmation key")
    return {"s": data["s"], "all": data["all"], "labels": labels, "replies": False}


def unsubscribe_key(subscriber_id):
    return signing.dumps({"u": subscriber_id}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_key(key):
    """The subscriber id an unsubscribe key names; raises signing.BadSignature."""
    data = signing.loads(key, salt=UNSUBSCRIBE_SALT)
    if not isinstance(data, dict) or not is_id(data.get("u")):
        raise signing.BadSignature("not an unsubscribe key")
    return data["u"]
