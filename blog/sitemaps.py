"""The sitemap: an index of numbered sitemap pages that list every live, public page of a site,
and the author pages of its blog.

Wagtail's own sitemap loads each page as its specific model and asks it for its URL, and Django's
puts every URL of a section in one document. Here a sitemap page reads only each page's tree path
and publication date (no StreamField, no specific model) and builds its URL from the site's root
the way `Page.get_url_parts` does, so each document costs the same few queries however big the
blog is: a page starts at the tree path kept for it (no count, no OFFSET), and the index and each
page are kept as finished documents until listings change.
"""

import re
from html import escape
from urllib.parse import quote

from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F, Max, Window
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import cached_property
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
        """(slug, latest publication) of each author, kept until listings change: finding them
        joins every post (a quarter of a second at 100,000 posts), and a blog has few authors."""
        site = self.get_wagtail_site()
        return caching.cached(
            "sitemap-authors", lambda: list(self.authors(site)), scopes=[caching.LISTINGS], vary=(site.pk,)
        )

    def authors(self, site):
        blog = BlogIndexPage.for_site(site)
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
        """(page number, latest publication of any author) for each sitemap page."""
        authors = self.items()
        latest = max((modified for _, modified in authors if modified is not None), default=None)
        return [(n, latest) for n in range(1, -(-len(authors) // self.limit) + 1)]


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

    @property
    def paginator(self):
        return StartingPaths(self.items(), self.limit, [path for _, path, _ in self.numbered_pages()])

    def pages(self):
        """(page number, latest publication on it) for each sitemap page."""
        return [(number, modified) for number, _, modified in self.numbered_pages()]

    def numbered_pages(self):
        """(page number, tree path of its first page, latest publication on it) for each sitemap
        page: one query until listings change."""
        numbered = (
            self.items()
            .annotate(number=Window(RowNumber(), order_by=F("path").asc()))
            .values("number", "path", "modified")
        )

        def count_pages():
            sql, params = numbered.query.sql_with_params()
            with connection.cursor() as cursor:
                grouped = (
                    f"SELECT (number - 1) / %s + 1, MIN(path), MAX(modified) FROM ({sql}) AS numbered "
                    "GROUP BY 1 ORDER BY 1"
                )
                cursor.execute(grouped, [self.limit, *params])
                return cursor.fetchall()

        # Numbering every page of the site is the costly part; it changes only with publishing.
        site = self.get_wagtail_site()
        return caching.cached(
            "sitemap-page-starts", count_pages, scopes=[caching.LISTINGS], vary=(site.pk, self.limit)
        )


class StartingPaths(Paginator):
    """Pages of `items` (ordered by tree path), each read from the path it starts at.

    Django's sitemap paginator counts every item on each request and skips to a page with
    OFFSET, so that PostgreSQL reads every row before it: at 100,000 posts a page near the end
    cost 2.5 times the first. Here the numbering is known (`starts`: the first path of each page)
    and a page is the `per_page` items from its path on, read from the path index.
    """

    def __init__(self, items, per_page, starts):
        super().__init__(items, per_page)
        self.starts = starts

    @cached_property
    def num_pages(self):
        return max(len(self.starts), 1)

    def page(self, number):
        number = self.validate_number(number)
        if not self.starts:
            return self._get_page([], number, self)
        rows = self.object_list.filter(path__gte=self.starts[number - 1])[: self.per_page]
        return self._get_page(rows, number, self)


# What quote() below leaves as it is: a path made of these alone (most are) needs no quoting.
UNQUOTED_PATH = re.compile(r"[A-Za-z0-9_.\-~/:@" + re.escape(RFC3986_SUBDELIMS) + "]*")


def page_path(relative_url_path):
    """The path `reverse("wagtail_serve", ...)` gives for a page, without resolving the URLconf again."""
    # The same quoting as Django's reverse(): non-ASCII slugs are percent-encoded.
    path = relative_url_path
    if not UNQUOTED_PATH.fullmatch(path):
        path = quote(path, safe=RFC3986_SUBDELIMS + "/~:@")
    return path if WAGTAIL_APPEND_SLASH else path.rstrip("/")


class SectionDocument:
    """A sitemap page's document, as Django's sitemap view renders it with a template (given in
    its place): each URL's location and last publication, escaped as the template would. A
    thousand URLs through the template language cost more than finding them."""

    START = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    END = "</urlset>\n"

    def render(self, context=None, request=None):
        lines = [self.START]
        for url in context["urlset"]:
            lastmod = f"<lastmod>{escape(url['w3c_lastmod'])}</lastmod>" if url["lastmod"] else ""
            lines.append(f"<url><loc>{escape(url['location'])}</loc>{lastmod}</url>\n")
        lines.append(self.END)
        return "".join(lines)


SITEMAPS = {SECTION: PageSitemap, AUTHORS_SECTION: AuthorSitemap}


@conditional_page
@x_robots_tag
def index(request):
    """`/sitemap.xml`: one entry per sitemap page, each with the latest publication it lists; the
    document is kept until listings change (at 100,000 posts it has a hundred entries, and
    rendering them was most of its time)."""
    site = PageSitemap(request).get_wagtail_site()
    document = caching.cached(
        "sitemap-index",
        lambda: index_document(request, site),
        scopes=[caching.LISTINGS],
        vary=(site.pk, PageSitemap.limit, AuthorSitemap.limit),
    )
    response = HttpResponse(document["content"], content_type="application/xml")
    if document["last_modified"]:
        response["Last-Modified"] = document["last_modified"]
    return response


def index_document(request, site):
    """{"content", "last_modified"}: the sitemap index of `site` as sent."""
    sections = [
        (SECTION, PageSitemap(request).pages() or [(1, None)]),
        (AUTHORS_SECTION, AuthorSitemap(request).pages()),
    ]
    entries, dates = [], []
    for name, numbered in sections:
        location = site.root_url + reverse("sitemap-section", kwargs={"section": name})
        for number, modified in numbered:
            entries.append(SitemapIndexItem(location if number == 1 else f"{location}?p={number}", modified))
            dates.append(modified)
    return {
        "content": render_to_string("sitemap_index.xml", {"sitemaps": entries}),
        "last_modified": http_date(max(dates).timestamp()) if None not in dates else None,
    }


# The page numbers a sitemap page is kept under, as its links spell them; any other `p` is
# answered (or refused) by Django's view each time.
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,6}")


@conditional_page
def section(request, section):
    """`/sitemap-pages.xml?p=N` (or `/sitemap-authors.xml`): up to `limit` URLs, with Last-Modified;
    each page's document is kept until listings change."""
    caching.uses(request, "p")
    caching.depends_on(request, caching.LISTINGS)
    number = request.GET.get("p", "1")
    if section not in SITEMAPS or not PAGE_NUMBER.fullmatch(number):
        return section_response(request, section)
    site = PageSitemap(request).get_wagtail_site()

    def document():
        response = section_response(request, section)
        return {"content": response.rendered_content, "headers": dict(response.headers)}

    kept = caching.cached(
        "sitemap-section",
        document,
        scopes=[caching.LISTINGS],
        vary=(site.pk, section, int(number), SITEMAPS[section].limit),
    )
    return HttpResponse(kept["content"], headers=kept["headers"])


def section_response(request, section):
    """Django's sitemap view of `section` on the page `p` asks for (404 past the last)."""
    return wagtail_sitemap_views.sitemap(request, SITEMAPS, section=section, template_name=SectionDocument())
