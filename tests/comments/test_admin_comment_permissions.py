"""Only editors allowed to moderate comments can see them anywhere in the Wagtail admin."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django_comments_xtd.models import XtdComment
from wagtail.log_actions import log

from ..factories import make_comment, make_post

pytestmark = pytest.mark.django_db

HELD_TEXT = "Held words nobody has approved"


@pytest.fixture
def held_comment(blog_index):
    post = make_post(blog_index, "Harbour levy")
    comment = make_comment(post, HELD_TEXT, name="Quiet Reader", is_public=False)
    return comment


def make_editor(username, *codenames):
    """A user in Wagtail's default Editors group, plus the given comment permissions."""
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "pw")
    user.groups.add(Group.objects.get(name="Editors"))
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def comment_urls(comment):
    return [
        "/admin/comments/",
        "/admin/comments/results/",
        "/admin/comments/?status=held",
        f"/admin/comments/edit/{comment.pk}/",
        f"/admin/comments/history/{comment.pk}/",
        f"/admin/comments/history-results/{comment.pk}/",
        f"/admin/comments/usage/{comment.pk}/",
        f"/admin/comments/delete/{comment.pk}/",
        "/admin/snippets/",
    ]


CHOOSER_URLS = [
    "/admin/snippets/choose/django_comments_xtd/xtdcomment/",
    "/admin/snippets/choose/django_comments_xtd/xtdcomment/results/",
    "/admin/snippets/choose/django_comments_xtd/xtdcomment/results/?q=Held",
]


def test_editor_without_comment_permission_sees_no_comment_anywhere_in_the_admin(client, held_comment):
    editor = make_editor("ed")
    log(held_comment, "wagtail.edit", user=editor)  # so the history and reports have an entry
    client.force_login(editor)
    for url in [*comment_urls(held_comment), *CHOOSER_URLS, f"{CHOOSER_URLS[0]}chosen/{held_comment.pk}/"]:
        response = client.get(url, follow=True)
        html = response.content.decode()
        assert HELD_TEXT[:20] not in html and "Quiet Reader" not in html, url
        assert response.status_code in (200, 403, 404), url
        if response.status_code == 200:  # Wagtail sends a refused request back to the dashboard
            assert response.redirect_chain and response.redirect_chain[-1][0] == "/admin/", url
    for url in ("/admin/", "/admin/reports/site-history/", "/admin/reports/site-history/results/"):
        html = client.get(url).content.decode()
        assert "awaiting moderation" not in html and "Quiet Reader" not in html, url
    assert '"url": "/admin/comments/"' not in client.get("/admin/").content.decode()


def test_every_view_the_editor_is_refused_exists_and_opens_for_a_moderator(client, held_comment):
    # The refusals above are real only if each URL is a working view for someone allowed to see it.
    client.force_login(make_editor("mod", "view_xtdcomment", "change_xtdcomment", "delete_xtdcomment"))
    for url in comment_urls(held_comment):
        if url != "/admin/snippets/":  # the list of snippet types (it sends a lone type's user on)
            assert client.get(url).status_code == 200, url
    listed = [f"/admin/comments/{suffix}" for suffix in ("", "results/", "?status=held")]
    for url in [*listed, f"/admin/comments/edit/{held_comment.pk}/"]:
        assert HELD_TEXT[:20] in client.get(url).content.decode(), url


def test_comment_chooser_does_not_exist_even_for_a_moderator(client, held_comment):
    client.force_login(make_editor("mod", "change_xtdcomment"))
    for url in CHOOSER_URLS:
        assert client.get(url).status_code == 404, url


def test_editor_without_permission_cannot_moderate_through_bulk_actions(client, held_comment):
    client.force_login(make_editor("ed"))
    url = f"/admin/bulk/django_comments_xtd/xtdcomment/approve/?id={held_comment.pk}"
    assert "Quiet Reader" not in client.get(url).content.decode()
    client.post(url)
    held_comment.refresh_from_db()
    assert held_comment.is_public is False


def test_moderator_sees_the_queue_the_comment_and_the_dashboard_count(client, held_comment):
    client.force_login(make_editor("mod", "change_xtdcomment"))
    assert HELD_TEXT in client.get("/admin/comments/?status=held").content.decode()
    assert HELD_TEXT in client.get(f"/admin/comments/edit/{held_comment.pk}/").content.decode()
    assert "1</strong> comment awaiting moderation" in client.get("/admin/").content.decode()


def test_view_permission_shows_the_queue_but_changes_nothing(client, held_comment):
    client.force_login(make_editor("viewer", "view_xtdcomment"))
    assert HELD_TEXT in client.get("/admin/comments/").content.decode()
    assert "awaiting moderation" not in client.get("/admin/").content.decode()
    edit = f"/admin/comments/edit/{held_comment.pk}/"
    changes = {"user_name": "Changed", "user_email": "x@example.org", "comment": "Changed", "is_public": "on"}
    client.post(edit, changes)
    held_comment.refresh_from_db()
    assert (held_comment.user_name, held_comment.is_public) == ("Quiet Reader", False)
    assert XtdComment.objects.count() == 1
