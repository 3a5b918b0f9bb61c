"""What every template may use: the site's name and the blog its navigation links to."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .models import BlogIndexPage


def site(request):
    """The site's name and, unless a page view says otherwise, the blog that nav and feeds link to."""
    return {
        "site_name": settings.WAGTAIL_SITE_NAME,
        "blog_index": SimpleLazyObject(lambda: BlogIndexPage.for_request(request)),
    }
