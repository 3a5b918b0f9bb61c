"""Bring a WordPress export (WXR) into a blog: posts and pages with their status, categories and
tags, authors, featured and inline images, comment threads, links between posts and every old
address."""

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.text import Truncator
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, PageViewRestriction

from blog import bulk
from blog.importing.base import MAX_IMAGE_BYTES, ExportError, Importer, Report, UnusableImage
from blog.importing.comments import CommentWriter, Reply, web_address
from blog.importing.html import BodyConverter, comment_text
from blog.models import BlogPostPage, StaticPage, WordPressComment
from broadsheet import caching
from broadsheet.mail import one_line

from .content import ContentConverter
from .wxr import Author, Item, KeptRedirect, Term, WxrSource, read_info, read_items

UPLOADS = "/wp-content/uploads/"
RESIZED = re.compile(r"-\d+x\d+(?=\.[A-Za-z0-9]+$)")  # "quay-300x200.jpg", a size WordPress made
DEFAULT_CATEGORY = "uncategorized"  # WordPress files a post no one filed here
LIVE = {"publish", "private", "future"}
DRAFT = {"draft", "pending"}
SKIPPED_QUIETLY = {"auto-draft", "inherit"}
# Bump when the import writes posts differently, so a re-import rewrites them.
DIGEST_VERSION = "1"


@dataclass
class WordPressReport(Report):
    """What a WordPress import did."""

    scheduled: int = 0
    private: int = 0
    comments_spam: int = 0
    comments_trashed: int = 0
    pingbacks: int = 0
    other_items: int = 0

    def lines(self):
        return [
            ("posts", self.counts("posts")),
            ("drafts", self.drafts),
            ("scheduled posts", self.scheduled),
            ("private or password-protected", self.private),
            ("posts skipped", self.posts_skipped),
            ("static pages", self.counts("pages")),
            ("static pages skipped", self.pages_skipped),
            ("comments", self.counts("comments")),
            ("comments held for moderation", self.comments_held),
            ("spam comments skipped", self.comments_spam),
            ("trashed comments skipped", self.comments_trashed),
            ("pingbacks and trackbacks skipped", self.pingbacks),
            ("comments on static pages skipped", self.comments_on_pages),
            ("other items skipped (menus, revisions, attachments…)", self.other_items),
            *self.shared_lines(),
        ]


class WordPressImporter(Importer):
    """Imports one WXR file into `blog_index`; images come from `media_dir` (a copy of the site's
    wp-content/uploads, or of the folder above it) or, with `fetch_images`, from the web;
    `old_hosts` are other addresses the site was served at."""

    report_class = WordPressReport

    def __init__(self, path, blog_index, *, media_dir=None, old_hosts=(), **options):
        super().__init__(path, blog_index, **options)
        self.media_dir = Path(media_dir) if media_dir else None
        if self.media_dir is not None and (self.media_dir / "wp-content" / "uploads").is_dir():
            self.media_dir = self.media_dir / "wp-content" / "uploads"
        self.extra_hosts = {host.lower().removeprefix("www.") for host in old_hosts}

    def open(self):
        self.source = WxrSource(self.path)
        if self.media_dir is not None and not self.media_dir.is_dir():
            raise ExportError(f"{self.media_dir}: the media folder does not exist")
        self.info = read_info(self.source)

    def entries(self, stream):
        return read_items(stream, self.info)

    def prepare(self):
        super().prepare()
        self.hosts = self.info.hosts | self.extra_hosts
        # WordPress numbers comments per site: their ids are kept with the site's address.
        self.comment_prefix = urlsplit(self.info.url).netloc.lower().removeprefix("www.") or "wordpress"
        self.posts_by_wp_id = dict(
            BlogPostPage.objects.child_of(self.index)
            .filter(wordpress_id__isnull=False)
            .values_list("wordpress_id", "pk")
        )
        self.static_by_wp_id = dict(
            StaticPage.objects.descendant_of(self.site_root, inclusive=True)
            .filter(wordpress_id__isnull=False)
            .values_list("wordpress_id", "pk")
        )
        self.reserved = {}
        self.link_ids = {}  # WordPress id of a post or page: its page's id, for ?p= links
        self.item_paths = {}  # a post's or page's old path: its page's id
        self.attachments = {}  # WordPress id of an attachment: (its address, its alt text)
        self.attached_files = {}  # an attachment's address: its file under the uploads folder
        self.kept_redirects = {}  # old path: KeptRedirect, from a Broadsheet export
        self.wp_bios = {}  # login: the author's bio, from a Broadsheet export
        self.wp_photos = {}  # login: the WordPress id of the author's photo, from a Broadsheet export
        self.wp_authors = {}  # login: display name
        self.terms = {}  # (taxonomy, slug): Term
        self.term_labels = {}  # (taxonomy, slug): the label it became
        self.day_archives = set()
        self.author_logins = {}  # Author pk: WordPress login
        self.statuses = []  # (page, status, item's date, password) to apply once written
        self.restricted = False  # whether a privacy restriction was added
        self.comments = CommentWriter(WordPressComment, "wordpress_id", self.report)
        self.old_index_path = self.index_path()
        # Where the old site's own addresses start (a site in a folder, "/blog/", has its ?p= there).
        self.home = urlsplit(self.info.url).path.rstrip("/") + "/"

    def index_path(self):
        """The blog's path on its site ("/blog/", or "/" when it is the site's root)."""
        return self.index.url_path.removeprefix(self.site_root.url_path.rstrip("/")) or "/"

    # -- the first reading -------------------------------------------------------------------------

    def survey(self, entry):
        if isinstance(entry, Item):
            if entry.post_type == "attachment" and entry.attachment_url:
                alt = entry.meta.get("_wp_attachment_image_alt", "") or entry.title
                self.attachments[entry.post_id] = (entry.attachment_url, alt)
                if entry.meta.get("_wp_attached_file"):
                    self.attached_files[entry.attachment_url] = entry.meta["_wp_attached_file"]
            kind = self.kind_of(entry)
            if kind and (entry.status in LIVE or entry.status in DRAFT):
                key = (kind, entry.post_id)
                if key not in self.seen:  # a second item with the same id is skipped
                    self.seen.add(key)
                    self.wanted.append((kind, entry.post_id, entry.path if entry.link else ""))
        else:
            self.note(entry)

    def note(self, entry):
        if isinstance(entry, Author):
            self.wp_authors[entry.login] = entry.name
            if entry.bio:
                self.wp_bios[entry.login] = entry.bio
            if entry.photo.isdigit():
                self.wp_photos[entry.login] = int(entry.photo)
        elif isinstance(entry, Term):
            self.terms[(entry.taxonomy, entry.slug)] = entry
        elif isinstance(entry, KeptRedirect):
            self.kept_redirects[entry.old_path] = entry

    @staticmethod
    def kind_of(item):
        return {"post": "post", "page": "page"}.get(item.post_type)

    def reserve_ids(self):
        known = {"post": self.posts_by_wp_id, "page": self.static_by_wp_id}
        new = [(kind, wp_id) for kind, wp_id, _path in self.wanted if wp_id not in known[kind]]
        self.reserved = dict(zip(new, bulk.reserve_ids(Page, len(new)) if new else [], strict=True))
        for kind, wp_id, path in self.wanted:
            page_id = known[kind].get(wp_id) or self.reserved[(kind, wp_id)]
            self.link_ids.setdefault(wp_id, page_id)
            if path:
                self.item_paths[Redirect.normalise_path(path)] = page_id
        self.wanted, self.seen = [], set()

    # -- the second reading ------------------------------------------------------------------------

    def handle(self, entry):
        if not isinstance(entry, Item):
            self.note(entry)
            return
        kind = self.kind_of(entry)
        if kind is None:
            self.report.other_items += 1
            return
        if entry.status in SKIPPED_QUIETLY:
            return
        skipped = "posts_skipped" if kind == "post" else "pages_skipped"
        if entry.status not in LIVE | DRAFT:
            self.add_to(skipped)
            if entry.status != "trash":
                self.report.warn(entry.label, f"has the status “{entry.status}”; not imported")
            return
        if self.seen_before((kind, entry.post_id), entry.label):
            self.add_to(skipped)
            return
        page = self.import_item(entry, kind)
        if kind == "post":
            self.import_comments(entry, page.pk)
        else:
            self.report.comments_on_pages += sum(1 for c in entry.comments if self.wanted_comment(c))

    def add_to(self, figure):
        setattr(self.report, figure, getattr(self.report, figure) + 1)

    def digest(self, item):
        parts = [
            DIGEST_VERSION,
            item.title,
            item.content,
            item.excerpt,
            item.status,
            item.password,
            item.slug,
            str(item.date),
            item.creator,
            item.comment_status,
            repr(sorted(item.categories + item.tags)),
            item.meta.get("_thumbnail_id", ""),
            item.meta.get("_yoast_wpseo_metadesc", ""),
        ]
        if item.coauthors:
            parts.append(repr(item.coauthors))
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()

    def import_item(self, item, kind):
        """The post or page of `item`, written or kept to write with its batch; returns it."""
        model, ids = (
            (BlogPostPage, self.posts_by_wp_id) if kind == "post" else (StaticPage, self.static_by_wp_id)
        )
        counter = "posts" if kind == "post" else "pages"
        page = model.objects.get(pk=ids[item.post_id]) if item.post_id in ids else None
        digest = self.digest(item)
        labels = self.labels_of(item) if kind == "post" else []
        self.note_labels(labels)
        self.count_status(item)
        if page is not None and page.wordpress_digest == digest:
            self.add_to(f"{counter}_unchanged")
            self.remember_path(item, page)
            return page
        conversion = self.convert(item)
        creating = page is None
        date = item.date or timezone.now()
        title = (
            item.title
            or Truncator(conversion.intro).words(8)
            or (f"Untitled post of {date:%Y-%m-%d}" if kind == "post" else "Untitled page")
        )
        if creating:
            if kind == "post":
                page = BlogPostPage(
                    slug=self.unique_slug(unquote(item.slug) or title, f"post-{item.post_id}")
                )
            else:
                page = StaticPage(slug=self.top_slug(unquote(item.slug) or title))
                page.show_in_menus = item.parent == 0  # WordPress lists top-level pages
            page.pk = self.reserved[(kind, item.post_id)]
            page.wordpress_id = item.post_id
            if item.status in {"publish", "private"}:
                page.first_published_at = date
        page.title = one_line(title)[:255]  # BlogPostPage.clean refuses line breaks
        page.body = conversion.blocks
        page.search_description = one_line(item.meta.get("_yoast_wpseo_metadesc", ""))[:255] or (
            page.search_description
        )
        page.wordpress_digest = digest
        if kind == "post":
            self.fill_post(page, item, date, conversion, labels, creating)
        live = item.status in {"publish", "private"}
        status = (page, item.status, date, item.password)
        needs_more = item.status in {"future", "private"} or item.password
        if creating:
            page.live = live
            (self.used_slugs if kind == "post" else self.used_top_slugs).add(page.slug)
            ids[item.post_id] = page.pk
            self.remember_path(item, page)
            if needs_more:
                self.statuses.append(status)  # once the page is written
            self.add_new(page)
        else:
            self.publish_changed(page, live)
            self.remember_path(item, page)
            if needs_more:
                self.apply_statuses([status])
        self.add_to(f"{counter}_{'created' if creating else 'updated'}")
        self.count(item.label, conversion)
        return page

    def fill_post(self, page, item, date, conversion, labels, creating):
        page.date = date
        excerpt = comment_text(item.excerpt) if item.excerpt else ""
        page.intro = Truncator(" ".join(excerpt.split()) or conversion.intro).chars(600)
        page.comments_open = item.comment_status == "open"
        thumbnail = item.meta.get("_thumbnail_id", "")
        featured = self.attachments.get(int(thumbnail)) if thumbnail.isdigit() else None
        image_id = self.image_for(*featured) if featured else None
        image_id = image_id or conversion.first_image
        if image_id and (creating or page.feed_image_id is None or featured):
            if page.feed_image_id != image_id:
                self.report.feed_images += 1
            page.feed_image_id = image_id
        authors = []
        # A Broadsheet export names every author in byline order; WordPress's names one.
        for login in item.coauthors or [item.creator]:
            author = self.author(self.wp_authors.get(login) or login)
            if login:
                self.author_logins.setdefault(author.pk, login)
            self.complete_author(author, login)
            if author not in authors:
                authors.append(author)
        page.set_authors(authors)
        page.tags.set(self.tags_for(self.unique_labels(labels)))

    def complete_author(self, author, login):
        """Give `author` the bio and photo a Broadsheet export has for `login`, where they have none."""
        changed = []
        if not author.bio and self.wp_bios.get(login):
            author.bio = self.wp_bios[login]
            changed.append("bio")
        attachment = self.attachments.get(self.wp_photos.get(login))
        if not author.photo_id and attachment:
            author.photo_id = self.image_for(*attachment)
            if author.photo_id:
                changed.append("photo")
        if changed:
            author.save(update_fields=changed)

    def labels_of(self, item):
        """The labels of a post: its categories (but WordPress's default one) and its tags."""
        labels = []
        for taxonomy, pairs in (("category", item.categories), ("post_tag", item.tags)):
            for slug, name in pairs:
                if taxonomy == "category" and slug == DEFAULT_CATEGORY:
                    continue
                label = (name or slug).strip()
                if label:
                    labels.append(label)
                    self.term_labels.setdefault((taxonomy, slug), label)
        return labels

    def count_status(self, item):
        if item.status in DRAFT:
            self.report.drafts += 1
        elif item.status == "future":
            self.report.scheduled += 1
        elif item.status == "private" or item.password:
            self.report.private += 1

    def write_new_pages(self):
        super().write_new_pages()
        statuses, self.statuses = self.statuses, []
        self.apply_statuses(statuses)

    def apply_statuses(self, statuses):
        """What the written pages' status asks beyond live or draft: scheduled publishing (a
        revision approved to go live at the post's date, as Wagtail's own scheduling leaves it)
        and privacy (logged-in readers only for a private post, the post's password for a
        protected one)."""
        restrictions = []
        existing = set(
            PageViewRestriction.objects.filter(page__in=[page.pk for page, *_ in statuses]).values_list(
                "page_id", flat=True
            )
        )
        for page, status, date, password in statuses:
            if status == "future":
                page.go_live_at = date
                revision = page.save_revision(log_action=False, clean=False)
                revision.publish(log_action=False, skip_permission_checks=True)
            if page.pk in existing or status not in {"publish", "private", "future"}:
                continue
            if status == "private":
                restrictions.append(
                    PageViewRestriction(page_id=page.pk, restriction_type=PageViewRestriction.LOGIN)
                )
            elif password:
                restrictions.append(
                    PageViewRestriction(
                        page_id=page.pk,
                        restriction_type=PageViewRestriction.PASSWORD,
                        password=password[:255],
                    )
                )
        PageViewRestriction.objects.bulk_create(restrictions, batch_size=bulk.BATCH)
        self.restricted = self.restricted or bool(restrictions)

    def announce(self):
        super().announce()
        if self.restricted:
            # Written in bulk, without the signal that forgets the remembered private paths.
            caching.forget(caching.SITE)

    def convert(self, item):
        content = ContentConverter(attachment_url=self.attachment_url)
        html = content.to_html(item.content)
        converter = BodyConverter(
            resolve_link=self.link_to_post, resolve_image=self.image_for, base_url=item.link or self.info.url
        )
        conversion = converter.convert(html)
        conversion.warnings[:0] = content.warnings
        return conversion

    def attachment_url(self, wp_id):
        return self.attachments.get(int(wp_id), ("", ""))[0] if wp_id.isdigit() else ""

    # -- comments ----------------------------------------------------------------------------------

    def wanted_comment(self, comment):
        """Whether a comment comes along (counting those that do not)."""
        if comment.type in {"pingback", "trackback"}:
            self.report.pingbacks += 1
        elif comment.approved == "spam":
            self.report.comments_spam += 1
        elif comment.approved in {"trash", "post-trashed"}:
            self.report.comments_trashed += 1
        else:
            return True
        return False

    def import_comments(self, item, page_id):
        replies, left_out = [], set()
        for comment in item.comments:
            source_id = f"{self.comment_prefix}/{comment.comment_id}"
            if not self.wanted_comment(comment):
                left_out.add(source_id)
                continue
            public = comment.approved == "1"
            replies.append(
                Reply(
                    source_id=source_id,
                    parent_id=f"{self.comment_prefix}/{comment.parent_id}" if comment.parent_id else "",
                    published=comment.date,
                    name=(one_line(comment.author) or "Anonymous")[:50],
                    url=web_address(comment.url),
                    text=comment_text(comment.content),
                    email=valid_email(comment.email),
                    ip_address=valid_ip(comment.ip),
                    public=public,
                    held_because="" if public else "awaiting moderation in WordPress",
                )
            )
        self.comments.add(page_id, replies, left_out)

    def write_comments(self):
        self.comments.close()
        self.commented_page_ids |= self.comments.commented_page_ids

    # -- links and images --------------------------------------------------------------------------

    def is_own(self, parts):
        host = parts.netloc.lower().split(":")[0].removeprefix("www.")
        return host in self.hosts if host else parts.path.startswith("/")

    def link_to_post(self, url):
        parts = urlsplit((url or "").strip())
        if parts.scheme not in {"http", "https", ""} or not self.is_own(parts):
            return None
        query = parse_qs(parts.query)
        wp_id = (query.get("p") or query.get("page_id") or [""])[0]
        if wp_id.isdigit() and (parts.path in {"", "/"} or parts.path.endswith("/index.php")):
            page_id = self.link_ids.get(int(wp_id))
        else:
            # Every post and page of the export is known by now (see reserve_ids), written yet or not.
            page_id = self.item_paths.get(Redirect.normalise_path(parts.path))
        return f'<a linktype="page" id="{page_id}">' if page_id else None

    def find_image(self, url):
        """An image under wp-content/uploads/, from the media folder: the file itself, else the
        full-size file a resized copy ("-300x200") was made from."""
        if self.media_dir is None:
            return None
        path = unquote(urlsplit(url).path)
        if UPLOADS in path:
            relative = PurePosixPath(path.split(UPLOADS, 1)[1])
        elif url in self.attached_files:  # an attachment's file, where uploads are kept elsewhere
            relative = PurePosixPath(self.attached_files[url])
        else:
            return None
        if ".." in relative.parts or not relative.parts:
            return None
        root = self.media_dir.resolve()
        for candidate in (relative, relative.with_name(RESIZED.sub("", relative.name))):
            found = (root / candidate).resolve()
            if not found.is_relative_to(root) or not found.is_file():
                continue
            if found.stat().st_size > MAX_IMAGE_BYTES:
                raise UnusableImage(f"{candidate.name} is larger than {MAX_IMAGE_BYTES // 2**20} MB")
            return found.read_bytes(), candidate.name
        return None

    # -- old addresses -----------------------------------------------------------------------------

    def remember_path(self, item, page):
        new_path = self.new_path(page)
        if item.link and Redirect.normalise_path(item.path) != Redirect.normalise_path(new_path):
            self.redirect(item.path, page)
        self.redirect(f"{self.home}?p={item.post_id}", page)
        if isinstance(page, StaticPage):
            self.redirect(f"{self.home}?page_id={item.post_id}", page)
        elif item.date:
            local = timezone.localtime(item.date)
            self.day_archives.add((f"{local:%Y}", f"{local:%m}", f"{local:%d}"))

    def new_path(self, page):
        if isinstance(page, StaticPage):
            return f"/{page.slug}/"  # a page at the top of the site
        return f"{self.old_index_path}{page.slug}/"

    def route_redirect(self, old, route):
        """A redirect from `old` (a path under the old site's home) to `route` of the blog, unless
        that is where it already is."""
        old = self.home + old.lstrip("/")
        if Redirect.normalise_path(old) != Redirect.normalise_path(self.old_index_path + route.lstrip("/")):
            self.redirect(old, self.index, route=route)

    def write_kept_redirects(self):
        """The redirects a Broadsheet export carries, as that site had them (before the old
        addresses worked out here, which do not replace them)."""
        for kept in self.kept_redirects.values():
            if kept.url:
                self.link_redirect(kept.old_path, kept.url, kept.permanent)
                continue
            page_id = self.index.pk if kept.blog else self.link_ids.get(kept.post_id)
            if page_id is None:
                self.report.warn(
                    f"redirect {kept.old_path}", f"leads to item {kept.post_id}, not imported; skipped"
                )
                continue
            self.redirect(kept.old_path, Page(pk=page_id), route=kept.route, permanent=kept.permanent)

    def write_redirects(self):
        self.write_kept_redirects()
        atom, rss, comments = self.feed_routes()
        # Category and tag archives (a category also by its parents' path), their feeds, and ?cat=, ?tag=.
        for (taxonomy, slug), label in self.term_labels.items():
            (tag,) = self.tags_for([label])
            page, feed = self.label_route(tag), self.label_route(tag, "tag_rss_view")
            base = "category" if taxonomy == "category" else "tag"
            paths = {f"/{base}/{slug}/"}
            term = self.terms.get((taxonomy, slug))
            if term is not None and term.parent:
                paths.add(f"/{base}/{self.category_path(term)}/")
            for path in sorted(paths):
                self.route_redirect(path, page)
                self.route_redirect(f"{path}feed/", feed)
            if taxonomy == "post_tag":
                self.route_redirect(f"/?tag={slug}", page)
            elif term is not None and term.term_id:
                self.route_redirect(f"/?cat={term.term_id}", page)
        # Date archives: days to their month, months and years to the blog's own, also as ?m=.
        months = sorted({(year, month) for year, month, _day in self.day_archives})
        for year, month, day in sorted(self.day_archives):
            self.route_redirect(f"/{year}/{month}/{day}/", f"/{year}/{month}/")
        for year, month in months:
            self.route_redirect(f"/{year}/{month}/", f"/{year}/{month}/")
            self.route_redirect(f"/?m={year}{month}", f"/{year}/{month}/")
        for year in sorted({year for year, _month in months}):
            self.route_redirect(f"/{year}/", f"/{year}/")
            self.route_redirect(f"/?m={year}", f"/{year}/")
        # Authors' archives, and the feeds.
        for author in self.authors.values():
            login = self.author_logins.get(author.pk)
            if login:
                route = "/" + self.index.reverse_subpage("author_view", args=[author.slug])
                self.route_redirect(f"/author/{login}/", route)
        for old, route in [
            ("/feed/", rss),
            ("/feed/rss2/", rss),
            ("/feed/atom/", atom),
            ("/?feed=rss2", rss),
            ("/?feed=atom", atom),
            ("/comments/feed/", comments),
        ]:
            self.route_redirect(old, route)

    def category_path(self, term):
        """ "parent/child" for a category under another, as WordPress's address has it."""
        slugs, seen = [term.slug], {term.slug}
        while term.parent and term.parent not in seen:
            seen.add(term.parent)
            slugs.insert(0, term.parent)
            term = self.terms.get(("category", term.parent))
            if term is None:
                break
        return "/".join(slugs)


def valid_email(value):
    value = (value or "").strip()
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value[:254]


def valid_ip(value):
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None
