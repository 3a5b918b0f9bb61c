"""The feed of a blog's newest comments (Atom), where Blogger's comments feed now leads."""

from django.contrib.contenttypes.models import ContentType
from django.contrib.syndication.views import Feed
from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks

from .comments.status import public_comments
from .models import BlogPostPage

FEED_LENGTH = 20


class CommentsFeed(Feed):
    """The newest comments readers see on one blog's live, public posts."""

    feed_type = Atom1Feed

    def __init__(self, blog_index):
        super().__init__()
        self.blog_index = blog_index

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def title(self):
        return f"Comments on {self.blog_index.title}"

    def link(self):
        return self.blog_index.get_full_url(self.request)

    def subtitle(self):
        return f"The newest comments on {self.blog_index.title}"

    def items(self):
        posts = BlogPostPage.objects.readable().child_of(self.blog_index)
        comments = list(
            public_comments()
            .filter(
                content_type=ContentType.objects.get_for_model(BlogPostPage),
                object_pk__in=posts.annotate(text_pk=Cast("pk", CharField())).values("text_pk"),
            )
            .order_by("-submit_date", "-pk")[:FEED_LENGTH]
        )
        # One query for the posts the comments are on, however many comments there are.
        by_pk = posts.defer_streamfields().in_bulk([int(c.object_pk) for c in comments])
        for comment in comments:
            comment.post = by_pk[int(comment.object_pk)]
            comment.post._cached_parent_obj = self.blog_index
        return comments

    def item_title(self, item):
        return f"{item.user_name} on “{item.post.title}”"

    def item_description(self, item):
        # A comment is plain text; the feed's summary is HTML.
        return linebreaks(item.comment, autoescape=True)

    def item_link(self, item):
        return f"{item.post.get_full_url(self.request)}#c{item.pk}"

    def item_guid(self, item):
        return self.item_link(item)

    def item_pubdate(self, item):
        return item.submit_date

    def item_updateddate(self, item):
        return item.submit_date

    def item_author_name(self, item):
        return item.user_name
