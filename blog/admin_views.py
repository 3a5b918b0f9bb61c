"""The "Comments" area of the Wagtail admin: the moderation queue, its bulk actions and dashboard panel."""

import re

from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import Truncator, add_truncation_text
from django_comments.models import Comment
from django_comments_xtd.models import XtdComment
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.components import Component
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet

from broadsheet.admin_listings import (
    ChoiceFilter,
    Column,
    DateColumn,
    EstimatedCountPaginator,
    ModelChoiceFilter,
    Table,
    TitleColumn,
    python_checkboxes,
)

from .comments.moderation import set_status
from .comments.status import CommentStatus, is_moderator, status_of, with_status
from .models import BlogPostPage


def review_of(comment):
    return getattr(comment, "review", None)


# How many posts the Post filter offers: those with the latest comments.
OFFERED_POSTS = 50


def offered_posts(request):
    """The posts the Post filter offers: the OFFERED_POSTS with the latest comments, and the one
    chosen (search finds the comments on any post by its title)."""
    latest = Comment.objects.order_by("-submit_date").values_list("object_pk", flat=True)
    keys = [int(key) for key in latest[: OFFERED_POSTS * 10] if key.isdigit()]
    keys = list(dict.fromkeys(keys))[:OFFERED_POSTS]
    chosen = request.GET.get("post", "") if request is not None else ""
    if chosen.isdigit():
        keys.append(int(chosen))
    return BlogPostPage.objects.filter(pk__in=keys).order_by("-date").only("pk", "title")


class CommentFilterSet(WagtailFilterSet):
    status = ChoiceFilter(
        label="Status", choices=CommentStatus.choices, method="filter_status", empty_label="All comments"
    )
    post = ModelChoiceFilter(
        label="Post",
        queryset=offered_posts,
        method="filter_post",
        help_text="The posts with the latest comments.",
    )

    class Meta:
        model = XtdComment
        fields = []

    def filter_status(self, queryset, name, value):
        return with_status(queryset, value)

    def filter_post(self, queryset, name, value):
        return queryset.filter(object_pk=str(value.pk)) if value else queryset


EXCERPT_CHARS = 90


def excerpt(text):
    """The start of a comment as Django's Truncator(text).chars(EXCERPT_CHARS) writes it, without
    its walk through every character where none can be a combining one (ASCII text)."""
    if not text.isascii():
        return Truncator(text).chars(EXCERPT_CHARS)
    # Truncator keeps room for the one character of its ellipsis.
    return text if len(text) <= EXCERPT_CHARS else add_truncation_text(text[: EXCERPT_CHARS - 1])


class PostColumn(TitleColumn):
    """The post a comment belongs to, linked to the comment in its thread."""

    def get_value(self, instance):
        post = getattr(instance, "listing_post", None)
        return "(deleted post)" if post is None else post.title

    def get_link_url(self, instance, parent_context):
        if getattr(instance, "listing_post", None) is None:
            return None
        shown = status_of(instance) is CommentStatus.PUBLIC
        # A comment not (yet) shown has no anchor of its own; its reply-to comment or the section does.
        parent = f"c{instance.parent_id}" if instance.level else "comments"
        anchor = f"c{instance.pk}" if shown else parent
        return f"{instance.listing_post_url}#{anchor}"

    def get_link_attrs(self, instance, parent_context):
        return {"target": "_blank", "rel": "noreferrer", "title": "In its thread"}


# What the queue's search matches, each with its GIN index (blog/migrations/0013_comment_search_words):
# the words of a comment's author name, email address (its name and its domain, as two words)
# and text, and of a post's title. The expressions must stay as the indexes write them.
COMMENT_WORDS = (
    "to_tsvector('simple', \"django_comments\".\"user_name\" || ' ' || "
    'replace("django_comments"."user_email", \'@\', \' \') || \' \' || "django_comments"."comment")'
)
TITLE_WORDS = 'to_tsvector(\'simple\', "wagtailcore_page"."title")'


def words_query(text):
    """A PostgreSQL text-search query (to_tsquery's syntax) for `text`: every word of it, each as
    a word or the start of one ("immig" finds "immigration"), in any order; None for no words."""
    words = [word for word in re.split(r"[\s@]+", text) if re.search(r"\w", word)]
    if not words:
        return None
    # Each word quoted (a quote doubled, a backslash escaped): nothing in it is an operator.
    quoted = (word.replace("\\", "\\\\").replace("'", "''") for word in words)
    return " & ".join(f"'{word}':*" for word in quoted)


def matching(words, query):
    """The condition that the text-search vector `words` (SQL) matches `query` (to_tsquery's)."""
    return RawSQL(f"{words} @@ to_tsquery('simple', %s)", [query], output_field=BooleanField())


class CommentIndexView(IndexView):
    """The moderation queue: newest first, searchable by the words of a comment's text, its
    author's name or email address, or its post's title."""

    paginator_class = EstimatedCountPaginator
    table_class = Table
    search_backend_name = None
    is_searchable = True
    default_ordering = "-submit_date"

    @cached_property
    def columns(self):
        return python_checkboxes(super().columns)

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("review")

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        # Of comments posted in the same instant, the later first: every page the same, and the
        # order of the indexes on (submit_date DESC, id DESC).
        return queryset.order_by("-submit_date", "-pk") if self.ordering == "-submit_date" else queryset

    def get_paginator(self, *args, **kwargs):
        # The count and a deep page's keys come from django_comments alone (every comment is an
        # XtdComment, whose own table only adds threading): the same filters, search and order,
        # without joining every skipped comment to its XtdComment row.
        comments = self.order_queryset(Comment.objects.all())
        keys = self.search_queryset(self.filter_queryset(comments))
        # A search's matches are counted and listed by its indexes (broadsheet.admin_listings.by_index).
        return super().get_paginator(*args, keys=keys, by_index=self.is_searching, **kwargs)

    @cached_property
    def words_query(self):
        return words_query(self.search_query)

    @cached_property
    def posts_found(self):
        """The keys (as comments store them) of the posts whose title has the search's words,
        read once for the listing and its count, where a subquery in each was run again for each."""
        posts = BlogPostPage.objects.filter(matching(TITLE_WORDS, self.words_query)).order_by()
        return [str(pk) for pk in posts.values_list("pk", flat=True)]

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        if self.words_query is None:
            return queryset.none()  # punctuation alone: no word to find
        found = Q(matching(COMMENT_WORDS, self.words_query))
        if self.posts_found:
            # One array parameter, not one for each post (hundreds for a common word), and a
            # condition an index answers, so that PostgreSQL reads both indexes and no comment more.
            on_posts = '"django_comments"."object_pk" = ANY(%s::text[])'
            found |= Q(RawSQL(on_posts, [self.posts_found], output_field=BooleanField()))
        return queryset.filter(found)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        comments = list(context["object_list"])
        post_ids = {c.object_pk for c in comments if c.object_pk.isdigit()}
        posts = {str(p.pk): p for p in BlogPostPage.objects.filter(pk__in=post_ids).defer_streamfields()}
        # With the request, Wagtail works out the sites' root paths once for all the links.
        urls = {pk: post.get_url(request=self.request) for pk, post in posts.items()}
        for comment in comments:
            comment.listing_post = posts.get(comment.object_pk)
            comment.listing_post_url = urls.get(comment.object_pk)
        return context


class CommentPermissionPolicy(ModelPermissionPolicy):
    """Comments come from readers; the admin approves, removes and corrects them but never writes one."""

    def user_has_permission(self, user, action):
        return action != "add" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class CommentViewSet(SnippetViewSet):
    model = XtdComment
    icon = "comment"
    menu_label = "Comments"
    menu_order = 250
    add_to_admin_menu = True
    url_prefix = "comments"
    admin_url_namespace = "comments"
    index_view_class = CommentIndexView
    filterset_class = CommentFilterSet
    copy_view_enabled = False
    list_per_page = 50
    list_display = [
        TitleColumn(
            "comment",
            label="Comment",
            url_name="comments:edit",
            accessor=lambda c: excerpt(c.comment),
            get_title_id=lambda c: f"snippet_{c.pk}_title",
        ),
        Column("author", label="Author", accessor=lambda c: f"{c.user_name} <{c.user_email}>"),
        PostColumn("post", label="Post"),
        Column("status", label="Status", accessor=lambda c: status_of(c).label),
        Column("held", label="Held because", accessor=lambda c: getattr(review_of(c), "held_because", "")),
        DateColumn("submit_date", label="Posted"),
    ]
    # The edit form corrects what a reader wrote. Status changes only through the bulk actions
    # (set_status), which record the review, email followers and report to Akismet.
    panels = [
        FieldPanel("user_name"),
        FieldPanel("user_email"),
        FieldPanel("user_url"),
        FieldPanel("comment"),
    ]

    def register_chooser_viewset(self):
        # Wagtail's chooser views check no permission (any admin user could list every comment,
        # held and spam ones too), and nothing in the admin chooses a comment: no chooser at all.
        pass


class CommentStatusBulkAction(SnippetBulkAction):
    """Set the status of the selected comments."""

    status = None
    template_name = "blog/admin/confirm_comment_bulk_action.html"
    models = [XtdComment]

    def check_perm(self, obj):
        return is_moderator(self.request.user)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action_label": self.display_name}

    @classmethod
    def execute_action(cls, objects, user=None, **kwargs):
        return set_status(objects, cls.status, kwargs["self"].request.user), 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return f"{num_parent_objects} comment{'s' if num_parent_objects != 1 else ''}: {self.done}."


class ApproveCommentsBulkAction(CommentStatusBulkAction):
    display_name = "Approve"
    action_type = "approve"
    aria_label = "Approve the selected comments"
    status = CommentStatus.PUBLIC
    done = "approved and shown"
    action_priority = 10


class RemoveCommentsBulkAction(CommentStatusBulkAction):
    display_name = "Remove"
    action_type = "remove"
    aria_label = "Remove the selected comments"
    status = CommentStatus.REMOVED
    done = "removed"
    action_priority = 20


class SpamCommentsBulkAction(CommentStatusBulkAction):
    display_name = "Mark as spam"
    action_type = "spam"
    aria_label = "Mark the selected comments as spam"
    status = CommentStatus.SPAM
    done = "marked as spam"
    action_priority = 25


class AwaitingModerationPanel(Component):
    """The dashboard's count of comments waiting for a moderator."""

    name = "comments_awaiting_moderation"
    order = 50
    template_name = "blog/admin/awaiting_moderation_panel.html"

    def get_context_data(self, parent_context):
        return {
            # From django_comments alone: the partial index of held comments answers it.
            "count": with_status(Comment.objects.all(), CommentStatus.HELD).count(),
            "queue_url": f"{reverse('comments:list')}?status={CommentStatus.HELD}",
        }
