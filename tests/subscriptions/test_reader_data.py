"""What is kept about one email address is handed back whole, or erased; old IP addresses go."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils import timezone
from django_comments_xtd.models import XtdComment
from django_tasks_db.models import DBTaskResult
from taggit.models import Tag

from blog.models import CommentReview
from blog.tasks import clear_old_comment_ips
from broadsheet import schedule
from subscriptions.models import Delivery, Subscriber

from ..factories import make_comment, make_post
from ..subscription_helpers import confirmed_reader
from ..task_helpers import DATABASE_TASKS

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored_reader(blog_index, settings):
    """Ada: a subscriber with a label and a post sent, two comments (one with a reply by someone
    else), the browser details kept for Akismet, and an email queued for her."""
    confirmed_reader("ada@example.org", labels=[Tag.objects.create(name="Budget")])
    post = make_post(blog_index, "Harbour levy", slug="harbour-levy", date=timezone.now(), tags=["Budget"])
    first = make_comment(
        post, "First thoughts", name="Ada Quill", email="Ada@Example.org", ip_address="192.0.2.7"
    )
    make_comment(
        post, "Second thoughts", name="Ada Quill", email="ada@example.org", user_url="https://ada.example"
    )
    make_comment(post, "A reply to Ada", name="Bo", email="bo@example.org", parent=first)
    CommentReview.objects.create(comment=first, user_agent="Browser/1.0", referrer="https://search.example/")
    settings.TASKS = DATABASE_TASKS
    mail.EmailMessage("Queued for Ada", "Hello", to=["ada@example.org"]).send()
    mail.EmailMessage("Queued for Bo", "Hello", to=["bo@example.org"]).send()
    return post


def keeper(client):
    user = get_user_model().objects.create_user("keeper", "keeper@example.org", "pw")
    for codename in ("access_admin", "manage_reader_data"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    return user


def test_the_export_holds_everything_stored_about_the_address(client, stored_reader):
    keeper(client)
    page = " ".join(client.get("/admin/reader-data/?email=ADA@example.org").content.decode().split())
    assert "Comments: 2 (1 reply by others under them)" in page and "Emails queued or kept: 1" in page
    response = client.get("/admin/reader-data/export/?email=ada@example.org")
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["email"] == "ada@example.org"
    assert data["subscription"]["status"] == "confirmed" and data["subscription"]["labels"] == ["Budget"]
    assert [sent["post"] for sent in data["subscription"]["posts_sent"]] == ["Harbour levy"]
    comments = {c["comment"]: c for c in data["comments"]}
    assert set(comments) == {"First thoughts", "Second thoughts"}
    assert comments["First thoughts"]["ip_address"] == "192.0.2.7"
    assert comments["First thoughts"]["browser"] == "Browser/1.0"
    assert comments["Second thoughts"]["website"] == "https://ada.example"
    assert comments["First thoughts"]["post_url"] == "http://testserver/blog/harbour-levy/"
    assert [e["subject"] for e in data["emails_queued_or_kept"]] == ["Queued for Ada"]


def test_erasing_anonymises_the_comments_and_deletes_the_rest(client, stored_reader):
    keeper(client)
    assert "Ada Quill" in client.get(stored_reader.url).content.decode()
    response = client.post(
        "/admin/reader-data/erase/", {"email": "ada@example.org", "comments": "anonymise", "sure": "on"}
    )
    assert response.status_code == 302
    assert not Subscriber.objects.exists() and not Delivery.objects.exists()
    mine = XtdComment.objects.filter(comment__in=["First thoughts", "Second thoughts"])
    assert {(c.user_name, c.user_email, c.user_url, c.ip_address, c.followup) for c in mine} == {
        ("Anonymous", "", "", None, False)
    }
    assert CommentReview.objects.get().user_agent == "" and CommentReview.objects.get().referrer == ""
    emails = DBTaskResult.objects.filter(task_path="broadsheet.mail.send_email")
    assert [task.args_kwargs["args"][0]["subject"] for task in emails] == ["Queued for Bo"]
    html = client.get(stored_reader.url).content.decode()
    assert "Ada Quill" not in html and "First thoughts" in html and "A reply to Ada" in html
    export = json.loads(client.get("/admin/reader-data/export/?email=ada@example.org").content)
    assert (
        export["subscription"] is None and export["comments"] == [] and export["emails_queued_or_kept"] == []
    )


def test_erasing_can_take_the_comments_down_instead(client, stored_reader):
    keeper(client)
    client.post("/admin/reader-data/erase/", {"email": "ada@example.org", "comments": "delete", "sure": "on"})
    assert list(XtdComment.objects.values_list("comment", flat=True)) == ["A reply to Ada"]
    assert "First thoughts" not in client.get(stored_reader.url).content.decode()


def test_erasing_without_saying_yes_changes_nothing(client, stored_reader):
    keeper(client)
    response = client.post("/admin/reader-data/erase/", {"email": "ada@example.org", "comments": "delete"})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert XtdComment.objects.count() == 3 and Subscriber.objects.count() == 1
    assert client.get("/admin/reader-data/?email=nonsense").status_code == 400
    assert client.get("/admin/reader-data/export/?email=nonsense").status_code == 400


def test_only_users_with_the_readers_data_permission_get_in(admin_client, client, stored_reader):
    user = get_user_model().objects.create_user("ed", "ed@example.org", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    for url in ("/admin/reader-data/", "/admin/reader-data/export/?email=ada@example.org"):
        assert client.get(url).status_code == 302
    client.post("/admin/reader-data/erase/", {"email": "ada@example.org", "comments": "delete", "sure": "on"})
    assert XtdComment.objects.count() == 3
    assert admin_client.get("/admin/reader-data/").status_code == 200  # superusers have every permission


def test_ip_addresses_older_than_the_retention_are_cleared(blog_index, settings):
    post = make_post(blog_index, "Harbour levy", slug="harbour-levy")
    old = make_comment(post, "Old", ip_address="192.0.2.1", submit_date=timezone.now() - timedelta(days=91))
    new = make_comment(post, "New", ip_address="192.0.2.2", submit_date=timezone.now() - timedelta(days=89))
    CommentReview.objects.create(comment=old, user_agent="Old browser")
    CommentReview.objects.create(comment=new, user_agent="New browser")
    assert clear_old_comment_ips.call() == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.ip_address, new.ip_address) == (None, "192.0.2.2")
    assert dict(CommentReview.objects.values_list("comment_id", "user_agent")) == {
        old.pk: "",
        new.pk: "New browser",
    }
    settings.COMMENT_IP_RETENTION_DAYS = 30
    assert clear_old_comment_ips.call() == 1


def test_repeating_tasks_are_queued_after_migrate_once_and_each_run_queues_the_next(db, settings):
    settings.TASKS = DATABASE_TASKS
    path = "blog.tasks.clear_old_comment_ips"
    schedule.queue_missing(plan=[])
    schedule.queue_missing(plan=[])
    schedule.queue_missing(plan=None)  # flush, not migrate: nothing
    [run] = DBTaskResult.objects.filter(task_path=path)
    assert (
        run.status == "READY"
        and DBTaskResult.objects.filter(task_path__startswith="subscriptions.").count() == 1
    )
    run.claim("test-worker")  # what a worker does before it runs the task
    clear_old_comment_ips.call()
    [later] = DBTaskResult.objects.filter(task_path=path, status="READY")
    assert timedelta(hours=23) < later.run_after - timezone.now() <= timedelta(days=1)
