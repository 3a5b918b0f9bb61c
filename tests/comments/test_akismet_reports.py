"""Moderators' verdicts reach Akismet: a comment marked spam is reported as spam, one held back
and then approved as ham, each with what the reader's browser sent when the comment was posted."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site as DjangoSite
from django.test import Client
from django_comments_xtd.models import XtdComment

from blog.models import CommentReview, CommentSettings

from ..comment_helpers import bulk, submit_comment
from ..factories import make_post

pytestmark = pytest.mark.django_db

READER_AGENT = "Mozilla/5.0 (Reader's browser)"
READER_ADDRESS = "198.51.100.4"
READER_CAME_FROM = "https://search.example/?q=harbour+levy"


@pytest.fixture
def reader():
    return Client(HTTP_USER_AGENT=READER_AGENT, HTTP_REFERER=READER_CAME_FROM)


@pytest.fixture
def moderator_client(db):
    moderator = get_user_model().objects.create_superuser("mod", "mod@example.org", "pw")
    client = Client(HTTP_USER_AGENT="The moderator's browser")
    client.force_login(moderator)
    return client


def post_as_reader(reader, post, text, **fields):
    response = submit_comment(reader, post.url, text, REMOTE_ADDR=READER_ADDRESS, **fields)
    assert response.status_code == 302
    return XtdComment.objects.get(comment=text)


def submitted(akismet, call):
    return [data for path, data in akismet.seen if path == f"/1.1/{call}"]


class TestReportingCommentsOnAPost:
    """These tests comment on one post, made once for them all (what a test changes rolls back)."""

    @staticmethod
    def make_once(home, blog_index):
        DjangoSite.objects.filter(pk=1).update(domain="testserver")
        return make_post(blog_index, "Harbour levy", date="2024-05-01 09:00")

    @pytest.fixture
    def post(self, once):
        return once

    def test_marking_a_public_comment_spam_reports_it_with_the_readers_data(
        self, reader, moderator_client, post, akismet
    ):
        CommentSettings.objects.create(site=post.get_site(), hold_first_comments=False)
        comment = post_as_reader(reader, post, "Visit my shop for cheap boats", name="Shopkeeper")
        assert comment.is_public
        assert bulk(moderator_client, "spam", [comment]).status_code == 302
        [data] = submitted(akismet, "submit-spam")
        assert data["api_key"] == ["test-key"]
        assert data["user_ip"] == [READER_ADDRESS]
        assert data["user_agent"] == [READER_AGENT]
        assert data["referrer"] == [READER_CAME_FROM]
        assert data["comment_content"] == ["Visit my shop for cheap boats"]
        assert data["comment_author"] == ["Shopkeeper"]
        assert data["comment_author_email"] == ["rosa@example.org"]
        assert data["comment_type"] == ["comment"]
        assert data["permalink"] == [f"http://testserver{post.url}"]
        assert submitted(akismet, "submit-ham") == []
        assert "cheap boats" not in reader.get(post.url).content.decode()

    def test_approving_a_held_comment_reports_it_as_ham(self, reader, moderator_client, post, akismet):
        comment = post_as_reader(reader, post, "First time here.", name="Newcomer")
        assert comment.review.held_because == "first comment from this address"
        assert bulk(moderator_client, "approve", [comment]).status_code == 302
        [data] = submitted(akismet, "submit-ham")
        assert data["user_ip"] == [READER_ADDRESS] and data["user_agent"] == [READER_AGENT]
        assert data["comment_content"] == ["First time here."] and data["comment_author"] == ["Newcomer"]
        assert submitted(akismet, "submit-spam") == []
        assert "First time here." in reader.get(post.url).content.decode()

    def test_approving_a_comment_akismet_called_spam_reports_it_as_ham(
        self, reader, moderator_client, post, akismet
    ):
        comment = post_as_reader(reader, post, "I take pills for my seasickness")
        assert CommentReview.objects.get(comment=comment).spam
        bulk(moderator_client, "approve", [comment])
        [data] = submitted(akismet, "submit-ham")
        assert data["comment_content"] == ["I take pills for my seasickness"]

    def test_decisions_that_are_no_news_to_akismet_are_not_reported(
        self, reader, moderator_client, post, akismet
    ):
        spam = post_as_reader(reader, post, "Cheap pills here")
        held = post_as_reader(reader, post, "Held for a first comment")
        bulk(moderator_client, "spam", [spam])  # Akismet said so itself
        bulk(moderator_client, "remove", [held])
        bulk(moderator_client, "approve", [held])  # removed, not held back by a rule or Akismet
        assert submitted(akismet, "submit-spam") == submitted(akismet, "submit-ham") == []

    def test_without_a_key_nothing_is_reported_and_no_browser_data_kept(
        self, reader, moderator_client, post, akismet, settings
    ):
        settings.AKISMET_API_KEY = ""
        comment = post_as_reader(reader, post, "First time here.")
        assert comment.review.user_agent == ""
        bulk(moderator_client, "approve", [comment])
        bulk(moderator_client, "spam", [comment])
        assert akismet.seen == []

    def test_an_unreachable_akismet_does_not_stop_the_moderator(
        self, reader, moderator_client, post, akismet, settings
    ):
        comment = post_as_reader(reader, post, "First time here.")
        settings.AKISMET_API_URL = "http://127.0.0.1:9/1.1/"  # discard port: nothing listens
        assert bulk(moderator_client, "spam", [comment]).status_code == 302
        comment.refresh_from_db()
        assert (comment.is_public, comment.is_removed, comment.review.spam) == (False, True, True)
