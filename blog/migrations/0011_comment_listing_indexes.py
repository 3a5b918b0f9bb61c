"""Indexes for the moderation queue's status filters (blog/admin_views.py), newest first.

Held comments (not public, not removed) and removed ones (spam among them) are few among many
public ones. Without these partial indexes PostgreSQL walks the whole submit_date index to find
the newest fifty of them, and reads every comment to count them; with them it reads only those.
Built CONCURRENTLY: a large comments table stays writable while they are made.
"""

from django.db import migrations

INDEXES = {
    "blog_comment_held_newest": "(submit_date DESC, id DESC) WHERE NOT is_public AND NOT is_removed",
    "blog_comment_removed_newest": "(submit_date DESC, id DESC) WHERE is_removed",
}


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("blog", "0010_site_exports"),
        ("django_comments", "0004_add_object_pk_is_removed_index"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON django_comments {columns}",
            reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]
