"""The worker's side of following by email: sending a post to its followers, batch by batch."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from broadsheet import schedule

from . import sending
from .models import Mailing

SEND_MAILING = "subscriptions.tasks.send_mailing"


@task()
def send_mailing(mailing_id):
    """Send one batch of a post's email and queue the task for the next (see subscriptions.sending).

    With a backend that runs tasks at once (the tests' immediate one), the whole send happens in
    this one call. Returns what it did, for the task's result row.
    """
    mailing = sending.prepare(mailing_id)
    if mailing is None or mailing.finished_at:
        return {"mailing": mailing_id, "finished": True}
    if not send_mailing.get_backend().supports_defer:
        return {"mailing": mailing_id, "sent": sending.send_everything(mailing)}
    now = timezone.now()
    Mailing.objects.filter(pk=mailing_id).update(touched_at=now)
    with transaction.atomic():
        sending.recover(mailing_id)
        if mailing.paused_until and mailing.paused_until > now:
            send_mailing.using(run_after=mailing.paused_until).enqueue(mailing_id)
            return {"mailing": mailing_id, "paused_until": mailing.paused_until.isoformat()}
        claimed = sending.claim(mailing_id, settings.SUBSCRIPTIONS_BATCH_SIZE)
        if claimed is None:
            when = sending.next_check(mailing_id)
            if when is None:
                sending.finish_if_done(mailing_id)
                return {"mailing": mailing_id, "finished": True}
            send_mailing.using(run_after=when).enqueue(mailing_id)
            return {"mailing": mailing_id, "waiting_until": when.isoformat()}
        # The next batch is queued with this claim: if this worker dies, the send goes on.
        send_mailing.using(run_after=now + batch_interval()).enqueue(mailing_id)
    number, rows = claimed
    try:
        sent = sending.Batch(mailing, number, rows).send()
    finally:
        sending.unlock(number)
    sending.finish_if_done(mailing_id)
    return {"mailing": mailing_id, "claimed": len(rows), "sent": sent}


def batch_interval():
    """How long after a batch starts the next may start, for SUBSCRIPTIONS_PER_MINUTE."""
    if not settings.SUBSCRIPTIONS_PER_MINUTE:
        return timedelta(0)
    return timedelta(minutes=settings.SUBSCRIPTIONS_BATCH_SIZE / settings.SUBSCRIPTIONS_PER_MINUTE)


@task()
@schedule.repeat(timedelta(minutes=10))
def resume_stalled_mailings():
    """Queue again every unfinished send that has no task queued and no work done for ten minutes
    (its first task, or a batch's transaction, died with its worker); returns their ids."""
    from django_tasks_db.models import DBTaskResult

    quiet = timezone.now() - timedelta(minutes=10)
    stalled = []
    for mailing in Mailing.objects.filter(finished_at__isnull=True).exclude(touched_at__gt=quiet):
        if mailing.paused_until and mailing.paused_until > timezone.now():
            continue
        queued = DBTaskResult.objects.filter(
            task_path=SEND_MAILING, status="READY", args_kwargs__args=[mailing.pk]
        ).exists()
        if not queued:
            send_mailing.enqueue(mailing.pk)
            stalled.append(mailing.pk)
    return stalled
