"""What a change to a post or its comments touches: the cache scopes to forget and the public
URLs a CDN or caching proxy (wagtail.contrib.frontend_cache) must purge, from one answer.

A post appears on its own page, on its blog's index, feeds, archives and label pages and on
the home page, and in its neighbours' previous/next links. Its comments appear on its own page
and as counts on the listings.
"""

from functools import cached_property

from wagtail.contrib.frontend_cache.utils import PurgeBatch

from broadsheet import caching

from .frontend_cache import post_urls


class PostChange:
    """A post published, unpublished, moved or deleted (`listed=True`), or its comments changed."""

    def __init__(self, post, listed):
        self.post = post
        self.listed = listed

    @cached_property
    def neighbours(self):
        """The posts whose previous/next link points at this post now (none once it is unlisted)."""
        if not self.listed or not self.post.live:
            return []
        return [link["pk"] for link in self.post.neighbours().values() if link]

    def scopes(self):
        """What to forget. Pages that linked to the post before the change depend on its
        post_link scope; the pages that link to it after are its neighbours now."""
        if not self.listed:
            return [caching.post(self.post.pk), caching.COMMENT_COUNTS]
        neighbours = [caching.post(pk) for pk in self.neighbours]
        return [caching.LISTINGS, caching.post(self.post.pk), caching.post_link(self.post.pk), *neighbours]

    def urls(self):
        """The public URLs that show the post, its comment count or a link to it."""
        urls = set(post_urls(self.post))
        if self.listed:
            batch = PurgeBatch()
            for neighbour in self.post.__class__.objects.filter(pk__in=self.neighbours):
                batch.add_page(neighbour)
            urls.update(batch.urls)
        return sorted(urls)
