"""An index on a post's id as text, the form Wagtail's search index joins on.

Wagtail's index table keeps each object's id as text (`object_id`), so every search joins
`blog_blogpostpage.page_ptr_id::varchar(50)` to it. Without an index on that expression
PostgreSQL reads every post to find the few that match a rare word (a sequential scan of the
whole table for the results, the snippets, the counts and the label facets); with it, it looks
each match up.
"""

from django.db import migrations

INDEX = "blog_post_id_as_text"


class Migration(migrations.Migration):
    dependencies = [("search", "0001_indexentry_title_body_gin"), ("blog", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {INDEX} ON blog_blogpostpage (((page_ptr_id)::varchar(50)))",
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        )
    ]
