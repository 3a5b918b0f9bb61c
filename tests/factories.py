"""Plain builders for pages and snippets used across the tests."""

import json
from datetime import datetime

from django.utils import timezone

from blog.models import Author, BlogIndexPage, BlogPostPage


def aware(value):
    return timezone.make_aware(datetime.fromisoformat(value)) if isinstance(value, str) else value


def make_blog_index(parent, title="Blog", slug="blog"):
    index = parent.add_child(instance=BlogIndexPage(title=title, slug=slug))
    index.save_revision().publish()
    return index


def make_author(name="Ada Writer"):
    return Author.objects.get_or_create(name=name)[0]


def paragraph(html):
    return {"type": "paragraph", "value": html}


def make_post(
    index,
    title="A post",
    date="2024-05-01 09:00",
    tags=(),
    authors=None,
    body=None,
    publish=True,
    **fields,
):
    """Add a post under `index`; published unless `publish` is false (then it is a draft)."""
    post = BlogPostPage(
        title=title,
        date=aware(date),
        body=json.dumps(body if body is not None else [paragraph(f"<p>Body of {title}.</p>")]),
        live=publish,
        **fields,
    )
    post.set_authors(authors if authors is not None else [make_author()])
    index.add_child(instance=post)
    post.tags.add(*tags)
    revision = post.save_revision()
    if publish:
        revision.publish()
    return post


def add_posts(blog_index, start, count):
    """Posts number `start` to `start + count - 1` ("Post <n>" at post-<n>/), each with three
    labels and two authors ("Author 0" and one of three others), dated in January 2020."""
    for n in range(start, start + count):
        make_post(
            blog_index,
            f"Post {n}",
            slug=f"post-{n}",
            date=f"2020-01-{n % 28 + 1:02d} 09:{n % 60:02d}",
            intro="Notes from the harbour.",
            tags=["news", f"topic-{n}", f"topic-{n + 1}"],
            authors=[make_author("Author 0"), make_author(f"Author {n % 3 + 1}")],
        )


def make_comment(post, text="A comment.", name="Reader", email="reader@example.org", parent=None, **fields):
    """Store a comment the way django-comments-xtd does (thread order is computed on save)."""
    from django.contrib.contenttypes.models import ContentType
    from django_comments_xtd.models import XtdComment

    return XtdComment.objects.create(
        content_type=ContentType.objects.get_for_model(post),
        object_pk=str(post.pk),
        site_id=1,
        user_name=name,
        user_email=email,
        comment=text,
        submit_date=fields.pop("submit_date", timezone.now()),
        parent_id=parent.pk if parent else 0,
        **fields,
    )
