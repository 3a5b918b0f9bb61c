"""An index for the whole moderation queue (blog/admin_views.py), newest first.

A page deep in the queue first reads its comments' keys (broadsheet.admin_listings): with the
submit date and the key in one index PostgreSQL counts its way down the index alone. Built
CONCURRENTLY: a large comments table stays writable while it is made.
"""

from django.db import migrations

INDEX = "blog_comment_newest"


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("blog", "0011_comment_listing_indexes")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON django_comments (submit_date DESC, id DESC)",
            reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}",
        )
    ]
