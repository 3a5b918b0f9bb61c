"""Editors see their subscribers, each post's sends, and can email themselves a draft."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.utils import timezone
from taggit.models import Tag

from broadsheet.admin_listings import EstimatedCountPaginator
from subscriptions.models import Delivery, DeliveryStatus, Subscriber, SubscriberStatus

from ..factories import make_post, paragraph
from ..subscription_helpers import confirmed_reader

pytestmark = pytest.mark.django_db


def listed(client, query=""):
    html = client.get(f"/admin/subscribers/{query}").content.decode()
    return sorted(set(re.findall(r"[\w.]+@example\.org", html)) - {"admin@example.org"})


@pytest.fixture
def readers(home_page):
    budget, ferries = Tag.objects.create(name="Budget"), Tag.objects.create(name="Ferries")
    confirmed_reader("all@example.org")
    confirmed_reader("budget@example.org", labels=[budget])
    confirmed_reader("ferries@example.org", labels=[ferries])
    confirmed_reader("replies@example.org", whole_blog=False)
    confirmed_reader("gone@example.org", status=SubscriberStatus.UNSUBSCRIBED)
    Subscriber.objects.create(email="waiting@example.org")
    return budget


def test_the_subscriber_list_counts_filters_and_searches(admin_client, readers):
    html = " ".join(admin_client.get("/admin/subscribers/").content.decode().split())
    assert "6 in all:" in html
    for count, label in [
        (1, "awaiting confirmation"),
        (4, "confirmed"),
        (1, "unsubscribed"),
        (0, "suspended"),
    ]:
        assert f">{count} {label}" in html
    assert "Every post" in html and "Reply notifications only" in html and ">Budget<" in html
    assert listed(admin_client, "?status=pending") == ["waiting@example.org"]
    assert listed(admin_client, f"?label={readers.pk}") == ["budget@example.org"]
    assert listed(admin_client, "?follows=replies") == ["replies@example.org"]
    assert listed(admin_client, "?follows=labels") == ["budget@example.org", "ferries@example.org"]
    assert listed(admin_client, "?q=ferr") == ["ferries@example.org"]


def test_past_the_exact_limit_the_subscriber_counts_say_so(admin_client, readers, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_UP_TO", 2)
    html = " ".join(admin_client.get("/admin/subscribers/").content.decode().split())
    assert re.search(r"about \d+ in all:", html) and re.search(r">about \d+ confirmed<", html)
    assert ">1 awaiting confirmation<" in html and ">0 suspended" in html
    # Several statuses past the limit are estimated together, each at least one (what was counted).
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_UP_TO", 0)
    html = " ".join(admin_client.get("/admin/subscribers/").content.decode().split())
    for label in ["awaiting confirmation", "confirmed", "unsubscribed"]:
        assert int(re.search(rf">about (\d+) {label}<", html).group(1)) >= 1, label
    assert ">0 suspended" in html


def test_the_subscriber_list_costs_the_same_queries_for_many_subscribers(
    admin_client, readers, django_assert_max_num_queries
):
    admin_client.get("/admin/subscribers/")
    with django_assert_max_num_queries(25) as few:
        admin_client.get("/admin/subscribers/")
    for n in range(30):
        confirmed_reader(f"more{n}@example.org", labels=[readers])
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get("/admin/subscribers/")


def make_user(username, group=None, *codenames):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "pw")
    if group:
        user.groups.add(Group.objects.get(name=group))
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


ADDRESS_URLS = ["/admin/subscribers/", "/admin/subscribers/export/", "/admin/sends/", "/admin/reader-data/"]


def test_editors_without_the_subscriber_permissions_see_no_address(client, readers):
    client.force_login(make_user("ed", "Editors"))
    for url in ADDRESS_URLS:
        response = client.get(url, follow=True)
        assert "all@example.org" not in response.content.decode(), url
        assert response.redirect_chain and response.redirect_chain[-1][0] == "/admin/", url
    assert "Readers" not in client.get("/admin/").content.decode()


def test_a_group_given_the_subscriber_permissions_manages_subscribers(client, readers):
    group = Group.objects.create(name="Subscriptions")
    for codename in ("view_subscriber", "change_subscriber", "add_subscriber"):
        group.permissions.add(Permission.objects.get(codename=codename))
    user = make_user("mo", "Moderators")
    user.groups.add(group)
    client.force_login(user)
    assert "all@example.org" in listed(client)
    assert client.get("/admin/subscribers/export/").status_code == 200
    assert client.get("/admin/reader-data/").status_code == 302  # readers' data needs its own permission
    assert "Readers" in client.get("/admin/").content.decode()


def test_a_post_shows_its_sends_and_the_addresses_that_failed_to_those_allowed(
    admin_client, client, blog_index
):
    confirmed_reader("ada@example.org")
    confirmed_reader("bo@example.org")
    post = make_post(blog_index, "Harbour levy", slug="harbour-levy", date=timezone.now())
    Delivery.objects.filter(subscriber__email="bo@example.org").update(
        status=DeliveryStatus.FAILED, error="SMTPRecipientsRefused: 550 No such mailbox"
    )
    edit = admin_client.get(f"/admin/pages/{post.pk}/edit/").content.decode()
    assert f"/admin/sends/post/{post.pk}/" in edit and f"/admin/sends/post/{post.pk}/test/" in edit
    html = admin_client.get(f"/admin/sends/post/{post.pk}/").content.decode()
    assert (
        'data-count="sent">1<' in html
        and 'data-count="failed">1<' in html
        and 'data-count="queued">0<' in html
    )
    assert "bo@example.org" in html and "550 No such mailbox" in html
    listing = admin_client.get("/admin/sends/").content.decode()
    assert "Harbour levy" in listing and "Finished" in listing

    client.force_login(make_user("ed", "Editors"))
    html = client.get(f"/admin/sends/post/{post.pk}/").content.decode()
    assert 'data-count="failed">1<' in html and "bo@example.org" not in html


def test_an_unpublished_post_says_how_many_followers_it_will_reach(admin_client, blog_index):
    confirmed_reader("ada@example.org")
    draft = make_post(blog_index, "Coming soon", slug="coming-soon", publish=False)
    html = " ".join(admin_client.get(f"/admin/sends/post/{draft.pk}/").content.decode().split())
    assert "its 1 confirmed follower " in html


def test_an_editor_emails_the_latest_draft_to_themselves_and_nobody_else(client, blog_index):
    confirmed_reader("ada@example.org")
    post = make_post(blog_index, "Harbour levy", slug="harbour-levy", publish=False)
    post.body = [("paragraph", paragraph("<p>The newest wording.</p>")["value"])]
    post.title = "Harbour levy, revised"
    post.save_revision()
    editor = make_user("ed", "Editors")
    client.force_login(editor)
    page = client.get(f"/admin/sends/post/{post.pk}/test/").content.decode()
    assert "ed@example.org" in page and "<button" in page
    assert mail.outbox == []
    response = client.post(f"/admin/sends/post/{post.pk}/test/")
    assert response.status_code == 302 and response["Location"] == f"/admin/pages/{post.pk}/edit/"
    [message] = mail.outbox
    assert message.to == ["ed@example.org"] and message.subject == "[Test] Harbour levy, revised"
    html = message.alternatives[0][0]
    assert "The newest wording." in html and "Test email of the latest draft" in html
    assert "The newest wording." in message.body
    assert not Delivery.objects.exists()

    editor.email = ""
    editor.save()
    response = client.post(f"/admin/sends/post/{post.pk}/test/")
    assert response.status_code == 400 and "no email address" in response.content.decode()


def test_users_who_may_not_edit_the_post_get_no_test_email(client, blog_index):
    post = make_post(blog_index, "Harbour levy", slug="harbour-levy")
    client.force_login(make_user("viewer", None, "access_admin"))
    assert client.post(f"/admin/sends/post/{post.pk}/test/").status_code == 302
    assert client.get(f"/admin/sends/post/{post.pk}/").status_code == 302
    assert mail.outbox == []


def test_an_address_edited_in_the_admin_keeps_one_spelling_and_stays_unique(admin_client, readers):
    subscriber = Subscriber.objects.get(email="waiting@example.org")
    url = f"/admin/subscribers/edit/{subscriber.pk}/"
    data = {"email": "Waiting.Again@Example.org", "status": "confirmed", "whole_blog": "on", "labels": []}
    assert admin_client.post(url, data).status_code == 302
    subscriber.refresh_from_db()
    assert (subscriber.email, subscriber.status) == ("waiting.again@example.org", SubscriberStatus.CONFIRMED)
    response = admin_client.post(url, {**data, "email": "ALL@example.org"})
    assert "already exists" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.email == "waiting.again@example.org"
