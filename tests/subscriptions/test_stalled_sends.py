"""A send whose worker died before it could hand it on is taken up again by the repeating task."""

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
