"""What every template may use: the site's name, its menu and the blog its navigation links to."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject
from wagtail.models import Site

from .models import BlogIndexPage, StaticPage


def site_name(request):
    """The Wagtail site's own name (an imported blog's title), else WAGTAIL_SITE_NAME."""
    site = Site.find_for_request(request)
    return (site.site_name if site is not None else "") or settings.WAGTAIL_SITE_NAME


def site(request):
    """The site's name and menu and, unless a page view says otherwise, the blog that nav and
    feeds link to; each worked out only when a template shows it."""
    return {
        "site_name": SimpleLazyObject(lambda: site_name(request)),
        "menu_pages": SimpleLazyObject(lambda: StaticPage.menu_for_site(Site.find_for_request(request))),
        "blog_index": SimpleLazyObject(lambda: BlogIndexPage.for_request(request)),
    }
