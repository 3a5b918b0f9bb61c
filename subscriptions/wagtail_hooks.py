"""Puts the Readers area into the Wagtail admin; the views themselves are in admin_views."""

from wagtail import hooks

from .admin_views import ReadersGroup, post_header_buttons


@hooks.register("register_admin_viewset")
def register_readers():
    return ReadersGroup()


hooks.register("register_page_header_buttons", post_header_buttons)
