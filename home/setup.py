"""The site's home page, made once: by `load_demo`, or by a first import into an empty install."""

from django.db import transaction
from wagtail.models import Page, Site

from .models import HomePage


@transaction.atomic
def install_home_page(title, intro="", hostname=None, port=None, site_name=None):
    """The home page (created, titled `title`, when there is none) as the default Site's root;
    `hostname`, `port` and `site_name`, when given, become the site's. Wagtail's placeholder "Welcome" page,
    which sits where the home page belongs, is removed. Returns the home page."""
    root = Page.get_first_root_node()
    home = HomePage.objects.first()
    site = Site.objects.filter(is_default_site=True).first()
    if home is None:
        # Only Wagtail's own empty placeholder: anything an editor built stays.
        placeholders = root.get_children().filter(
            slug="home", content_type__app_label="wagtailcore", content_type__model="page", numchild=0
        )
        if site is not None and placeholders.filter(pk=site.root_page_id).exists():
            # Deleting a site's root deletes the site (and what refers to it): move it off first.
            site.root_page = root
            site.save()
        for page in placeholders:
            page.delete()
        slug, number = "home", 2
        while root.get_children().filter(slug=slug).exists():
            slug, number = f"home-{number}", number + 1
        home = root.add_child(instance=HomePage(title=title, slug=slug, intro=intro))
        home.save_revision(log_action=False).publish(log_action=False, skip_permission_checks=True)
    fields = {"root_page": home}
    if hostname is not None:
        fields["hostname"] = hostname
    if port is not None:
        fields["port"] = port
    if site_name is not None:
        fields["site_name"] = site_name
    if site is None:
        Site.objects.create(**{"hostname": "localhost", "port": 80, **fields, "is_default_site": True})
    else:
        for name, value in fields.items():
            setattr(site, name, value)
        site.save()
    return home
