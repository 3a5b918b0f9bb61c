"""Bad input, closed threads, spam defences and unpublished posts: clear 4xx answers, nothing lost."""

import pytest
from django.core import mail
from django_comments_xtd.models import XtdComment

from blog.models import CommentReview, CommentSettings

from ..comment_helpers import post_open_to_comments, read_form, submit_comment
from ..factories import make_comment, make_post

pytestmark = pytest.mark.django_db


def site_settings(page, **values):
    settings = CommentSettings.for_site(page.get_site())
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save()
    return settings


# A logged-in user's session carries their name (and a moderator's skips moderation): a comment
# sent with it needs the CSRF token of a page the site served them.


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_superuser("ed", "ed@example.org", "pw", first_name="Ed")


@pytest.fixture
def csrf_client(editor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    return client


# A reply names the comment it answers in the hidden reply_to field; a forged or stale one is
# refused with a message, and nothing is stored.


@pytest.fixture
def other_post(blog_index):
    return make_post(blog_index, "Pier repairs", date="2024-05-02 09:00")


def forged_reply_to(post, other_post):
    top = make_comment(post, "Top")
    chain = [top]
    for n in range(3):  # COMMENTS_XTD_MAX_THREAD_LEVEL replies below the top
        chain.append(make_comment(post, f"Level {n + 1}", parent=chain[-1]))
    held = make_comment(post, "Held")
    XtdComment.objects.filter(pk=held.pk).update(is_public=False)
    removed = make_comment(post, "Removed")
    XtdComment.objects.filter(pk=removed.pk).update(is_removed=True)
    elsewhere = make_comment(other_post, "On another post")
    return {
        "missing": (None, "does not say which comment it answers"),
        "not a number": ("abc", "does not say which comment it answers"),
        "unknown": ("999999", "not shown on this post"),
        "negative": ("-1", "not shown on this post"),
        "on another post": (str(elsewhere.pk), "not shown on this post"),
        "held": (str(held.pk), "not shown on this post"),
        "removed": (str(removed.pk), "not shown on this post"),
        "too deep": (str(chain[-1].pk), "nested as deep as conversations go"),
    }


# Drafts, scheduled posts and private posts: no lookup by id a reader can make leads to them.


@pytest.fixture
def hidden_posts(blog_index):
    from datetime import timedelta

    from django.utils import timezone
    from wagtail.models import PageViewRestriction

    draft = make_post(blog_index, "Secret draft", slug="secret-draft-slug", tags=["draftonly"], publish=False)
    scheduled = make_post(
        blog_index,
        "Embargoed plan",
        slug="embargoed-plan-slug",
        go_live_at=timezone.now() + timedelta(days=3),
    )
    private = make_post(blog_index, "Members only", slug="members-only-slug")
    restriction = PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )
    scheduled.refresh_from_db()
    assert not draft.live and not scheduled.live and scheduled.go_live_at
    # A comment left while a post was live stays public after it is unpublished.
    comments = {post.pk: make_comment(post, f"Said on {post.title}") for post in (draft, scheduled, private)}
    return {"posts": (draft, scheduled, private), "comments": comments, "restriction": restriction}


def lookups_by_id(post, comment, restriction):
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(post)
    return [
        f"/comments/cr/{content_type.pk}/{post.pk}/",
        f"/comments/form/{post.pk}/",
        f"/comments/reply/{comment.pk}/",
        f"/comments/sent/?c={comment.pk}",
        f"/comments/posted/?c={comment.pk}",
        f"/search/?q={post.title.split()[0]}",
        "/search/?tag=draftonly",
        "/blog/feed/",
        "/blog/feed/atom/",
        "/sitemap-pages.xml",
        f"/_util/authenticate_with_password/{restriction.pk}/{post.pk}/",
    ]


class TestDefencesOfAPost:
    """Bad and hostile input against one post, made once for these tests (what a test changes
    rolls back after it)."""

    @staticmethod
    def make_once(home, blog_index):
        return post_open_to_comments(blog_index)

    @pytest.fixture
    def post(self, once):
        return once

    def test_missing_fields_come_back_with_errors_and_the_text_kept(self, client, post):
        response = submit_comment(client, post.url, "My careful argument.", name="", email="not-an-address")
        html = response.content.decode()
        assert response.status_code == 400
        assert "My careful argument." in html and "This field is required." in html
        assert "Enter a valid email address." in html
        assert XtdComment.objects.count() == 0

    def test_overlong_comment_is_refused_with_a_clear_message(self, client, post):
        response = submit_comment(client, post.url, "x" * 3001)
        assert response.status_code == 400
        assert "Comments are limited to 3,000 characters; this one has 3001." in response.content.decode()
        assert XtdComment.objects.count() == 0

    @pytest.mark.parametrize(
        "tamper",
        [{"security_hash": "0" * 40}, {"object_pk": "1"}, {"timestamp": "1"}, {"honeypot": "I am a bot"}],
        ids=["hash", "object", "timestamp", "honeypot"],
    )
    def test_tampered_or_bot_filled_forms_are_refused(self, client, post, tamper):
        response = submit_comment(client, post.url, "Hello", **tamper)
        assert response.status_code in (400, 404)
        assert "Comment not posted" in response.content.decode()
        assert XtdComment.objects.count() == 0

    def test_posting_to_a_missing_or_unpublished_post_is_404(self, client, post):
        action, fields = read_form(client.get(post.url).content.decode())
        fields.update(name="A", email="a@example.org", comment="Hi")
        assert client.post(action, {**fields, "object_pk": "999999"}).status_code == 404
        post.unpublish()
        assert client.post(action, fields).status_code == 404
        assert client.post(action, {**fields, "content_type": "auth.user"}).status_code == 400
        assert XtdComment.objects.count() == 0

    def test_closed_post_shows_its_comments_but_takes_no_more(self, client, post):
        make_comment(post, "Said before closing")
        action, fields = read_form(client.get(post.url).content.decode())
        post.comments_open = False
        post.save_revision().publish()
        html = client.get(post.url).content.decode()
        assert "Said before closing" in html and "Comments are closed." in html
        assert 'id="comment-form"' not in html and "data-reply-to" not in html
        response = client.post(action, {**fields, "name": "A", "email": "a@example.org", "comment": "Late"})
        assert response.status_code == 403
        assert XtdComment.objects.count() == 1

    def test_comments_close_automatically_after_the_site_setting_days(self, client, blog_index, post):
        old = make_post(blog_index, "Old news", date="2020-01-01 09:00")
        site_settings(blog_index, close_after_days=30)
        assert "Comments are closed." in client.get(old.url).content.decode()
        assert 'id="comment-form"' not in client.get(old.url).content.decode()
        site_settings(blog_index, close_after_days=0)
        assert 'id="comment-form"' in client.get(old.url).content.decode()

    def test_markup_in_any_field_is_shown_as_text(self, client, post):
        submit_comment(
            client,
            post.url,
            "<script>alert('x')</script><b>bold?</b>",
            name="<img src=x onerror=alert(1)>",
        )
        html = client.get(post.url).content.decode()
        assert "<script>alert(" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html and "&lt;img src=x onerror=alert(1)&gt;" in html

    def test_next_parameter_cannot_leave_the_site(self, client, post):
        response = submit_comment(client, post.url, "Hello", next="https://elsewhere.example/phish")
        assert response.status_code == 302
        assert response["Location"].startswith("/comments/")

    def test_per_ip_rate_limit(self, client, post, settings):
        settings.COMMENTS_RATE_LIMIT = 2
        for n in range(2):
            assert submit_comment(client, post.url, f"Comment {n}", REMOTE_ADDR="10.0.0.9").status_code == 302
        response = submit_comment(client, post.url, "One too many", REMOTE_ADDR="10.0.0.9")
        assert response.status_code == 429 and "please wait" in response.content.decode()
        assert submit_comment(client, post.url, "Another reader", REMOTE_ADDR="10.0.0.10").status_code == 302
        assert XtdComment.objects.count() == 3

    def test_comments_with_too_many_links_are_held(self, client, post):
        site_settings(post, max_links=1)
        text = "See https://a.example and www.b.example"
        submit_comment(client, post.url, text)
        comment = XtdComment.objects.get()
        assert not comment.is_public and comment.review.held_because == "2 links"
        assert text not in client.get(post.url).content.decode()

    def test_unpublishing_hides_comments_and_republishing_brings_them_back(self, client, blog_index, post):
        make_comment(post, "Kept safe")
        post.unpublish()
        assert client.get(post.url).status_code == 404
        assert "Harbour levy" not in client.get("/blog/").content.decode()
        assert XtdComment.objects.filter(comment="Kept safe").exists()
        post.save_revision().publish()
        assert "Kept safe" in client.get(post.url).content.decode()
        assert "1 comment<" in client.get("/blog/").content.decode()

    def test_akismet_spam_goes_to_the_spam_list_and_ham_is_published(
        self, client, post, akismet, django_user_model
    ):
        django_user_model.objects.create_superuser("mod", "mod@example.org", "pw")
        submit_comment(client, post.url, "Cheap pills here", name="Spammer", email="s@example.org")
        submit_comment(client, post.url, "A fair point about the levy", name="Reader", email="r@example.org")
        spam = XtdComment.objects.get(user_name="Spammer")
        assert (spam.is_public, spam.is_removed) == (False, True)
        assert CommentReview.objects.get(comment=spam).spam
        ham = XtdComment.objects.get(user_name="Reader")
        assert ham.is_public and not ham.is_removed
        html = client.get(post.url).content.decode()
        assert "A fair point" in html and "Cheap pills" not in html
        assert mail.outbox == []  # spam is not worth a moderator's email
        path, data = akismet.seen[0]
        assert path == "/1.1/comment-check"
        assert data["api_key"] == ["test-key"] and data["comment_author"] == ["Spammer"]
        assert data["permalink"] == [f"http://testserver{post.url}"]

    def test_unreachable_akismet_holds_the_comment_for_a_moderator(self, client, post, settings):
        settings.AKISMET_API_KEY = "test-key"
        settings.AKISMET_API_URL = "http://127.0.0.1:9/1.1/"  # discard port: nothing listens
        submit_comment(client, post.url, "Hello")
        comment = XtdComment.objects.get()
        assert not comment.is_public and comment.review.held_because == "Akismet gave no answer"

    def test_a_logged_in_users_comment_without_a_csrf_token_is_refused(self, csrf_client, post):
        action, fields = read_form(csrf_client.get(post.url).content.decode())
        fields.pop("csrfmiddlewaretoken")
        fields.update(comment="Posted by a forged page")
        response = csrf_client.post(action, fields)
        assert response.status_code == 403
        assert "security token" in response.content.decode()
        assert XtdComment.objects.count() == 0

    def test_a_logged_in_user_posts_with_the_token_from_the_page(self, csrf_client, post, editor):
        action, fields = read_form(csrf_client.get(post.url).content.decode())
        assert fields["csrfmiddlewaretoken"]
        response = csrf_client.post(action, {**fields, "comment": "From the editor"})
        assert response.status_code == 302
        comment = XtdComment.objects.get()
        assert (comment.user, comment.comment, comment.is_public) == (editor, "From the editor", True)

    def test_the_fetched_form_carries_a_token_for_a_logged_in_user_and_none_for_readers(
        self, csrf_client, client, post
    ):
        action, fields = read_form(csrf_client.get(f"/comments/form/{post.pk}/").content.decode())
        assert csrf_client.post(action, {**fields, "comment": "Via the fetched form"}).status_code == 302
        assert XtdComment.objects.filter(comment="Via the fetched form").exists()
        _, reader_fields = read_form(client.get(f"/comments/form/{post.pk}/").content.decode())
        assert "csrfmiddlewaretoken" not in reader_fields

    def test_anonymous_readers_still_post_without_a_token_from_a_cached_page(self, post, settings):
        from django.test import Client

        settings.PAGE_CACHE_SECONDS = 60
        reader = Client(enforce_csrf_checks=True)
        assert reader.get(post.url)["X-Page-Cache"] == "miss"
        cached = reader.get(post.url)
        assert cached["X-Page-Cache"] == "hit" and "csrfmiddlewaretoken" not in cached.content.decode()
        action, fields = read_form(cached.content.decode())
        fields.update(name="Rosa", email="rosa@example.org", comment="From a cached page")
        assert reader.post(action, fields).status_code == 302
        assert XtdComment.objects.filter(comment="From a cached page").exists()

    def test_a_logged_in_user_replies_from_the_reply_page_with_its_token(self, csrf_client, post):
        top = make_comment(post, "Top")
        action, fields = read_form(csrf_client.get(top.get_reply_url()).content.decode())
        assert fields["csrfmiddlewaretoken"] and fields["reply_to"] == str(top.pk)
        assert csrf_client.post(action, {**fields, "comment": "Agreed"}).status_code == 302
        assert XtdComment.objects.get(comment="Agreed").parent_id == top.pk

    @pytest.mark.parametrize(
        "case",
        ["missing", "not a number", "unknown", "negative", "on another post", "held", "removed", "too deep"],
    )
    def test_a_forged_or_stale_reply_to_is_refused_and_nothing_is_stored(
        self, client, post, other_post, case
    ):
        value, message = forged_reply_to(post, other_post)[case]
        before = XtdComment.objects.count()
        action, fields = read_form(client.get(post.url).content.decode())
        fields.update(name="Rosa", email="rosa@example.org", comment="My forged reply")
        if value is None:
            fields.pop("reply_to")
        else:
            fields["reply_to"] = value
        response = client.post(action, fields)
        html = response.content.decode()
        assert response.status_code == 400
        assert message in html and "My forged reply" in html  # the reader's text is kept
        assert XtdComment.objects.count() == before
        assert CommentReview.objects.count() == 0

    def test_a_reply_to_a_comment_that_may_still_be_answered_is_stored(self, client, post):
        top = make_comment(post, "Top")
        middle = make_comment(post, "Middle", parent=top)
        assert submit_comment(client, post.url, "Answer", reply_to=str(middle.pk)).status_code == 302
        reply = XtdComment.objects.get(comment="Answer")
        assert (reply.parent_id, reply.level, reply.thread_id) == (middle.pk, 2, top.pk)

    def test_no_lookup_by_id_reveals_a_draft_scheduled_or_private_post(self, client, post, hidden_posts):
        restriction = hidden_posts["restriction"]
        for hidden in hidden_posts["posts"]:
            comment = hidden_posts["comments"][hidden.pk]
            for url in lookups_by_id(hidden, comment, restriction):
                response = client.get(url, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
                body = b"".join(response) if response.streaming else response.content
                assert hidden.slug not in response.get("Location", ""), url
                assert hidden.slug.encode() not in body and hidden.title.encode() not in body, url
                assert comment.comment.encode() not in body, url
                if url.startswith("/comments/"):
                    assert response.status_code == 404, url

    def test_the_comment_links_still_lead_to_a_live_public_post(self, client, post):
        from django.contrib.contenttypes.models import ContentType

        comment = make_comment(post, "Shown")
        content_type = ContentType.objects.get_for_model(post)
        response = client.get(f"/comments/cr/{content_type.pk}/{post.pk}/")
        assert response.status_code == 302 and response["Location"] == f"http://testserver{post.url}"
        assert client.get(f"/comments/sent/?c={comment.pk}")["Location"] == comment.get_absolute_url()
        assert client.get(f"/comments/cr/{content_type.pk}/abc/").status_code == 404
        assert client.get(f"/comments/cr/999999/{post.pk}/").status_code == 404
        user_type = ContentType.objects.get(app_label="auth", model="user")
        assert client.get(f"/comments/cr/{user_type.pk}/1/").status_code == 404
        assert client.get("/comments/sent/?c=abc").status_code == 404
        held = make_comment(post, "Waiting")
        XtdComment.objects.filter(pk=held.pk).update(is_public=False)
        response = client.get(f"/comments/sent/?c={held.pk}")
        assert response.status_code == 200 and "awaiting moderation" in response.content.decode()
        assert "Waiting" not in response.content.decode()
