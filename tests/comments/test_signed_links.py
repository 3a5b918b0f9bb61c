"""Signed links carry JSON, never pickles; every checkout and deployment has its own strong key."""

import os
import stat
import subprocess
import sys
import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_comments_xtd import signed as xtd_signed
from django_comments_xtd.conf import settings as xtd_settings
from django_comments_xtd.models import XtdComment

from blog.comments.notifications import MUTE_SALT, mute_key
from settings.base import local_secret_key

from ..editor_helpers import post_form
from ..factories import make_comment, make_post
from ..ops.test_production import PRODUCTION_ENV, ROOT, manage


class CreatesMarker:
    """Unpickling this creates a file: what a forged key could make the server do."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_no_confirmation_route_is_mounted(client, db):
    with pytest.raises(NoReverseMatch):
        reverse("comments-xtd-confirm", args=["x"])
    assert Client().get("/comments/confirm/anything/").status_code == 404


def test_a_checkout_makes_its_secret_key_once_and_keeps_it_private(tmp_path):
    path = tmp_path / "nested" / "secret_key"
    first = local_secret_key(path)
    assert len(first) >= 50 and len(set(first)) >= 5
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_secret_key(path) == first
    assert list(path.parent.iterdir()) == [path]  # no draft left behind


def test_two_fresh_processes_of_one_checkout_share_its_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    # Any URL: the settings only need one to skip starting the embedded database.
    env.update(DJANGO_SETTINGS_MODULE="settings.dev", DATABASE_URL="postgres://unused@localhost/unused")
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    keys = [
        subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert keys[0] == keys[1] == (ROOT / ".data" / "secret_key").read_text().strip()
    assert keys[0] != "insecure-local-development-key"


@pytest.mark.parametrize(
    "weak_key",
    ["too-short-but-random-9f8e7d", "ab" * 40, "django-insecure-" + "k3y5" * 15],
)
def test_production_refuses_a_weak_secret_key(weak_key):
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": weak_key}
    result = manage("check", DATABASE_URL="postgres://blog:pw@127.0.0.1:9/blog", **env)
    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY is too weak" in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "title", ["Harbour levy\nBcc: everyone@example.org", "Harbour\rlevy", "Tab\tin title"]
)
def test_the_editor_refuses_a_post_title_that_is_not_one_line(client, blog_index, title):
    from django.contrib.auth import get_user_model

    from blog.models import BlogPostPage

    from ..factories import make_author

    client.force_login(get_user_model().objects.create_superuser("editor", "editor@example.org", "pw"))
    data = post_form(title, [make_author().pk], slug="harbour-levy")
    response = client.post(f"/admin/pages/add/blog/blogpostpage/{blog_index.pk}/", data)
    assert response.status_code == 200  # the form again, with the reason
    assert (
        "The title must be one line: remove the line break or control character" in response.content.decode()
    )
    assert not BlogPostPage.objects.exists()

    data["title"] = "Harbour levy"
    assert client.post(f"/admin/pages/add/blog/blogpostpage/{blog_index.pk}/", data).status_code == 302
    assert BlogPostPage.objects.get().title == "Harbour levy"


class TestSignedLinksOnAPost:
    """These tests comment on one post, made once for them all (what a test changes rolls back)."""

    @staticmethod
    def make_once(home, blog_index):
        return make_post(blog_index, "Harbour levy")

    @pytest.fixture
    def post(self, once):
        return once

    def test_a_pickled_key_signed_with_the_live_secret_is_refused_and_never_unpickled(
        self, client, post, tmp_path
    ):
        marker = tmp_path / "marker"
        salt = xtd_settings.COMMENTS_XTD_SALT  # signed with SECRET_KEY, as django-comments-xtd signs
        key = xtd_signed.dumps(CreatesMarker(marker), compress=True, extra_key=salt).decode()
        # The key is genuine: django-comments-xtd's own loader would run it.
        xtd_signed.loads(key, extra_key=salt)
        assert marker.exists()
        marker.unlink()

        for response in (client.get(f"/comments/mute/{key}/"), client.post(f"/comments/mute/{key}/")):
            assert response.status_code == 400
            assert "This link is not valid" in response.content.decode()
        assert not marker.exists()

    def test_mute_link_asks_on_get_and_mutes_that_follower_on_that_post_on_post(
        self, client, post, blog_index
    ):
        other_post = make_post(blog_index, "Ferry timetable", date="2024-06-01 09:00")
        mine = make_comment(post, "Keep me posted", email="sub@example.org", followup=True)
        mine_later = make_comment(post, "And again", email="sub@example.org", followup=True)
        elsewhere = make_comment(other_post, "Here too", email="sub@example.org", followup=True)
        someone_else = make_comment(post, "Me too", email="other@example.org", followup=True)
        url = reverse("comments-xtd-mute", args=[mute_key(mine)])

        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert 'method="post"' in html and "Stop these emails" in html and "Harbour levy" in html
        assert "no-cache" in page["Cache-Control"]
        assert XtdComment.objects.filter(followup=True).count() == 4  # a link scanner mutes nothing

        response = client.post(url)
        assert response.status_code == 200
        assert "no more emails" in response.content.decode()
        followup = dict(XtdComment.objects.values_list("pk", "followup"))
        assert followup == {mine.pk: False, mine_later.pk: False, elsewhere.pk: True, someone_else.pk: True}

    def test_tampered_and_expired_mute_links_get_a_400_and_change_nothing(self, client, post):
        comment = make_comment(post, "Keep me posted", email="sub@example.org", followup=True)
        key = mute_key(comment)
        payload, rest = key.split(":", 1)
        forged_payload = signing.b64_encode(b'{"comment":1}').decode()

        class SixtyOneDaysAgo(signing.TimestampSigner):
            def timestamp(self):
                return signing.b62_encode(int(time.time()) - 61 * 24 * 60 * 60)

        expired = SixtyOneDaysAgo(salt=MUTE_SALT).sign_object({"comment": comment.pk})
        other_salt = signing.dumps({"comment": comment.pk}, salt="something.else")
        for bad, message in [
            (key[:-2] + ("AA" if not key.endswith("AA") else "BB"), "This link is not valid"),
            (f"{forged_payload}:{rest}", "This link is not valid"),
            (other_salt, "This link is not valid"),
            ("not-a-key", "This link is not valid"),
            (expired, "This link has expired"),
        ]:
            for method in (client.get, client.post):
                response = method(f"/comments/mute/{bad}/")
                assert response.status_code == 400, bad
                assert message in response.content.decode()
        assert XtdComment.objects.get().followup

    def test_a_mute_link_for_a_deleted_comment_is_a_404(self, client, post):
        comment = make_comment(post, "Keep me posted", followup=True)
        key = mute_key(comment)
        comment.delete()
        assert client.post(f"/comments/mute/{key}/").status_code == 404
