"""Progress reported by a job a task runs, as the admin's progress bars read it."""

import time

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone


class ProgressRecorder:
    """Writes a job's progress (a BackgroundJob: an import, an export) to its row through a
    database connection of its own.

    An import runs in one transaction, an export in a read-only one; what the job's own
    connection writes is invisible to others until it commits.
    The progress must be seen meanwhile, so it goes through a second connection, committed at
    once, at most once a second or per percent.
    """

    def __init__(self, job):
        self.job_id = job.pk
        self.table = type(job)._meta.db_table
        self.connection = None
        self.last = (-1, "")
        self.last_time = 0.0

    def __call__(self, fraction, stage):
        percent = max(0, min(99, int(fraction * 100)))  # 100 only once the job is done
        now = time.monotonic()
        if (percent, stage) == self.last or (stage == self.last[1] and now - self.last_time < 1):
            return
        self.last, self.last_time = (percent, stage), now
        if self.connection is None:
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {self.connection.ops.quote_name(self.table)} "
                "SET progress = %s, stage = %s, updated_at = %s WHERE id = %s",
                [percent, stage[:100], timezone.now(), self.job_id],
            )

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None
