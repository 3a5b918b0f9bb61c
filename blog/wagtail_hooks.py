"""Puts comment moderation, the import (Blogger, WordPress) and the site export into the Wagtail
admin, and old addresses with a query string in front of the pages they would reach; the views
themselves are in admin_views, blogger/admin_views and export/admin_views, the redirects in
old_addresses."""

from django.contrib.auth.models import Permission
from django.urls import include, path
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
from .blogger import admin_views as blogger_admin
from .comments.status import is_moderator
from .export import admin_views as export_admin
from .old_addresses import redirect_for_query

register_permission_policy(XtdComment, CommentPermissionPolicy(XtdComment), exact_class=True)
register_snippet(CommentViewSet)

for action in (ApproveCommentsBulkAction, RemoveCommentsBulkAction, SpamCommentsBulkAction):
    hooks.register("register_bulk_action", action)


@hooks.register("construct_homepage_panels")
def add_awaiting_moderation_panel(request, panels):
    if is_moderator(request.user):
        panels.append(AwaitingModerationPanel())


@hooks.register("before_serve_page")
def follow_old_query_addresses(page, request, serve_args, serve_kwargs):
    return redirect_for_query(request)


@hooks.register("register_admin_urls")
def register_blogger_import_urls():
    return [path("blogger-import/", include((blogger_admin.urlpatterns, "blogger_import")))]


@hooks.register("register_admin_menu_item")
def register_blogger_import_menu_item():
    return blogger_admin.menu_item()


@hooks.register("register_permissions")
def register_blogger_import_permission():
    return Permission.objects.filter(content_type__app_label="blog", codename="import_blogger")


@hooks.register("register_admin_urls")
def register_site_export_urls():
    return [path("site-export/", include((export_admin.urlpatterns, "site_export")))]


@hooks.register("register_settings_menu_item")
def register_site_export_menu_item():
    return export_admin.menu_item()


@hooks.register("register_permissions")
def register_site_export_permission():
    return Permission.objects.filter(content_type__app_label="blog", codename="export_site")
