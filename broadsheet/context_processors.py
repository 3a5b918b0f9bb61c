from django.conf import settings
from django.utils.functional import SimpleLazyObject


def site(request):
    """The site's name and, unless a page view says otherwise, the blog that nav and feeds link to."""
    from blog.models import BlogIndexPage
    from blog.privacy import public_q

    return {
        "site_name": settings.WAGTAIL_SITE_NAME,
        "blog_index": SimpleLazyObject(lambda: BlogIndexPage.objects.live().filter(public_q()).first()),
    }
