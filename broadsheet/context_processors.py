from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .caching import remembered


def site(request):
    """The site's name and, unless a page view says otherwise, the blog that nav and feeds link to."""
    from blog.models import BlogIndexPage
    from blog.privacy import public_q

    def first_blog():
        return remembered(
            "first-public-blog", lambda: BlogIndexPage.objects.live().filter(public_q()).first()
        )

    return {"site_name": settings.WAGTAIL_SITE_NAME, "blog_index": SimpleLazyObject(first_blog)}
