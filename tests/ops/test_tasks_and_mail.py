"""Email leaves the request: queued as tasks, delivered by a real worker to a real SMTP server."""

import re
import signal
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail import send_mail
from django.core.management import call_command
from django.test import Client
from django_comments_xtd.models import XtdComment
from django_tasks_db.models import DBTaskResult

from blog.models import CommentSettings
from broadsheet.mail import one_line

from ..comment_helpers import submit_comment
from ..conftest import only_site_home
from ..factories import make_blog_index, make_comment, make_post
from ..subscription_helpers import confirmed_reader
from ..task_helpers import DATABASE_TASKS, ROOT, SmtpServer, free_port, wait_until, wait_until_settled

SEND_EMAIL = "broadsheet.mail.send_email"


@pytest.fixture
def queue(settings):
    """The database backend in this process too: what the request queues, the worker runs."""
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def stored_post(transactional_db, queue):
    """A published post on the default site, in rows the worker process can read."""
    return make_post(make_blog_index(only_site_home()), "Harbour levy")


def email_tasks():
    return list(DBTaskResult.objects.filter(task_path=SEND_EMAIL).order_by("enqueued_at"))


def attempt_of(result):
    return result.args_kwargs["args"][1] if len(result.args_kwargs["args"]) > 1 else 0


def all_email_done():
    tasks = email_tasks()
    return tasks and all(task.status in ("SUCCESSFUL", "FAILED") for task in tasks) and tasks


def test_held_comment_is_stored_while_smtp_is_down_and_the_moderator_hears_once_it_is_back(
    stored_post, workers, capsys
):
    get_user_model().objects.create_superuser("mod", "mod@example.org", "pw")
    smtp_port = free_port()  # nothing listens here yet
    workers(smtp_port)

    response = submit_comment(Client(), stored_post.url, "First time here.", email="new@example.org")

    assert response.status_code == 302
    comment = XtdComment.objects.get()
    assert (comment.comment, comment.is_public) == ("First time here.", False)
    # The worker tried, the server was down: that attempt failed and the next one is queued.
    wait_until(lambda: DBTaskResult.objects.filter(task_path=SEND_EMAIL, status="FAILED").exists(), "a try")
    first = DBTaskResult.objects.get(task_path=SEND_EMAIL, status="FAILED")
    assert attempt_of(first) == 0 and "ConnectionRefusedError" in first.traceback

    smtp = SmtpServer(smtp_port).start()
    try:
        wait_until(lambda: smtp.messages, "the moderator's email")
        tasks = wait_until(all_email_done, "the retries to settle")
        wait_until_settled(1.5)  # a duplicate due by then has arrived
    finally:
        smtp.stop()
    [message] = smtp.messages
    assert message["To"] == "mod@example.org"
    assert message["Subject"].strip() == "[Broadsheet] A comment on “Harbour levy” awaits moderation"
    assert "First time here." in message.get_body(("plain",)).get_content()
    assert [task.status for task in tasks][-1] == "SUCCESSFUL"
    assert {task.status for task in tasks[:-1]} == {"FAILED"}
    assert [attempt_of(task) for task in tasks] == list(range(len(tasks)))
    assert XtdComment.objects.count() == 1

    call_command("tasks_status")
    report = capsys.readouterr().out
    assert f"{len(tasks) - 1} failed, " in report
    assert "broadsheet.mail.send_email  attempt 1 of 8, retried  ConnectionRefusedError" in report


def test_follower_hears_of_a_reply_through_the_worker_and_its_mute_link_works(stored_post, workers):
    rules = CommentSettings.for_site(stored_post.get_site())
    rules.hold_first_comments = False
    rules.save()
    make_comment(stored_post, "Keep me posted", name="Sub", email="sub@example.org", followup=True)
    confirmed_reader("sub@example.org", whole_blog=False)
    smtp_port = free_port()
    smtp = SmtpServer(smtp_port).start()
    try:
        workers(smtp_port)
        response = submit_comment(
            Client(), stored_post.url, "Here is more.", name="Ivo", email="ivo@example.org", followup="on"
        )
        assert response.status_code == 302
        wait_until(lambda: smtp.messages, "the follower's email")
        wait_until(all_email_done, "the email tasks")
        wait_until_settled(1)
    finally:
        smtp.stop()
    # The follower, not the reply's own author, who is asked to confirm his address first.
    messages = {message["To"]: message for message in smtp.messages}
    assert len(smtp.messages) == 2 and set(messages) == {"sub@example.org", "ivo@example.org"}
    assert "Confirm your address for reply notifications" in messages["ivo@example.org"]["Subject"]
    message = messages["sub@example.org"]
    assert message["Subject"].strip() == "[Broadsheet] New comment on “Harbour levy”"
    text = message.get_body(("plain",)).get_content()
    assert "Here is more." in text and "http://testserver/blog/harbour-levy/#c" in text
    mute_url = re.search(r"http://testserver(/comments/mute/[^/\s]+/)", text).group(1)
    assert mute_url in message.get_body(("html",)).get_content()
    assert message["List-Unsubscribe"].strip() == f"<http://testserver{mute_url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    reader = Client()
    assert "Stop these emails" in reader.get(mute_url).content.decode()
    assert XtdComment.objects.get(user_email="sub@example.org").followup
    assert "no more emails" in reader.post(mute_url).content.decode()
    assert not XtdComment.objects.get(user_email="sub@example.org").followup


def test_sending_mail_only_queues_it_with_a_one_line_subject(db, queue, settings):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = free_port()  # nothing listens: connecting here would raise
    send_mail("Hello\r\nBcc: everyone@example.org", "Body", "site@example.org", ["reader@example.org"])
    [task] = email_tasks()
    assert task.status == "READY"
    assert task.args_kwargs["args"][0]["subject"] == "Hello Bcc: everyone@example.org"
    assert task.args_kwargs["args"][0]["to"] == ["reader@example.org"]


def test_subjects_are_one_line():
    assert one_line("A post\non\r\ntwo\tlines\u2028and\x00more ") == "A post on two lines and more"


def test_immediate_tasks_deliver_to_the_outbox_for_tests_that_do_not_run_a_worker(db):
    send_mail("Plain", "Body", "site@example.org", ["reader@example.org"], html_message="<p>Body</p>")
    [message] = mail.outbox
    assert message.to == ["reader@example.org"] and message.alternatives[0][1] == "text/html"


def run_together(*commands):
    return subprocess.Popen(
        [sys.executable, "-m", "broadsheet.together", *commands],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


# One write() per line, so two sleepers sharing the pipe never interleave their ids.
SLEEPER = (
    f"{sys.executable} -c 'import os, time; os.write(1, f\"{{os.getpid()}}\\n\".encode()); time.sleep(120)'"
)


@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["kill", "ctrl-c", "hangup"]
)
def test_together_stops_every_command_when_stopped(signum):
    runner = run_together(SLEEPER, SLEEPER)
    pids = [int(runner.stdout.readline()) for _ in range(2)]
    assert all(alive(pid) for pid in pids)
    runner.send_signal(signum)
    assert runner.wait(timeout=30) == 0
    assert not any(alive(pid) for pid in pids)


def test_together_stops_the_others_when_one_command_ends():
    runner = run_together(SLEEPER, f"{sys.executable} -c 'import sys; sys.exit(3)'")
    pid = int(runner.stdout.readline())
    assert runner.wait(timeout=30) == 3
    assert not alive(pid)
