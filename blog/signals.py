"""Keep derived data (the cached sidebar) in step with what readers can see."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from broadsheet import freshness

from .models import BlogPostPage
from .sidebar import clear_sidebar_cache


@receiver(page_published, sender=BlogPostPage)
@receiver(page_unpublished, sender=BlogPostPage)
@receiver(post_delete, sender=BlogPostPage)
@receiver(page_slug_changed, sender=BlogPostPage)
def post_changed(sender, **kwargs):
    clear_sidebar_cache()


@receiver(post_page_move)
def page_moved(sender, instance, **kwargs):
    # Any move can carry pages into or out of a private section, and changes their URLs.
    freshness.bump()


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def privacy_changed(sender, **kwargs):
    freshness.bump()
