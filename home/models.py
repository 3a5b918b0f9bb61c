"""The site's home page."""

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from blog.models import BlogIndexPage

LATEST_POSTS = 5


class HomePage(Page):
    """The front door: what the blog is about and its latest posts."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    max_count = 1

    def get_blog_index(self):
        return BlogIndexPage.objects.live().descendant_of(self).first()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        blog_index = self.get_blog_index()
        context["blog_index"] = blog_index
        context["posts"] = blog_index.get_posts()[:LATEST_POSTS] if blog_index else []
        return context
