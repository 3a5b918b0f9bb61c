"""Keep derived data (the cached sidebar) in step with what readers can see."""

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

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
    if isinstance(instance.specific_deferred, BlogPostPage):
        clear_sidebar_cache()
