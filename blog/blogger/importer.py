"""Bring a Blogger export into a blog: posts, static pages, labels, images, comments, links and
every old address."""

import hashlib
import re
from dataclasses import dataclass, field
from html import escape
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
from wagtail.models import ReferenceIndex

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
LINK_PLACEHOLDER = re.compile(r'<a linktype="page" id="blogger:([^"]+)">')
UNTITLED_STEM = re.compile(r"^blog-post(?:_\d+)?$")
OWN_PATH = re.compile(r"^/(?:\d{4}/\d{2}|p)/[^/]+\.html$")
# Slugs a page at the top of the site cannot have: the site's own addresses (broadsheet/urls.py).
RESERVED_TOP_SLUGS = {"admin", "comments", "documents", "search", "static", "media", "healthz"}
# The share of the progress bar reading the export takes; writing what it read takes the rest.
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
                self.progress(0, "Reading the export")
                read, size = 0, source.size or 1

                def count(n):
                    nonlocal read
                    read += n
                    self.progress(READING_SHARE * min(read / size, 1), "Reading the export")

                with source.open() as raw:
                    for entry in read_entries(CountingReader(raw, count), self.info):
                        self.handle(entry)
                self.report.format = self.info.format
                self.step(0, "Writing the posts and pages")
                self.create_static_pages()
                self.create_posts()
                self.finish_links()
                self.step(1, "Writing the comments")
                self.import_comments()
                self.step(2, "Writing the redirects")
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

    def step(self, number, stage):
        """One of the three steps of writing what was read."""
        self.progress(READING_SHARE + (1 - READING_SHARE) * number / 3, stage)

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
        self.new_static_pages = []
        self.redirects = {redirect.old_path: redirect for redirect in Redirect.objects.filter(site=self.site)}
        self.pages_by_path = {
            old_path: redirect.redirect_page_id
            for old_path, redirect in self.redirects.items()
            if redirect.redirect_page_id
        }
        self.new_redirects = []
        self.new_posts = []
        self.created_pages = []
        self.commented_page_ids = set()
        self.used_slugs = set(self.index.get_children().values_list("slug", flat=True))
        self.used_top_slugs = (
            self.used_slugs
            if self.site_root.pk == self.index.pk
            else set(self.site_root.get_children().values_list("slug", flat=True))
        )
        self.year_archives = set()
        self.authors = {author.name.lower(): author for author in Author.objects.all()}
        self.pending_links = []  # (placeholder key, old path, original URL)
        self.pages_with_pending_links = {}
        self.comments = []
        self.images = {}
        self.month_archives = set()
        self.tags = {}
        self.label_spellings = {}

    def handle(self, entry):
        for url in (self.info.url, entry.url if entry.kind == "post" else ""):
            host = urlsplit(url).netloc.lower().removeprefix("www.")
            if host and host not in self.old_hosts:
                self.old_hosts.add(host)
        if entry.kind == "post":
            self.import_post(entry)
        elif entry.kind == "page":
            self.import_static_page(entry)
        elif entry.kind == "comment":
            if entry.status == "deleted":
                self.report.comments_deleted += 1
            else:
                self.comments.append(entry)

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
        if entry.blogger_id in self.pages_by_blogger_id and not self.pages_by_blogger_id[entry.blogger_id]:
            self.report.posts_skipped += 1
            self.report.warn(entry.label, "appears twice in the export; the first one is imported")
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
        page.authors = [self.author(name, entry) for name, _uri in entry.authors[:5]] or [
            self.author("", entry)
        ]
        page.tags.set(self.tags_for(self.unique_labels(entry.labels)))
        if creating:
            page.live = entry.status == "live"
            self.used_slugs.add(page.slug)
            self.pages_by_blogger_id[entry.blogger_id] = None  # a second entry with this id is skipped
            self.new_posts.append((entry, page, self.current_pending))  # written by create_posts()
        else:
            self.save_changed(entry, page)
        self.report.posts_created += creating
        self.report.posts_updated += not creating
        self.count(entry, conversion)

    def save_changed(self, entry, page):
        """A new revision of a post or page imported before, published as Blogger has it."""
        revision = page.save_revision(log_action=False, clean=False)
        if entry.status == "live":
            revision.publish(log_action=False, skip_permission_checks=True)
        elif page.live:
            page.unpublish(log_action=False)
        if self.current_pending:
            self.pages_with_pending_links[page.pk] = page
        self.remember_path(entry, page)

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
        if entry.blogger_id in self.static_by_blogger_id and not self.static_by_blogger_id[entry.blogger_id]:
            self.report.pages_skipped += 1
            self.report.warn(entry.label, "appears twice in the export; the first one is imported")
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
            page.first_published_at = entry.published
            page.show_in_menus = True  # as Blogger's "Pages" list shows them
        page.title = title
        page.body = conversion.blocks
        page.search_description = entry.meta_description or page.search_description
        page.blogger_updated = entry.updated
        if creating:
            page.live = entry.status == "live"
            self.used_top_slugs.add(page.slug)
            self.static_by_blogger_id[entry.blogger_id] = None
            self.new_static_pages.append((entry, page, self.current_pending))
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

    def create_static_pages(self):
        """Write the new static pages at the top of the site (see bulk.add_pages). Their links to
        posts are finished with the updated pages' (finish_links), once the posts have ids."""
        pages = [page for _entry, page, _pending in self.new_static_pages]

        def with_ids(pages):
            for entry, page, pending in self.new_static_pages:
                self.static_by_blogger_id[entry.blogger_id] = page.pk
                self.remember_path(entry, page)
                if pending:
                    self.pages_with_pending_links[page.pk] = page

        self.created_pages += bulk.add_pages(self.site_root, pages, with_ids=with_ids)

    def create_posts(self):
        """Write the new posts in a few multi-row INSERTs, as Wagtail's add_child(), save_revision()
        and publish() (save_revision() alone for a draft) would leave them (see bulk.add_pages)."""
        pages = [page for _entry, page, _pending in self.new_posts]
        self.created_pages += bulk.add_pages(self.index, pages, with_ids=self.link_new_posts)

    def announce(self):
        """What saving and publishing each new post and comment would have set off beyond the
        indexes (which bulk.add_pages and bulk.add_comments fill), done once: the cached pages and
        sidebar, the CDN."""
        if self.created_pages or self.report.comments_created:
            caching.forget(caching.SITE)
        changed = {page.pk for page in self.created_pages} | self.commented_page_ids
        if settings.WAGTAILFRONTENDCACHE and changed:
            posts = BlogPostPage.objects.live().filter(pk__in=changed).prefetch_related("tags")
            urls = [url for post in posts for url in post_urls(post)]
            transaction.on_commit(lambda: PurgeBatch(urls).purge())

    def link_new_posts(self, pages):
        """Once the new posts have their ids: their old addresses, and the links to them."""
        for entry, page, _pending in self.new_posts:
            self.pages_by_blogger_id[entry.blogger_id] = page.pk
            self.remember_path(entry, page)
        for _entry, page, pending in self.new_posts:
            if pending:
                page.body = self.fill_links(page.body.raw_data)

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
        self.current_pending = False
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
        path = Redirect.normalise_path(parts.path)
        page_id = self.pages_by_path.get(path)
        if page_id:
            return f'<a linktype="page" id="{page_id}">'
        # The post may come later in the export: leave a placeholder to fill in at the end.
        key = str(len(self.pending_links))
        self.pending_links.append((path, url))
        self.current_pending = True
        return f'<a linktype="page" id="blogger:{key}">'

    def fill_links(self, raw_blocks):
        """`raw_blocks` with each placeholder link pointing at its post's page, or, when that post
        never came, back at its old address."""

        def replace(match):
            path, url = self.pending_links[int(match.group(1))]
            page_id = self.pages_by_path.get(path)
            if page_id:
                return f'<a linktype="page" id="{page_id}">'
            # Counted as rewritten when first seen, but its post never came: put back.
            self.report.links_rewritten -= 1
            return f'<a href="{escape(url)}">'

        blocks = []
        for block in raw_blocks:
            block = dict(block)
            if block["type"] == "paragraph":
                block["value"] = LINK_PLACEHOLDER.sub(replace, block["value"])
            elif block["type"] == "quote":
                text = LINK_PLACEHOLDER.sub(replace, block["value"]["text"])
                block["value"] = {**block["value"], "text": text}
            blocks.append(block)
        return blocks

    def finish_links(self):
        """Point the links in updated posts and pages, and in new static pages, to the posts and
        pages that came later in the export (or were written after them) at their pages."""
        for page in self.pages_with_pending_links.values():
            page.body = self.fill_links(page.body.raw_data)
            # The page row and its latest revision get the finished body in place rather than as
            # a second revision: the revision was made moments ago in this same import.
            type(page).objects.filter(pk=page.pk).update(body=page.body)
            revision = page.latest_revision
            if revision is not None:
                revision.content = {**revision.content, "body": page.serializable_data()["body"]}
                revision.save(update_fields=["content"])
            ReferenceIndex.create_or_update_for_object(page)

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
            if existing.redirect_page_id == page.pk and existing.redirect_page_route_path == route:
                return
            existing.redirect_page = page
            existing.redirect_link = ""
            existing.redirect_page_route_path = route
            existing.is_permanent = True
            if existing.pk:
                existing.save()
            return
        redirect = Redirect(
            old_path=normalised, site=self.site, redirect_page=page, redirect_page_route_path=route
        )
        self.redirects[normalised] = redirect
        self.new_redirects.append(redirect)
        self.report.redirects_created += 1

    def save_redirects(self):
        Redirect.objects.bulk_create(self.new_redirects, batch_size=bulk.BATCH)

    def label_redirects(self):
        """A label's page and its feed, from every spelling (Blogger's label addresses are spelled
        as the label was). The blog has no feed per label: a label's feed leads to its page."""
        for key, tag in self.tags.items():
            route = "/" + self.index.reverse_subpage("tag_view", args=[tag.slug])
            for spelling in sorted(self.label_spellings.get(key, {tag.name})):
                self.redirect(f"/search/label/{spelling}", self.index, route=route)
                for feed in ("default", "summary"):
                    self.redirect(f"/feeds/posts/{feed}/-/{spelling}", self.index, route=route)

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
        self.label_redirects()
        self.archive_redirects()
        content_type = ContentType.objects.get_for_model(BlogPostPage)
        max_level = max_thread_level_for_content_type(content_type)
        known = dict(
            BloggerComment.objects.filter(blogger_id__in=[c.blogger_id for c in self.comments]).values_list(
                "blogger_id", "comment_id"
            )
        )
        existing = XtdComment.norel_objects.in_bulk(known.values())
        parents = {}  # Blogger id: XtdComment, saved before or new in this import
        new = []  # comments of new threads, written together
        one_by_one = []  # replies to comments imported before, threaded by XtdComment.save()
        # Oldest first, so every reply's parent comes before it and xtd's thread order is by date.
        by_id = {comment.blogger_id: comment for comment in self.comments}
        for entry in sorted(self.comments, key=lambda c: (c.published or timezone.now(), c.blogger_id)):
            page_id = self.pages_by_blogger_id.get(entry.post_id)
            if page_id is None and entry.post_id in self.static_by_blogger_id:
                # Only posts take comments here.
                self.report.comments_on_pages += 1
                continue
            if page_id is None:
                self.report.comments_orphaned += 1
                self.report.warn(
                    f"comment {entry.blogger_id}", f"its post {entry.post_id} was not imported; skipped"
                )
                continue
            text = comment_text(entry.html)
            name, uri = entry.authors[0] if entry.authors else ("", "")
            name = (name or "Anonymous")[:50]
            url = uri if uri.startswith(("http://", "https://")) and len(uri) <= 200 else ""
            if entry.blogger_id in known:
                comment = existing[known[entry.blogger_id]]
                if (comment.comment, comment.user_name, comment.user_url) != (text, name, url):
                    XtdComment.norel_objects.filter(pk=comment.pk).update(
                        comment=text, user_name=name, user_url=url
                    )
                    self.report.comments_updated += 1
                else:
                    self.report.comments_unchanged += 1
                parents[entry.blogger_id] = comment
                continue
            parent = None
            if entry.parent_id and entry.parent_id != entry.blogger_id:
                parent = parents.get(entry.parent_id) or existing.get(known.get(entry.parent_id))
                if parent is None:
                    reason = "was deleted" if entry.parent_id not in by_id else "is missing"
                    self.report.warn(
                        f"comment {entry.blogger_id}",
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
                user_name=name,
                user_url=url,
                comment=text,
                submit_date=entry.published or timezone.now(),
                is_public=True,
                is_removed=False,
            )
            comment.blogger_id = entry.blogger_id
            comment.reply_to = parent
            comment.level = parent.level + 1 if parent else 0
            # A reply within a thread saved before goes through xtd's own threading.
            comment.in_old_thread = parent is not None and (parent.pk is not None or parent.in_old_thread)
            (one_by_one if comment.in_old_thread else new).append(comment)
            parents[entry.blogger_id] = comment
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
        self.commented_page_ids = {int(comment.object_pk) for comment in new}
