"""Index a post again once publishing has stored everything it is searched by."""

from django.dispatch import receiver
from wagtail.search import index
from wagtail.signals import page_published

from blog.models import BlogPostPage


@receiver(page_published, sender=BlogPostPage)
def reindex_published_post(sender, instance, **kwargs):
    # Wagtail indexes a page when its row is saved, but a post's labels and authors are saved
    # just after that row (they belong to the page's cluster), so that entry misses them.
    index.insert_or_update_object(instance)
