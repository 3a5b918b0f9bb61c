"""Subscribers brought along from FeedBurner or Blogger, and taken out again, as CSV."""

import csv
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from taggit.models import Tag

from subscriptions.models import Subscriber, SubscriberStatus

from ..subscription_helpers import confirmed_reader

pytestmark = pytest.mark.django_db

FEEDBURNER = """Email,Subscription Date,Status
ada@example.org,2019-03-04,Active
Bo@Example.org,03/15/2020,Unverified
ada@example.org,2019-03-04,Active
left@example.org,2018-01-01,Active
"""

BLOGGER = """Email Address;Date Subscribed
cy@example.org;2021-06-01 10:30:00
dee@example.org;
"""


def upload(client, text, confirmed="yes", skip_bad=False, name="subscribers.csv"):
    data = {"file": SimpleUploadedFile(name, text.encode(), "text/csv"), "confirmed": confirmed}
    if skip_bad:
        data["skip_bad"] = "on"
    return client.post("/admin/subscribers/import/", data)


def stored():
    return {s.email: s.status for s in Subscriber.objects.all()}


def test_a_feedburner_export_imports_as_confirmed_except_whom_it_calls_unverified(admin_client, home_page):
    confirmed_reader("left@example.org", status=SubscriberStatus.UNSUBSCRIBED)
    response = upload(admin_client, FEEDBURNER)
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 new subscribers: 1 confirmed, 1 asked to confirm" in " ".join(html.split())
    assert "1 already on the list" in html and "1 repeated in the file" in html
    assert stored() == {
        "ada@example.org": SubscriberStatus.CONFIRMED,
        "bo@example.org": SubscriberStatus.PENDING,
        "left@example.org": SubscriberStatus.UNSUBSCRIBED,  # what the reader said here wins
    }
    ada = Subscriber.objects.get(email="ada@example.org")
    assert ada.subscribed_at.date().isoformat() == "2019-03-04" and ada.whole_blog and ada.source == "import"
    assert Subscriber.objects.get(email="bo@example.org").subscribed_at.date().isoformat() == "2020-03-15"
    [confirmation] = mail.outbox
    assert confirmation.to == ["bo@example.org"] and "/subscribe/confirm/" in confirmation.body


def test_a_blogger_export_imported_as_needing_confirmation_emails_each_reader(admin_client, home_page):
    response = upload(admin_client, BLOGGER, confirmed="no")
    assert response.status_code == 200
    assert stored() == {
        "cy@example.org": SubscriberStatus.PENDING,
        "dee@example.org": SubscriberStatus.PENDING,
    }
    assert sorted(message.to[0] for message in mail.outbox) == ["cy@example.org", "dee@example.org"]


def test_a_file_with_bad_rows_imports_nothing_and_says_which_rows_unless_told_to_skip_them(
    admin_client, home_page
):
    text = (
        "Email,Subscription Date,Status\n"
        "good@example.org,2020-01-01,Active\n"
        "not-an-address,2020-01-01,Active\n"
        "late@example.org,the 5th,Active\n"
        "odd@example.org,2020-01-01,Maybe\n"
    )
    response = upload(admin_client, text)
    html = " ".join(response.content.decode().split())
    assert response.status_code == 400 and "Nothing was imported" in html
    assert "<td>3</td><td>“not-an-address” is not an email address</td>" in html
    assert "<td>4</td><td>“the 5th” is not a date" in html and "<td>5</td><td>“Maybe” is not a status" in html
    assert Subscriber.objects.count() == 0 and mail.outbox == []

    response = upload(admin_client, text, skip_bad=True)
    assert response.status_code == 200 and "3 bad rows skipped" in response.content.decode()
    assert stored() == {"good@example.org": SubscriberStatus.CONFIRMED}


def test_a_headerless_list_of_addresses_is_read_as_one_column(admin_client, home_page):
    assert upload(admin_client, "one@example.org\ntwo@example.org\n").status_code == 200
    assert sorted(stored()) == ["one@example.org", "two@example.org"]


@pytest.mark.parametrize(
    "content, words",
    [(b"", "The submitted file is empty"), (b"\n\n", "The file has no rows")],
    ids=["empty", "blank-lines"],
)
def test_an_unreadable_file_is_refused_with_a_message(admin_client, home_page, content, words):
    data = {"file": SimpleUploadedFile("x.csv", content, "text/csv"), "confirmed": "yes"}
    response = admin_client.post("/admin/subscribers/import/", data)
    assert response.status_code == 400 and words in response.content.decode()


def test_a_latin1_file_is_read(admin_client, home_page):
    text = "Name,Email\nZoë Ng,zoe@example.org\n".encode("latin-1")
    data = {"file": SimpleUploadedFile("x.csv", text, "text/csv"), "confirmed": "yes"}
    assert admin_client.post("/admin/subscribers/import/", data).status_code == 200
    assert stored() == {"zoe@example.org": SubscriberStatus.CONFIRMED}


def exported(client, url="/admin/subscribers/export/"):
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return b"".join(response.streaming_content).decode()


def snapshot():
    return sorted(
        (
            s.email,
            s.status,
            s.whole_blog,
            tuple(sorted(t.name for t in s.labels.all())),
            s.subscribed_at.date(),
        )
        for s in Subscriber.objects.all()
    )


def test_export_then_import_brings_back_the_same_subscribers(admin_client, home_page):
    budget, ferries = Tag.objects.create(name="Budget"), Tag.objects.create(name="Ferries")
    confirmed_reader("all@example.org")
    confirmed_reader("labels@example.org", labels=[budget, ferries])
    confirmed_reader("replies@example.org", whole_blog=False)
    confirmed_reader("gone@example.org", status=SubscriberStatus.UNSUBSCRIBED)
    confirmed_reader("bounced@example.org", status=SubscriberStatus.SUSPENDED)
    before = snapshot()
    text = exported(admin_client)
    rows = list(csv.DictReader(io.StringIO(text)))
    names = [row["email"].split("@")[0] for row in rows]
    assert names == ["all", "labels", "replies", "gone", "bounced"]
    assert rows[1]["labels"] == "Budget; Ferries" and rows[2]["follows"] == "replies"
    Subscriber.objects.all().delete()
    assert upload(admin_client, text).status_code == 200
    assert snapshot() == before
    assert mail.outbox == []
    only_confirmed = exported(admin_client, "/admin/subscribers/export/?status=confirmed")
    assert len(only_confirmed.splitlines()) == 1 + 3


def test_exported_cells_never_run_as_spreadsheet_formulas(admin_client, home_page):
    confirmed_reader("sum@example.org", labels=[Tag.objects.create(name="=HYPERLINK(1)")])
    text = exported(admin_client)
    assert "'=HYPERLINK(1)" in text


def test_the_commands_export_and_import_the_same_format(home_page, tmp_path, capsys):
    budget = Tag.objects.create(name="Budget")
    confirmed_reader("ada@example.org", labels=[budget])
    confirmed_reader("bo@example.org")
    before = snapshot()
    target = tmp_path / "subscribers.csv"
    call_command("export_subscribers", "--output", str(target))
    Subscriber.objects.all().delete()
    call_command("import_subscribers", str(target), "--confirmed")
    assert "2 imported (2 confirmed" in capsys.readouterr().out
    assert snapshot() == before
    bad = tmp_path / "bad.csv"
    bad.write_text("Email\nnope\n")
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_subscribers", str(bad), "--ask")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_subscribers", str(tmp_path / "missing.csv"), "--ask")


def test_only_users_allowed_to_add_subscribers_may_import_and_to_see_them_export(client, home_page):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    editor = get_user_model().objects.create_user("ed", "ed@example.org", "pw")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    refused = upload(client, FEEDBURNER)
    assert refused.status_code == 302 and refused["Location"] == "/admin/"  # Wagtail's "permission denied"
    export = client.get("/admin/subscribers/export/")
    assert export.status_code == 302 and not export.get("Content-Disposition")
    assert Subscriber.objects.count() == 0
