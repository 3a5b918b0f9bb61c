"""Write many rows at once: multi-table models, Wagtail's reference index and comment threads.

Saving rows one by one runs every save signal (search index, reference index, cache bumps) once
per row. The bulk paths here write the same rows with multi-row INSERTs; whoever calls them does
the signals' work once for the whole batch.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from wagtail.models import ReferenceIndex

BATCH = 1000


def insert_rows(model, objs, fields):
    """A multi-row INSERT of `fields` for `objs` (also for the child table of a multi-table model)."""
    for start in range(0, len(objs), BATCH):
        model._base_manager._insert(objs[start : start + BATCH], fields=fields, using=connection.alias)


def bulk_create_inherited(model, objs, with_ids=None):
    """`bulk_create` for a model with one concrete parent (a page type, XtdComment), which Django's
    own refuses: the parent rows first (their ids come back), then the child rows. Sets the pks;
    `with_ids(objs)`, if given, is called between the two, for fields that need the ids."""
    (parent,) = model._meta.parents
    fields = [f for f in parent._meta.local_concrete_fields if not f.primary_key]
    rows = parent._base_manager.bulk_create(
        [parent(**{f.attname: getattr(obj, f.attname) for f in fields}) for obj in objs], batch_size=BATCH
    )
    for obj, row in zip(objs, rows, strict=True):
        setattr(obj, parent._meta.pk.attname, row.pk)
        obj.pk = row.pk
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
    for obj in objs:
        # As ReferenceIndex.create_or_update_for_object: the model's own type and its root's.
        models = [type(obj), *obj._meta.get_parent_list()]
        content_type = ContentType.objects.get_for_model(models[0], for_concrete_model=False)
        base_content_type = ContentType.objects.get_for_model(models[-1], for_concrete_model=False)
        for to_content_type_id, to_object_id, model_path, content_path in set(
            ReferenceIndex._extract_references_from_object(obj)
        ):
            rows.append(
                ReferenceIndex(
                    content_type=content_type,
                    base_content_type=base_content_type,
                    object_id=obj.pk,
                    to_content_type_id=to_content_type_id,
                    to_object_id=to_object_id,
                    model_path=model_path,
                    content_path=content_path,
                    content_path_hash=ReferenceIndex._get_content_path_hash(content_path),
                )
            )
    ReferenceIndex.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


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
