"""Email leaves the request: the site's email backend queues each message as a task.

``EMAIL_BACKEND`` is ``TaskEmailBackend``: ``send_mail`` anywhere (comments, Wagtail's own
notifications, password resets) stores the message as a ``send_email`` task in the same
database transaction and returns at once. The worker (``manage.py db_worker``) delivers it
through ``EMAIL_DELIVERY_BACKEND`` (SMTP, or files in development). A delivery that fails is
tried again later, ``EMAIL_RETRY_SECONDS`` × 2^attempt after, up to ``EMAIL_MAX_ATTEMPTS``
times in all; every attempt is a task result row, so failures stay visible (``tasks_status``).
"""

import base64
import logging
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


def one_line(text):
    """`text` on one line: every run of whitespace (newlines too) becomes one space, control
    characters go. Header injection and BadHeaderError are impossible for what this returns."""
    visible = "".join(" " if unicodedata.category(ch) in {"Cc", "Zl", "Zp"} else ch for ch in str(text))
    return " ".join(visible.split())


def message_to_json(message):
    """An EmailMessage as plain JSON (a task's arguments are stored as JSON, never pickled)."""
    return {
        "subject": one_line(message.subject),
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
        "attachments": [attachment_to_json(attachment) for attachment in message.attachments],
    }


def attachment_to_json(attachment):
    if not isinstance(attachment, tuple):
        raise TypeError("A queued email's attachments must be (name, content, mimetype), not MIME parts.")
    name, content, mimetype = attachment
    data = content if isinstance(content, bytes) else content.encode()
    return [name, base64.b64encode(data).decode(), mimetype]


def message_from_json(data):
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
        alternatives=[tuple(pair) for pair in data["alternatives"]],
    )
    for name, content, mimetype in data["attachments"]:
        message.attach(name, base64.b64decode(content), mimetype)
    return message


def retry_delay(attempt):
    """How long to wait before attempt number `attempt + 1` (the first attempt is 0)."""
    return timedelta(seconds=settings.EMAIL_RETRY_SECONDS * 2**attempt)


@task()
def send_email(message, attempt=0):
    """Deliver one message; when that fails, queue the next attempt and fail this one (so the
    error is recorded on this attempt's row). The last attempt's failure is final."""
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
    try:
        connection.send_messages([message_from_json(message)])
    except Exception:
        backend = send_email.get_backend()
        if attempt + 1 < settings.EMAIL_MAX_ATTEMPTS and backend.supports_defer:
            send_email.using(run_after=timezone.now() + retry_delay(attempt)).enqueue(message, attempt + 1)
        else:
            logger.error("Gave up sending %r to %s", message["subject"], ", ".join(message["to"]))
        raise
    return {"to": message["to"], "attempt": attempt}


class TaskEmailBackend(BaseEmailBackend):
    """Queues each message for the worker instead of sending it; nothing here opens a connection."""

    def send_messages(self, email_messages):
        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            send_email.enqueue(message_to_json(message))
            count += 1
        return count
