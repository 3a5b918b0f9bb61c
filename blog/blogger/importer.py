"""Bring a Blogger export into a blog: posts, static pages, labels, images, comments, links and
every old address."""

import hashlib
import re
from dataclasses import dataclass, field
from io import BytesIO
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator, slugify
from django_comments_xtd.models import XtdComment, max_thread_level_for_content_type
from PIL import Image as PILImage
from taggit.models import Tag
from wagtail.contrib.frontend_cache.utils import PurgeBatch
from wagtail.contrib.redirects.models import Redirect
from wagtail.images import get_image_model
from wagtail.models import Page

from blog import bulk
from blog.frontend_cache import post_urls
from blog.models import RESERVED_SLUGS, Author, BloggerComment, BlogPostPage, StaticPage
from blog.setup import create_blog
from broadsheet import caching
from broadsheet.downloads import DownloadRefused, download
from broadsheet.mail import one_line

from .feed import CountingReader, ExportSource, UnusableImage, read_entries, read_info
from .html import BodyConverter, comment_text

BLOGSPOT_HOST = re.compile(r"(^|\.)blogspot\.[a-z.]+$")
UNTITLED_STEM = re.compile(r"^blog-post(?:_\d+)?$")
OWN_PATH = re.compile(r"^/(?:\d{4}/\d{2}|p)/[^/]+\.html$")
# Slugs a page at the top of the site cannot have: the site's own addresses (broadsheet/urls.py).
RESERVED_TOP_SLUGS = {"admin", "comments", "documents", "search", "static", "media", "healthz"}
# The shares of the progress bar: the first reading (which addresses the export holds), the
# second (converting and writing posts and pages); writing comments and redirects takes the rest.
SURVEY_SHARE = 0.2
READING_SHARE = 0.9
MAX_STORED_WARNINGS = 1000
FEED_ROUTES = ("atom_view", "rss_view", "comments_feed_view")  # the blog index's feeds


class DryRun(Exception):
    """Raised at the end of a dry run so the transaction rolls everything back."""


@dataclass
class Report:
    """What an import did, for the summary."""

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
    comments_deleted: int = 0
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
        return [
            (
                "posts",
                f"{self.posts_created} new, {self.posts_updated} updated, {self.posts_unchanged} unchanged",
            ),
            ("drafts", self.drafts),
            ("posts skipped", self.posts_skipped),
            (
                "static pages",
                f"{self.pages_created} new, {self.pages_updated} updated, {self.pages_unchanged} unchanged",
            ),
            ("static pages skipped", self.pages_skipped),
            (
                "comments",
                f"{self.comments_created} new, {self.comments_updated} updated, "
                f"{self.comments_unchanged} unchanged",
            ),
            ("deleted comments skipped", self.comments_deleted),
            ("comments without a post", self.comments_orphaned),
            ("comments on static pages skipped", self.comments_on_pages),
            ("labels", len(self.labels)),
            ("authors created", self.authors_created),
            ("images imported", self.images_imported),
            ("images left at their external address", self.images_external),
            ("feed images set", self.feed_images),
            ("redirects created", self.redirects_created),
            ("internal links rewritten", self.links_rewritten),
        ]

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


@dataclass(slots=True)
class Reply:
    """What the import keeps of a comment between reading it and writing it."""

    blogger_id: str
    post_id: str
    parent_id: str
    published: object
    name: str
    url: str
    text: str

    @classmethod
    def of(cls, entry):
        name, uri = entry.authors[0] if entry.authors else ("", "")
        url = uri if uri.startswith(("http://", "https://")) and len(uri) <= 200 else ""
        return cls(
            blogger_id=entry.blogger_id,
            post_id=entry.post_id,
            parent_id=entry.parent_id,
            published=entry.published,
            name=(name or "Anonymous")[:50],
            url=url,
            text=comment_text(entry.html),
        )


class BloggerImporter:
    """Imports one export file into `blog_index`. Call `run()`; it returns a Report."""

    def __init__(
        self,
        path,
        blog_index,
        *,
        dry_run=False,
        old_hosts=(),
        fetch_images=False,
        allow_private_hosts=False,
        progress=None,
    ):
        self.path = path
        self.index = blog_index  # None: there is no blog yet; the import makes one (blog.setup)
        self.dry_run = dry_run
        self.fetch_images = fetch_images
        self.allow_private_hosts = allow_private_hosts
        self.old_hosts = {host.lower() for host in old_hosts}
        self.progress = progress or (lambda fraction, stage: None)
        self.report = Report()
        self.saved_files = []

    # -- the whole run ---------------------------------------------------------------------------

    def run(self):
        """Import the export, all or nothing; returns the Report. `progress(fraction, stage)` is
        told how far it has come (0 to 1) and what it is doing."""
        source = ExportSource(self.path)
        self.source = source
        try:
            self.info = read_info(source)
            with transaction.atomic():
                if self.index is None:
                    self.index = create_blog(self.info.title)
                    self.report.blog_created = self.index.title
                self.site = self.index.get_site()
                self.prepare()
                # Read twice, keeping little: first which posts and pages the export holds (so that
                # each new one gets its id, and every link to it can be written at once), then
                # each post or page in turn, written a batch at a time.
                self.read(source, self.survey, 0, SURVEY_SHARE, "Reading the export")
                self.reserve_ids()
                self.read(source, self.handle, SURVEY_SHARE, READING_SHARE, "Writing the posts and pages")
                self.write_new_pages()
                self.report.format = self.info.format
                self.step(0, "Writing the comments")
                self.import_comments()
                self.step(1, "Writing the redirects")
                self.label_redirects()
                self.archive_redirects()
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
            source.close()
        return self.report

    def read(self, source, handle, start, end, stage):
        """Pass each entry of the export to `handle`, telling the progress bar how far it is."""
        size, done = source.size or 1, 0

        def count(n):
            nonlocal done
            done += n
            self.progress(start + (end - start) * min(done / size, 1), stage)

        self.progress(start, stage)
        with source.open() as raw:
            for entry in read_entries(CountingReader(raw, count), self.info):
                handle(entry)

    def step(self, number, stage):
        """One of the two steps of writing what was read."""
        self.progress(READING_SHARE + (1 - READING_SHARE) * number / 2, stage)

    def remove_saved_files(self):
        # Image files are not part of the database transaction: take them back by hand.
        for stored in self.saved_files:
            stored.delete(save=False)

    def prepare(self):
        self.pages_by_blogger_id = dict(
            BlogPostPage.objects.child_of(self.index).exclude(blogger_id="").values_list("blogger_id", "pk")
        )
        self.site_root = self.site.root_page.specific
        self.static_by_blogger_id = dict(
            StaticPage.objects.descendant_of(self.site_root, inclusive=True)
            .exclude(blogger_id="")
            .values_list("blogger_id", "pk")
        )
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
        self.wanted = []  # (kind, Blogger id, old path) of each post and page that will be written
        self.reserved = {}  # (kind, Blogger id): the id a new post or page will have
        self.seen = set()  # (kind, Blogger id) of the posts and pages handled
        self.created_ids = []
        self.commented_page_ids = set()
        self.used_slugs = set(self.index.get_children().values_list("slug", flat=True))
        self.used_top_slugs = (
            self.used_slugs
            if self.site_root.pk == self.index.pk
            else set(self.site_root.get_children().values_list("slug", flat=True))
        )
        self.year_archives = set()
        self.authors = {author.name.lower(): author for author in Author.objects.all()}
        self.comments = {}  # a post's Blogger id: its comments (Reply), in export order
        self.comment_ids = set()
        self.images = {}
        self.month_archives = set()
        self.tags = {}
        self.label_spellings = {}

    def survey(self, entry):
        """The first reading: the blog's hosts, and the posts and pages that will be written."""
        for url in (self.info.url, entry.url if entry.kind == "post" else ""):
            host = urlsplit(url).netloc.lower().removeprefix("www.")
            if host and host not in self.old_hosts:
                self.old_hosts.add(host)
        if entry.kind not in {"post", "page"} or entry.status == "deleted" or entry.published is None:
            return
        key = (entry.kind, entry.blogger_id)
        if key not in self.seen:  # a second entry with the same id is skipped
            self.seen.add(key)
            self.wanted.append((entry.kind, entry.blogger_id, entry.old_path))

    def reserve_ids(self):
        """Ids for the new posts and pages, and every old address of the export mapped to its page."""
        known = {"post": self.pages_by_blogger_id, "page": self.static_by_blogger_id}
        new = [(kind, blogger_id) for kind, blogger_id, _path in self.wanted if blogger_id not in known[kind]]
        self.reserved = dict(zip(new, bulk.reserve_ids(Page, len(new)) if new else [], strict=True))
        for kind, blogger_id, path in self.wanted:
            page_id = known[kind].get(blogger_id) or self.reserved[(kind, blogger_id)]
            if path:
                self.pages_by_path[Redirect.normalise_path(path)] = page_id
        self.wanted, self.seen = [], set()

    def handle(self, entry):
        """The second reading: each post, page and comment in turn."""
        if entry.kind == "post":
            self.import_post(entry)
        elif entry.kind == "page":
            self.import_static_page(entry)
        elif entry.kind == "comment":
            if entry.status == "deleted":
                self.report.comments_deleted += 1
            else:
                self.comments.setdefault(entry.post_id, []).append(Reply.of(entry))
                self.comment_ids.add(entry.blogger_id)

    # -- posts -------------------------------------------------------------------------------------

    def import_post(self, entry):
        if entry.status == "deleted":
            self.report.posts_skipped += 1
            self.report.warn(entry.label, "in Blogger's trash; not imported")
            return
        if entry.published is None:
            self.report.posts_skipped += 1
            self.report.warn(entry.label, "has no publication date; not imported")
            return
        if entry.status == "draft":
            self.report.drafts += 1
        for label in entry.labels:
            self.report.labels.add(label.lower())
            self.label_spellings.setdefault(label.lower(), set()).add(label)
        if self.seen_before(entry):
            self.report.posts_skipped += 1
            return
        page, unchanged = self.imported_before(entry, BlogPostPage, self.pages_by_blogger_id)
        if unchanged:
            self.report.posts_unchanged += 1
            self.remember_path(entry, page)
            return
        conversion = self.convert(entry)
        title = (
            entry.title
            or Truncator(conversion.intro).words(8)
            or f"Untitled post of {entry.published:%Y-%m-%d}"
        )
        if page is None:
            page = BlogPostPage(slug=self.new_slug(entry, title), blogger_id=entry.blogger_id)
            page.pk = self.reserved[("post", entry.blogger_id)]
            page.first_published_at = entry.published
            creating = True
        else:
            creating = False
        page.title = one_line(title)[:255]  # BlogPostPage.clean refuses line breaks
        page.date = entry.published
        page.intro = Truncator(conversion.intro).chars(600)
        page.body = conversion.blocks
        page.search_description = entry.meta_description or page.search_description
        if conversion.first_image and (creating or page.feed_image_id is None):
            page.feed_image_id = conversion.first_image
            self.report.feed_images += 1
        page.blogger_updated = entry.updated
        # An author named twice in the entry is its author once.
        authors = dict.fromkeys(self.author(name, entry) for name, _uri in entry.authors[:5])
        page.set_authors(list(authors) or [self.author("", entry)])
        page.tags.set(self.tags_for(self.unique_labels(entry.labels)))
        if creating:
            page.live = entry.status == "live"
            self.used_slugs.add(page.slug)
            self.pages_by_blogger_id[entry.blogger_id] = page.pk
            self.add_new(entry, page)
        else:
            self.save_changed(entry, page)
        self.report.posts_created += creating
        self.report.posts_updated += not creating
        self.count(entry, conversion)

    def seen_before(self, entry):
        """True for the second entry with a post's or page's id (the first one is imported)."""
        key = (entry.kind, entry.blogger_id)
        if key in self.seen:
            self.report.warn(entry.label, "appears twice in the export; the first one is imported")
            return True
        self.seen.add(key)
        return False

    def save_changed(self, entry, page):
        """A new revision of a post or page imported before, published as Blogger has it."""
        revision = page.save_revision(log_action=False, clean=False)
        if entry.status == "live":
            revision.publish(log_action=False, skip_permission_checks=True)
        elif page.live:
            page.unpublish(log_action=False)
        self.remember_path(entry, page)

    def add_new(self, entry, page):
        """Keep a new post or page to write with the next batch of its kind (see bulk.add_pages)."""
        self.remember_path(entry, page)
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

    def count(self, entry, conversion):
        self.report.links_rewritten += conversion.links_rewritten
        self.report.images_imported += conversion.images_imported
        self.report.images_external += conversion.images_external
        for warning in conversion.warnings:
            self.report.warn(entry.label, warning)

    def imported_before(self, entry, model, ids):
        """(the page `entry` was imported as, or None; whether the export has it unchanged)."""
        page = model.objects.get(pk=ids[entry.blogger_id]) if ids.get(entry.blogger_id) else None
        unchanged = page is not None and page.blogger_updated and entry.updated
        return page, bool(unchanged and entry.updated <= page.blogger_updated)

    def import_static_page(self, entry):
        """A Blogger page ("About"): a StaticPage at the top of the site, in its menu."""
        if entry.status == "deleted" or entry.published is None:
            self.report.pages_skipped += 1
            reason = "in Blogger's trash" if entry.status == "deleted" else "has no publication date"
            self.report.warn(entry.label, f"{reason}; not imported")
            return
        if self.seen_before(entry):
            self.report.pages_skipped += 1
            return
        page, unchanged = self.imported_before(entry, StaticPage, self.static_by_blogger_id)
        if unchanged:
            self.report.pages_unchanged += 1
            self.remember_path(entry, page)
            return
        conversion = self.convert(entry)
        creating = page is None
        title = entry.title or (page.title if page else "") or Truncator(conversion.intro).words(8)
        title = one_line(title or "Untitled page")[:255]
        if creating:
            stem = entry.old_path.rsplit("/", 1)[-1].removesuffix(".html")
            page = StaticPage(slug=self.top_slug(stem or title), blogger_id=entry.blogger_id)
            page.pk = self.reserved[("page", entry.blogger_id)]
            page.first_published_at = entry.published
            page.show_in_menus = True  # as Blogger's "Pages" list shows them
        page.title = title
        page.body = conversion.blocks
        page.search_description = entry.meta_description or page.search_description
        page.blogger_updated = entry.updated
        if creating:
            page.live = entry.status == "live"
            self.used_top_slugs.add(page.slug)
            self.static_by_blogger_id[entry.blogger_id] = page.pk
            self.add_new(entry, page)
        else:
            self.save_changed(entry, page)
        self.report.pages_created += creating
        self.report.pages_updated += not creating
        self.count(entry, conversion)

    def top_slug(self, text):
        base = slugify(text)[:80].strip("-") or "page"
        if base in RESERVED_TOP_SLUGS:
            base = f"{base}-page"
        slug, number = base, 2
        while slug in self.used_top_slugs:
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

    def remember_path(self, entry, page):
        if not entry.old_path:
            return
        self.pages_by_path[Redirect.normalise_path(entry.old_path)] = page.pk
        self.redirect(entry.old_path, page)
        if entry.kind == "post":
            self.month_archives.add(entry.old_path[:9])  # /2015/11/
            # Blogger's feed of a post's comments.
            self.redirect(f"/feeds/{entry.blogger_id}/comments/default", page)

    def convert(self, entry):
        base = entry.url or self.info.url
        converter = BodyConverter(resolve_link=self.link_to_post, resolve_image=self.image_for, base_url=base)
        return converter.convert(entry.html)

    def new_slug(self, entry, title):
        stem = entry.old_path.rsplit("/", 1)[-1].removesuffix(".html") if entry.old_path else ""
        if UNTITLED_STEM.match(stem):
            stem = ""  # Blogger's name for a post without a title: the words chosen for it read better
        base = slugify(stem) or slugify(title)[:80].strip("-") or f"post-{entry.blogger_id}"
        if base in RESERVED_SLUGS or base.isdigit():
            base = f"{base}-post"
        slug, number = base, 2
        while slug in self.used_slugs:
            slug, number = f"{base}-{number}", number + 1
        return slug

    def author(self, name, entry):
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

    # -- links between posts ---------------------------------------------------------------------

    def is_own_host(self, host):
        host = host.lower().split(":")[0].removeprefix("www.")
        if host in self.old_hosts:
            return True
        if not BLOGSPOT_HOST.search(host):
            return False
        # x.blogspot.com is also served as x.blogspot.co.uk and the like.
        blogspot_names = {known.split(".")[0] for known in self.old_hosts if BLOGSPOT_HOST.search(known)}
        return host.split(".")[0] in blogspot_names or not self.old_hosts

    def link_to_post(self, url):
        parts = urlsplit(url.strip())
        if parts.scheme not in {"http", "https", ""} or not parts.path.endswith(".html"):
            return None
        if parts.netloc and not self.is_own_host(parts.netloc):
            return None
        if not parts.netloc and not parts.path.startswith("/"):
            return None
        if not OWN_PATH.match(parts.path):
            return None
        # Every post and page of the export is known by now (see reserve_ids), written yet or not.
        page_id = self.pages_by_path.get(Redirect.normalise_path(parts.path))
        return f'<a linktype="page" id="{page_id}">' if page_id else None

    # -- images ------------------------------------------------------------------------------------

    def image_for(self, url, alt):
        """The id of a Wagtail image for `url`, from a copy beside the export (or, with
        --fetch-images, from the web); None when there is none."""
        if url in self.images:
            return self.images[url]
        self.images[url] = None
        try:
            found = self.source.find_image(url)
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

    def redirect(self, old_path, page, route=None):
        """A permanent redirect from `old_path` on this site to `page` (at its `route`)."""
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
                        is_permanent=True,
                    )
            return
        self.redirects[normalised] = (None, page.pk, route)
        self.new_redirects.append(
            Redirect(
                old_path=normalised, site=self.site, redirect_page_id=page.pk, redirect_page_route_path=route
            )
        )
        self.report.redirects_created += 1

    def save_redirects(self):
        Redirect.objects.bulk_create(self.new_redirects, batch_size=bulk.BATCH)
        self.new_redirects = []

    def label_redirects(self):
        """A label's page and its feeds, from every spelling (Blogger's label addresses are spelled
        as the label was)."""
        for key, tag in self.tags.items():
            page, atom, rss = (
                "/" + self.index.reverse_subpage(name, args=[tag.slug])
                for name in ("tag_view", "tag_atom_view", "tag_rss_view")
            )
            for spelling in sorted(self.label_spellings.get(key, {tag.name})):
                self.redirect(f"/search/label/{spelling}", self.index, route=page)
                for feed in ("default", "summary"):
                    self.redirect(f"/feeds/posts/{feed}/-/{spelling}", self.index, route=atom)
                    self.redirect(f"/feeds/posts/{feed}/-/{spelling}?alt=rss", self.index, route=rss)

    def archive_redirects(self):
        """Month and year archives, in the address forms Blogger has used, and the blog's feeds."""
        years = set()
        for prefix in sorted(self.month_archives):
            year, month = prefix.strip("/").split("/")
            years.add(year)
            route = f"/{year}/{month}/"
            self.redirect(route, self.index, route=route)
            self.redirect(f"/{year}_{month}_01_archive.html", self.index, route=route)
        for year in sorted(years):
            self.redirect(f"/{year}/", self.index, route=f"/{year}/")
        atom, rss, comments = ("/" + self.index.reverse_subpage(name) for name in FEED_ROUTES)
        for old, route in [
            ("/feeds/posts/default", atom),
            ("/feeds/posts/summary", atom),
            ("/feeds/posts/default?alt=rss", rss),
            ("/feeds/posts/summary?alt=rss", rss),
            ("/atom.xml", atom),
            ("/rss.xml", rss),
            ("/feeds/comments/default", comments),
            ("/feeds/comments/summary", comments),
        ]:
            self.redirect(old, self.index, route=route)

    # -- comments ----------------------------------------------------------------------------------

    def import_comments(self):
        """The comments, a batch of posts' threads at a time."""
        batch, size = [], 0
        for post_id, replies in self.comments.items():
            batch.append((post_id, replies))
            size += len(replies)
            if size >= bulk.BATCH:
                self.import_threads(batch)
                batch, size = [], 0
        self.import_threads(batch)
        self.comments = {}

    def import_threads(self, threads):
        """The comments of some posts, as (post's Blogger id, its comments) pairs."""
        content_type = ContentType.objects.get_for_model(BlogPostPage)
        max_level = max_thread_level_for_content_type(content_type)
        known = dict(
            BloggerComment.objects.filter(
                blogger_id__in=[reply.blogger_id for _post, replies in threads for reply in replies]
            ).values_list("blogger_id", "comment_id")
        )
        existing = XtdComment.norel_objects.in_bulk(known.values())
        parents = {}  # Blogger id: XtdComment, saved before or new in this import
        new = []  # comments of new threads, written together
        one_by_one = []  # replies to comments imported before, threaded by XtdComment.save()
        for post_id, replies in threads:
            page_id = self.pages_by_blogger_id.get(post_id)
            if page_id is None and post_id in self.static_by_blogger_id:
                self.report.comments_on_pages += len(replies)  # only posts take comments here
                continue
            if page_id is None:
                self.report.comments_orphaned += len(replies)
                for reply in replies:
                    self.report.warn(
                        f"comment {reply.blogger_id}", f"its post {post_id} was not imported; skipped"
                    )
                continue
            # Oldest first, so every reply's parent comes before it and xtd's thread order is by date.
            for reply in sorted(replies, key=lambda r: (r.published or timezone.now(), r.blogger_id)):
                if reply.blogger_id in known:
                    comment = existing[known[reply.blogger_id]]
                    if (comment.comment, comment.user_name, comment.user_url) != (
                        reply.text,
                        reply.name,
                        reply.url,
                    ):
                        XtdComment.norel_objects.filter(pk=comment.pk).update(
                            comment=reply.text, user_name=reply.name, user_url=reply.url
                        )
                        self.report.comments_updated += 1
                    else:
                        self.report.comments_unchanged += 1
                    parents[reply.blogger_id] = comment
                    continue
                parent = None
                if reply.parent_id and reply.parent_id != reply.blogger_id:
                    parent = parents.get(reply.parent_id) or existing.get(known.get(reply.parent_id))
                    if parent is None:
                        reason = "was deleted" if reply.parent_id not in self.comment_ids else "is missing"
                        self.report.warn(
                            f"comment {reply.blogger_id}",
                            f"the comment it answers {reason}; kept as a top-level comment",
                        )
                    else:
                        # Deeper than the site nests: answer the deepest comment allowed instead.
                        while parent.level >= max_level:
                            parent = self.parent_of(parent, existing)
                comment = XtdComment(
                    content_type=content_type,
                    object_pk=str(page_id),
                    site_id=settings.SITE_ID,
                    user_name=reply.name,
                    user_url=reply.url,
                    comment=reply.text,
                    submit_date=reply.published or timezone.now(),
                    is_public=True,
                    is_removed=False,
                )
                comment.blogger_id = reply.blogger_id
                comment.reply_to = parent
                comment.level = parent.level + 1 if parent else 0
                # A reply within a thread saved before goes through xtd's own threading.
                comment.in_old_thread = parent is not None and (parent.pk is not None or parent.in_old_thread)
                (one_by_one if comment.in_old_thread else new).append(comment)
                parents[reply.blogger_id] = comment
        self.save_comments(new, one_by_one)

    @staticmethod
    def parent_of(comment, existing):
        if comment.pk is None:
            return comment.reply_to
        return existing.get(comment.parent_id) or XtdComment.norel_objects.get(pk=comment.parent_id)

    def save_comments(self, new, one_by_one):
        # New threads are written in bulk: no per-comment signals, so no cache bump, CDN purge
        # or notification per comment (announce() bumps once; imported comments email no one).
        bulk.add_comments(new)
        for comment in one_by_one:
            comment.parent_id = comment.reply_to.pk
            comment.save()
        BloggerComment.objects.bulk_create(
            [BloggerComment(blogger_id=c.blogger_id, comment=c) for c in new + one_by_one],
            batch_size=bulk.BATCH,
        )
        self.report.comments_created += len(new) + len(one_by_one)
        self.commented_page_ids |= {int(comment.object_pk) for comment in new}
