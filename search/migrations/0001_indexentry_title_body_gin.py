"""A GIN index on the expression Wagtail's PostgreSQL backend matches every query against.

The backend filters on `title || body` (one vector, so a query's terms may be spread between
title and body), but Wagtail only indexes `title` and `body` separately; without this index
each search reads every row of the index table.
"""

from django.db import migrations

INDEX = "search_indexentry_title_body_gin"


class Migration(migrations.Migration):
    dependencies = [("wagtailsearch", "0010_add_text_fields")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailsearch_indexentry USING gin ((title || body))",
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        )
    ]
