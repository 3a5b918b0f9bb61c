"""Reading time: worked out once per revision from the words a reader reads, shown on the post
and on every card that lists it."""

import importlib
import json
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from blog import bulk
from blog.blocks import minutes_to_read
from blog.blogger.synthetic import write_synthetic_export
from blog.models import BlogPostPage

from ..factories import aware, make_author, make_post, paragraph

pytestmark = pytest.mark.django_db


def words(count, word="harbour"):
    return " ".join([word] * count)


def every_kind_of_block(image):
    """A body with 1,200 words a reader reads: 10 + 740 + 105 + 50 lines of 4 words of code + 30
    + 15 + 100 (alt text, credits and URLs are not read)."""
    return [
        {"type": "heading", "value": {"text": words(10), "level": "h2"}},
        paragraph(
            f"<p>{words(500)}</p><p><b>{words(200)}</b> <a href='https://example.org/'>{words(40)}</a></p>"
        ),
        {
            "type": "quote",
            "value": {
                "text": f"<p>{words(100)}</p>",
                "source": words(5),
                "source_url": "https://example.org/x",
            },
        },
        {"type": "code", "value": {"language": "python", "code": "\n".join(["total = levy(x) + 1"] * 50)}},
        {
            "type": "image",
            "value": {"image": image.pk, "alt_text": words(30), "caption": words(30), "credit": "Staff"},
        },
        {"type": "embed", "value": {"url": "https://media.invalid/watch?v=1", "caption": words(15)}},
        {"type": "external_image", "value": {"url": "https://example.org/a.jpg", "caption": words(100)}},
    ]


def test_reading_time_counts_paragraphs_headings_quotes_code_and_captions(client, blog_index):
    image = Image.objects.create(title="Quay", file=get_test_image_file())
    post = make_post(blog_index, "Long read", slug="long-read", body=every_kind_of_block(image))
    post.refresh_from_db()
    assert post.reading_minutes == 6  # 1,200 words: 5.2 minutes, rounded up
    assert post.get_latest_revision().content["reading_minutes"] == 6
    assert "6 min read" in client.get("/blog/long-read/").content.decode()


def test_a_short_post_reads_in_one_minute(client, blog_index):
    make_post(blog_index, "Note", slug="note", body=[paragraph("<p>Ferry late.</p>")])
    make_post(blog_index, "Empty", slug="empty", body=[])
    assert "1 min read" in client.get("/blog/note/").content.decode()
    assert "1 min read" in client.get("/blog/empty/").content.decode()


def test_cards_on_listings_show_each_posts_reading_time(client, blog_index):
    make_post(
        blog_index, "Three minutes", slug="three", tags=["Ferries"], body=[paragraph(f"<p>{words(600)}</p>")]
    )
    make_post(
        blog_index, "Nine minutes", slug="nine", tags=["Ferries"], body=[paragraph(f"<p>{words(2000)}</p>")]
    )
    for url in ["/", "/blog/", "/blog/tag/ferries/", "/blog/2024/", "/search/?q=harbour"]:
        html = client.get(url).content.decode()
        assert "3 min read" in html and "9 min read" in html, url


def test_reading_time_changes_when_a_new_revision_is_published(client, blog_index):
    post = make_post(blog_index, "Growing", slug="growing", body=[paragraph(f"<p>{words(100)}</p>")])
    assert "1 min read" in client.get("/blog/growing/").content.decode()

    post = BlogPostPage.objects.get(pk=post.pk)
    post.body = json.dumps([paragraph(f"<p>{words(1000)}</p>")])
    revision = post.save_revision()
    # A draft is not what readers see: the live page keeps its time until the draft is published.
    assert BlogPostPage.objects.get(pk=post.pk).reading_minutes == 1
    assert revision.content["reading_minutes"] == 5
    assert "1 min read" in client.get("/blog/growing/").content.decode()

    revision.publish()
    assert BlogPostPage.objects.get(pk=post.pk).reading_minutes == 5
    assert "5 min read" in client.get("/blog/growing/").content.decode()
    assert "5 min read" in client.get("/blog/").content.decode()


def test_pages_written_in_bulk_have_their_reading_time(client, blog_index):
    posts = [
        BlogPostPage(
            title=f"Bulk {n}", slug=f"bulk-{n}", date=aware("2024-05-01 09:00"), body=json.dumps(body)
        )
        for n, body in enumerate([[paragraph(f"<p>{words(700)}</p>")], [paragraph("<p>Short.</p>")]])
    ]
    for post in posts:
        post.set_authors([make_author()])
    bulk.add_pages(blog_index, posts)
    written = BlogPostPage.objects.filter(slug__startswith="bulk-").order_by("slug")
    assert [post.reading_minutes for post in written] == [4, 1]
    assert "4 min read" in client.get("/blog/bulk-0/").content.decode()


def test_seeded_and_imported_posts_have_their_reading_time(blog_index, tmp_path):
    call_command("seed_blog", posts=12, comments_per_post=0, seed=3, stdout=StringIO())
    export = tmp_path / "export.xml"
    write_synthetic_export(export, posts=6, comments_per_post=0)
    call_command("import_blogger", str(export), stdout=StringIO(), stderr=StringIO())
    posts = list(BlogPostPage.objects.all())
    assert len(posts) == 18
    for post in posts:
        assert post.reading_minutes == minutes_to_read(post.body.raw_data), post.title
    assert max(post.reading_minutes for post in posts) > 1  # the seeds' longest posts take minutes


def test_the_migration_fills_in_the_reading_time_of_existing_posts(blog_index):
    long_post = make_post(blog_index, "Long", slug="long", body=[paragraph(f"<p>{words(1000)}</p>")])
    short_post = make_post(blog_index, "Short", slug="short")
    BlogPostPage.objects.update(reading_minutes=1)  # as the new column leaves every post
    (path,) = Path(__file__).parents[2].glob("blog/migrations/*_reading_minutes.py")
    migration = importlib.import_module(f"blog.migrations.{path.stem}")
    migration.fill_reading_minutes(apps, None)
    assert BlogPostPage.objects.get(pk=long_post.pk).reading_minutes == 5
    assert BlogPostPage.objects.get(pk=short_post.pk).reading_minutes == 1
