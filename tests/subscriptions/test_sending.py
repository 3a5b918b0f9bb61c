"""A new post reaches its confirmed followers: through a real worker, to a real SMTP server."""

import re
import signal

from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone
from taggit.models import Tag
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from subscriptions.models import Delivery, DeliveryStatus, Mailing, Subscriber, SubscriberStatus

from ..factories import make_post, paragraph
from ..subscription_helpers import confirm_link, confirmed_reader
from ..task_helpers import wait_until, wait_until_settled


def messages_to(server, subject):
    return [message for message in server.messages if message["Subject"].strip() == subject]


def recipients(messages):
    return sorted(message["To"] for message in messages)


def wait_for_the_send(post, timeout=120, dead_workers=()):
    wait_until(
        lambda: Mailing.objects.filter(post=post, finished_at__isnull=False).exists(), "the send", timeout
    )
    wait_until_settled(1.5, dead_workers)  # a duplicate due by then has arrived


def header(message, name):
    return " ".join(str(message[name]).split())


def test_subscribe_confirm_and_receive_each_new_post_once_with_one_click_unsubscribe(
    stored_blog, smtp, workers
):
    server = smtp()
    workers(server.port, SUBSCRIPTIONS_BATCH_SIZE="2")
    reader = Client(enforce_csrf_checks=True)  # a browser with no session: the form has no token

    answer = reader.post("/subscribe/", {"email": "Ada@Example.org", "next": "/"})
    assert answer.status_code == 200 and "Check your inbox" in answer.content.decode()
    [confirmation] = wait_until(lambda: messages_to(server, "[Broadsheet] Confirm your subscription"), "it")
    assert confirmation["To"] == "ada@example.org"
    link = confirm_link(confirmation.get_body(("plain",)).get_content())
    assert link in confirmation.get_body(("html",)).get_content()
    page = reader.get(link)  # what a mail scanner does
    assert page.status_code == 200 and "<button" in page.content.decode()
    assert Subscriber.objects.get().status == SubscriberStatus.PENDING
    assert "is confirmed" in reader.post(link).content.decode()
    assert Subscriber.objects.get().status == SubscriberStatus.CONFIRMED

    budget, ferries = Tag.objects.create(name="Budget"), Tag.objects.create(name="Ferries")
    confirmed_reader("bo@example.org")
    confirmed_reader("budget@example.org", labels=[budget])
    confirmed_reader("ferries@example.org", labels=[ferries])
    confirmed_reader("gone@example.org", status=SubscriberStatus.UNSUBSCRIBED)
    confirmed_reader("bouncing@example.org", status=SubscriberStatus.SUSPENDED)
    Subscriber.objects.create(email="pending@example.org")  # never confirmed
    image = Image.objects.create(title="Harbour at dawn", file=get_test_image_file())
    older = make_post(stored_blog, "Older notes", slug="older-notes")
    body = [
        paragraph(
            f'<p>See <a linktype="page" id="{older.pk}">the older notes</a>, <a href="/blog/">more</a>.</p>'
        ),
        {
            "type": "image",
            "value": {"image": image.pk, "alt_text": "Boats at dawn", "caption": "", "credit": ""},
        },
    ]
    post = make_post(
        stored_blog, "Harbour levy", slug="harbour-levy", date=timezone.now(), tags=["Budget"], body=body
    )
    wait_for_the_send(post)

    sent = messages_to(server, "Harbour levy")
    assert recipients(sent) == ["ada@example.org", "bo@example.org", "budget@example.org"]
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 3
    message = next(m for m in sent if m["To"] == "ada@example.org")
    unsubscribe = re.fullmatch(
        r"<(http://testserver/unsubscribe/[^>\s]+/)>", header(message, "List-Unsubscribe")
    )
    assert unsubscribe, header(message, "List-Unsubscribe")
    assert header(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    html = BeautifulSoup(message.get_body(("html",)).get_content(), "html.parser")
    hrefs = [a["href"] for a in html.find_all("a")]
    assert "http://testserver/blog/older-notes/" in hrefs and "http://testserver/blog/" in hrefs
    assert "http://testserver/blog/harbour-levy/#comments" in hrefs
    assert unsubscribe.group(1) in hrefs
    assert all(href.startswith("http://testserver/") for href in hrefs)
    [img] = html.find_all("img")
    assert img["src"].startswith("http://testserver/media/images/") and img["alt"] == "Boats at dawn"
    text = message.get_body(("plain",)).get_content()
    assert "the older notes <http://testserver/blog/older-notes/>" in text
    assert "Comments: http://testserver/blog/harbour-levy/#comments" in text
    assert f"Unsubscribe: {unsubscribe.group(1)}" in text

    post.title = "Harbour levy (corrected)"
    post.save_revision().publish()
    wait_until_settled(3)  # a send it queued has been made
    assert messages_to(server, "Harbour levy (corrected)") == []
    assert Mailing.objects.count() == 1

    mail_client = Client(enforce_csrf_checks=True)  # RFC 8058: a POST with no token or cookie
    path = unsubscribe.group(1).removeprefix("http://testserver")
    answer = mail_client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    assert Subscriber.objects.get(email="ada@example.org").status == SubscriberStatus.UNSUBSCRIBED
    make_post(stored_blog, "Ferry timetable", slug="ferry-timetable", date=timezone.now(), tags=["Ferries"])
    wait_for_the_send(Mailing.objects.latest("pk").post)
    assert recipients(messages_to(server, "Ferry timetable")) == ["bo@example.org", "ferries@example.org"]


def many_readers(count, prefix="reader"):
    Subscriber.objects.bulk_create(
        Subscriber(
            email=f"{prefix}{n:03d}@example.org",
            status=SubscriberStatus.CONFIRMED,
            confirmed_at=timezone.now(),
        )
        for n in range(count)
    )
    return sorted(f"{prefix}{n:03d}@example.org" for n in range(count))


def test_addresses_refused_for_good_are_counted_and_suspended(stored_blog, smtp, workers):
    server = smtp(refused={"nobody@example.org"})
    workers(server.port, SUBSCRIPTIONS_SUSPEND_AFTER="2")
    confirmed_reader("nobody@example.org")
    confirmed_reader("ada@example.org")
    for number in (1, 2, 3):
        post = make_post(stored_blog, f"Notes {number}", slug=f"notes-{number}", date=timezone.now())
        wait_for_the_send(post)
        assert recipients(messages_to(server, f"Notes {number}")) == ["ada@example.org"]
        nobody = Subscriber.objects.get(email="nobody@example.org")
        if number == 1:
            assert (nobody.bounces, nobody.status) == (1, SubscriberStatus.CONFIRMED)
            failed = Delivery.objects.get(subscriber=nobody, mailing__post=post)
            assert failed.status == DeliveryStatus.FAILED and "550" in failed.error
    assert nobody.status == SubscriberStatus.SUSPENDED and nobody.bounces == 2 and "550" in nobody.last_bounce
    assert not Delivery.objects.filter(subscriber=nobody, mailing__post=post).exists()  # the third: not sent
    assert Subscriber.objects.get(email="ada@example.org").bounces == 0


def test_a_send_waits_while_the_mail_server_is_down_and_finishes_once_it_is_back(stored_blog, smtp, workers):
    from ..task_helpers import SmtpServer, free_port

    port = free_port()  # nothing listens here yet
    workers(port)
    addresses = many_readers(5)
    post = make_post(stored_blog, "Storm warning", slug="storm-warning", date=timezone.now())
    wait_until(lambda: Mailing.objects.filter(post=post, connection_failures__gte=1).exists(), "a failed try")
    mailing = Mailing.objects.get(post=post)
    assert mailing.paused_until and "Connection" in mailing.last_error and mailing.finished_at is None
    server = SmtpServer(port).start()
    try:
        wait_for_the_send(post)
    finally:
        server.stop()
    assert recipients(messages_to(server, "Storm warning")) == addresses


def test_two_workers_send_one_post_to_each_follower_exactly_once(stored_blog, smtp, workers):
    from django_tasks_db.models import DBTaskResult

    server = smtp(delay=0.01)
    for name in "ab":
        workers(server.port, worker_id=f"worker-{name}", SUBSCRIPTIONS_BATCH_SIZE="4")
    addresses = many_readers(60)
    post = make_post(stored_blog, "Both at once", slug="both-at-once", date=timezone.now())
    wait_for_the_send(post)
    assert recipients(messages_to(server, "Both at once")) == addresses  # each once
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 60
    batches = DBTaskResult.objects.filter(task_path="subscriptions.tasks.send_mailing", status="SUCCESSFUL")
    assert {result.worker_ids[0] for result in batches} == {"worker-a", "worker-b"}


def test_a_worker_killed_mid_send_is_taken_over_without_sending_anyone_the_post_twice(
    stored_blog, smtp, workers
):
    server = smtp(delay=0.05)
    env = {"SUBSCRIPTIONS_BATCH_SIZE": "10", "SUBSCRIPTIONS_RECHECK_SECONDS": "1"}
    doomed = workers(server.port, worker_id="doomed", **env)
    addresses = many_readers(60)
    post = make_post(stored_blog, "Mid-send", slug="mid-send", date=timezone.now())
    wait_until(lambda: len(messages_to(server, "Mid-send")) >= 15, "the send to be under way")
    doomed.process.send_signal(signal.SIGKILL)  # no goodbye: its claim and its task are left behind
    doomed.process.wait(timeout=10)
    assert Delivery.objects.filter(status__in=[DeliveryStatus.CLAIMED, DeliveryStatus.SENDING]).exists()
    workers(server.port, worker_id="again", **env)
    wait_for_the_send(post, dead_workers=["doomed"])

    got = recipients(messages_to(server, "Mid-send"))
    assert len(got) == len(set(got))  # nobody twice
    interrupted = set(
        Delivery.objects.filter(status=DeliveryStatus.INTERRUPTED).values_list("subscriber__email", flat=True)
    )
    sent = set(
        Delivery.objects.filter(status=DeliveryStatus.SENT).values_list("subscriber__email", flat=True)
    )
    assert len(interrupted) <= 1 and sent | interrupted == set(addresses)
    assert sent <= set(got) <= sent | interrupted


def test_the_development_mailbox_gets_every_email_as_a_file_of_its_own(stored_blog, workers, tmp_path):
    from email import message_from_bytes
    from email.policy import default

    workers(
        0, EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(tmp_path)
    )
    reader = Client()
    reader.post("/subscribe/", {"email": "newcomer@example.org"})
    [file] = wait_until(lambda: list(tmp_path.glob("*.log")), "the confirmation in the mailbox")
    reader.post(confirm_link(file.read_text()))
    many_readers(3)
    post = make_post(stored_blog, "Open day", slug="open-day", date=timezone.now())
    wait_for_the_send(post)
    files = sorted(tmp_path.glob("*.log"))
    messages = [message_from_bytes(f.read_bytes().split(b"\n" + b"-" * 79)[0], policy=default) for f in files]
    assert len(files) == 5
    assert sorted(m["To"] for m in messages if m["Subject"] == "Open day") == [
        "newcomer@example.org", "reader000@example.org", "reader001@example.org", "reader002@example.org",
    ]  # fmt: skip
