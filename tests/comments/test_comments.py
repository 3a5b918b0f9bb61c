"""Readers comment and reply in threads on a post; counts follow them onto the listings."""

import time

import pytest
from django.contrib.sites.models import Site as DjangoSite
from django_comments_xtd.models import XtdComment

from blog.models import CommentSettings

from ..comment_helpers import post_open_to_comments, read_form, submit_comment, thread_of
from ..factories import make_comment, make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_site(home_page):
    """Comments appear at once (no first-comment hold), as on a site that trusts its readers."""
    DjangoSite.objects.filter(pk=1).update(domain="testserver", name="Broadsheet")
    settings = CommentSettings.for_site(home_page.get_site())
    settings.hold_first_comments = False
    settings.save()
    return settings


def test_index_tag_and_archive_show_each_posts_count_in_one_query(
    client, blog_index, open_site, django_assert_max_num_queries
):
    posts = [
        make_post(blog_index, f"Post {n}", date=f"2024-05-0{n + 1} 09:00", tags=["port"]) for n in range(4)
    ]
    for n, post in enumerate(posts):
        for i in range(n):
            make_comment(post, f"Comment {i}")
    make_comment(posts[0], "Held", is_public=False)
    for url in ("/blog/", "/blog/tag/port/", "/blog/2024/05/"):
        with django_assert_max_num_queries(16):
            html = client.get(url).content.decode()
        for label in ("No comments", "1 comment<", "2 comments", "3 comments"):
            assert label in html, (url, label)
    several = [make_post(blog_index, f"More {n}", date=f"2024-06-0{n + 1} 09:00") for n in range(6)]
    for post in several:
        make_comment(post, "Hi")
    with django_assert_max_num_queries(16):
        assert client.get("/blog/").status_code == 200


def described_by_and_ids(html):
    """The ids that aria-describedby attributes name, and the ids the page has."""
    import re

    named = {name for value in re.findall(r'aria-describedby="([^"]*)"', html) for name in value.split()}
    return named, set(re.findall(r'\sid="([^"]*)"', html))


class TestCommentingOnAPost:
    """These tests comment on one post, made once for them all (what a test changes rolls back)."""

    @staticmethod
    def make_once(home, blog_index):
        return post_open_to_comments(blog_index, name="Broadsheet")

    @pytest.fixture
    def post(self, once):
        return once

    def test_reader_comments_replies_and_replies_to_the_reply(self, client, post):
        response = submit_comment(client, post.url, "The levy is too high.")
        assert response.status_code == 302
        first = XtdComment.objects.get()
        # The package's redirect chain ends on the post; the browser keeps the #c<id> of the middle hop.
        response = client.get(response["Location"])
        assert response["Location"].endswith(f"#c{first.pk}")
        response = client.get(response["Location"])
        assert response["Location"] == f"http://testserver{post.url}"

        submit_comment(client, first.get_reply_url(), "It pays for the pier.", name="Ivo", email="ivo@x.org")
        reply = XtdComment.objects.get(parent_id=first.pk, level=1)
        submit_comment(client, reply.get_reply_url(), "Which pier?", name="Rosa Quill")
        nested = XtdComment.objects.get(parent_id=reply.pk)
        assert (nested.level, nested.thread_id) == (2, first.pk)

        html = client.get(post.url).content.decode()
        thread = thread_of(html)
        assert thread[f"c{first.pk}"] == []
        assert thread[f"c{reply.pk}"] == [f"c{first.pk}"]
        assert thread[f"c{nested.pk}"] == [f"c{first.pk}", f"c{reply.pk}"]
        assert "3 comments" in html and "Which pier?" in html and f'href="#c{nested.pk}"' in html

    def test_thread_nests_every_reply_under_its_parent_and_hides_replies_to_hidden_comments(
        self, client, post
    ):
        first = make_comment(post, "First")
        reply = make_comment(post, "Reply", parent=first)
        deep = make_comment(post, "Deep", parent=reply)
        second = make_comment(post, "Second")  # back to the top level from two levels down
        held = make_comment(post, "Held", parent=second)
        below_held = make_comment(post, "Below held", parent=held)
        held_sibling = make_comment(post, "Beside held", parent=second)
        XtdComment.objects.filter(pk=held.pk).update(is_public=False)

        html = client.get(post.url).content.decode()
        thread = thread_of(html)
        assert thread == {
            f"c{first.pk}": [],
            f"c{reply.pk}": [f"c{first.pk}"],
            f"c{deep.pk}": [f"c{first.pk}", f"c{reply.pk}"],
            f"c{second.pk}": [],
            f"c{held_sibling.pk}": [f"c{second.pk}"],
        }
        section = html[html.index('id="comments"') : html.index('id="post-a-comment"')]
        assert section.count("<ol") == section.count("</ol>") == 4
        assert section.count("<li") == section.count("</li>") == 5
        assert "Below held" not in html and f"c{below_held.pk}" not in html
        assert "5 comments" in html

    def test_deepest_reply_has_no_reply_link_and_its_reply_page_refuses(self, client, post):
        top = make_comment(post, "One")
        middle = make_comment(post, "Two", parent=top)
        deep = make_comment(post, "Three", parent=middle)
        deepest = make_comment(post, "Four", parent=deep)
        html = client.get(post.url).content.decode()
        assert f'data-reply-to="{deep.pk}"' in html
        assert f'data-reply-to="{deepest.pk}"' not in html
        assert client.get(deepest.get_reply_url()).status_code == 403

    def test_footer_counts_no_one_and_many_comments(self, client, post):
        assert ">No comments</h2>" in client.get(post.url).content.decode()
        make_comment(post, "First")
        assert ">1 comment</h2>" in client.get(post.url).content.decode()
        make_comment(post, "Second")
        make_comment(post, "Held", is_public=False)
        make_comment(post, "Removed", is_removed=True)
        assert ">2 comments</h2>" in client.get(post.url).content.decode()

    def test_author_link_is_nofollow_and_email_never_shown(self, client, post):
        submit_comment(
            client, post.url, "Hello", name="Ada", email="ada@secret.example", url="https://ada.example"
        )
        html = client.get(post.url).content.decode()
        assert '<a href="https://ada.example" rel="nofollow ugc">Ada</a>' in html
        assert "ada@secret.example" not in html

    def test_post_page_queries_do_not_grow_from_5_to_200_threaded_comments(self, client, post):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def add_comments(count, start):
            parent = None
            for n in range(start, start + count):
                # Threads three deep: every third comment starts a thread, the next two answer down it.
                parent = make_comment(post, f"Comment {n}", parent=parent if n % 3 else None)

        def queries_for_page(expected_total):
            client.get(post.url)  # warm per-process caches (content types, site)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(post.url)
            assert f">{expected_total} comments</h2>" in response.content.decode()
            return len(queries)

        add_comments(5, 0)
        with_5 = queries_for_page(5)
        add_comments(195, 5)
        assert XtdComment.objects.filter(level=2).count() > 60
        assert queries_for_page(200) == with_5 <= 22

    def test_form_asks_for_name_email_url_text_and_notify_me(self, client, post):
        html = client.get(post.url).content.decode()
        _, fields = read_form(html)
        assert {"name", "email", "url", "security_hash", "timestamp", "reply_to", "honeypot"} <= set(fields)
        assert 'name="comment"' in html and 'maxlength="3000"' in html
        assert 'name="followup"' in html and "Email me when someone replies" in html

    def test_each_posts_form_is_signed_for_that_post_and_for_now(self, client, post, blog_index):
        other = make_post(blog_index, "Pier lights", date="2024-05-02 09:00")
        for page in (post, other, post):
            _, fields = read_form(client.get(page.url).content.decode())
            assert fields["object_pk"] == str(page.pk) and fields["content_type"] == "blog.blogpostpage"
            assert len(fields["security_hash"]) == 40 and abs(int(fields["timestamp"]) - time.time()) < 60
        assert submit_comment(client, other.url, "Lit at dusk.").status_code == 302
        assert submit_comment(client, post.url, "Paid in spring.").status_code == 302
        assert sorted(XtdComment.objects.values_list("object_pk", "comment")) == sorted(
            [(str(other.pk), "Lit at dusk."), (str(post.pk), "Paid in spring.")]
        )

    def test_a_fresh_form_can_be_fetched_alone_for_cached_pages(self, client, post):
        response = client.get(f"/comments/form/{post.pk}/")
        assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
        action, fields = read_form(response.content.decode())
        assert action == "/comments/post/" and fields["object_pk"] == str(post.pk)
        # No CSRF token: the comment post is exempt so that cached pages' forms stay valid.
        assert "csrfmiddlewaretoken" not in fields and len(fields["security_hash"]) == 40
        fields.update(name="Cached Reader", email="c@example.org", comment="From a cached page")
        assert client.post(action, fields).status_code == 302
        assert client.get("/comments/form/999999/").status_code == 404

    def test_every_id_the_form_describes_its_fields_by_exists(self, client, post):
        named, ids = described_by_and_ids(client.get(post.url).content.decode())
        assert {"id_email_helptext", "id_comment_helptext"} <= named
        assert named <= ids
        # With errors, each field is described by its errors as well, and those exist too.
        response = submit_comment(client, post.url, "", email="not an address")
        named, ids = described_by_and_ids(response.content.decode())
        assert {"id_email_error", "id_comment_error"} <= named
        assert named <= ids
