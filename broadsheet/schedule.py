"""Tasks that come back on their own: each run queues the next one, and every `migrate` (which
`make run`, `make serve` and a deploy start with) queues any that has no run waiting.

    @task()
    @schedule.repeat(timedelta(days=1))
    def clear_old_things(): ...

A run queued while another waits is not queued, so restarts never pile runs up. Only the
database backend repeats; with the tests' immediate one a task runs when it is called.
"""

import functools
from datetime import timedelta

from django.db.models.signals import post_migrate
from django.utils import timezone
from django.utils.module_loading import import_string

# A run that has been "running" this long belongs to a worker that died; it waits for nobody.
STALE_RUN = timedelta(hours=1)

_repeating = {}  # task path -> interval


def repeat(interval):
    """Have the task made of the decorated function queue its next run `interval` after each run."""

    def decorate(func):
        path = f"{func.__module__}.{func.__qualname__}"
        _repeating[path] = interval

        @functools.wraps(func)
        def run(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            finally:
                queue(path, timezone.now() + interval)

        return run

    return decorate


def queued_in_database(path):
    """The task at `path`, when its backend is the database one (which alone can say what is
    queued and run tasks later); None otherwise."""
    from django_tasks_db.backend import DatabaseBackend

    task = import_string(path)
    return task if isinstance(task.get_backend(), DatabaseBackend) else None


def queue(path, when):
    """Queue a run of the task at `path` for `when`, unless one is already queued."""
    from django_tasks_db.models import DBTaskResult

    task = queued_in_database(path)
    if task is not None and not DBTaskResult.objects.filter(task_path=path, status="READY").exists():
        task.using(run_after=when).enqueue()


def queue_missing(**kwargs):
    """After `migrate`: queue, to run at once, every repeating task with no run queued or running
    on a live worker."""
    from django_tasks_db.models import DBTaskResult

    if kwargs.get("plan") is None:
        return  # `flush` sends post_migrate too; only a migrate brings the schedule back
    for path in _repeating:
        task = queued_in_database(path)
        runs = DBTaskResult.objects.filter(task_path=path)
        alive = runs.filter(status="RUNNING", started_at__gt=timezone.now() - STALE_RUN)
        if task is not None and not runs.filter(status="READY").exists() and not alive.exists():
            task.using(run_after=timezone.now()).enqueue()


post_migrate.connect(queue_missing, dispatch_uid="broadsheet.schedule.queue_missing")
