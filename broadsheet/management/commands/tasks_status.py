from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

SEND_EMAIL = "broadsheet.mail.send_email"


def last_line(traceback):
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(no error recorded)"


def outcome(result):
    """For a failed email delivery: whether another attempt was queued or this was the last."""
    if result.task_path != SEND_EMAIL:
        return ""
    args = result.args_kwargs.get("args", [])
    attempt = args[1] if len(args) > 1 else result.args_kwargs.get("kwargs", {}).get("attempt", 0)
    left = "retried" if attempt + 1 < settings.EMAIL_MAX_ATTEMPTS else "gave up"
    return f"attempt {attempt + 1} of {settings.EMAIL_MAX_ATTEMPTS}, {left}"


class Command(BaseCommand):
    help = "Count the background tasks by status and list the latest failures with their errors."

    def add_arguments(self, parser):
        parser.add_argument("--failures", type=int, default=10, help="how many failures to list (default 10)")

    def handle(self, *args, failures, **options):
        counts = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("pk")).order_by())
        waiting = DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now()).exclude(
            run_after__year=9999  # the backend's "no run_after" marker
        )
        self.stdout.write(
            f"Tasks: {counts.get('READY', 0)} queued ({waiting.count()} waiting to be retried or run later), "
            f"{counts.get('RUNNING', 0)} running, {counts.get('FAILED', 0)} failed, "
            f"{counts.get('SUCCESSFUL', 0)} successful."
        )
        latest = DBTaskResult.objects.failed().order_by("-finished_at")[:failures]
        if not latest:
            return
        self.stdout.write("Latest failures:")
        for result in latest:
            when = timezone.localtime(result.finished_at).strftime("%Y-%m-%d %H:%M:%S")
            parts = [when, result.task_path, outcome(result), last_line(result.traceback)]
            self.stdout.write("  " + "  ".join(part for part in parts if part))
