"""Imported comments written a batch of threads at a time, as django-comments-xtd threads them,
and recognised on the next import by the id the export gave them."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_comments_xtd.models import XtdComment, max_thread_level_for_content_type

from blog import bulk
from blog.models import BlogPostPage, CommentReview


@dataclass(slots=True)
class Reply:
    """What an import keeps of a comment between reading it and writing it."""

    source_id: str
    parent_id: str  # the source id of the comment it answers, or ""
    published: object
    name: str
    url: str
    text: str
    email: str = ""
    ip_address: str | None = None
    public: bool = True  # False: held for moderation
    held_because: str = ""


def web_address(url):
    """A commenter's web address as a comment keeps it: http(s) and at most 200 characters, else ""."""
    url = (url or "").strip()
    return url if url.startswith(("http://", "https://")) and len(url) <= 200 else ""


class CommentWriter:
    """Writes the comments of imported posts, given one post's comments at a time with `add`,
    a batch of threads at a time; `close()` writes the rest. `link_model` (BloggerComment,
    WordPressComment) remembers which comment each source id became, in its field `id_field`."""

    def __init__(self, link_model, id_field, report):
        self.link_model = link_model
        self.id_field = id_field
        self.report = report
        self.content_type = ContentType.objects.get_for_model(BlogPostPage)
        self.max_level = max_thread_level_for_content_type(self.content_type)
        self.commented_page_ids = set()
        self.batch, self.size = [], 0

    def add(self, page_id, replies, known_ids=()):
        """The comments of the post with id `page_id` (a list of Reply); `known_ids` are the ids of
        comments the export has that were left out (a reply to one is kept at the top level)."""
        if not replies:
            return
        self.batch.append((page_id, replies, known_ids))
        self.size += len(replies)
        if self.size >= bulk.BATCH:
            self.flush()

    def close(self):
        self.flush()

    def flush(self):
        threads, self.batch, self.size = self.batch, [], 0
        if not threads:
            return
        known = dict(
            self.link_model.objects.filter(
                **{
                    f"{self.id_field}__in": [
                        reply.source_id for _page, replies, _ids in threads for reply in replies
                    ]
                }
            ).values_list(self.id_field, "comment_id")
        )
        existing = XtdComment.norel_objects.in_bulk(known.values())
        new = []  # comments of new threads, written together
        one_by_one = []  # replies to comments imported before, threaded by XtdComment.save()
        for page_id, replies, skipped_ids in threads:
            parents = {}  # source id: XtdComment, saved before or new in this import
            # Oldest first, so every reply's parent comes before it and xtd's thread order is by date.
            for reply in sorted(replies, key=lambda r: (r.published or timezone.now(), r.source_id)):
                if reply.source_id in known:
                    parents[reply.source_id] = self.update(existing[known[reply.source_id]], reply)
                    continue
                parent = self.parent_for(reply, parents, existing, known, skipped_ids)
                comment = XtdComment(
                    content_type=self.content_type,
                    object_pk=str(page_id),
                    site_id=settings.SITE_ID,
                    user_name=reply.name,
                    user_email=reply.email,
                    user_url=reply.url,
                    ip_address=reply.ip_address,
                    comment=reply.text,
                    submit_date=reply.published or timezone.now(),
                    is_public=reply.public,
                    is_removed=False,
                )
                comment.source_id = reply.source_id
                comment.held_because = reply.held_because
                comment.reply_to = parent
                comment.level = parent.level + 1 if parent else 0
                # A reply within a thread saved before goes through xtd's own threading.
                comment.in_old_thread = parent is not None and (parent.pk is not None or parent.in_old_thread)
                (one_by_one if comment.in_old_thread else new).append(comment)
                parents[reply.source_id] = comment
        self.save(new, one_by_one)

    def update(self, comment, reply):
        """A comment imported before: its text, name and address as the export has them now (its
        status is the moderators' to change)."""
        if (comment.comment, comment.user_name, comment.user_url) != (reply.text, reply.name, reply.url):
            XtdComment.norel_objects.filter(pk=comment.pk).update(
                comment=reply.text, user_name=reply.name, user_url=reply.url
            )
            self.report.comments_updated += 1
        else:
            self.report.comments_unchanged += 1
        return comment

    def parent_for(self, reply, parents, existing, known, skipped_ids):
        if not reply.parent_id or reply.parent_id == reply.source_id:
            return None
        parent = parents.get(reply.parent_id) or existing.get(known.get(reply.parent_id))
        if parent is None:
            reason = "was left out" if reply.parent_id in skipped_ids else "is missing"
            self.report.warn(
                f"comment {reply.source_id}", f"the comment it answers {reason}; kept as a top-level comment"
            )
            return None
        # Deeper than the site nests: answer the deepest comment allowed instead.
        while parent.level >= self.max_level:
            parent = self.parent_of(parent, existing)
        return parent

    @staticmethod
    def parent_of(comment, existing):
        if comment.pk is None:
            return comment.reply_to
        return existing.get(comment.parent_id) or XtdComment.norel_objects.get(pk=comment.parent_id)

    def save(self, new, one_by_one):
        # New threads are written in bulk: no per-comment signals, so no cache bump, CDN purge
        # or notification per comment (the importer bumps once; imported comments email no one).
        bulk.add_comments(new)
        for comment in one_by_one:
            comment.parent_id = comment.reply_to.pk
            comment.save()
        written = new + one_by_one
        self.link_model.objects.bulk_create(
            [self.link_model(**{self.id_field: c.source_id, "comment": c}) for c in written],
            batch_size=bulk.BATCH,
        )
        CommentReview.objects.bulk_create(
            [CommentReview(comment=c, held_because=c.held_because[:255]) for c in written if not c.is_public],
            batch_size=bulk.BATCH,
        )
        self.report.comments_created += len(written)
        self.report.comments_held += sum(1 for c in written if not c.is_public)
        self.commented_page_ids |= {int(comment.object_pk) for comment in new}
