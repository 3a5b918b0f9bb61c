"""`python bench/subscriptions_send.py`: how long one post takes to reach 50,000 subscribers.

Makes a database (embedded PostgreSQL, `bench_mail`) holding the demo site and `--subscribers`
confirmed subscribers, starts a local SMTP server that accepts and discards every message,
starts `--workers` task workers (production settings, `manage.py db_worker`), publishes a new
post and times the send from the publish until the mail server has taken every message. The
workers' memory is sampled every second. With `--kill-after N`, one worker is killed (SIGKILL)
once N messages are through and started again, and the run checks nobody got the post twice.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import BIN, ROOT, bench_environment, log, manage

PUBLISH = """
from django.utils import timezone
from blog.models import BlogIndexPage, BlogPostPage
from subscriptions.models import Mailing
blog = BlogIndexPage.objects.live().first()
post = BlogPostPage(title="Harbour levy passes", slug=f"harbour-levy-{timezone.now():%H%M%S}",
    date=timezone.now(), body='[{"type": "paragraph", "value": "<p>The council voted at last.</p>"}]')
post.authors = []
blog.add_child(instance=post)
post.save_revision().publish()
print(Mailing.objects.get(post=post).pk)
"""
SUBSCRIBERS = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("DELETE FROM subscriptions_delivery")
    cursor.execute("DELETE FROM subscriptions_subscriber")
    cursor.execute(
        "INSERT INTO subscriptions_subscriber (email, status, whole_blog, source, subscribed_at, "
        "confirmed_at, bounces, last_bounce) SELECT 'reader' || n || '@example.org', 'confirmed', "
        "true, 'bench', now(), now(), 0, '' FROM generate_series(1, {count}) AS n"
    )
"""
PROGRESS = (
    "SELECT count(*), count(*) FILTER (WHERE d.status = 'sent'), "
    "count(*) FILTER (WHERE d.status = 'interrupted'), bool_and(m.finished_at IS NOT NULL) "
    "FROM subscriptions_mailing AS m LEFT JOIN subscriptions_delivery AS d ON d.mailing_id = m.id "
    "WHERE m.id = %s"
)


class DiscardingServer:
    """Counts the messages it accepts, per recipient, and keeps nothing else."""

    def __init__(self):
        self.count = 0
        self.recipients = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            for address in envelope.rcpt_tos:
                self.recipients[address] = self.recipients.get(address, 0) + 1
        return "250 OK"


def rss_mb(pid):
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return None
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def cpu_seconds(pid):
    """User and system CPU seconds a process has used."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_worker(env, name):
    path = ROOT / ".data" / "bench" / f"mail-worker-{name}.log"
    log_file = open(path, "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [str(BIN / "python"), "manage.py", "db_worker", "--worker-id", f"bench-{name}", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--smtp-port", type=int, default=8425)
    parser.add_argument("--kill-after", type=int, default=0, help="kill a worker after this many messages")
    args = parser.parse_args()

    import psycopg
    from aiosmtpd.controller import Controller

    sys.path.insert(0, str(ROOT))
    from broadsheet.embedded_db import database_url

    (ROOT / ".data" / "bench").mkdir(parents=True, exist_ok=True)
    env = bench_environment(database_url("bench_mail"), 8400, page_cache=False)
    env.update(
        EMAIL_URL=f"smtp://127.0.0.1:{args.smtp_port}",
        SUBSCRIPTIONS_BATCH_SIZE=str(args.batch_size),
        SUBSCRIPTIONS_RECHECK_SECONDS="2",
    )
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo", capture=True)
    manage(env, "shell", "-v0", "-c", SUBSCRIBERS.format(count=args.subscribers))
    log(f"{args.subscribers:,} confirmed subscribers stored.")

    handler = DiscardingServer()
    controller = Controller(handler, hostname="127.0.0.1", port=args.smtp_port)
    controller.start()
    workers = [start_worker(env, str(n)) for n in range(args.workers)]
    memory = {n: [] for n in range(args.workers)}
    try:
        time.sleep(3)
        started = time.perf_counter()
        pk = int(manage(env, "shell", "-v0", "-c", PUBLISH, capture=True).strip().splitlines()[-1])
        log(f"Published; mailing {pk}.")
        killed = False
        while True:
            time.sleep(1)
            for n, process in enumerate(workers):
                size = rss_mb(process.pid)
                if size:
                    memory[n].append(size)
            if args.kill_after and not killed and handler.count >= args.kill_after:
                os.killpg(workers[0].pid, signal.SIGKILL)
                workers[0].wait()
                log(f"Killed worker 0 after {handler.count:,} messages; starting it again.")
                workers[0] = start_worker(env, "0-again")
                killed = True
            with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
                total, sent, interrupted, finished = conn.execute(PROGRESS, [pk]).fetchone()
            seconds = time.perf_counter() - started
            log(f"{seconds:6.1f} s: {handler.count:,} at the mail server, {sent:,} of {total:,} sent")
            if finished:
                break
        elapsed = time.perf_counter() - started
        cpu = sum(cpu_seconds(process.pid) for process in workers)
    finally:
        for process in workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)
        controller.stop()
    twice = sum(1 for count in handler.recipients.values() if count > 1)
    print(
        f"{handler.count:,} messages to {len(handler.recipients):,} subscribers in {elapsed:.0f} s "
        f"({handler.count / elapsed:.0f}/s) with {args.workers} workers, batches of {args.batch_size}; "
        f"{interrupted} interrupted, {twice} sent twice; the workers used {cpu:.0f} s of CPU "
        f"({cpu * 1000 / max(handler.count, 1):.1f} ms a message)."
    )
    for n, sizes in memory.items():
        if sizes:
            start, most, end = sizes[0], max(sizes), sizes[-1]
            print(f"worker {n}: {start:.0f} MB at the start, {most:.0f} MB at most, {end:.0f} MB at the end")


if __name__ == "__main__":
    main()
