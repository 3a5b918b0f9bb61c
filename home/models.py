"""The site's home page."""

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from blog.models import BlogIndexPage, plain_text
from blog.privacy import CachedRestrictionsMixin
from broadsheet.caching import remembered

LATEST_POSTS = 5


class HomePage(CachedRestrictionsMixin, Page):
    """The front door: what the blog is about and its latest posts."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    max_count = 1

    def route(self, request, path_components):
        # Most requests go to the blog: load it as a blog index in one query instead of two.
        if self.live and path_components:
            slug = path_components[0]
            index = remembered(("blog-index", self.pk, slug), lambda: self.child_blog_index(slug))
            if index is not None:
                return index.route(request, path_components[1:])
        return super().route(request, path_components)

    def child_blog_index(self, slug):
        """The blog index at `slug` under this page, or None, knowing its parent without a query.

        The index is remembered and shared by every request this process serves, so its parent
        is set here, once, before any request sees it, and never by a request.
        """
        index = BlogIndexPage.objects.child_of(self).filter(slug=slug).first()
        if index is not None:
            index._cached_parent_obj = self
        return index

    def get_meta_description(self):
        return self.search_description or plain_text(self.intro)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        blog_index = BlogIndexPage.for_request(request)
        context["blog_index"] = blog_index
        context["posts"] = blog_index.get_posts()[:LATEST_POSTS] if blog_index else []
        # Names the cards the page shows, so that they are kept (blog.cards.listing_cards).
        context["listing_page"] = (blog_index.pk, "latest", LATEST_POSTS) if blog_index else None
        return context
