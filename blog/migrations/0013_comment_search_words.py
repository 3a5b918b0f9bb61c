"""GIN indexes for the moderation queue's search (blog/admin_views.py): the words of each
comment's author name, email address and text, and of each page's title.

Without them a search reads the text of every comment and the title of every page (a word found
in few comments took some 220 ms at 50,000 comments); with them PostgreSQL reads only the
comments and posts that have the words. The expressions are the ones the search writes
(COMMENT_WORDS, TITLE_WORDS); PostgreSQL uses an expression index only for the same expression.
Built CONCURRENTLY: a large comments table stays writable while they are made.
"""

from django.db import migrations

INDEXES = {
    "blog_comment_words": (
        "django_comments",
        "to_tsvector('simple', user_name || ' ' || replace(user_email, '@', ' ') || ' ' || comment)",
    ),
    "blog_page_title_words": ("wagtailcore_page", "to_tsvector('simple', title)"),
}


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("blog", "0012_comment_queue_index")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} USING gin (({words}))",
            reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
        )
        for name, (table, words) in INDEXES.items()
    ]
