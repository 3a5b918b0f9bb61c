"""Held comments stay hidden until a moderator approves them in the Wagtail admin; emails follow."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site as DjangoSite
from django.core import mail
from django.test import Client
from django_comments_xtd.models import XtdComment

from blog.models import CommentReview, CommentSettings

from ..comment_helpers import bulk, submit_comment
from ..factories import make_comment, make_post
from ..subscription_helpers import confirm_link, confirmed_reader

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    return get_user_model().objects.create_superuser("mod", "mod@example.org", "pw")


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


def test_comment_settings_saved_in_the_admin_apply_to_the_next_reader(admin_client, blog_index):
    old_post = make_post(blog_index, "Old news", date="2020-01-01 09:00")
    site = old_post.get_site()
    url = f"/admin/settings/blog/commentsettings/{site.pk}/"
    form = admin_client.get(url)
    assert form.status_code == 200 and 'name="close_after_days"' in form.content.decode()
    values = {
        "close_after_days": "30",
        "max_links": "2",
        "hold_first_comments": "on",
        "notify_moderators": "on",
    }
    assert admin_client.post(url, values).status_code == 302
    assert CommentSettings.objects.get(site=site).close_after_days == 30
    assert "Comments are closed." in Client().get(old_post.url).content.decode()


class TestModeratingCommentsOnAPost:
    """These tests comment on one post, made once for them all (what a test changes rolls back)."""

    @staticmethod
    def make_once(home, blog_index):
        DjangoSite.objects.filter(pk=1).update(domain="testserver")
        return make_post(blog_index, "Harbour levy")

    @pytest.fixture
    def post(self, once):
        return once

    def test_first_comment_is_held_moderator_told_then_approved_in_admin(self, client, post, moderator):
        response = submit_comment(client, post.url, "First time here.", email="new@example.org")
        comment = XtdComment.objects.get()
        assert (comment.is_public, comment.is_removed) == (False, False)
        assert CommentReview.objects.get(comment=comment).held_because == "first comment from this address"
        response = client.get(response["Location"])
        assert "awaiting moderation" in response.content.decode()
        assert "First time here." not in client.get(post.url).content.decode()
        [email] = mail.outbox
        assert email.to == ["mod@example.org"] and "Harbour levy" in email.subject
        assert "First time here." in email.body and f"/admin/comments/edit/{comment.pk}/" in email.body

        client.force_login(moderator)
        listing = client.get("/admin/comments/?status=held").content.decode()
        assert "First time here." in listing and "first comment from this address" in listing
        assert f"{post.url}#comments" in listing
        dashboard = client.get("/admin/").content.decode()
        assert "1</strong> comment awaiting moderation" in dashboard
        menu_item = '"label": "Comments", "icon_name": "comment", "classname": "", "attrs": {}, '
        menu_item += '"url": "/admin/comments/"'
        assert menu_item in dashboard

        assert bulk(client, "approve", [comment]).status_code == 302
        assert "First time here." in client.get(post.url).content.decode()
        assert "0</strong> comments awaiting moderation" in client.get("/admin/").content.decode()
        client.logout()
        # Now known, the same reader's next comment appears at once.
        submit_comment(client, post.url, "Back again.", email="new@example.org")
        assert "Back again." in client.get(post.url).content.decode()

    def test_listing_filters_by_status_and_searches_text_author_and_post(
        self, admin_client, post, blog_index
    ):
        other = make_post(blog_index, "Ferry timetable", date="2024-06-01 09:00")
        public = make_comment(post, "Public words", name="Nell Public")
        make_comment(post, "Held words", is_public=False)
        removed = make_comment(post, "Removed words")
        spam = make_comment(other, "Spam words", name="Cheap Pills")
        bulk(admin_client, "remove", [removed])
        bulk(admin_client, "spam", [spam])
        expectations = {
            "held": "Held words",
            "public": "Public words",
            "removed": "Removed words",
            "spam": "Spam words",
        }
        for status, text in expectations.items():
            html = admin_client.get(f"/admin/comments/?status={status}").content.decode()
            assert text in html, status
            assert [t for t in expectations.values() if t in html] == [text], status
        assert "Public words" in admin_client.get("/admin/comments/?q=nell").content.decode()
        by_post = admin_client.get("/admin/comments/?q=ferry").content.decode()
        assert "Spam words" in by_post and "Public words" not in by_post
        assert f"{post.url}#c{public.pk}" in admin_client.get("/admin/comments/").content.decode()

    def test_bulk_remove_and_spam_hide_comments_and_their_replies(self, admin_client, client, post):
        parent = make_comment(post, "Parent says")
        make_comment(post, "Child says", parent=parent)
        junk = make_comment(post, "Buy now")
        bulk(admin_client, "remove", [parent])
        bulk(admin_client, "spam", [junk])
        html = client.get(post.url).content.decode()
        assert "Parent says" not in html and "Child says" not in html and "Buy now" not in html
        assert CommentReview.objects.get(comment=junk).spam
        assert XtdComment.objects.count() == 3  # nothing deleted

    def test_readers_cannot_open_the_admin_listing(self, client, post):
        assert client.get("/admin/comments/").status_code == 302

    def test_follow_up_email_goes_to_the_subscriber_only_and_unsubscribes(self, client, post):
        settings = CommentSettings.for_site(post.get_site())
        settings.hold_first_comments = False
        settings.save()
        submit_comment(client, post.url, "Tell me more.", name="Sub", email="sub@example.org", followup="on")
        submit_comment(client, post.url, "No emails please.", name="Quiet", email="quiet@example.org")
        first = XtdComment.objects.get(user_email="sub@example.org")
        [confirmation] = mail.outbox  # ticking the box asks the address's owner first
        assert confirmation.to == ["sub@example.org"] and "reply notifications" in confirmation.subject
        mail.outbox.clear()
        submit_comment(client, first.get_reply_url(), "Unconfirmed yet.", name="Ivo", email="ivo@example.org")
        assert mail.outbox == []
        client.post(confirm_link(confirmation.body))
        submit_comment(client, first.get_reply_url(), "Here is more.", name="Ivo", email="ivo@example.org")
        [email] = mail.outbox
        assert email.to == ["sub@example.org"]
        assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "Here is more." in email.body and f"{post.full_url}#c" in email.body
        mute_url = email.body.split("open:\n", 1)[1].strip()
        assert mute_url.startswith("http://testserver/comments/mute/")
        assert "Stop these emails" in client.get(mute_url).content.decode()  # a button, nothing done yet
        assert XtdComment.objects.get(user_email="sub@example.org").followup
        assert email.extra_headers["List-Unsubscribe"] == f"<{mute_url}>"
        assert "no more emails" in client.post(mute_url, {"List-Unsubscribe": "One-Click"}).content.decode()
        mail.outbox.clear()
        submit_comment(client, post.url, "Anyone?", name="Ivo", email="ivo@example.org")
        assert mail.outbox == []

    def test_subscriber_hears_of_a_held_reply_only_once_it_is_approved(self, admin_client, post):
        first = make_comment(post, "Keep me posted", email="sub@example.org", followup=True)
        confirmed_reader("sub@example.org", whole_blog=False)
        submit_comment(Client(), first.get_reply_url(), "A newcomer answers", email="newcomer@example.org")
        assert [m.to for m in mail.outbox] == [["mod@example.org"]]
        mail.outbox.clear()
        bulk(admin_client, "approve", [XtdComment.objects.get(user_email="newcomer@example.org")])
        [email] = mail.outbox
        assert email.to == ["sub@example.org"] and "A newcomer answers" in email.body

    def test_the_edit_form_corrects_the_text_but_never_the_status(self, admin_client, post):
        comment = make_comment(post, "Held words with a tpyo", name="Quiet Reader", is_public=False)
        edit = f"/admin/comments/edit/{comment.pk}/"
        form = {"user_name": "Quiet Reader", "user_email": "reader@example.org", "user_url": ""}
        response = admin_client.post(edit, {**form, "comment": "Held words with a typo", "is_public": "on"})
        assert response.status_code == 302
        comment.refresh_from_db()
        assert comment.comment == "Held words with a typo"
        assert (comment.is_public, comment.is_removed) == (False, False)  # approving is a bulk action
        assert "Held words" not in Client().get(post.url).content.decode()
