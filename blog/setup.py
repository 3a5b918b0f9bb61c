"""A first blog for an empty install: the site's home page and the blog under it.

The blog app does not know the home page's type: the app that provides it (home/) registers
how to make one with `register_home_page`. Without one, the blog itself becomes the site's root.
"""

from django.db import transaction
from wagtail.models import Page, Site

from .models import BlogIndexPage

DEFAULT_TITLE = "Blog"
_home_page_makers = []


def register_home_page(make):
    """`make(title)` creates the site's home page (or returns the one there is) and makes it the
    default Site's root; it returns the page."""
    if make not in _home_page_makers:
        _home_page_makers.append(make)


def default_site():
    """The default Site, made (on Wagtail's root page) when there is none."""
    site = Site.objects.filter(is_default_site=True).first() or Site.objects.order_by("pk").first()
    if site is None:
        site = Site.objects.create(
            hostname="localhost", port=80, root_page=Page.get_first_root_node(), is_default_site=True
        )
    return site


@transaction.atomic
def create_blog(title):
    """A new blog called `title` on the default site, under a new home page when the home app
    provides one, else as the site's root; the site is named `title` too. Returns the blog."""
    title = " ".join((title or "").split())[:255] or DEFAULT_TITLE
    site = default_site()
    if _home_page_makers:
        parent = _home_page_makers[-1](title)
        site.refresh_from_db()
        index = parent.add_child(instance=BlogIndexPage(title=title, slug=unused_slug(parent, "blog")))
    else:
        root = Page.get_first_root_node()
        index = root.add_child(instance=BlogIndexPage(title=title, slug=unused_slug(root, "blog")))
        site.root_page = index
    index.save_revision(log_action=False).publish(log_action=False, skip_permission_checks=True)
    site.site_name = site.site_name or title
    site.save()
    return index


def unused_slug(parent, base):
    slug, number = base, 2
    while parent.get_children().filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug
