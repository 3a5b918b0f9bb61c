"""A post's send to its followers: every delivery a row, claimed before it is sent, recorded after.

When a post is first published its Mailing is made; the first task renders the email once and
writes one Delivery row per confirmed follower (a unique (mailing, subscriber) pair, in one
INSERT ... SELECT). Then each task takes a batch:

- it claims up to SUBSCRIPTIONS_BATCH_SIZE queued rows (SELECT ... FOR UPDATE SKIP LOCKED, so
  workers never take the same row) and, in the same transaction, queues the task for the next
  batch: a worker that dies mid-batch leaves the send going on without it;
- its worker holds a PostgreSQL advisory lock named by the claim while it sends; the lock goes
  when the worker's connection does, which is how others tell a dead claim from a slow one;
- a row is marked `sending` (committed) before it goes to the mail server and `sent` after.
  When a dead worker's claim is found, its rows that never reached the mail server are queued
  again; the one that was with the mail server may have arrived and is marked `interrupted`,
  never sent twice.

A message the mail server refuses for good (5xx) counts against the address (suspended after
SUBSCRIPTIONS_SUSPEND_AFTER in a row); one refused for now (4xx) is tried again later; a mail
server that cannot be reached pauses the whole send, with back-off, as broadsheet.mail does.
"""

import logging
import smtplib
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends import filebased
from django.db import connection, transaction
from django.db.models import F, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from blog.models import BlogPostPage

from .confirmation import site_root
from .models import Delivery, DeliveryStatus, Mailing, Subscriber, SubscriberStatus
from .rendering import render_post
from .tokens import unsubscribe_key

logger = logging.getLogger(__name__)

IN_HAND = (DeliveryStatus.CLAIMED, DeliveryStatus.SENDING)
UNFINISHED = (DeliveryStatus.QUEUED, *IN_HAND)


def table(model):
    return connection.ops.quote_name(model._meta.db_table)


def prepare(mailing_id):
    """The mailing, rendered and with its deliveries written (once; later calls only read it);
    None when it is gone. A post no longer live and public by then is not sent."""
    with transaction.atomic():
        mailing = Mailing.objects.select_for_update().filter(pk=mailing_id).first()
        if mailing is None or mailing.prepared_at or mailing.finished_at:
            return mailing
        post = BlogPostPage.objects.readable().filter(pk=mailing.post_id).first()
        now = timezone.now()
        if post is None:
            mailing.finished_at = now
            mailing.last_error = "The post was no longer published and public when sending began."
            mailing.save(update_fields=["finished_at", "last_error"])
            return mailing
        site = post.get_site()
        content = render_post(post, site)
        mailing.subject, mailing.html, mailing.text = content["subject"], content["html"], content["text"]
        mailing.list_id = content["list_id"]
        mailing.site_url = site_root(site)
        mailing.prepared_at = mailing.touched_at = now
        mailing.save()
        followers = Subscriber.objects.following(post).order_by().values_list("pk")
        sql, params = followers.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table(Delivery)} (mailing_id, subscriber_id, status, attempts, error) "
                f"SELECT %s, followers.id, %s, 0, '' FROM ({sql}) AS followers(id) "
                "ON CONFLICT DO NOTHING",
                [mailing.pk, DeliveryStatus.QUEUED, *params],
            )
        return mailing


def lock(claim):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [claim])
        return cursor.fetchone()[0]


def unlock(claim):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [claim])


def recover(mailing_id):
    """Take back the rows of claims whose worker is gone (its advisory lock is free); how many."""
    deliveries = Delivery.objects.filter(mailing_id=mailing_id)
    claims = deliveries.filter(status__in=IN_HAND).values_list("claim", flat=True).distinct()
    recovered = 0
    for claim in list(claims):
        if claim is None or not lock(claim):
            continue  # its worker still has it in hand
        try:
            mine = deliveries.filter(claim=claim)
            recovered += mine.filter(status=DeliveryStatus.CLAIMED).update(
                status=DeliveryStatus.QUEUED, claim=None
            )
            recovered += mine.filter(status=DeliveryStatus.SENDING).update(
                status=DeliveryStatus.INTERRUPTED,
                claim=None,
                error="The worker stopped while this message was with the mail server; "
                "it may have arrived, so it was not sent again.",
            )
        finally:
            unlock(claim)
    return recovered


def claim(mailing_id, size):
    """Claim up to `size` due, queued rows of the mailing for this worker, in the caller's
    transaction: (claim, [(delivery id, subscriber id, email, bounces), ...]), or None when there
    is nothing to claim. The caller unlocks the claim when it is done with it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table(Delivery)} WHERE mailing_id = %s AND status = %s "
            "AND (not_before IS NULL OR not_before <= now()) ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
            [mailing_id, DeliveryStatus.QUEUED, size],
        )
        ids = [row[0] for row in cursor.fetchall()]
        if not ids or not lock(ids[0]):
            return None
        number = ids[0]
        # Readers who unsubscribed or were suspended since the post was published get nothing.
        cursor.execute(
            f"UPDATE {table(Delivery)} AS d SET status = %s, error = %s FROM {table(Subscriber)} AS s "
            "WHERE d.id = ANY(%s) AND s.id = d.subscriber_id AND s.status <> %s",
            [
                DeliveryStatus.SKIPPED,
                "No longer subscribed when it was sent",
                ids,
                SubscriberStatus.CONFIRMED,
            ],
        )
        cursor.execute(
            f"UPDATE {table(Delivery)} AS d SET status = %s, claim = %s FROM {table(Subscriber)} AS s "
            "WHERE d.id = ANY(%s) AND d.status = %s AND s.id = d.subscriber_id "
            "RETURNING d.id, s.id, s.email, s.bounces",
            [DeliveryStatus.CLAIMED, number, ids, DeliveryStatus.QUEUED],
        )
        rows = sorted(cursor.fetchall())
    return number, rows


class Outcome:
    PERMANENT = "permanent"  # the address's mail server will not take it
    LATER = "later"  # refused for now: try this one again later
    SERVER = "server"  # the mail server itself failed us: pause the send


def outcome_of(error):
    """What a failed hand-over to the mail server means for the address and for the send."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return Outcome.PERMANENT if codes and min(codes) >= 500 else Outcome.LATER
    if isinstance(error, smtplib.SMTPSenderRefused):
        return Outcome.SERVER  # our own address is refused: not the reader's fault
    if isinstance(error, smtplib.SMTPResponseException):
        return Outcome.PERMANENT if error.smtp_code >= 500 else Outcome.LATER
    return Outcome.SERVER


def describe(error):
    return f"{type(error).__name__}: {error}"[:255]


def unsubscribe_url(mailing, subscriber_id):
    return mailing.site_url + reverse("subscriptions:unsubscribe", args=[unsubscribe_key(subscriber_id)])


def message_for(mailing, subscriber_id, email):
    """The email of `mailing` for one subscriber, with their own unsubscribe link and headers."""
    url = unsubscribe_url(mailing, subscriber_id)
    message = EmailMultiAlternatives(
        mailing.subject,
        mailing.text.replace(Mailing.UNSUBSCRIBE_MARK, url),
        settings.SUBSCRIPTIONS_FROM_EMAIL,
        [email],
        headers={
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": mailing.list_id,
        },
    )
    message.attach_alternative(mailing.html.replace(Mailing.UNSUBSCRIBE_MARK, escape(url)), "text/html")
    return message


def retry_delay(attempt):
    return timedelta(seconds=settings.EMAIL_RETRY_SECONDS * 2 ** max(attempt - 1, 0))


class Batch:
    """One claimed batch on its way to the mail server (see the module's description)."""

    def __init__(self, mailing, number, rows):
        self.mailing = mailing
        self.number = number
        self.rows = rows
        self.mine = Delivery.objects.filter(mailing_id=mailing.pk, claim=number)
        self.sent = 0

    def start(self, delivery_id, done=None):
        """Record `done` (a row just handed over) as sent and `delivery_id` as with the mail server,
        in one statement, so one commit, per message; False when this batch no longer holds
        `delivery_id` (a worker that took over a claim it thought dead has it now)."""
        sent_id, subscriber_id, bounces = done or (None, None, 0)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table(Delivery)} SET "
                "status = CASE WHEN id = %(next)s THEN %(sending)s ELSE %(sent)s END, "
                "attempts = CASE WHEN id = %(next)s THEN attempts + 1 ELSE attempts END, "
                "sent_at = CASE WHEN id = %(next)s THEN sent_at ELSE now() END, "
                "claim = CASE WHEN id = %(next)s THEN claim END, "
                "error = CASE WHEN id = %(next)s THEN error ELSE '' END "
                "WHERE claim = %(claim)s AND ((id = %(next)s AND status = %(claimed)s) "
                "OR (id = %(done)s AND status = %(sending)s)) RETURNING id",
                {
                    "next": delivery_id,
                    "done": sent_id,
                    "claim": self.number,
                    "claimed": DeliveryStatus.CLAIMED,
                    "sending": DeliveryStatus.SENDING,
                    "sent": DeliveryStatus.SENT,
                },
            )
            changed = {row[0] for row in cursor.fetchall()}
        if sent_id is not None and sent_id in changed:
            self.sent += 1
            if bounces:
                Subscriber.objects.filter(pk=subscriber_id).update(bounces=0)
        return delivery_id is not None and delivery_id in changed

    def refused(self, delivery_id, subscriber_id, error):
        """The address's mail server will not take it: failed, and counted against the address."""
        self.mine.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED, claim=None, error=describe(error)
        )
        Subscriber.objects.filter(pk=subscriber_id).update(
            bounces=F("bounces") + 1, last_bounce=describe(error)
        )
        Subscriber.objects.filter(
            pk=subscriber_id,
            status=SubscriberStatus.CONFIRMED,
            bounces__gte=settings.SUBSCRIPTIONS_SUSPEND_AFTER,
        ).update(status=SubscriberStatus.SUSPENDED)

    def later(self, delivery_id, error):
        """Refused for now: queued again after a while, or failed after the last attempt."""
        delivery = self.mine.filter(pk=delivery_id).only("attempts").first()
        if delivery is None:
            return
        if delivery.attempts >= settings.SUBSCRIPTIONS_MAX_ATTEMPTS:
            self.mine.filter(pk=delivery_id).update(
                status=DeliveryStatus.FAILED, claim=None, error=describe(error)
            )
        else:
            self.mine.filter(pk=delivery_id).update(
                status=DeliveryStatus.QUEUED,
                claim=None,
                error=describe(error),
                not_before=timezone.now() + retry_delay(delivery.attempts),
            )

    def put_back(self, delivery_id, error):
        """The mail server failed, not the address: queued again, the attempt not held against it."""
        self.mine.filter(pk=delivery_id).update(
            status=DeliveryStatus.QUEUED, claim=None, attempts=F("attempts") - 1, error=describe(error)
        )

    def release(self):
        """Queue again what this batch claimed but never handed over."""
        self.mine.filter(status=DeliveryStatus.CLAIMED).update(status=DeliveryStatus.QUEUED, claim=None)

    def send(self):
        """Hand every row to the mail server, one connection for the batch; the number sent."""
        backend = get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
        # Django's file backend (the development mailbox) writes all of a connection's messages
        # to one file; there each message gets a connection, so a file, of its own.
        fresh, kept = None, []
        if isinstance(backend, filebased.EmailBackend):
            fresh = partial(get_connection, settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
        done = None
        try:
            try:
                if not fresh:
                    backend.open()
            except Exception as error:  # noqa: BLE001 - any failure to connect pauses the send
                server_failed(self.mailing, error)
                return 0
            for delivery_id, subscriber_id, email, bounces in self.rows:
                if not self.start(delivery_id, done):
                    done = None
                    continue
                done = None
                try:
                    sender = backend
                    if fresh:
                        sender = fresh()
                        # The file's name is made of the time and the connection's id(): a
                        # connection kept until the batch ends cannot lend its id to the next.
                        kept.append(sender)
                    sender.send_messages([message_for(self.mailing, subscriber_id, email)])
                except Exception as error:  # noqa: BLE001 - every failure is recorded on its row
                    outcome = outcome_of(error)
                    if outcome == Outcome.PERMANENT:
                        self.refused(delivery_id, subscriber_id, error)
                    elif outcome == Outcome.LATER:
                        self.later(delivery_id, error)
                    else:
                        self.put_back(delivery_id, error)
                        server_failed(self.mailing, error)
                        break
                    continue
                done = (delivery_id, subscriber_id, bounces)
            self.start(None, done)
        finally:
            self.release()
            try:
                backend.close()
            except Exception:
                logger.warning("Closing the mail server connection failed", exc_info=True)
        if self.sent and self.mailing.connection_failures:
            Mailing.objects.filter(pk=self.mailing.pk).update(connection_failures=0, paused_until=None)
        return self.sent


def server_failed(mailing, error):
    """The mail server failed the whole send: pause it with back-off; after
    SUBSCRIPTIONS_MAX_ATTEMPTS failures in a row, give up on what is left."""
    failures = (
        Mailing.objects.filter(pk=mailing.pk).values_list("connection_failures", flat=True).first() or 0
    )
    failures += 1
    now = timezone.now()
    if failures >= settings.SUBSCRIPTIONS_MAX_ATTEMPTS:
        Delivery.objects.filter(mailing_id=mailing.pk, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.FAILED, error=f"Mail server unreachable: {describe(error)}"[:255]
        )
        Mailing.objects.filter(pk=mailing.pk).update(
            connection_failures=failures, last_error=describe(error), finished_at=now, paused_until=None
        )
        logger.error("Gave up sending %r: %s", mailing.subject, describe(error))
        return
    Mailing.objects.filter(pk=mailing.pk).update(
        connection_failures=failures, last_error=describe(error), paused_until=now + retry_delay(failures)
    )


def finish_if_done(mailing_id):
    """Mark the mailing finished when no row is left to send; True when it is finished."""
    if Delivery.objects.filter(mailing_id=mailing_id, status__in=UNFINISHED).exists():
        return False
    Mailing.objects.filter(pk=mailing_id, finished_at__isnull=True).update(finished_at=timezone.now())
    return True


def next_check(mailing_id):
    """When to look at the mailing again, with nothing claimable now: when its next queued row
    falls due, or a while later when other workers have rows in hand; None when it is done."""
    deliveries = Delivery.objects.filter(mailing_id=mailing_id)
    recheck = timezone.now() + timedelta(seconds=settings.SUBSCRIPTIONS_RECHECK_SECONDS)
    due = deliveries.filter(status=DeliveryStatus.QUEUED).aggregate(due=Min("not_before"))["due"]
    if deliveries.filter(status=DeliveryStatus.QUEUED).exists():
        return min(due or timezone.now(), recheck)
    if deliveries.filter(status__in=IN_HAND).exists():
        return recheck
    return None


def send_everything(mailing):
    """Send the whole mailing in this process, batch after batch (for a backend that runs tasks
    at once, in the caller's process); the number sent."""
    sent = 0
    while True:
        if Mailing.objects.filter(pk=mailing.pk, paused_until__isnull=False).exists():
            return sent  # a mail server that cannot be reached now is not waited for here
        with transaction.atomic():
            claimed = claim(mailing.pk, settings.SUBSCRIPTIONS_BATCH_SIZE)
        if claimed is None:
            finish_if_done(mailing.pk)
            return sent
        try:
            sent += Batch(mailing, *claimed).send()
        finally:
            unlock(claimed[0])
