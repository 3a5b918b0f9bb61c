"""RSS and Atom feeds of a blog (Django's syndication framework)."""

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

FEED_LENGTH = 20


class RssFeed(Feed):
    """The newest posts of one blog index."""

    def __init__(self, blog_index):
        super().__init__()
        self.blog_index = blog_index

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def title(self):
        return self.blog_index.title

    def link(self):
        return self.blog_index.get_full_url(self.request)

    def description(self):
        return self.blog_index.search_description or f"The newest posts of {self.blog_index.title}"

    def items(self):
        return self.blog_index.get_posts()[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.intro

    def item_link(self, item):
        return item.get_full_url(self.request)

    def item_pubdate(self, item):
        return item.date

    def item_updateddate(self, item):
        return item.last_published_at or item.date

    def item_author_name(self, item):
        return ", ".join(author["name"] for author in item.author_list) or None

    def item_categories(self, item):
        return [tag["name"] for tag in item.label_list]


class AtomFeed(RssFeed):
    feed_type = Atom1Feed

    def subtitle(self):
        return self.description()
