"""Wagtail's PostgreSQL search backend, with snippets drawn from a post's own text.

The backend keeps two things per object: the weighted vectors that are searched, and a plain
`body_text` that search/views.py hands to ts_headline for the snippet. It fills `body_text` from
every field, so a post's snippet could end with its labels' and authors' names. Here the vectors
are left as they are (a search for an author still finds their posts) and `body_text` holds only
the object's own fields, not those of related objects (RelatedFields).
"""

from django.utils.encoding import force_str
from wagtail.search.backends.database.postgres.postgres import (
    ObjectIndexer,
    PostgresIndex,
    PostgresSearchBackend,
    get_content_type_pk,
)
from wagtail.search.index import RelatedFields, SearchField


def own_text(indexer, fields):
    """The text of `fields` as the backend joins it for `body_text` (the title is kept apart)."""
    texts = (
        value.strip()
        for field in fields
        for current, _weight, value in indexer.prepare_field(indexer.obj, field)
        if isinstance(current, SearchField) and current.field_name != "title"
    )
    return " ".join(text for text in texts if text)


class OwnTextIndex(PostgresIndex):
    """The index, with `body_text` limited to each object's own fields."""

    def add_items(self, model, objs):
        objs = list(objs)
        super().add_items(model, objs)
        fields = model.get_search_fields()
        own_fields = [field for field in fields if not isinstance(field, RelatedFields)]
        if not objs or len(own_fields) == len(fields):
            return  # nothing related is indexed: the backend's body_text is already the object's own
        rows = [(force_str(obj.pk), own_text(ObjectIndexer(obj, self.backend), own_fields)) for obj in objs]
        values = ", ".join(["(%s, %s)"] * len(rows))
        params = [value for row in rows for value in row]
        table = self.entries.model._meta.db_table
        with self.write_connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {table} AS entry SET body_text = own.body_text
                FROM (VALUES {values}) AS own (object_id, body_text)
                WHERE entry.content_type_id = %s AND entry.object_id = own.object_id
                """,  # the table name is the model's; every value is a parameter
                [*params, get_content_type_pk(model)],
            )


class SearchBackend(PostgresSearchBackend):
    """Wagtail's PostgreSQL backend with `OwnTextIndex`."""

    index_class = OwnTextIndex
