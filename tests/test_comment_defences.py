"""Bad input, closed threads, spam defences and unpublished posts: clear 4xx answers, nothing lost."""

import pytest
from django.contrib.sites.models import Site as DjangoSite
from django.core import mail
from django_comments_xtd.models import XtdComment

from blog.models import CommentReview, CommentSettings

from .comment_helpers import read_form, submit_comment
from .factories import make_comment, make_post

pytestmark = pytest.mark.django_db


def site_settings(page, **values):
    settings = CommentSettings.for_site(page.get_site())
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save()
    return settings


@pytest.fixture
def post(blog_index):
    DjangoSite.objects.filter(pk=1).update(domain="testserver")
    site_settings(blog_index, hold_first_comments=False)
    return make_post(blog_index, "Harbour levy", date="2024-05-01 09:00")


def test_missing_fields_come_back_with_errors_and_the_text_kept(client, post):
    response = submit_comment(client, post.url, "My careful argument.", name="", email="not-an-address")
    html = response.content.decode()
    assert response.status_code == 400
    assert "My careful argument." in html and "This field is required." in html
    assert "Enter a valid email address." in html
    assert XtdComment.objects.count() == 0


def test_overlong_comment_is_refused_with_a_clear_message(client, post):
    response = submit_comment(client, post.url, "x" * 3001)
    assert response.status_code == 400
    assert "Comments are limited to 3,000 characters; this one has 3001." in response.content.decode()
    assert XtdComment.objects.count() == 0


@pytest.mark.parametrize(
    "tamper",
    [{"security_hash": "0" * 40}, {"object_pk": "1"}, {"timestamp": "1"}, {"honeypot": "I am a bot"}],
    ids=["hash", "object", "timestamp", "honeypot"],
)
def test_tampered_or_bot_filled_forms_are_refused(client, post, tamper):
    response = submit_comment(client, post.url, "Hello", **tamper)
    assert response.status_code in (400, 404)
    assert "Comment not posted" in response.content.decode()
    assert XtdComment.objects.count() == 0


def test_posting_to_a_missing_or_unpublished_post_is_404(client, post):
    action, fields = read_form(client.get(post.url).content.decode())
    fields.update(name="A", email="a@example.org", comment="Hi")
    assert client.post(action, {**fields, "object_pk": "999999"}).status_code == 404
    post.unpublish()
    assert client.post(action, fields).status_code == 404
    assert client.post(action, {**fields, "content_type": "auth.user"}).status_code == 400
    assert XtdComment.objects.count() == 0


def test_closed_post_shows_its_comments_but_takes_no_more(client, post):
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


def test_comments_close_automatically_after_the_site_setting_days(client, blog_index, post):
    old = make_post(blog_index, "Old news", date="2020-01-01 09:00")
    site_settings(blog_index, close_after_days=30)
    assert "Comments are closed." in client.get(old.url).content.decode()
    assert 'id="comment-form"' not in client.get(old.url).content.decode()
    site_settings(blog_index, close_after_days=0)
    assert 'id="comment-form"' in client.get(old.url).content.decode()


def test_markup_in_any_field_is_shown_as_text(client, post):
    submit_comment(
        client,
        post.url,
        "<script>alert('x')</script><b>bold?</b>",
        name="<img src=x onerror=alert(1)>",
    )
    html = client.get(post.url).content.decode()
    assert "<script>alert(" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_next_parameter_cannot_leave_the_site(client, post):
    response = submit_comment(client, post.url, "Hello", next="https://elsewhere.example/phish")
    assert response.status_code == 302
    assert response["Location"].startswith("/comments/")


def test_per_ip_rate_limit(client, post, settings):
    settings.COMMENTS_RATE_LIMIT = 2
    for n in range(2):
        assert submit_comment(client, post.url, f"Comment {n}", REMOTE_ADDR="10.0.0.9").status_code == 302
    response = submit_comment(client, post.url, "One too many", REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429 and "please wait" in response.content.decode()
    assert submit_comment(client, post.url, "Another reader", REMOTE_ADDR="10.0.0.10").status_code == 302
    assert XtdComment.objects.count() == 3


def test_comments_with_too_many_links_are_held(client, post):
    site_settings(post, max_links=1)
    text = "See https://a.example and www.b.example"
    submit_comment(client, post.url, text)
    comment = XtdComment.objects.get()
    assert not comment.is_public and comment.review.held_because == "2 links"
    assert text not in client.get(post.url).content.decode()


def test_unpublishing_hides_comments_and_republishing_brings_them_back(client, blog_index, post):
    make_comment(post, "Kept safe")
    post.unpublish()
    assert client.get(post.url).status_code == 404
    assert "Harbour levy" not in client.get("/blog/").content.decode()
    assert XtdComment.objects.filter(comment="Kept safe").exists()
    post.save_revision().publish()
    assert "Kept safe" in client.get(post.url).content.decode()
    assert "1 comment<" in client.get("/blog/").content.decode()


def test_akismet_spam_goes_to_the_spam_list_and_ham_is_published(client, post, akismet, django_user_model):
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


def test_unreachable_akismet_holds_the_comment_for_a_moderator(client, post, settings):
    settings.AKISMET_API_KEY = "test-key"
    settings.AKISMET_API_URL = "http://127.0.0.1:9/1.1/"  # discard port: nothing listens
    submit_comment(client, post.url, "Hello")
    comment = XtdComment.objects.get()
    assert not comment.is_public and comment.review.held_because == "Akismet gave no answer"
