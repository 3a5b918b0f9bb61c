"""Keep the search index in step with what readers can find."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from taggit.models import Tag
from wagtail.search import index
from wagtail.search.backends import get_search_backends
from wagtail.signals import page_published

from blog.models import Author, BlogPostPage


@receiver(page_published, sender=BlogPostPage)
def reindex_published_post(sender, instance, **kwargs):
    # Wagtail indexes a page when its row is saved, but a post's labels and authors are saved
    # just after that row (they belong to the page's cluster), so that entry misses them.
    index.insert_or_update_object(instance)


@receiver(post_save, sender=Author)
@receiver(post_save, sender=Tag)
def reindex_posts_after_rename(sender, instance, created, **kwargs):
    """Posts are found by their authors' and labels' names, so a new name must reach their entries.

    blog/signals.py keeps the name being replaced (`_name_before_save`) and forgets what showed it.
    """
    before = getattr(instance, "_name_before_save", None)
    if created or before is None or before == instance.name:
        return
    relation = "post_authors__author" if sender is Author else "tags"
    posts = list(
        BlogPostPage.objects.filter(**{relation: instance}).prefetch_related("tags", "post_authors__author")
    )
    if posts:
        for backend in get_search_backends():
            backend.add_bulk(BlogPostPage, posts)
