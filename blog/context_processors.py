"""What every template may use: the site's name and the blog its navigation links to."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from broadsheet.caching import remembered

from .models import BlogIndexPage
from .privacy import public_q


def site(request):
    """The site's name and, unless a page view says otherwise, the blog that nav and feeds link to."""

    def first_blog():
        return remembered(
            "first-public-blog", lambda: BlogIndexPage.objects.live().filter(public_q()).first()
        )

    return {"site_name": settings.WAGTAIL_SITE_NAME, "blog_index": SimpleLazyObject(first_blog)}
