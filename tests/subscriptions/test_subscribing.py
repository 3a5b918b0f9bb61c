"""Readers subscribe from any page, cached or not, and confirm by email; nobody learns who is subscribed."""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.test import Client, override_settings
from django.utils import timezone
from taggit.models import Tag

from subscriptions.models import Mailing, Subscriber, SubscriberStatus
from subscriptions.tokens import CONFIRM_SALT, UNSUBSCRIBE_SALT, confirm_key

from ..comment_helpers import submit_comment
from ..factories import make_post
from ..subscription_helpers import confirm_link, confirmed_reader, subscribe_form

pytestmark = pytest.mark.django_db


def subscribe(client, email, **extra):
    return client.post("/subscribe/", {"email": email, "website": "", **extra}, REMOTE_ADDR="10.0.0.1")


def test_home_post_and_every_other_page_carry_a_form_with_no_reader_state(client, blog_index):
    make_post(blog_index, "Harbour levy", slug="harbour-levy", tags=["Budget", "Harbour"])
    home = client.get("/").content.decode()
    post = client.get("/blog/harbour-levy/").content.decode()
    listing = client.get("/blog/").content.decode()
    for html, place in [(home, "home"), (post, "post"), (listing, "footer")]:
        action, fields, _labels = subscribe_form(html, place)
        assert action == "/subscribe/" and "csrfmiddlewaretoken" not in fields
        assert html.count('class="subscribe-form ') == 1  # the page's own form stands for the footer's
    assert subscribe_form(post, "post")[2] == ["budget", "harbour"]  # the post's own labels to follow
    assert "About your data" in post and "About your data" in home


def test_a_reader_subscribes_from_a_cached_post_page_to_its_labels_and_confirms(blog_index):
    make_post(blog_index, "Harbour levy", slug="harbour-levy", tags=["Budget", "Harbour"])
    reader = Client(enforce_csrf_checks=True)
    with override_settings(PAGE_CACHE_SECONDS=600):
        assert reader.get("/blog/harbour-levy/")["X-Page-Cache"] == "miss"
        cached = reader.get("/blog/harbour-levy/")
    assert cached["X-Page-Cache"] == "hit"
    action, fields, labels = subscribe_form(cached.content.decode(), "post")
    answer = reader.post(action, {**fields, "email": "rosa@example.org", "label": labels[:1]})
    assert answer.status_code == 200 and "Check your inbox" in answer.content.decode()
    assert 'href="/blog/harbour-levy/"' in answer.content.decode()  # back to where they were

    [confirmation] = mail.outbox
    assert (
        confirmation.to == ["rosa@example.org"]
        and confirmation.subject == "[Broadsheet] Confirm your subscription"
    )
    link = confirm_link(confirmation.body)
    page = reader.get(link).content.decode()
    assert "“Budget”" in page and "<button" in page
    assert Subscriber.objects.get().status == SubscriberStatus.PENDING  # opening the link confirms nothing
    assert "is confirmed" in reader.post(link).content.decode()
    rosa = Subscriber.objects.get()
    assert rosa.status == SubscriberStatus.CONFIRMED and not rosa.whole_blog
    assert [tag.name for tag in rosa.labels.all()] == ["Budget"]


def test_subscribing_again_gets_everyone_the_same_answer_and_sends_a_confirmed_reader_nothing(
    client, blog_index
):
    confirmed_reader("known@example.org")
    answers = [
        subscribe(client, email) for email in ("new@example.org", "known@example.org", "new@example.org")
    ]
    bodies = [re.sub(r"\S+@example\.org", "ADDRESS", a.content.decode()) for a in answers]
    assert [a.status_code for a in answers] == [200, 200, 200] and len(set(bodies)) == 1
    assert [message.to for message in mail.outbox] == [["new@example.org"]]  # not again within minutes
    assert Subscriber.objects.get(email="known@example.org").status == SubscriberStatus.CONFIRMED

    Subscriber.objects.filter(email="new@example.org").update(
        confirmation_sent_at=timezone.now() - timedelta(hours=1)
    )
    subscribe(client, "NEW@example.org ")
    assert [message.to for message in mail.outbox] == [["new@example.org"], ["new@example.org"]]
    assert Subscriber.objects.count() == 2


def test_an_unsubscribed_reader_who_subscribes_again_must_confirm_again(client, blog_index):
    confirmed_reader("back@example.org", status=SubscriberStatus.UNSUBSCRIBED)
    subscribe(client, "back@example.org")
    [confirmation] = mail.outbox
    assert Subscriber.objects.get().status == SubscriberStatus.UNSUBSCRIBED
    client.post(confirm_link(confirmation.body))
    assert Subscriber.objects.get().status == SubscriberStatus.CONFIRMED


@pytest.mark.parametrize(
    "data, status, words",
    [
        ({"email": ""}, 400, "Type the email address"),
        ({"email": "not an address"}, 400, "does not look like an email address"),
        ({"email": "a" * 250 + "@example.org"}, 400, "longer than email addresses"),
        ({"email": "ok@example.org", "label": "no-such-label"}, 400, "no longer on the blog"),
        ({"email": "ok@example.org", "website": "http://spam.example"}, 400, "could not be accepted"),
    ],
    ids=["empty", "malformed", "too-long", "unknown-label", "honeypot"],
)
def test_bad_subscriptions_are_refused_with_a_message_and_store_nothing(
    client, blog_index, data, status, words
):
    answer = client.post("/subscribe/", data)
    assert answer.status_code == status and words in answer.content.decode()
    assert Subscriber.objects.count() == 0 and mail.outbox == []


def test_a_flood_of_subscriptions_from_one_address_is_slowed_down(client, blog_index, settings):
    settings.SUBSCRIPTIONS_RATE_LIMIT = 2
    codes = [subscribe(client, f"r{n}@example.org").status_code for n in range(3)]
    assert codes == [200, 200, 429]
    assert Subscriber.objects.count() == 2


def test_the_full_subscribe_page_offers_every_label_of_the_blog(client, blog_index):
    make_post(blog_index, "Harbour levy", tags=["Budget"])
    make_post(blog_index, "Ferry", slug="ferry", tags=["Ferries"])
    _action, _fields, labels = subscribe_form(client.get("/subscribe/").content.decode(), "page")
    assert labels == ["budget", "ferries"]
    assert client.put("/subscribe/").status_code == 405


@pytest.mark.parametrize(
    "key, status, words",
    [
        ("nonsense", 400, "not valid"),
        (signing.dumps({"s": 1, "all": True, "labels": []}, salt="another"), 400, "not valid"),
        (signing.dumps({"s": "1", "all": True, "labels": []}, salt=CONFIRM_SALT), 400, "not valid"),
        (
            signing.dumps({"s": 99999, "all": True, "labels": []}, salt=CONFIRM_SALT),
            404,
            "no longer on our list",
        ),
    ],
    ids=["garbage", "other-salt", "wrong-shape", "erased"],
)
def test_broken_confirmation_links_are_refused_with_a_message(client, blog_index, key, status, words):
    for method in (client.get, client.post):
        answer = method(f"/subscribe/confirm/{key}/")
        assert answer.status_code == status and words in answer.content.decode()


def test_an_expired_confirmation_link_says_so_and_confirms_nothing(client, blog_index, settings):
    pending = Subscriber.objects.create(email="late@example.org")
    key = confirm_key(pending, True, [])
    settings.SUBSCRIPTIONS_CONFIRM_DAYS = -1
    answer = client.post(f"/subscribe/confirm/{key}/")
    assert answer.status_code == 400 and "expired" in answer.content.decode()
    assert Subscriber.objects.get().status == SubscriberStatus.PENDING


def test_the_unsubscribe_link_asks_on_get_and_refuses_forged_keys(client, blog_index):
    reader = confirmed_reader("ada@example.org")
    key = signing.dumps({"u": reader.pk}, salt=UNSUBSCRIBE_SALT)
    assert "<button" in client.get(f"/unsubscribe/{key}/").content.decode()
    assert Subscriber.objects.get().status == SubscriberStatus.CONFIRMED
    forged = signing.dumps({"u": reader.pk}, salt=CONFIRM_SALT)
    assert client.post(f"/unsubscribe/{forged}/").status_code == 400
    assert client.post("/unsubscribe/x/").status_code == 400
    assert Subscriber.objects.get().status == SubscriberStatus.CONFIRMED
    assert "You are unsubscribed" in client.post(f"/unsubscribe/{key}/").content.decode()
    assert Subscriber.objects.get().status == SubscriberStatus.UNSUBSCRIBED


def test_only_a_first_publication_of_a_post_dated_now_is_emailed(client, blog_index):
    confirmed_reader("ada@example.org")
    make_post(blog_index, "From the archive", slug="archive", date="2019-03-01 09:00")
    assert mail.outbox == [] and not Mailing.objects.exists()  # back-dated
    draft = make_post(blog_index, "Fresh", slug="fresh", date=timezone.now(), publish=False)
    assert mail.outbox == []
    draft.save_revision().publish()
    assert [message.subject for message in mail.outbox] == ["Fresh"]
    draft.unpublish()
    draft.save_revision().publish()
    draft.title = "Fresh, corrected"
    draft.save_revision().publish()
    assert [message.subject for message in mail.outbox] == ["Fresh"]


def test_a_post_written_days_ago_and_published_now_is_emailed(blog_index):
    confirmed_reader("ada@example.org")
    post = make_post(blog_index, "Long draft", slug="long-draft", date=timezone.now(), publish=False)
    post.revisions.update(created_at=timezone.now() - timedelta(days=5))
    type(post).objects.filter(pk=post.pk).update(date=timezone.now() - timedelta(days=5))
    post.refresh_from_db()
    post.save_revision().publish()
    assert [message.subject for message in mail.outbox] == ["Long draft"]


def test_reply_notifications_wait_for_the_address_to_be_confirmed_once(client, blog_index):
    from blog.models import CommentSettings

    CommentSettings.objects.create(site_id=blog_index.get_site().pk, hold_first_comments=False)
    post = make_post(blog_index, "Harbour levy", slug="harbour-levy")
    submit_comment(client, post.url, "Tell me more.", email="Sub@Example.org", followup="on")
    submit_comment(client, post.url, "And more.", email="sub@example.org", followup="on")
    [confirmation] = mail.outbox  # one, however many comments ask
    assert "reply notifications" in confirmation.subject
    page = client.get(confirm_link(confirmation.body)).content.decode()
    assert "reply notifications" in page and "<button" in page
    client.post(confirm_link(confirmation.body))
    sub = Subscriber.objects.get()
    assert sub.status == SubscriberStatus.CONFIRMED and not sub.follows_posts  # replies, not posts
    mail.outbox.clear()
    submit_comment(client, post.url, "A reply.", name="Ivo", email="ivo@example.org")
    assert [message.to for message in mail.outbox] == [["sub@example.org"]]  # once, however spelt
    make_post(blog_index, "New post", slug="new-post", date=timezone.now())
    assert [message.to for message in mail.outbox] == [["sub@example.org"]]  # no posts for replies alone

    mail.outbox.clear()
    subscribe(client, "sub@example.org")  # now for posts too: confirmed again, for that
    [confirmation] = mail.outbox
    assert confirmation.subject == "[Broadsheet] Confirm your subscription"


def test_follow_up_emails_from_a_comment_by_spam_ask_for_no_confirmation(client, blog_index, akismet):
    post = make_post(blog_index, "Harbour levy", slug="harbour-levy")
    submit_comment(client, post.url, "Cheap pills here", email="victim@example.org", followup="on")
    assert [m for m in mail.outbox if m.to == ["victim@example.org"]] == []
    assert not Subscriber.objects.exists()


def test_unknown_labels_in_a_confirmation_are_left_out(client, blog_index):
    budget = Tag.objects.create(name="Budget")
    gone = Tag.objects.create(name="Gone")
    pending = Subscriber.objects.create(email="ada@example.org")
    key = confirm_key(pending, False, [budget.pk, gone.pk])
    gone.delete()
    client.post(f"/subscribe/confirm/{key}/")
    assert [tag.name for tag in Subscriber.objects.get().labels.all()] == ["Budget"]


def test_subscribing_costs_a_few_queries_however_many_labels_the_blog_has(
    client, blog_index, django_assert_max_num_queries
):
    for n in range(12):
        make_post(blog_index, f"Post {n}", slug=f"post-{n}", tags=[f"label-{n}"])
    client.get("/subscribe/")
    with django_assert_max_num_queries(2):
        page = client.get("/subscribe/")
    assert len(subscribe_form(page.content.decode(), "page")[2]) == 12
    with django_assert_max_num_queries(14):
        subscribe(client, "ada@example.org", label=[f"label-{n}" for n in range(12)])
    assert Subscriber.objects.get().labels.count() == 12
