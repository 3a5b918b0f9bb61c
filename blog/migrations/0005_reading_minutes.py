from django.db import migrations, models

from blog.blocks import minutes_to_read

BATCH = 1000


def fill_reading_minutes(apps, schema_editor):
    """Every post's reading time from its current body (its later revisions set their own)."""
    BlogPostPage = apps.get_model("blog", "BlogPostPage")
    posts = BlogPostPage.objects.only("pk", "body").order_by("pk")
    changed = []
    for post in posts.iterator(chunk_size=BATCH):
        post.reading_minutes = minutes_to_read(post.body.raw_data)
        changed.append(post)
        if len(changed) == BATCH:
            BlogPostPage.objects.bulk_update(changed, ["reading_minutes"])
            changed = []
    BlogPostPage.objects.bulk_update(changed, ["reading_minutes"])


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0004_comment_review_browser_headers"),
    ]

    operations = [
        migrations.AddField(
            model_name="blogpostpage",
            name="reading_minutes",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="reading time (minutes)"),
        ),
        migrations.RunPython(fill_reading_minutes, migrations.RunPython.noop, elidable=True),
    ]
