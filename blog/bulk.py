"""Write many rows at once: pages with their revisions, comment threads, the indexes they feed.

Saving rows one by one runs every save signal (search index, reference index, cache bumps) once
per row. The bulk paths here write the same rows with multi-row INSERTs; `add_pages` and
`add_comments` also fill the search and reference indexes, and whoever calls them does the rest
of the signals' work (cache bumps, CDN purges) once for the whole batch.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import CharField, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django_comments_xtd.models import XtdComment
from modelcluster.models import get_all_child_m2m_relations, get_all_child_relations
from treebeard.exceptions import PathOverflow
from wagtail.models import COMMENTS_RELATION_NAME, Page, PageLogEntry, ReferenceIndex, Revision
from wagtail.search.backends import get_search_backends

BATCH = 1000


def insert_rows(model, objs, fields):
    """A multi-row INSERT of `fields` for `objs` (also for the child table of a multi-table model)."""
    for start in range(0, len(objs), BATCH):
        model._base_manager._insert(objs[start : start + BATCH], fields=fields, using=connection.alias)


def reserve_ids(model, count):
    """`count` new primary keys from the sequence of `model`'s table (for a page type, Page's), so
    that rows written later can be pointed at before they exist."""
    root = model._meta.get_parent_list()[-1] if model._meta.parents else model
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [root._meta.db_table, root._meta.pk.column, count],
        )
        return [row_id for (row_id,) in cursor.fetchall()]


def bulk_create_inherited(model, objs, with_ids=None):
    """`bulk_create` for a model with one concrete parent (a page type, XtdComment), which Django's
    own refuses: the parent rows first (their ids come back, unless every object already has one,
    from reserve_ids), then the child rows. Sets the pks; `with_ids(objs)`, if given, is called
    between the two, for fields that need the ids."""
    (parent,) = model._meta.parents
    fields = [f for f in parent._meta.local_concrete_fields if not f.primary_key]
    pk = parent._meta.pk
    reserved = all(obj.pk is not None for obj in objs)
    if reserved:
        for obj in objs:
            setattr(obj, pk.attname, obj.pk)
        fields = [pk, *fields]
    # The parent's rows straight from the child objects, which carry all of its fields.
    ids = []
    for start in range(0, len(objs), BATCH):
        batch = objs[start : start + BATCH]
        if reserved:
            parent._base_manager._insert(batch, fields=fields, using=connection.alias)
        else:
            ids += parent._base_manager._insert(
                batch, fields=fields, returning_fields=[pk], using=connection.alias
            )
    for obj, (row_id,) in zip(objs, ids or [(obj.pk,) for obj in objs], strict=True):
        setattr(obj, pk.attname, row_id)
        obj.pk = row_id
    if with_ids:
        with_ids(objs)
    insert_rows(model, objs, model._meta.local_concrete_fields)
    for obj in objs:
        obj._state.adding = False
    return objs


def index_references(objs):
    """Add new objects' outbound references to Wagtail's reference index (its "Usage" counts),
    as saving each one would, in one INSERT a batch. The objects must not be indexed yet."""
    rows = []
    types = {}  # a model: its content type's id and its root's
    hashes = {}  # a content path: its hash (a comment's are the same three every time)
    for obj in objs:
        model = type(obj)
        if model not in types:
            # As ReferenceIndex.create_or_update_for_object: the model's own type and its root's.
            models = [model, *obj._meta.get_parent_list()]
            types[model] = tuple(
                ContentType.objects.get_for_model(each, for_concrete_model=False).pk
                for each in (models[0], models[-1])
            )
        content_type_id, base_content_type_id = types[model]
        for to_content_type_id, to_object_id, model_path, content_path in set(
            ReferenceIndex._extract_references_from_object(obj)
        ):
            if content_path not in hashes:
                hashes[content_path] = ReferenceIndex._get_content_path_hash(content_path)
            rows.append(
                (
                    content_type_id,
                    base_content_type_id,
                    str(obj.pk),
                    to_content_type_id,
                    str(to_object_id),
                    model_path,
                    content_path,
                    hashes[content_path],
                )
            )
    # A comment has three references and a post a few: the rows go in as one array a column,
    # which spares building a model instance for each of them.
    fields = [
        ReferenceIndex._meta.get_field(name)
        for name in (
            "content_type",
            "base_content_type",
            "object_id",
            "to_content_type",
            "to_object_id",
            "model_path",
            "content_path",
            "content_path_hash",
        )
    ]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    arrays = ", ".join(f"%s::{field.cast_db_type(connection)}[]" for field in fields)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(ReferenceIndex._meta.db_table)} ({columns}) "
        f"SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH * 10):
            cursor.execute(
                sql, [list(column) for column in zip(*rows[start : start + BATCH * 10], strict=True)]
            )


def thread_comments(comments):
    """Fill in django-comments-xtd's thread fields for new, saved comments listed oldest first,
    each with `reply_to` (another of them, or None): what XtdComment.save() works out one
    comment at a time. A thread is ordered depth first, replies in the order they came."""
    replies = {}
    for comment in comments:
        comment.nested_count = 0
        if comment.reply_to is None:
            comment.thread_id = comment.parent_id = comment.pk
            comment.level = 0
        else:
            comment.parent_id = comment.reply_to.pk
            comment.level = comment.reply_to.level + 1
        replies.setdefault(comment.reply_to and comment.reply_to.pk, []).append(comment)

    def walk(comment, thread_id, order):
        comment.thread_id, comment.order = thread_id, order
        for reply in replies.get(comment.pk, []):
            order = walk(reply, thread_id, order + 1)
            comment.nested_count += 1 + reply.nested_count
        return order

    for comment in replies.get(None, []):
        walk(comment, comment.pk, 1)


def add_comments(comments):
    """Write new django-comments-xtd comments, listed oldest first, each with `reply_to` (another
    of them, or None), threaded and in the reference index as XtdComment.save() leaves them."""
    bulk_create_inherited(XtdComment, comments, with_ids=thread_comments)
    index_references(comments)
    return comments


def add_pages(parent, pages):
    """Add `pages`, new instances of one page type, as the last children of `parent`, leaving the
    rows that `parent.add_child(instance=page)` and then `page.save_revision().publish()` leave, or
    for a page with `live=False` (a draft) `save_revision()` alone: the tree fields and url_path,
    the page's clustered relations as set in memory (tags, authors), one revision that is the
    latest and (unless a draft) the live one, the history's "Created" entry (publishing is not
    logged), and the search and reference indexes. A first_published_at or last_published_at the
    caller set (a post published elsewhere before) is kept, where publish() would set the last
    one to now. The pages are not validated, and their slugs must be free under `parent`; editors'
    comments, scheduled publishing and page types with more than one concrete ancestor are not
    supported. Pages may come with ids from reserve_ids. A page type's `set_derived_fields()`, if
    it has one, runs as its save() would run it. Returns `pages`, saved, with their relations still
    in memory."""
    if not pages:
        return pages
    models = {type(page) for page in pages}
    if len(models) > 1:
        raise ValueError("add_pages adds pages of one type at a time")
    (model,) = models
    now = timezone.now()
    _place_in_tree(parent, pages, now)
    # The relations as set in memory, read while the pages have no ids (and so make no queries).
    children = {
        relation: [list(getattr(page, relation.get_accessor_name()).all()) for page in pages]
        for relation in get_all_child_relations(model)
    }
    m2m = {
        field: [list(getattr(page, field.name).all()) for page in pages]
        for field in get_all_child_m2m_relations(model)
    }

    def derived(pages):
        # What save() works out from the content (a post's reading time), from the final content.
        if hasattr(model, "set_derived_fields"):
            for page in pages:
                page.set_derived_fields()

    bulk_create_inherited(model, pages, with_ids=derived)
    Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(pages))
    parent.numchild += len(pages)
    for relation, items_by_page in children.items():
        rows = []
        for page, items in zip(pages, items_by_page, strict=True):
            for item in items:
                setattr(item, relation.field.name, page)
                rows.append(item)
        relation.related_model._base_manager.bulk_create(rows, batch_size=BATCH)
    for field, targets_by_page in m2m.items():
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        through._base_manager.bulk_create(
            [
                through(**{source: page, target: obj})
                for page, targets in zip(pages, targets_by_page, strict=True)
                for obj in targets
            ],
            batch_size=BATCH,
        )
    _save_revisions(pages, now)
    PageLogEntry.objects.bulk_create(
        [
            PageLogEntry(
                content_type=ContentType.objects.get_for_model(page, for_concrete_model=False),
                page=page,
                label=page.get_admin_display_title(),
                action="wagtail.create",
                timestamp=now,
                data={},
                content_changed=True,
            )
            for page in pages
        ],
        batch_size=BATCH,
    )
    for start in range(0, len(pages), BATCH):
        for backend in get_search_backends(with_auto_update=True):
            backend.add_bulk(model, pages[start : start + BATCH])
    index_references(pages)
    return pages


def _place_in_tree(parent, pages, now):
    """Set the fields treebeard's add_child and Page.save() set on new last children of `parent`."""
    # As add_child, with the parent's row locked, so that no one else adds a child meanwhile.
    parent_row = (
        Page.objects.select_for_update().only("path", "depth", "url_path", "locale").get(pk=parent.pk)
    )
    depth = parent_row.depth + 1
    last = (
        Page.objects.filter(path__startswith=parent_row.path, depth=depth)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    first = Page._str2int(last[-Page.steplen :]) + 1 if last else 1
    if len(Page._int2str(first + len(pages) - 1)) > Page.steplen:
        raise PathOverflow(f"Page {parent_row.pk} has no room for {len(pages)} more children")
    slugs = [page.slug for page in pages]
    taken = set(Page.objects.child_of(parent_row).filter(slug__in=slugs).values_list("slug", flat=True))
    if taken or len(set(slugs)) < len(slugs) or not all(slugs):
        raise ValueError(f"Slugs missing, repeated or taken under page {parent_row.pk}")
    for number, page in enumerate(pages, start=first):
        if page.go_live_at and page.go_live_at > now:
            raise ValueError(f"“{page.slug}” is scheduled to go live later, which add_pages does not do")
        page.path, page.depth, page.numchild = Page._get_path(parent_row.path, depth, number), depth, 0
        page.set_url_path(parent_row)
        page.draft_title = page.title  # as save_revision() sets it
        page.locale_id = page.locale_id or parent_row.locale_id
        setattr(page, COMMENTS_RELATION_NAME, [])


def _save_revisions(pages, now):
    """One revision a page, with the content save_revision() stores, then what save_revision()
    and publish() set on the page: an UPDATE for the published pages and one for the drafts."""
    page_type = ContentType.objects.get_for_model(Page)
    revisions = Revision.objects.bulk_create(
        [
            Revision(
                content_object=page,
                base_content_type=page_type,
                content=page.serializable_data(),
                object_str=str(page),
                created_at=now,
            )
            for page in pages
        ],
        batch_size=BATCH,
    )
    # Each page has exactly the one revision just made.
    own_revision = Subquery(
        Revision.objects.filter(
            base_content_type=page_type, object_id=Cast(OuterRef("pk"), CharField())
        ).values("pk")
    )
    new_pages = Page.objects.filter(pk__in=[page.pk for page in pages])
    new_pages.filter(live=True).update(
        latest_revision=own_revision,
        live_revision=own_revision,
        latest_revision_created_at=now,
        first_published_at=Coalesce(F("first_published_at"), Value(now)),
        last_published_at=Coalesce(F("last_published_at"), Value(now)),
        has_unpublished_changes=False,
    )
    new_pages.filter(live=False).update(
        latest_revision=own_revision, latest_revision_created_at=now, has_unpublished_changes=True
    )
    for page, revision in zip(pages, revisions, strict=True):
        page.latest_revision, page.latest_revision_created_at = revision, now
        page.has_unpublished_changes = not page.live
        if page.live:
            page.live_revision = revision
            page.first_published_at = page.first_published_at or now
            page.last_published_at = page.last_published_at or now
