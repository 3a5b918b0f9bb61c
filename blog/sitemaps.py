"""The sitemap: an index of numbered sitemap pages that list every live, public page of a site,
and the author pages of its blog.

Wagtail's own sitemap loads each page as its specific model and asks it for its URL, and Django's
puts every URL of a section in one document. Here a sitemap page reads only each page's tree path
and publication date (no StreamField, no specific model) and builds its URL from the site's root
the way `Page.get_url_parts` does, so each document costs the same few queries however big the
blog is.
"""

from urllib.parse import quote

from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.db import connection
from django.db.models import Count, F, Max, Window
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS, http_date
from django.views.decorators.http import conditional_page
from wagtail.contrib.sitemaps import Sitemap
from wagtail.contrib.sitemaps import views as wagtail_sitemap_views
from wagtail.coreutils import WAGTAIL_APPEND_SLASH
from wagtail.models import Page, Site

from broadsheet import caching

from .models import Author, BlogIndexPage, BlogPostPage
from .privacy import public_q

SECTION = "pages"
AUTHORS_SECTION = "authors"


class SiteSitemap(Sitemap):
    """A sitemap of the site the request is for."""

    # Google accepts 50,000 URLs a document; a thousand (about 130 KB) is quick to build, send and
    # re-read, and ten thousand posts make eleven of them.
    limit = 1000

    def get_wagtail_site(self):
        site = Site.find_for_request(self.request)
        if site is None:
            raise Http404("No site is configured.")
        return site


class AuthorSitemap(SiteSitemap):
    """The author pages of the site's blog, for each author of a post readers can see there, by name."""

    def items(self):
        blog = BlogIndexPage.for_site(self.get_wagtail_site())
        if blog is None:
            authors = Author.objects.none()
        else:
            posts = BlogPostPage.objects.readable().child_of(blog).values("pk")
            authors = Author.objects.filter(post_links__post__in=posts)
        # The filter comes first, so the latest publication is that of those posts only.
        return (
            authors.annotate(modified=Max("post_links__post__last_published_at"))
            .order_by("name", "pk")
            .values_list("slug", "modified")
        )

    def _urls(self, page, protocol, domain):
        blog = BlogIndexPage.for_site(self.get_wagtail_site())
        urls = []
        for slug, modified in self.paginator.page(page).object_list:
            urls.append(
                {
                    "location": blog.author_url(slug, self.request),
                    "lastmod": modified,
                    "w3c_lastmod": modified.isoformat(timespec="seconds") if modified else None,
                }
            )
        dates = [url["lastmod"] for url in urls]
        if dates and None not in dates:
            self.latest_lastmod = max(dates)
        return urls

    def pages(self):
        """(page number, latest publication on it) for each sitemap page, kept until listings change."""

        def count_pages():
            summary = self.items().order_by().aggregate(count=Count("slug"), latest=Max("modified"))
            number = -(-summary["count"] // self.limit)
            return [(n, summary["latest"]) for n in range(1, number + 1)]

        site = self.get_wagtail_site()
        return caching.cached(
            "sitemap-author-pages", count_pages, scopes=[caching.LISTINGS], vary=(site.pk, self.limit)
        )


class PageSitemap(SiteSitemap):
    """Every live page of the requested site outside the private sections, oldest in the tree first."""

    def items(self):
        site = self.get_wagtail_site()
        return (
            Page.objects.live()
            .filter(public_q())
            .filter(path__startswith=site.root_page.path, depth__gte=site.root_page.depth)
            .annotate(modified=Coalesce("last_published_at", "latest_revision_created_at"))
            .order_by("path")
            .values_list("url_path", "modified")
        )

    def _urls(self, page, protocol, domain):
        site = self.get_wagtail_site()
        root_path = site.root_page.url_path
        prefix = site.root_url + reverse("wagtail_serve", args=("",))
        urls = [
            {
                "location": prefix + page_path(url_path[len(root_path) :]),
                "lastmod": modified,
                # Formatted here: the `date` filter, once per URL, was most of the rendering time.
                "w3c_lastmod": modified.isoformat(timespec="seconds") if modified else None,
            }
            for url_path, modified in self.paginator.page(page).object_list
        ]
        dates = [url["lastmod"] for url in urls]
        if dates and None not in dates:
            self.latest_lastmod = max(dates)
        return urls

    def get_latest_lastmod(self):
        dates = [modified for _, modified in self.pages()]
        return max(dates) if dates and None not in dates else None

    def pages(self):
        """(page number, latest publication on it) for each sitemap page: one query until listings change."""
        numbered = (
            self.items()
            .annotate(number=Window(RowNumber(), order_by=F("path").asc()))
            .values("number", "modified")
        )

        def count_pages():
            sql, params = numbered.query.sql_with_params()
            with connection.cursor() as cursor:
                grouped = (
                    f"SELECT (number - 1) / %s + 1, MAX(modified) FROM ({sql}) AS numbered "
                    "GROUP BY 1 ORDER BY 1"
                )
                cursor.execute(grouped, [self.limit, *params])
                return cursor.fetchall()

        # Numbering every page of the site is the costly part; it changes only with publishing.
        site = self.get_wagtail_site()
        return caching.cached(
            "sitemap-pages", count_pages, scopes=[caching.LISTINGS], vary=(site.pk, self.limit)
        )


def page_path(relative_url_path):
    """The path `reverse("wagtail_serve", ...)` gives for a page, without resolving the URLconf again."""
    # The same quoting as Django's reverse(): non-ASCII slugs are percent-encoded.
    path = quote(relative_url_path, safe=RFC3986_SUBDELIMS + "/~:@")
    return path if WAGTAIL_APPEND_SLASH else path.rstrip("/")


SITEMAPS = {SECTION: PageSitemap, AUTHORS_SECTION: AuthorSitemap}


@conditional_page
@x_robots_tag
def index(request):
    """`/sitemap.xml`: one entry per sitemap page, each with the latest publication it lists."""
    sitemap = PageSitemap(request)
    site = sitemap.get_wagtail_site()
    sections = [(SECTION, sitemap.pages() or [(1, None)]), (AUTHORS_SECTION, AuthorSitemap(request).pages())]
    entries, dates = [], []
    for name, numbered in sections:
        location = site.root_url + reverse("sitemap-section", kwargs={"section": name})
        for number, modified in numbered:
            entries.append(SitemapIndexItem(location if number == 1 else f"{location}?p={number}", modified))
            dates.append(modified)
    headers = {"Last-Modified": http_date(max(dates).timestamp())} if None not in dates else None
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml", headers=headers
    )


@conditional_page
def section(request, section):
    """`/sitemap-pages.xml?p=N` (or `/sitemap-authors.xml`): up to `limit` URLs, with Last-Modified."""
    caching.uses(request, "p")
    caching.depends_on(request, caching.LISTINGS)
    return wagtail_sitemap_views.sitemap(
        request, SITEMAPS, section=section, template_name="sitemap_section.xml"
    )
