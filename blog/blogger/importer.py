"""Bring a Blogger export into a blog: posts, static pages, labels, images, comments, links and
every old address."""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.text import Truncator, slugify
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page

from blog import bulk
from blog.importing.base import Importer, Report
from blog.importing.comments import CommentWriter, Reply, web_address
from blog.importing.html import BodyConverter, comment_text
from blog.models import BloggerComment, BlogPostPage, StaticPage
from broadsheet.mail import one_line

from .feed import ExportSource, read_entries, read_info

BLOGSPOT_HOST = re.compile(r"(^|\.)blogspot\.[a-z.]+$")
UNTITLED_STEM = re.compile(r"^blog-post(?:_\d+)?$")
OWN_PATH = re.compile(r"^/(?:\d{4}/\d{2}|p)/[^/]+\.html$")


@dataclass
class BloggerReport(Report):
    """What a Blogger import did."""

    comments_deleted: int = 0

    def lines(self):
        return [
            ("posts", self.counts("posts")),
            ("drafts", self.drafts),
            ("posts skipped", self.posts_skipped),
            ("static pages", self.counts("pages")),
            ("static pages skipped", self.pages_skipped),
            ("comments", self.counts("comments")),
            ("deleted comments skipped", self.comments_deleted),
            ("comments without a post", self.comments_orphaned),
            ("comments on static pages skipped", self.comments_on_pages),
            *self.shared_lines(),
        ]


def reply_of(entry):
    """A Blogger comment as the comment writer takes it."""
    name, uri = entry.authors[0] if entry.authors else ("", "")
    return Reply(
        source_id=entry.blogger_id,
        parent_id=entry.parent_id,
        published=entry.published,
        name=(name or "Anonymous")[:50],
        url=web_address(uri),
        text=comment_text(entry.html),
    )


class BloggerImporter(Importer):
    """Imports one Blogger export (either format) into `blog_index`; `old_hosts` are other
    addresses the blog was served at, for rewriting links between its posts."""

    report_class = BloggerReport

    def __init__(self, path, blog_index, *, old_hosts=(), **options):
        super().__init__(path, blog_index, **options)
        self.old_hosts = {host.lower() for host in old_hosts}

    def open(self):
        self.source = ExportSource(self.path)
        try:
            self.info = read_info(self.source)
        except BaseException:
            self.source.close()
            raise

    def entries(self, stream):
        return read_entries(stream, self.info)

    def prepare(self):
        super().prepare()
        self.pages_by_blogger_id = dict(
            BlogPostPage.objects.child_of(self.index).exclude(blogger_id="").values_list("blogger_id", "pk")
        )
        self.static_by_blogger_id = dict(
            StaticPage.objects.descendant_of(self.site_root, inclusive=True)
            .exclude(blogger_id="")
            .values_list("blogger_id", "pk")
        )
        self.reserved = {}  # (kind, Blogger id): the id a new post or page will have
        # A post's comments are kept until the last of them has been read (the first reading
        # counts them), then written: memory holds only the threads still being read.
        self.expected_comments = {}  # a post's Blogger id: how many comments the export gives it
        self.comments = {}  # a post's Blogger id: its comments read so far (Reply)
        self.deleted_comment_ids = set()
        self.writer = CommentWriter(BloggerComment, "blogger_id", self.report)

    def survey(self, entry):
        """The first reading: the blog's hosts, the posts and pages that will be written, and how
        many comments each post has."""
        for url in (self.info.url, entry.url if entry.kind == "post" else ""):
            host = urlsplit(url).netloc.lower().removeprefix("www.")
            if host and host not in self.old_hosts:
                self.old_hosts.add(host)
        if entry.kind == "comment" and entry.status != "deleted":
            self.expected_comments[entry.post_id] = self.expected_comments.get(entry.post_id, 0) + 1
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
                self.deleted_comment_ids.add(entry.blogger_id)
            else:
                replies = self.comments.setdefault(entry.post_id, [])
                replies.append(reply_of(entry))
                if len(replies) >= self.expected_comments.get(entry.post_id, 0):
                    self.write_thread(entry.post_id, self.comments.pop(entry.post_id))

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
        self.note_labels(entry.labels)
        if self.seen_before((entry.kind, entry.blogger_id), entry.label):
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
        authors = dict.fromkeys(self.author(name) for name, _uri in entry.authors[:5])
        page.set_authors(list(authors) or [self.author("")])
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
        self.count(entry.label, conversion)

    def save_changed(self, entry, page):
        """A new revision of a post or page imported before, published as Blogger has it."""
        self.publish_changed(page, entry.status == "live")
        self.remember_path(entry, page)

    def add_new(self, entry, page):
        self.remember_path(entry, page)
        super().add_new(page)

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
        if self.seen_before((entry.kind, entry.blogger_id), entry.label):
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
        self.count(entry.label, conversion)

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
        return self.unique_slug(slugify(stem) or title, f"post-{entry.blogger_id}")

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

    def find_image(self, url):
        return self.source.find_image(url)

    # -- old URLs ----------------------------------------------------------------------------------

    def write_redirects(self):
        self.label_redirects()
        self.archive_redirects()

    def label_redirects(self):
        """A label's page and its feeds, from every spelling (Blogger's label addresses are spelled
        as the label was)."""
        for key, tag in self.tags.items():
            page, atom, rss = (
                self.label_route(tag, name) for name in ("tag_view", "tag_atom_view", "tag_rss_view")
            )
            for spelling in sorted(self.label_spellings.get(key, {tag.name})):
                self.redirect(f"/search/label/{spelling}", self.index, route=page)
                for feed in ("default", "summary"):
                    self.redirect(f"/feeds/posts/{feed}/-/{spelling}", self.index, route=atom)
                    self.redirect(f"/feeds/posts/{feed}/-/{spelling}?alt=rss", self.index, route=rss)

    def archive_redirects(self):
        """Month and year archives, in the address forms Blogger has used, and the blog's feeds."""
        self.month_redirects(day_format="/{year}_{month}_01_archive.html")
        atom, rss, comments = self.feed_routes()
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

    def write_thread(self, post_id, replies):
        """The comments of one post, handed to the writer (which writes a batch of threads at a
        time); the post may come later in the export, its id is known (see reserve_ids)."""
        page_id = self.pages_by_blogger_id.get(post_id) or self.reserved.get(("post", post_id))
        if page_id is None and (post_id in self.static_by_blogger_id or ("page", post_id) in self.reserved):
            self.report.comments_on_pages += len(replies)  # only posts take comments here
            return
        if page_id is None:
            self.report.comments_orphaned += len(replies)
            for reply in replies:
                self.report.warn(
                    f"comment {reply.source_id}", f"its post {post_id} was not imported; skipped"
                )
            return
        self.writer.add(page_id, replies, self.deleted_comment_ids)

    def write_comments(self):
        """The threads not written yet, then the writer's last batch."""
        for post_id, replies in self.comments.items():
            self.write_thread(post_id, replies)
        self.comments = {}
        self.writer.close()
        self.commented_page_ids |= self.writer.commented_page_ids
