"""Wagtail's PostgreSQL search backend, with snippets drawn from a post's own text, and index
rows written from SQL put together once.

The backend keeps two things per object: the weighted vectors that are searched, and a plain
`body_text` that search/views.py hands to ts_headline for the snippet. It fills `body_text` from
every field, so a post's snippet could end with its labels' and authors' names. Here the vectors
are left as they are (a search for an author still finds their posts) and `body_text` holds only
the object's own fields, not those of related objects (RelatedFields).

The backend's own `add_items` reads every field of an object once for each of five columns and
builds, resolves and compiles a Django expression for every text it indexes, which costs more
than PostgreSQL's work on the row. `OwnTextIndex.add_items` reads each field once, fills the
texts into SQL compiled once per weight from the very expressions the backend builds, and
writes `body_text` in the same INSERT, so the rows come out as the backend's would
(tests/search/test_index_rows.py compares them).
"""

from functools import cache

from django.contrib.postgres.search import SearchVector
from django.db import connections
from django.db.models import TextField, Value
from django.db.models.sql.subqueries import InsertQuery
from wagtail.search.backends.database.postgres.postgres import (
    EMPTY_VECTOR,
    IndexEntry,
    ObjectIndexer,
    PostgresIndex,
    PostgresSearchBackend,
    get_content_type_pk,
)
from wagtail.search.index import AutocompleteField, RelatedFields, SearchField

# Stands for the text in a vector's SQL compiled once; never a text anyone indexes.
TEXT = "\x00text\x00"


class Columns:
    """One object's texts for each column of its index row, read from its fields in one pass:
    as the backend's ObjectIndexer reads them, but `body_text` from the object's own fields."""

    def __init__(self, obj, backend):
        indexer = ObjectIndexer(obj, backend)
        self.config, self.autocomplete_config = indexer.config, indexer.autocomplete_config
        self.id = indexer.id
        self.title, self.body, self.autocomplete = [], [], []
        title_text, body_text = [], []
        for field in indexer.search_fields:
            own = not isinstance(field, RelatedFields)
            for current, weight, value in indexer.prepare_field(obj, field):
                if isinstance(current, AutocompleteField):
                    self.autocomplete.append((value, weight))
                elif isinstance(current, SearchField) and current.field_name == "title":
                    self.title.append((value, weight))
                    title_text.append(value.strip())
                elif isinstance(current, SearchField):
                    self.body.append((value, weight))
                    if own:
                        body_text.append(value.strip())
        self.title_text = " ".join(text for text in title_text if text)
        self.body_text = " ".join(text for text in body_text if text)


class OwnTextIndex(PostgresIndex):
    """The index, with `body_text` limited to each object's own fields."""

    def add_items(self, model, objs):
        if not model.get_search_fields():
            return
        objs = list(objs)
        if not objs:
            return
        content_type_pk = get_content_type_pk(model)
        rows, params = [], []
        for obj in objs:
            columns = Columns(obj, self.backend)
            title, title_params = self.vector(columns.title, columns.config)
            autocomplete, autocomplete_params = self.vector(columns.autocomplete, columns.autocomplete_config)
            body, body_params = self.vector(columns.body, columns.config)
            rows.append(f"(%s, %s, {title}, {autocomplete}, {body}, 1.0, %s, %s)")
            params += [content_type_pk, columns.id, *title_params, *autocomplete_params, *body_params]
            params += [columns.title_text, columns.body_text]
        table = IndexEntry._meta.db_table
        with self.write_connection.cursor() as cursor:
            cursor.execute(
                # As the backend's add_items writes it; every value is a parameter.
                f"""
                INSERT INTO {table} (content_type_id, object_id, title, autocomplete, body,
                                     title_norm, title_text, body_text)
                (VALUES {", ".join(rows)})
                ON CONFLICT (content_type_id, object_id)
                DO UPDATE SET title = EXCLUDED.title,
                              title_norm = 1.0,
                              autocomplete = EXCLUDED.autocomplete,
                              body = EXCLUDED.body,
                              title_text = EXCLUDED.title_text,
                              body_text = EXCLUDED.body_text
                """,
                params,
            )
        self._refresh_title_norms()

    def vector(self, texts, config):
        """The SQL and parameters of the backend's vector of `texts` ((text, weight) pairs), as
        ObjectIndexer.as_vector builds it: each text a weighted vector, joined with ||."""
        texts = [(text.strip(), weight) for text, weight in texts]
        texts = [(text, weight) for text, weight in texts if text]
        alias = self.write_connection.alias
        if not texts:
            return compiled_vector(alias, None, None)
        parts, params = [], []
        for text, weight in texts:
            sql, template_params = compiled_vector(alias, weight, config)
            parts.append(sql)
            params += [text if param == TEXT else param for param in template_params]
        return "(" + " || ".join(parts) + ")", params


@cache
def compiled_vector(alias, weight, config):
    """The SQL and parameters of one weighted vector as the backend compiles it for an INSERT,
    with TEXT where its text goes; with no weight, the backend's empty vector."""
    connection = connections[alias]
    compiler = InsertQuery(IndexEntry).get_compiler(connection=connection)
    if weight is None:
        expression = EMPTY_VECTOR
    else:
        expression = SearchVector(Value(TEXT, output_field=TextField()), weight=weight, config=config)
    value = compiler.prepare_value(IndexEntry._meta.get_field("body"), expression)
    sql, params = value.as_sql(compiler, connection)
    if weight is not None and list(params).count(TEXT) != 1:
        raise ValueError("The vector's SQL does not take its text as one parameter")
    return sql, tuple(params)


class SearchBackend(PostgresSearchBackend):
    """Wagtail's PostgreSQL backend with `OwnTextIndex`."""

    index_class = OwnTextIndex
