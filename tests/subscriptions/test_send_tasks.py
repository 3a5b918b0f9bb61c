"""The tasks of a send, run in this process: each batch queues the next at the configured rate, and a
send whose worker died before it could hand it on is taken up again by the repeating task."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from subscriptions.models import Mailing
from subscriptions.tasks import SEND_MAILING, resume_stalled_mailings

from ..factories import make_post
from ..task_helpers import DATABASE_TASKS

pytestmark = pytest.mark.django_db


def queued_for(mailing):
    return DBTaskResult.objects.filter(task_path=SEND_MAILING, status="READY", args_kwargs__args=[mailing.pk])


def test_only_unfinished_quiet_sends_with_nothing_queued_are_queued_again(blog_index, settings):
    settings.TASKS = DATABASE_TASKS
    posts = [make_post(blog_index, f"Post {n}", slug=f"post-{n}") for n in range(4)]  # back-dated: no send
    stalled = Mailing.objects.create(post=posts[0])  # its first task died with its worker
    busy = Mailing.objects.create(post=posts[1], touched_at=timezone.now() - timedelta(minutes=1))
    done = Mailing.objects.create(post=posts[2], finished_at=timezone.now())
    quiet = Mailing.objects.create(post=posts[3], touched_at=timezone.now() - timedelta(minutes=30))

    assert sorted(resume_stalled_mailings.call()) == sorted([stalled.pk, quiet.pk])
    assert queued_for(stalled).count() == 1 and queued_for(quiet).count() == 1
    assert not queued_for(busy).exists() and not queued_for(done).exists()
    assert resume_stalled_mailings.call() == []  # already queued: not twice
    assert queued_for(stalled).count() == 1


def test_each_batch_queues_the_next_at_the_configured_rate(blog_index, settings):
    from django.core import mail
    from django.db import connection

    from subscriptions.models import Delivery, DeliveryStatus
    from subscriptions.tasks import send_mailing

    from ..subscription_helpers import confirmed_reader

    settings.TASKS = DATABASE_TASKS
    settings.SUBSCRIPTIONS_BATCH_SIZE = 2
    settings.SUBSCRIPTIONS_PER_MINUTE = 12  # two messages every ten seconds
    for n in range(5):
        confirmed_reader(f"reader{n}@example.org")
    post = make_post(blog_index, "Harbour levy", slug="harbour-levy", date=timezone.now())
    mailing = Mailing.objects.get(post=post)
    [first] = queued_for(mailing)  # queued by the publish, with it
    started = timezone.now()
    assert send_mailing.call(mailing.pk) == {
        "mailing": mailing.pk,
        "claimed": 2,
        "sent": 2,
    }  # as a worker would
    [following] = queued_for(mailing).exclude(pk=first.pk)
    assert timedelta(seconds=9) < following.run_after - started < timedelta(seconds=11)
    assert len(mail.outbox) == 2
    statuses = sorted(Delivery.objects.values_list("status", flat=True))
    assert statuses == [DeliveryStatus.QUEUED] * 3 + [DeliveryStatus.SENT] * 2
    with connection.cursor() as cursor:  # the batch let go of its claim's lock
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        assert cursor.fetchone()[0] == 0
