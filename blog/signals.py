"""Keep derived data (the cached sidebar) in step with what readers can see."""

import django_comments
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_comments_xtd.models import XtdComment
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from broadsheet import freshness

from .frontend_cache import purge_post
from .models import BlogPostPage, CommentReview, CommentSettings
from .sidebar import clear_sidebar_cache


@receiver(page_published, sender=BlogPostPage)
@receiver(page_unpublished, sender=BlogPostPage)
@receiver(post_delete, sender=BlogPostPage)
@receiver(page_slug_changed, sender=BlogPostPage)
def post_changed(sender, **kwargs):
    clear_sidebar_cache()


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_delete, sender=Page)
def page_changed(sender, **kwargs):
    # Any page (home, blog index, post) changes what cached pages show: their nav, intro, lists.
    freshness.bump_now_and_after_commit()


@receiver(post_page_move)
def page_moved(sender, instance, **kwargs):
    # Any move can carry pages into or out of a private section, and changes their URLs.
    freshness.bump()


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
def privacy_or_site_changed(sender, **kwargs):
    # Private sections, host names and site roots decide what each request is served.
    freshness.bump()


@receiver(page_published, sender=BlogPostPage)
@receiver(page_unpublished, sender=BlogPostPage)
def purge_post_listings(sender, instance, **kwargs):
    if settings.WAGTAILFRONTENDCACHE:
        transaction.on_commit(lambda: purge_post(instance))


@receiver(post_save, sender=django_comments.get_model())
@receiver(post_delete, sender=django_comments.get_model())
def purge_commented_post(sender, instance, **kwargs):
    if not settings.WAGTAILFRONTENDCACHE:
        return
    post = getattr(instance.content_object, "specific", None)
    if isinstance(post, BlogPostPage) and post.live:
        transaction.on_commit(lambda: purge_post(post))


@receiver(post_save, sender=XtdComment)
@receiver(post_delete, sender=XtdComment)
@receiver(post_save, sender=CommentReview)
@receiver(post_save, sender=CommentSettings)
def comments_changed(sender, **kwargs):
    # Threads, counts on every listing and the comment rules are all part of cached pages.
    freshness.bump_now_and_after_commit()
