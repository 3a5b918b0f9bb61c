"""Readers behind a proxy are told apart by the address the trusted proxy saw, and no one else's
X-Forwarded-For is believed: in the rate limit, the stored comment, Akismet and the request log."""

import pytest
from django_comments_xtd.models import XtdComment

from ..comment_helpers import post_open_to_comments, read_form

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"


def post_comment(client, post, text, remote_addr=PROXY, forwarded=None):
    """Load the post and send its comment form, from `remote_addr` with an X-Forwarded-For."""
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    action, fields = read_form(client.get(post.url, **headers).content.decode())
    fields.update(name="Rosa Quill", email="rosa@example.org", url="", comment=text)
    return client.post(action, fields, **headers)


def test_the_request_log_names_the_reader_only_through_a_trusted_proxy(client, blog_index, request_log):
    client.get("/blog/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.5")
    client.get("/blog/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.5")
    client.get("/blog/", REMOTE_ADDR="::ffff:203.0.113.8")
    lines = request_log.read()
    assert [line["remote_addr"] for line in lines] == ["198.51.100.5", "203.0.113.7", "203.0.113.8"]


class TestReadersBehindAProxyCommenting:
    """Readers behind proxies comment on one post, made once for these tests (what a test changes
    rolls back after it)."""

    make_once = staticmethod(lambda home, blog_index: post_open_to_comments(blog_index))

    @pytest.fixture
    def post(self, once):
        return once

    def test_two_readers_behind_one_proxy_are_rate_limited_apart(self, client, post, settings):
        settings.COMMENTS_RATE_LIMIT = 2
        for n in range(2):
            assert (
                post_comment(client, post, f"First reader {n}", forwarded="198.51.100.1").status_code == 302
            )
        refused = post_comment(client, post, "First reader again", forwarded="198.51.100.1")
        assert refused.status_code == 429 and "please wait" in refused.content.decode()
        assert post_comment(client, post, "Second reader", forwarded="198.51.100.2").status_code == 302
        stored = dict(XtdComment.objects.values_list("comment", "ip_address"))
        assert stored == {
            "First reader 0": "198.51.100.1",
            "First reader 1": "198.51.100.1",
            "Second reader": "198.51.100.2",
        }

    def test_a_client_not_behind_a_trusted_proxy_cannot_dodge_the_limit_with_the_header(
        self, client, post, settings
    ):
        settings.COMMENTS_RATE_LIMIT = 2
        for n, forged in enumerate(["198.51.100.1", "198.51.100.2"]):
            response = post_comment(client, post, f"Attempt {n}", remote_addr="203.0.113.7", forwarded=forged)
            assert response.status_code == 302
        response = post_comment(
            client, post, "Attempt 3", remote_addr="203.0.113.7", forwarded="198.51.100.3"
        )
        assert response.status_code == 429
        assert set(XtdComment.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}

    def test_a_forged_hop_in_front_of_the_real_one_is_ignored(self, client, post):
        # The reader sent "X-Forwarded-For: 192.0.2.66"; the trusted proxy appended what it saw.
        response = post_comment(client, post, "Through the proxy", forwarded="192.0.2.66, 198.51.100.9")
        assert response.status_code == 302
        assert XtdComment.objects.get().ip_address == "198.51.100.9"

    def test_trusted_networks_are_skipped_from_the_right(self, client, post, settings):
        settings.FORWARDED_ALLOW_IPS = "127.0.0.1, 10.0.0.0/8"
        # CDN edge 10.1.2.3 in front of the local proxy; the reader's claimed hop is left of the real one.
        post_comment(client, post, "Two proxies", forwarded="192.0.2.66, 198.51.100.9, 10.1.2.3")
        assert XtdComment.objects.get().ip_address == "198.51.100.9"

    @pytest.mark.parametrize(
        "forwarded", ["not-an-address", "198.51.100.9, ", "198.51.100.9, 999.1.1.1", ""], ids=repr
    )
    def test_a_malformed_header_falls_back_to_the_peer(self, client, post, forwarded):
        assert post_comment(client, post, "Odd header", forwarded=forwarded).status_code == 302
        assert XtdComment.objects.get().ip_address == PROXY

    def test_trusting_every_peer_takes_the_farthest_hop(self, client, post, settings):
        settings.FORWARDED_ALLOW_IPS = "*"
        post_comment(
            client, post, "Anyone is a proxy", remote_addr="203.0.113.7", forwarded="192.0.2.66, 198.51.100.9"
        )
        assert XtdComment.objects.get().ip_address == "192.0.2.66"

    def test_akismet_is_told_the_readers_address(self, client, post, akismet):
        post_comment(client, post, "A fair point", forwarded="198.51.100.4")
        [(_, data)] = akismet.seen
        assert data["user_ip"] == ["198.51.100.4"]
