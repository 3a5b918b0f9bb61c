"""`seed_blog` builds a large blog in bulk whose posts are ordinary, valid, searchable pages."""

from io import StringIO

import pytest
from django.core.management import call_command
from django_comments_xtd.models import XtdComment
from wagtail.models import Page

from blog.models import BlogPostPage
from blog.seeding import RARE_WORD

from ..factories import make_blog_index

pytestmark = pytest.mark.django_db


def snapshot(index):
    posts = (
        BlogPostPage.objects.child_of(index).order_by("path").prefetch_related("tags", "post_authors__author")
    )
    return [
        (
            p.title,
            p.date,
            p.intro,
            p.body.raw_data[0]["value"],
            sorted(t.name for t in p.tags.all()),
            [a.name for a in p.authors],
            list(
                XtdComment.objects.filter(object_pk=str(p.pk))
                .order_by("thread_id", "order")
                .values_list("level", "nested_count", "comment")
            ),
        )
        for p in posts
    ]


def test_seed_blog_is_deterministic_and_builds_a_valid_tree(home_page, blog_index):
    out = StringIO()
    call_command("seed_blog", posts=30, comments_per_post=4, busy_post_comments=12, seed=7, stdout=out)
    assert "Added 30 posts" in out.getvalue() and "posts/s" in out.getvalue()
    other = make_blog_index(home_page, title="Other", slug="other")
    options = {"posts": 30, "comments_per_post": 4, "busy_post_comments": 12, "seed": 7}
    call_command("seed_blog", blog="other", stdout=out, **options)
    first, second = snapshot(blog_index), snapshot(other)
    assert len(first) == 30 and first == second
    assert len({row[1].year for row in first}) >= 5  # spread over years
    assert len({len(row[3]) for row in first}) > 10  # varied lengths
    # treebeard finds no bad paths, depths or child counts
    assert all(not problems for problems in Page.find_problems())


def test_seeded_threads_match_what_xtdcomment_would_store(blog_index):
    call_command("seed_blog", posts=3, comments_per_post=0, busy_post_comments=40, seed=3, stdout=StringIO())
    comments = list(XtdComment.objects.order_by("thread_id", "order"))
    assert len(comments) == 40
    by_pk = {c.pk: c for c in comments}
    assert max(c.level for c in comments) == 3  # replies reach the deepest allowed level
    for comment in comments:
        if comment.parent_id == comment.pk:
            assert comment.level == 0 and comment.thread_id == comment.pk and comment.order == 1
        else:
            parent = by_pk[comment.parent_id]
            assert comment.level == parent.level + 1 and comment.thread_id == parent.thread_id
            assert comment.order > parent.order
    roots = [c for c in comments if c.level == 0]
    assert sum(c.nested_count + 1 for c in roots) == 40


def test_seeded_posts_render_and_are_searchable(client, blog_index):
    call_command("seed_blog", posts=45, comments_per_post=2, seed=1, stdout=StringIO())
    post = BlogPostPage.objects.child_of(blog_index).order_by("-date").first()
    post.full_clean()
    response = client.get(post.url)
    assert response.status_code == 200 and post.title in response.content.decode()
    assert "Labels:" in response.content.decode()
    listing = client.get("/blog/?page=5").content.decode()
    assert "Page 5 of 5" in listing
    results = client.get(f"/search/?q={RARE_WORD}").content.decode()
    assert f"1 post matches “{RARE_WORD}”" in results
