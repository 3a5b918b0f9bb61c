"""Puts comment moderation into the Wagtail admin; the views themselves are in admin_views."""

from django_comments_xtd.models import XtdComment
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from .admin_views import (
    ApproveCommentsBulkAction,
    AwaitingModerationPanel,
    CommentPermissionPolicy,
    CommentViewSet,
    RemoveCommentsBulkAction,
    SpamCommentsBulkAction,
)
from .comments.status import is_moderator

register_permission_policy(XtdComment, CommentPermissionPolicy(XtdComment), exact_class=True)
register_snippet(CommentViewSet)

for action in (ApproveCommentsBulkAction, RemoveCommentsBulkAction, SpamCommentsBulkAction):
    hooks.register("register_bulk_action", action)


@hooks.register("construct_homepage_panels")
def add_awaiting_moderation_panel(request, panels):
    if is_moderator(request.user):
        panels.append(AwaitingModerationPanel())
