"""Broadsheet's side of `make bench-peer`: seed its blog from shape.py, and report what it holds.

Run from the project root with the bench's settings in the environment (bench/peer.py does):

    python bench/peer/seed_broadsheet.py seed --posts 2000   # after migrate and load_demo
    python bench/peer/seed_broadsheet.py report              # JSON: counts and the paths to measure

The demo blog's posts and comments are removed, so that the blog holds exactly the shape's posts;
those are written by blog.bulk, as `seed_blog` writes its own.
"""

import json
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django

django.setup()

import shape  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django_comments_xtd.models import XtdComment  # noqa: E402
from taggit.models import Tag  # noqa: E402

from blog import bulk  # noqa: E402
from blog.models import Author, BlogIndexPage, BlogPostPage, BlogPostTag  # noqa: E402
from broadsheet import caching  # noqa: E402

BLOCK_IDS = uuid.UUID("5b0c4a4e-2f43-4d8e-9a51-6d1f3c0e7a21")


def body(post):
    """The post's blocks as the StreamField's JSON, with ids that are the same on every run."""
    blocks = []
    for number, (kind, text) in enumerate(post.blocks):
        value = {"text": text, "level": "h2"} if kind == "heading" else f"<p>{text}</p>"
        block_id = str(uuid.uuid5(BLOCK_IDS, f"{post.slug}/{number}"))
        blocks.append({"type": kind, "value": value, "id": block_id})
    return json.dumps(blocks)


def seed(count):
    with transaction.atomic():
        add_posts(count)
    caching.forget(caching.SITE)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def add_posts(count):
    blog = BlogIndexPage.objects.live().order_by("path").first()
    content_type = ContentType.objects.get_for_model(BlogPostPage)
    XtdComment.objects.filter(content_type=content_type).delete()
    for demo_post in BlogPostPage.objects.child_of(blog):
        demo_post.delete()
    blog.refresh_from_db()
    authors = {name: Author.objects.get_or_create(name=name)[0] for name in shape.AUTHORS}
    tags = {
        name: Tag.objects.get_or_create(slug=shape.slugify(name), defaults={"name": name})[0]
        for name in shape.labels(shape.LABELS)
    }
    posts, threads = [], []
    for post in shape.blog(count):
        page = BlogPostPage(
            title=post.title,
            slug=post.slug,
            date=post.date,
            first_published_at=post.date,
            last_published_at=post.date,
            intro=post.intro,
            comments_open=True,
            body=body(post),
        )
        page.set_authors([authors[post.author]])
        page.tags.set([tags[label] for label in post.labels])
        posts.append(page)
        threads.append(post.comments)
    bulk.add_pages(blog, posts)
    comments = []
    for page, thread in zip(posts, threads, strict=True):
        for entry in thread:
            comment = XtdComment(
                content_type=content_type,
                object_pk=str(page.pk),
                site_id=settings.SITE_ID,
                user_name=entry.name,
                user_email=entry.email,
                user_url="",
                comment=entry.text,
                submit_date=entry.submitted,
                ip_address="192.0.2.1",
                is_public=True,
                is_removed=False,
            )
            comment.reply_to = None
            comments.append(comment)
    bulk.add_comments(comments)


def report():
    blog = BlogIndexPage.objects.live().order_by("path").first()
    content_type = ContentType.objects.get_for_model(BlogPostPage)

    def urls(post):
        return blog.url, post.url, f"{blog.url}{post.date:%Y/%m}/", "/search/", f"{blog.url}feed/"

    return shape.report(
        BlogPostPage.objects.live().child_of(blog),
        Tag.objects.all(),
        "blog_blogposttag_items",
        XtdComment.objects.filter(content_type=content_type, is_public=True),
        BlogPostTag.objects.all(),
        urls,
    )


if __name__ == "__main__":
    shape.command_line(__doc__.splitlines()[0], seed, report)
