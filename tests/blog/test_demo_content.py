"""`load_demo` builds the demo blog from home/demo/content.toml, and running it twice changes
nothing; the loader refuses malformed content and says where."""

import re
import tomllib
from datetime import datetime

import pytest
from django.core.management import CommandError, call_command
from django_comments_xtd.models import XtdComment
from taggit.models import Tag

from blog.models import Author, BlogPostPage, CommentReview
from home import demo

pytestmark = pytest.mark.django_db


def test_load_demo_builds_what_its_file_lists_and_loading_it_again_changes_nothing(client, empty_install):
    # One load and a second one on the install as Wagtail's migrations leave it (as `make demo`
    # finds it); every check of the loaded blog reads the same rows.
    data = tomllib.loads(demo.CONTENT.read_text(encoding="utf-8"))
    call_command("load_demo", hostname="testserver", port=80)

    posts = BlogPostPage.objects.all()
    assert sorted(posts.values_list("slug", flat=True)) == sorted(post["slug"] for post in data["posts"])
    published = [post for post in data["posts"] if post.get("status", "published") == "published"]
    assert posts.live().count() == len(published)
    for post in data["posts"]:
        # A draft's labels live in its revision until it is published, so read the revision.
        page = posts.get(slug=post["slug"]).get_latest_revision_as_object()
        assert sorted(page.tags.names()) == sorted(post["labels"])
        assert len(page.body) == len(post["body"])
    assert set(Tag.objects.values_list("name", flat=True)) == {
        label for post in data["posts"] for label in post["labels"]
    }
    assert sorted(Author.objects.values_list("name", flat=True)) == sorted(a["name"] for a in data["authors"])

    comments = XtdComment.objects.all()
    assert comments.count() == len(data["comments"])
    assert comments.filter(level__gt=0).count() == sum("reply_to" in c for c in data["comments"])
    held = [c for c in data["comments"] if c.get("status") == "held"]
    assert comments.filter(is_public=False).count() == CommentReview.objects.count() == len(held)

    # Loading again adds no post and no comment.
    count, comment_count = BlogPostPage.objects.count(), XtdComment.objects.count()
    call_command("load_demo", hostname="testserver", port=80)
    assert BlogPostPage.objects.count() == count >= 14
    assert XtdComment.objects.count() == comment_count >= 10

    # The draft and the scheduled post stay hidden.
    live = BlogPostPage.objects.live()
    assert live.count() == count - 2
    assert {p.date.year for p in live} >= {2016, 2017, 2018, 2019}
    html = client.get("/blog/").content.decode()
    assert "Notes for a longer piece" not in html
    assert "The new mayor&#x27;s first budget" not in html and "first budget" not in html
    post = client.get("/blog/what-the-recount-found/").content.decode()
    assert 'href="/blog/election-night-notes/"' in post
    assert "<blockquote" in post and "Returning officer" in post

    # Threaded comments, one held.
    assert XtdComment.objects.filter(level=2).exists()
    assert XtdComment.objects.filter(is_public=False).count() == 1
    html = client.get("/blog/the-harbour-levy-explained/").content.decode()
    assert ">5 comments</h2>" in html and "appendix C" in html


VALID = """
home_intro = "<p>Home</p>"
blog_intro = "<p>Blog</p>"

[[authors]]
name = "A. Writer"
bio = "Writes."

[[posts]]
slug = "first"
title = "First"
date = 2020-01-01 09:00:00
authors = ["A. Writer"]
labels = ["News"]
intro = "The first post."

[[posts.body]]
type = "paragraph"
text = "<p>Hello.</p>"

[[comments]]
id = "hello"
post = "first"
name = "Reader"
email = "reader@example.com"
hours_after_post = 1
text = "Hi."
"""


def test_loader_reads_a_small_file_into_dataclasses():
    content = demo.load(VALID)
    assert content.authors == (demo.Author("A. Writer", "Writes."),)
    (post,) = content.posts
    assert post.status is demo.PostStatus.PUBLISHED and post.date == datetime(2020, 1, 1, 9, 0)
    assert post.body == (demo.Paragraph("<p>Hello.</p>"),)
    (comment,) = content.comments
    assert (
        comment.post == "first" and comment.reply_to is None and comment.status is demo.CommentStatus.PUBLIC
    )


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ('type = "paragraph"', 'type = "pullquote"'),
            "post 1 (first): body 1: unknown block type 'pullquote'; expected one of heading, paragraph,",
        ),
        (
            ('post = "first"', 'reply_to = "nobody"'),
            "comment 1 (hello): replies to 'nobody', which is not an earlier comment",
        ),
        (
            ('text = "<p>Hello.</p>"', 'text = "<p>{link:later}Later{/link}</p>"'),
            "post 1 (first): body 1: links to 'later', which is not an earlier post",
        ),
        (
            ('text = "<p>Hello.</p>"', 'text = "<p>{link:first}Unclosed</p>"'),
            "body 1: has a {link:...} without its {/link}",
        ),
        (('authors = ["A. Writer"]', 'authors = ["B. Writer"]'), "author 'B. Writer' is not in [[authors]]"),
        (('title = "First"', 'titel = "First"'), "post 1 (first): missing 'title'"),
        (
            ('intro = "The first post."', 'intro = "x"\nsumary = "y"'),
            "post 1 (first): unknown key(s) 'sumary'",
        ),
        (("date = 2020-01-01 09:00:00", 'date = "2020-01-01"'), "'date' must be a local date and time"),
        (("hours_after_post = 1", 'hours_after_post = 1\nstatus = "hidden"'), "'status' is 'hidden'"),
        (("hours_after_post = 1", 'hours_after_post = 1\nstatus = "held"'), "needs 'held_because'"),
        (
            ('slug = "first"', 'slug = "first"\nstatus = "draft"'),
            "a draft post is dated when it is loaded, so it takes no 'date'",
        ),
        (('[[posts]]\nslug = "first"', '[[posts]\nslug = "first"'), "not valid TOML"),
    ],
)
def test_loader_rejects_a_malformed_entry_with_a_clear_message(change, message):
    old, new = change
    assert old in VALID
    with pytest.raises(demo.DemoContentError, match=re.escape(message)):
        demo.load(VALID.replace(old, new, 1), source="test.toml")


def test_load_demo_reports_a_malformed_file_without_a_traceback(monkeypatch, tmp_path):
    broken = tmp_path / "content.toml"
    broken.write_text(VALID.replace('type = "paragraph"', 'type = "pullquote"'), encoding="utf-8")
    monkeypatch.setattr(demo, "CONTENT", broken)
    with pytest.raises(CommandError, match="content.toml: post 1 .first.: body 1: unknown block type"):
        call_command("load_demo", hostname="testserver", port=80)
    assert not BlogPostPage.objects.exists()
