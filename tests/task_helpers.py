"""Real parts for the background-task tests: an SMTP server and `manage.py db_worker` processes."""

import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def wait_until(predicate, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def wait_until_settled(seconds, dead_workers=(), timeout=60):
    """Wait until the workers have done all they would do in the next `seconds`: no task runs (on a
    worker still alive) and none is due before then. A duplicate, a retry or a next batch that
    would come by then has come; when nothing is due, this returns at once."""
    from django.db.models import Q
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult, get_date_max

    horizon = timezone.now() + timedelta(seconds=seconds)
    due = Q(status="READY") & (Q(run_after=get_date_max()) | Q(run_after__lte=horizon))

    def settled():
        if DBTaskResult.objects.filter(due).exists():
            return False
        running = DBTaskResult.objects.filter(status="RUNNING").values_list("worker_ids", flat=True)
        return all(ids[-1] in dead_workers for ids in running)  # a killed worker's stays "running"

    wait_until(settled, f"the workers to do what is due in {seconds} s", timeout)


def free_port():
    """A loopback port nothing listens on (until a test starts a server there)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url():
    """The test database, as DATABASE_URL for another process."""
    db = connection.settings_dict
    host = db["HOST"] or db["OPTIONS"].get("host", "")
    port = f":{db['PORT']}" if db["PORT"] else ""
    credentials = f"{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}"
    return f"postgres://{credentials}@{quote(host, safe='')}{port}/{db['NAME']}"


class SmtpServer:
    """aiosmtpd on a loopback port, keeping every message it accepts (parsed)."""

    def __init__(self, port, delay=0.0):
        self.port = port
        self.messages = []
        self._lock = threading.Lock()
        self._delay = delay
        self._controller = None

    async def handle_DATA(self, server, session, envelope):
        if self._delay:
            time.sleep(self._delay)
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def start(self):
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self):
        if self._controller:
            self._controller.stop()
            self._controller = None


class Worker:
    """`manage.py db_worker` in its own process, on the test database, delivering by SMTP."""

    def __init__(self, smtp_port, worker_id="test-worker", **env):
        base_env = {
            k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "EMAIL_"))
        }
        if "DJANGO_SECRET_KEY" in os.environ:  # the links the worker signs must verify here
            base_env["DJANGO_SECRET_KEY"] = os.environ["DJANGO_SECRET_KEY"]
        self.log = []
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay"]
            + ["--no-reload", "--worker-id", worker_id],
            cwd=ROOT,
            env={
                **base_env,
                "DJANGO_SETTINGS_MODULE": "settings.test",
                "DATABASE_URL": database_url(),
                "TEST_TASKS": "database",
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(smtp_port),
                "EMAIL_TIMEOUT": "5",
                "EMAIL_RETRY_SECONDS": "1",
                **env,
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.log.append(line)

    def started(self):
        return any("Starting worker" in line for line in self.log)

    def stop(self):
        """SIGTERM, as a service manager sends it; the worker finishes its task and exits 0."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        return self.process.returncode
