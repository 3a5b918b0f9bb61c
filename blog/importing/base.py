"""The run every import shares: one transaction, two readings of the export with a progress bar,
new posts and pages written a batch at a time (blog/bulk.py), labels, authors, images, redirects
and a summary. A format's importer subclasses Importer and says how to read its file."""

import hashlib
from dataclasses import dataclass, field
from io import BytesIO
from urllib.parse import quote, unquote, urlsplit

from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils.text import slugify
from PIL import Image as PILImage
from taggit.models import Tag
from wagtail.contrib.frontend_cache.utils import PurgeBatch
from wagtail.contrib.redirects.models import Redirect
from wagtail.images import get_image_model

from blog import bulk
from blog.frontend_cache import post_urls
from blog.models import RESERVED_SLUGS, Author, BlogPostPage, StaticPage
from blog.setup import create_blog
from broadsheet import caching
from broadsheet.downloads import DownloadRefused, download

# Slugs a page at the top of the site cannot have: the site's own addresses (broadsheet/urls.py).
RESERVED_TOP_SLUGS = {"admin", "comments", "documents", "search", "static", "media", "healthz"}
# The shares of the progress bar: the first reading (which addresses the export holds), the
# second (converting and writing posts and pages); writing comments and redirects takes the rest.
SURVEY_SHARE = 0.2
READING_SHARE = 0.9
MAX_STORED_WARNINGS = 1000
MAX_IMAGE_BYTES = 25 * 2**20  # as broadsheet.downloads caps a download
FEED_ROUTES = ("atom_view", "rss_view", "comments_feed_view")  # the blog index's feeds


class ExportError(Exception):
    """The file cannot be imported; the message says why in one line."""


def xml_refusal(error, platform, started):
    """The ExportError for `error` (defusedxml's refusal or a ParseError) met while reading what
    should be a `platform` export ("Blogger", "WordPress"); `started`: whether its root was read."""
    if isinstance(error, DefusedXmlException):
        return ExportError(
            f"refused: the file declares a DTD or entities, which a {platform} export never does "
            f"(a possible XML bomb or external entity: {type(error).__name__})"
        )
    message = str(error).split(":")[0]
    if not started:
        return ExportError(f"not a {platform} export: the file is not XML ({message})")
    line, column = getattr(error, "position", (0, 0))
    return ExportError(f"malformed XML at line {line}, column {column}: {message}")


class DryRun(Exception):
    """Raised at the end of a dry run so the transaction rolls everything back."""


class UnusableImage(Exception):
    """The file beside the export that a post's image names cannot be used: several files share
    its name, or it is too large."""


@dataclass
class Report:
    """What an import did, for the summary; each format's subclass says which figures it shows."""

    format: str = ""
    posts_created: int = 0
    posts_updated: int = 0
    posts_unchanged: int = 0
    drafts: int = 0
    posts_skipped: int = 0
    pages_created: int = 0
    pages_updated: int = 0
    pages_unchanged: int = 0
    pages_skipped: int = 0
    comments_created: int = 0
    comments_updated: int = 0
    comments_unchanged: int = 0
    comments_held: int = 0  # new comments held for moderation
    comments_orphaned: int = 0
    comments_on_pages: int = 0
    labels: set = field(default_factory=set)
    authors_created: int = 0
    images_imported: int = 0
    images_external: int = 0
    feed_images: int = 0
    redirects_created: int = 0
    links_rewritten: int = 0
    blog_created: str = ""  # the new blog's title, on an install that had none
    warnings: list = field(default_factory=list)

    def warn(self, entry, message):
        self.warnings.append(f"{entry}: {message}")

    def lines(self):
        """The summary's figures, as (name, value) pairs in the order they are shown."""
        raise NotImplementedError

    def shared_lines(self):
        """The figures every import's summary ends with."""
        return [
            ("labels", len(self.labels)),
            ("authors created", self.authors_created),
            ("images imported", self.images_imported),
            ("images left at their external address", self.images_external),
            ("feed images set", self.feed_images),
            ("redirects created", self.redirects_created),
            ("internal links rewritten", self.links_rewritten),
        ]

    def counts(self, kind):
        """ "3 new, 1 updated, 0 unchanged" for `kind` ("posts", "pages", "comments")."""
        created, updated, unchanged = (
            getattr(self, f"{kind}_{n}") for n in ("created", "updated", "unchanged")
        )
        return f"{created} new, {updated} updated, {unchanged} unchanged"

    def summary(self, dry_run, blog_title, max_warnings=None):
        """The whole summary as plain JSON: what the command prints and the admin shows (with at
        most `max_warnings` of the warnings listed)."""
        heading = "Dry run: nothing was written. The import would give" if dry_run else "Imported"
        warnings = self.warnings[:max_warnings]
        if len(warnings) < len(self.warnings):
            warnings.append(f"… and {len(self.warnings) - len(warnings):,} more warnings")
        return {
            "heading": f"{heading} ({self.format}) into “{blog_title}”:",
            "blog_created": self.blog_created,
            "lines": [[name, str(value)] for name, value in self.lines()],
            "warning_count": len(self.warnings),
            "warnings": warnings,
        }


class Importer:
    """Imports one export file into `blog_index` (None: there is no blog yet; the import makes
    one, named after the export's blog). Call `run()`; it returns the Report.

    A subclass reads its format: `open()` sets `self.source` (with `size`, `open()`, `close()`)
    and `self.info` (with `title`, `url`, `format`); `entries(stream)` yields what the export
    holds; `survey(entry)` is the first reading (it lists in `self.wanted` the posts and pages
    that will be written), `reserve_ids()` gives the new ones their ids, `handle(entry)` is the
    second reading; `write_comments()` and `write_redirects()` end the run."""

    report_class = Report

    def __init__(
        self,
        path,
        blog_index,
        *,
        dry_run=False,
        fetch_images=False,
        allow_private_hosts=False,
        progress=None,
    ):
        self.path = path
        self.index = blog_index
        self.dry_run = dry_run
        self.fetch_images = fetch_images
        self.allow_private_hosts = allow_private_hosts
        self.progress = progress or (lambda fraction, stage: None)
        self.report = self.report_class()
        self.saved_files = []

    # -- the whole run ---------------------------------------------------------------------------

    def run(self):
        """Import the export, all or nothing; returns the Report. `progress(fraction, stage)` is
        told how far it has come (0 to 1) and what it is doing."""
        self.open()
        try:
            with transaction.atomic():
                if self.index is None:
                    self.index = create_blog(self.info.title)
                    self.report.blog_created = self.index.title
                self.site = self.index.get_site()
                self.prepare()
                # Read twice, keeping little: first which posts and pages the export holds (so that
                # each new one gets its id, and every link to it can be written at once), then
                # each post or page in turn, written a batch at a time.
                self.read(self.survey, 0, SURVEY_SHARE, "Reading the export")
                self.reserve_ids()
                self.read(self.handle, SURVEY_SHARE, READING_SHARE, "Writing the posts and pages")
                self.write_new_pages()
                self.report.format = self.info.format
                self.step(0, "Writing the comments")
                self.write_comments()
                self.step(1, "Writing the redirects")
                self.write_redirects()
                self.save_redirects()
                self.announce()
                if self.dry_run:
                    raise DryRun
        except DryRun:
            self.remove_saved_files()
        except BaseException:
            self.remove_saved_files()
            raise
        finally:
            self.source.close()
        return self.report

    def read(self, handle, start, end, stage):
        """Pass each entry of the export to `handle`, telling the progress bar how far it is."""
        size, done = self.source.size or 1, 0

        def count(n):
            nonlocal done
            done += n
            self.progress(start + (end - start) * min(done / size, 1), stage)

        self.progress(start, stage)
        with self.source.open() as raw:
            for entry in self.entries(CountingReader(raw, count)):
                handle(entry)

    def step(self, number, stage):
        """One of the two steps of writing what was read."""
        self.progress(READING_SHARE + (1 - READING_SHARE) * number / 2, stage)

    def remove_saved_files(self):
        # Image files are not part of the database transaction: take them back by hand.
        for stored in self.saved_files:
            stored.delete(save=False)

    def prepare(self):
        self.site_root = self.site.root_page.specific
        # Old path: (redirect id or None for one not saved yet, page id, route), for the site's redirects.
        self.redirects = {
            old_path: (pk, page_id, route)
            for pk, old_path, page_id, route in Redirect.objects.filter(site=self.site).values_list(
                "pk", "old_path", "redirect_page_id", "redirect_page_route_path"
            )
        }
        self.pages_by_path = {
            path: page_id for path, (_pk, page_id, _route) in self.redirects.items() if page_id
        }
        self.new_redirects = []
        self.new_pages = {BlogPostPage: [], StaticPage: []}  # written a batch at a time
        self.wanted = []  # what survey() found to write; reserve_ids() reads it
        self.seen = set()  # the keys of the posts and pages handled
        self.created_ids = []
        self.commented_page_ids = set()
        self.used_slugs = set(self.index.get_children().values_list("slug", flat=True))
        self.used_top_slugs = (
            self.used_slugs
            if self.site_root.pk == self.index.pk
            else set(self.site_root.get_children().values_list("slug", flat=True))
        )
        self.authors = {author.name.lower(): author for author in Author.objects.all()}
        self.images = {}
        self.month_archives = set()  # "/2015/11/" of each post
        self.tags = {}
        self.label_spellings = {}

    # -- posts and pages ---------------------------------------------------------------------------

    def seen_before(self, key, label):
        """True for the second entry with a post's or page's key (the first one is imported)."""
        if key in self.seen:
            self.report.warn(label, "appears twice in the export; the first one is imported")
            return True
        self.seen.add(key)
        return False

    def add_new(self, page):
        """Keep a new post or page to write with the next batch of its kind (see bulk.add_pages)."""
        batch = self.new_pages[type(page)]
        batch.append(page)
        if len(batch) >= bulk.BATCH:
            self.write_new_pages()

    def write_new_pages(self):
        """Write the new posts and pages kept so far, as Wagtail's add_child(), save_revision() and
        publish() (save_revision() alone for a draft) would leave them, a few INSERTs a table."""
        for model, parent in ((StaticPage, self.site_root), (BlogPostPage, self.index)):
            pages, self.new_pages[model] = self.new_pages[model], []
            self.created_ids += [page.pk for page in bulk.add_pages(parent, pages)]
        if len(self.new_redirects) >= bulk.BATCH:
            self.save_redirects()

    @staticmethod
    def publish_changed(page, live):
        """A new revision of a post or page imported before, published if the export has it live."""
        revision = page.save_revision(log_action=False, clean=False)
        if live:
            revision.publish(log_action=False, skip_permission_checks=True)
        elif page.live:
            page.unpublish(log_action=False)

    def count(self, label, conversion):
        self.report.links_rewritten += conversion.links_rewritten
        self.report.images_imported += conversion.images_imported
        self.report.images_external += conversion.images_external
        for warning in conversion.warnings:
            self.report.warn(label, warning)

    def unique_slug(self, base, fallback):
        """`base` as a post's slug, numbered when the blog has it already."""
        base = slugify(base)[:80].strip("-") or fallback
        if base in RESERVED_SLUGS or base.isdigit():
            base = f"{base}-post"
        return self.numbered(base, self.used_slugs)

    def top_slug(self, text):
        """A free slug for a page at the top of the site."""
        base = slugify(text)[:80].strip("-") or "page"
        if base in RESERVED_TOP_SLUGS:
            base = f"{base}-page"
        return self.numbered(base, self.used_top_slugs)

    @staticmethod
    def numbered(base, used):
        slug, number = base, 2
        while slug in used:
            slug, number = f"{base}-{number}", number + 1
        return slug

    def author(self, name):
        name = (name or "").strip()[:255] or "Unknown author"
        author = self.authors.get(name.lower())
        if author is None:
            author = Author.objects.create(name=name)
            self.authors[name.lower()] = author
            self.report.authors_created += 1
        return author

    @staticmethod
    def unique_labels(labels):
        seen, unique = set(), []
        for label in labels:
            if label.lower() not in seen:
                seen.add(label.lower())
                unique.append(label[:100])
        return unique

    def note_labels(self, labels):
        """Count the labels of a post, and remember each spelling of them (for their redirects)."""
        for label in labels:
            self.report.labels.add(label.lower())
            self.label_spellings.setdefault(label.lower(), set()).add(label)

    def tags_for(self, labels):
        # Labels keep the blog's spelling; case variants of one label share the first one's tag.
        tags = []
        for label in labels:
            tag = self.tags.get(label.lower())
            if tag is None:
                tag = Tag.objects.filter(name__iexact=label).first()
                if tag is None:
                    tag = Tag.objects.create(name=label, slug=self.tag_slug(label))
                self.tags[label.lower()] = tag
            tags.append(tag)
        return tags

    @staticmethod
    def tag_slug(label):
        base = slugify(label, allow_unicode=True) or "label"
        slug, number = base, 2
        while Tag.objects.filter(slug=slug).exists():
            slug, number = f"{base}-{number}", number + 1
        return slug

    def announce(self):
        """What saving and publishing each new post and comment would have set off beyond the
        indexes (which bulk.add_pages and bulk.add_comments fill), done once: the cached pages and
        sidebar, the CDN."""
        if self.created_ids or self.report.comments_created:
            caching.forget(caching.SITE)
        changed = set(self.created_ids) | self.commented_page_ids
        if settings.WAGTAILFRONTENDCACHE and changed:
            posts = (
                BlogPostPage.objects.live()
                .filter(pk__in=changed)
                .prefetch_related("tags", "post_authors__author")
            )
            urls = [url for post in posts for url in post_urls(post)]
            transaction.on_commit(lambda: PurgeBatch(urls).purge())

    # -- images ------------------------------------------------------------------------------------

    def find_image(self, url):
        """(bytes, file name) of the image `url` names, from the export's own files; None when
        the export has no copy. May raise UnusableImage."""
        return None

    def image_for(self, url, alt):
        """The id of a Wagtail image for `url`, from a copy the export has (or, with
        --fetch-images, from the web); None when there is none."""
        if url in self.images:
            return self.images[url]
        self.images[url] = None
        try:
            found = self.find_image(url)
        except UnusableImage as error:
            self.report.warnings.append(f"image {url}: {error}; kept at its address")
            return None
        if found is None and self.fetch_images:
            found = self.download(url)
        if found is None:
            return None
        data, name = found
        digest = hashlib.sha1(data).hexdigest()
        Image = get_image_model()
        image = Image.objects.filter(file_hash=digest).first()
        if image is None:
            try:
                opened = PILImage.open(BytesIO(data))
                opened.verify()
            except Exception as error:  # noqa: BLE001 - Pillow raises many kinds for a bad file
                self.report.warnings.append(f"image {name}: not a readable image ({error}); kept as it was")
                return None
            pixels = opened.width * opened.height
            if pixels > settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS:
                self.report.warnings.append(
                    f"image {name}: {opened.width}x{opened.height} has more than "
                    f"{settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS:,} pixels; kept at its address"
                )
                return None
            image = Image(
                title=(alt or name)[:255], description=alt[:255], file_hash=digest, file_size=len(data)
            )
            image.file = ImageFile(BytesIO(data), name=name)
            with transaction.atomic():  # a savepoint: a failure here must not spoil the import
                image.save()
            self.saved_files.append(image.file)
        self.images[url] = image.pk
        return image.pk

    def download(self, url):
        try:
            data, content_type = download(url, allow_private_hosts=self.allow_private_hosts)
            if not content_type.startswith("image/"):
                raise DownloadRefused(f"not an image ({content_type or 'no type'})")
        except DownloadRefused as error:
            self.report.warnings.append(f"image {url}: not downloaded ({error}); kept at its address")
            return None
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or "image"
        return data, name

    # -- old URLs ----------------------------------------------------------------------------------

    def redirect(self, old_path, page, route=None, permanent=True):
        """A redirect (permanent unless said otherwise) from `old_path` on this site to `page` (at
        its `route`)."""
        normalised = Redirect.normalise_path(quote(old_path, safe="/?=&%"))
        route = Redirect.normalise_page_route_path(route or "")
        existing = self.redirects.get(normalised)
        if existing is not None:
            pk, page_id, old_route = existing
            if (page_id, old_route) != (page.pk, route):
                self.redirects[normalised] = (pk, page.pk, route)
                if pk:
                    Redirect.objects.filter(pk=pk).update(
                        redirect_page=page.pk,
                        redirect_link="",
                        redirect_page_route_path=route,
                        is_permanent=permanent,
                    )
            return
        self.redirects[normalised] = (None, page.pk, route)
        self.new_redirects.append(
            Redirect(
                old_path=normalised,
                site=self.site,
                redirect_page_id=page.pk,
                redirect_page_route_path=route,
                is_permanent=permanent,
            )
        )
        self.report.redirects_created += 1

    def link_redirect(self, old_path, url, permanent=True):
        """A redirect from `old_path` on this site to the address `url`, unless one is there."""
        normalised = Redirect.normalise_path(quote(old_path, safe="/?=&%"))
        if normalised in self.redirects:
            return
        self.redirects[normalised] = (None, None, "")
        self.new_redirects.append(
            Redirect(old_path=normalised, site=self.site, redirect_link=url[:255], is_permanent=permanent)
        )
        self.report.redirects_created += 1

    def save_redirects(self):
        Redirect.objects.bulk_create(self.new_redirects, batch_size=bulk.BATCH)
        self.new_redirects = []

    def label_route(self, tag, name="tag_view"):
        """The path under the blog of a label's page (or, by `name`, one of its feeds)."""
        return "/" + self.index.reverse_subpage(name, args=[tag.slug])

    def feed_routes(self):
        """The paths under the blog of its Atom, RSS and comments feeds."""
        return ["/" + self.index.reverse_subpage(name) for name in FEED_ROUTES]

    def month_redirects(self, day_format=None):
        """Month and year archives (`/2015/11/`, `/2015/`) to the blog's own; with
        `day_format`, also the old address it gives for a month."""
        years = set()
        for prefix in sorted(self.month_archives):
            year, month = prefix.strip("/").split("/")
            years.add(year)
            route = f"/{year}/{month}/"
            self.redirect(route, self.index, route=route)
            if day_format:
                self.redirect(day_format.format(year=year, month=month), self.index, route=route)
        for year in sorted(years):
            self.redirect(f"/{year}/", self.index, route=f"/{year}/")


class CountingReader:
    """Passes reads through and reports how many bytes went by (for the progress bar)."""

    def __init__(self, raw, on_read):
        self.raw = raw
        self.on_read = on_read

    def read(self, size=-1):
        data = self.raw.read(size)
        self.on_read(len(data))
        return data
