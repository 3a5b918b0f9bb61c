"""Authors get a slug (their page's address), and a post's authors become ordered links
(BlogPostAuthor) that the editor picks with a chooser. Existing links keep the order bylines
showed them in (by name), in the posts and in their saved revisions (drafts among them)."""

import django.db.models.deletion
import modelcluster.fields
from django.db import migrations, models
from django.utils.text import slugify


def fill_slugs(apps, schema_editor):
    Author = apps.get_model("blog", "Author")
    taken = set()
    for author in Author.objects.order_by("pk"):
        base = slugify(author.name)[:240].strip("-") or "author"
        slug, number = base, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        taken.add(slug)
        author.slug = slug
        author.save(update_fields=["slug"])


# A revision stores the post's authors as a list of ids ("authors"); it now stores its links
# ("post_authors"), as modelcluster serialises child objects.
REVISIONS_TO_LINKS = """
UPDATE wagtailcore_revision AS revision
SET content = (revision.content - 'authors') || jsonb_build_object('post_authors', COALESCE((
    SELECT jsonb_agg(jsonb_build_object(
        'pk', NULL, 'post', revision.object_id::integer, 'author', ordered.id, 'sort_order', ordered.n
    ) ORDER BY ordered.n)
    FROM (
        SELECT author.id, ROW_NUMBER() OVER (ORDER BY author.name, author.id) - 1 AS n
        FROM jsonb_array_elements_text(revision.content -> 'authors') AS listed(id)
        JOIN blog_author AS author ON author.id = listed.id::bigint
    ) AS ordered
), '[]'::jsonb))
WHERE revision.content_type_id = %s AND revision.content ? 'authors'
"""
LINKS_TO_REVISIONS = """
UPDATE wagtailcore_revision AS revision
SET content = (revision.content - 'post_authors') || jsonb_build_object('authors', COALESCE((
    SELECT jsonb_agg((link ->> 'author')::bigint ORDER BY (link ->> 'sort_order')::integer)
    FROM jsonb_array_elements(revision.content -> 'post_authors') AS link
), '[]'::jsonb))
WHERE revision.content_type_id = %s AND revision.content ? 'post_authors'
"""


def post_type_id(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    found = ContentType.objects.filter(app_label="blog", model="blogpostpage").first()
    return found.pk if found else None


def links_from_m2m(apps, schema_editor):
    BlogPostPage = apps.get_model("blog", "BlogPostPage")
    BlogPostAuthor = apps.get_model("blog", "BlogPostAuthor")
    Through = BlogPostPage.authors.through
    rows = Through.objects.order_by("blogpostpage_id", "author__name", "author_id").values_list(
        "blogpostpage_id", "author_id"
    )
    links, previous, n = [], None, 0
    for post_id, author_id in rows.iterator(chunk_size=5000):
        n = n + 1 if post_id == previous else 0
        previous = post_id
        links.append(BlogPostAuthor(post_id=post_id, author_id=author_id, sort_order=n))
    BlogPostAuthor.objects.bulk_create(links, batch_size=5000)
    content_type_id = post_type_id(apps)
    if content_type_id is not None:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(REVISIONS_TO_LINKS, [content_type_id])


def m2m_from_links(apps, schema_editor):
    BlogPostPage = apps.get_model("blog", "BlogPostPage")
    BlogPostAuthor = apps.get_model("blog", "BlogPostAuthor")
    Through = BlogPostPage.authors.through
    Through.objects.bulk_create(
        [
            Through(blogpostpage_id=post_id, author_id=author_id)
            for post_id, author_id in BlogPostAuthor.objects.values_list("post_id", "author_id")
        ],
        batch_size=5000,
    )
    content_type_id = post_type_id(apps)
    if content_type_id is not None:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(LINKS_TO_REVISIONS, [content_type_id])


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0006_share_settings_cards"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="author",
            name="slug",
            field=models.SlugField(max_length=255, blank=True, default="", db_index=False),
            preserve_default=False,
        ),
        migrations.RunPython(fill_slugs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="author",
            name="slug",
            field=models.SlugField(
                blank=True,
                help_text="The end of the author page's address (/blog/author/<slug>/); made from the name if empty.",
                max_length=255,
                unique=True,
            ),
        ),
        migrations.CreateModel(
            name="BlogPostAuthor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sort_order", models.IntegerField(blank=True, editable=False, null=True)),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="post_links", to="blog.author"
                    ),
                ),
                (
                    "post",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="post_authors",
                        to="blog.blogpostpage",
                    ),
                ),
            ],
            options={
                "ordering": ["sort_order"],
                "abstract": False,
                "constraints": [models.UniqueConstraint(fields=("post", "author"), name="blog_post_author_once")],
            },
        ),
        migrations.RunPython(links_from_m2m, m2m_from_links),
        migrations.RemoveField(model_name="blogpostpage", name="authors"),
    ]
