"""The whole site as one WXR file: its authors and labels, every image as an attachment, its
static pages and posts (published, drafts, scheduled, private) with their comment threads, and
its redirects, read in one consistent snapshot of the database.

Posts are read a batch at a time, each batch in a handful of queries whatever its size: the
posts with their labels and authors (arrays from correlated subqueries), the latest revisions
of the drafts among them, their comments, and the pages, documents and images their bodies link
to. Each post is written out as soon as it is made, so memory holds one batch.

What each Broadsheet status becomes in WordPress's terms:

- a live post anyone may read is `publish`; one behind a password is `publish` with its
  `wp:post_password`; one for logged-in readers or some groups only is `private`;
- a post waiting for its scheduled time is `future`, dated when it goes out (WordPress publishes
  a future post at its date);
- any other post that is not live is a `draft`, with the content of its latest revision;
- a live post's content is what readers see (a newer draft of it is not exported).

Comments keep their ids, threads and dates; public ones are approved (1), held ones are waiting
(0), removed ones are in the trash (`trash`, so a thread keeps its shape and a moderator can
bring one back), and spam is left out, as WordPress's own export leaves it out (a reply to a
spam comment answers the comment the spam answered). A commenter's IP address is written only
while Broadsheet still keeps it (it forgets it after COMMENT_IP_RETENTION_DAYS).
"""

import json
from collections import Counter
from html import escape
from itertools import islice

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, transaction
from django.db.models import CharField, Exists, F, Max, OuterRef, Q, Value
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify
from django_comments_xtd.models import XtdComment
from taggit.models import Tag
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, Revision, Site

from blog.models import (
    Author,
    BlogIndexPage,
    BlogPostAuthor,
    BlogPostPage,
    BlogPostTag,
    StaticPage,
    plain_text,
)

from . import gutenberg, wxr
from .wxr import cdata, empty, text

BATCH = 500
RESTRICTED = {PageViewRestriction.LOGIN, PageViewRestriction.GROUPS}
COUNTED = {"attachment": "images", "page": "static pages", "post": "posts"}


def chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def export_site(out, site, progress=None):
    """Write `site` to `out` (a binary file) as WXR; returns what was written, counted."""
    return SiteExporter(site, progress).write(out)


class SiteExporter:
    """Writes one site as WXR; `progress(fraction, stage)` is told how far it has come."""

    def __init__(self, site, progress=None):
        self.site = site
        self.progress = progress or (lambda fraction, stage: None)
        self.counts = Counter(dict.fromkeys(["images", "static pages", "posts", "comments", "redirects"], 0))

    def write(self, out):
        outer = not connection.in_atomic_block
        with transaction.atomic():
            if outer:
                # One snapshot: a post published meanwhile is in the file whole, or not at all.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            self.prepare()
            writer = wxr.Writer(out)
            writer.open(self.channel())
            self.write_attachments(writer)
            self.write_pages(writer, StaticPage, "page")
            self.write_pages(writer, BlogPostPage, "post")
            self.progress(1, "Writing the redirects")
            self.write_redirects(writer)
            writer.close()
        return dict(self.counts)

    # -- what the whole file needs -----------------------------------------------------------------

    def prepare(self):
        self.now = timezone.now()
        self.root = self.site.root_page
        self.root_url = self.site.root_url
        site_roots = Site.get_site_root_paths()
        own = [path for path in site_roots if path.site_id == self.site.pk]
        others = [path for path in site_roots if path.site_id != self.site.pk]
        self.root_paths = own + others  # most specific first within each, as Wagtail lists them
        # Images and pages share WordPress's one sequence of post ids: images come after every page.
        self.attachment_offset = Page.objects.aggregate(top=Max("pk"))["top"] or 0
        in_site = Q(path__startswith=self.root.path)
        self.restrictions = list(
            PageViewRestriction.objects.filter(page__path__startswith=self.root.path).values_list(
                "page__path", "restriction_type", "password"
            )
        )
        self.static_paths = dict(StaticPage.objects.filter(in_site).values_list("path", "pk"))
        blogs = BlogIndexPage.objects.filter(in_site).order_by("path")
        self.blog = blogs.first()
        self.blog_ids = set(blogs.values_list("pk", flat=True))
        self.exported_types = {
            ContentType.objects.get_for_model(model).pk: model for model in (BlogPostPage, StaticPage)
        }
        self.page_type = ContentType.objects.get_for_model(Page)
        self.authors = list(Author.objects.order_by("pk").values("pk", "name", "slug", "bio", "photo_id"))
        self.author_logins = {author["pk"]: author["slug"] for author in self.authors}
        used = BlogPostTag.objects.filter(tag=OuterRef("pk"), content_object__path__startswith=self.root.path)
        self.tags = {tag.pk: tag for tag in Tag.objects.filter(Exists(used)).order_by("name")}
        Image = get_image_model()
        self.image_storage = Image._meta.get_field("file").storage
        self.totals = {
            "attachment": Image.objects.count(),
            "page": StaticPage.objects.filter(in_site).count(),
            "post": BlogPostPage.objects.filter(in_site).count(),
        }
        self.done = 0

    def step(self, kind, count):
        self.done += count
        self.counts[COUNTED[kind]] += count
        self.progress(self.done / (sum(self.totals.values()) or 1), f"Writing the {COUNTED[kind]}")

    def channel(self):
        blog = self.blog
        title = blog.title if blog else self.site.site_name or settings.WAGTAIL_SITE_NAME
        description = (blog.search_description or plain_text(blog.intro)) if blog else ""
        parts = [
            text("title", title),
            text("link", self.root_url),
            text("description", description),
            text("pubDate", wxr.rss_date(self.now)),
            text("language", settings.LANGUAGE_CODE),
            text("wp:wxr_version", wxr.WXR_VERSION),
            text("wp:base_site_url", self.root_url),
            text("wp:base_blog_url", self.root_url),
        ]
        for author in self.authors:
            extra = cdata("broadsheet:bio", author["bio"]) if author["bio"] else ""
            if author["photo_id"]:
                extra += text("broadsheet:photo", self.attachment_id(author["photo_id"]))
            parts.append(
                "<wp:author>"
                + text("wp:author_id", author["pk"])
                + cdata("wp:author_login", author["slug"])
                + cdata("wp:author_email", "")
                + cdata("wp:author_display_name", author["name"])
                + cdata("wp:author_first_name", "")
                + cdata("wp:author_last_name", "")
                + extra
                + "</wp:author>"
            )
        for tag in self.tags.values():
            parts.append(
                "<wp:tag>"
                + text("wp:term_id", tag.pk)
                + cdata("wp:tag_slug", tag.slug)
                + cdata("wp:tag_name", tag.name)
                + "</wp:tag>"
            )
        self.counts["authors"], self.counts["labels"] = len(self.authors), len(self.tags)
        parts.append(text("generator", "Broadsheet"))
        return "\n".join(parts)

    # -- addresses ---------------------------------------------------------------------------------

    def attachment_id(self, image_id):
        return self.attachment_offset + int(image_id)

    def page_url(self, url_path):
        """The full address of the page at `url_path`, on this site if it is in it; None when no
        site holds it."""
        for site_root in self.root_paths:
            if url_path.startswith(site_root.root_path):
                return site_root.root_url + url_path[len(site_root.root_path) - 1 :]
        return None

    def absolute(self, url):
        return url if "://" in url else f"{self.root_url}{url}"

    def image_url(self, name):
        return self.absolute(self.image_storage.url(name))

    def post_guid(self, pk):
        return f"{self.root_url}/?p={pk}"

    # -- images --------------------------------------------------------------------------------------

    def write_attachments(self, writer):
        rows = (
            get_image_model()
            .objects.order_by("pk")
            .values("pk", "title", "file", "description", "created_at")
            .iterator(chunk_size=BATCH)
        )
        for batch in chunks(rows, BATCH):
            for image in batch:
                url = self.image_url(image["file"])
                meta = [("_wp_attached_file", image["file"])]
                if image["description"]:
                    meta.append(("_wp_attachment_image_alt", image["description"]))
                writer.write(
                    self.item(
                        pk=self.attachment_id(image["pk"]),
                        title=image["title"],
                        link=url,
                        guid=url,
                        date=image["created_at"],
                        modified=image["created_at"],
                        slug=slugify(image["title"])[:200] or f"image-{image['pk']}",
                        status="inherit",
                        post_type="attachment",
                        extra=text("wp:attachment_url", url) + postmeta(meta),
                    )
                )
            self.step("attachment", len(batch))

    # -- pages and posts -----------------------------------------------------------------------------

    def write_pages(self, writer, model, kind):
        pages = model.objects.filter(path__startswith=self.root.path).order_by("pk")
        scheduled = Revision.objects.filter(
            base_content_type=self.page_type,
            object_id=Cast(OuterRef("pk"), output_field=CharField()),
            approved_go_live_at__isnull=False,
        )
        pages = pages.annotate(scheduled=Exists(scheduled))
        if model is BlogPostPage:
            pages = pages.annotate(
                label_ids=ArraySubquery(
                    BlogPostTag.objects.filter(content_object_id=OuterRef("pk"))
                    .order_by("tag__name")
                    .values("tag_id")
                ),
                author_ids=ArraySubquery(
                    BlogPostAuthor.objects.filter(post_id=OuterRef("pk"))
                    .order_by("sort_order", "pk")
                    .values("author_id")
                ),
            )
        for batch in chunks(pages.iterator(chunk_size=BATCH), BATCH):
            entries = self.entries(batch, kind)
            comments = self.comments_of(model, entries)
            bodies = self.body_writer(entries)
            for entry in entries:
                writer.write(self.page_item(entry, bodies, comments.get(str(entry["pk"]), [])))
            self.step(kind, len(batch))

    def entries(self, pages, kind):
        """What the file says of each page, as dicts; a page that is not live from its latest revision."""
        drafts = [page.latest_revision_id for page in pages if not page.live and page.latest_revision_id]
        revisions = (
            dict(Revision.objects.filter(pk__in=drafts).values_list("pk", "content")) if drafts else {}
        )
        entries = []
        for page in pages:
            entry = {
                "pk": page.pk,
                "kind": kind,
                "title": page.title,
                "slug": page.slug,
                "body": page.body.raw_data,
                "intro": getattr(page, "intro", ""),
                "date": getattr(page, "date", None)
                or page.first_published_at
                or page.latest_revision_created_at,
                "modified": page.last_published_at or page.latest_revision_created_at,
                "label_ids": list(getattr(page, "label_ids", None) or []),
                "author_ids": list(getattr(page, "author_ids", None) or []),
                "feed_image_id": getattr(page, "feed_image_id", None),
                "comments_open": getattr(page, "comments_open", False),
                "search_description": page.search_description,
                "go_live_at": page.go_live_at,
                "url_path": page.url_path,
                "path": page.path,
                "parent_id": self.static_paths.get(page.path[: -Page.steplen], 0) if kind == "page" else 0,
            }
            content = revisions.get(page.latest_revision_id) if not page.live else None
            if content:
                entry.update(self.from_revision(content, entry))
            entry["status"], entry["password"] = self.status_of(page, entry)
            if entry["status"] == "future":
                entry["date"] = entry["go_live_at"]
            entries.append(entry)
        self.add_missing_tags(entries)
        return entries

    @staticmethod
    def from_revision(content, entry):
        """The fields of a page's revision (as Wagtail stores it) that the file shows."""
        found = {}
        for name in ("title", "slug", "intro", "search_description", "comments_open"):
            if name in content:
                found[name] = content[name] if content[name] is not None else entry[name]
        if "body" in content:
            body = content["body"]
            found["body"] = json.loads(body) if isinstance(body, str) else body or []
        for name in ("date", "go_live_at"):
            if content.get(name):
                found[name] = parse_datetime(content[name])
        if "feed_image" in content:
            found["feed_image_id"] = content["feed_image"]
        if "tagged_items" in content:
            found["label_ids"] = [item["tag"] for item in content["tagged_items"]]
        if "post_authors" in content:
            links = sorted(content["post_authors"], key=lambda link: link.get("sort_order") or 0)
            found["author_ids"] = [link["author"] for link in links]
        return found

    def add_missing_tags(self, entries):
        """Labels only a draft's revision names are not among the channel's; look them up."""
        missing = {pk for entry in entries for pk in entry["label_ids"] if pk not in self.tags}
        if missing:
            self.tags.update(Tag.objects.in_bulk(missing))
        for entry in entries:
            labels = [self.tags[pk] for pk in entry["label_ids"] if pk in self.tags]
            entry["labels"] = sorted(labels, key=lambda tag: tag.name)

    def status_of(self, page, entry):
        """(WordPress status, post password) of a page."""
        if page.live:
            found = [
                (kind, password) for path, kind, password in self.restrictions if page.path.startswith(path)
            ]
            if any(kind in RESTRICTED for kind, _password in found):
                return "private", ""
            passwords = [password for kind, password in found if kind == PageViewRestriction.PASSWORD]
            return "publish", passwords[0] if passwords else ""
        if page.scheduled and entry["go_live_at"] and entry["go_live_at"] > self.now:
            return "future", ""
        return "draft", ""

    def comments_of(self, model, entries):
        """The comments on `entries`, by the page's id as text, each thread in its order."""
        content_type = ContentType.objects.get_for_model(model)
        rows = (
            XtdComment.norel_objects.filter(
                content_type=content_type, object_pk__in=[str(entry["pk"]) for entry in entries]
            )
            .annotate(spam=Coalesce(F("review__spam"), Value(False)))
            .order_by("object_pk", "thread_id", "order")
            .values(
                "pk",
                "object_pk",
                "parent_id",
                "user_name",
                "user_email",
                "user_url",
                "ip_address",
                "submit_date",
                "comment",
                "is_public",
                "is_removed",
                "spam",
            )
        )
        by_page, answers = {}, {}
        for row in rows:
            parent = 0 if row["parent_id"] == row["pk"] else row["parent_id"]
            # A parent left out (spam) passes its own parent on to its replies.
            parent = answers.get(parent, parent)
            if row["is_removed"] and row["spam"]:
                answers[row["pk"]] = parent
                self.counts["spam comments left out"] += 1
                continue
            row["wp_parent"] = parent
            by_page.setdefault(row["object_pk"], []).append(row)
        return by_page

    def body_writer(self, entries):
        """A BodyWriter with everything the batch's bodies point to, looked up in three queries at most."""
        pages, documents, images = set(), set(), set()
        for entry in entries:
            found = gutenberg.references(entry["body"])
            pages |= found[0]
            documents |= found[1]
            images |= found[2]
        page_urls = {}
        if pages:
            for pk, url_path in Page.objects.filter(pk__in=pages).values_list("pk", "url_path"):
                url = self.page_url(url_path)
                if url:
                    page_urls[pk] = url
        document_urls = {}
        if documents:
            for pk, name in get_document_model().objects.filter(pk__in=documents).values_list("pk", "file"):
                document_urls[pk] = self.absolute(
                    reverse("wagtaildocs_serve", args=[pk, name.rsplit("/", 1)[-1]])
                )
        found_images = {}
        if images:
            for image in (
                get_image_model().objects.filter(pk__in=images).values("pk", "file", "title", "description")
            ):
                found_images[image["pk"]] = {
                    "url": self.image_url(image["file"]),
                    "alt": image["description"] or image["title"],
                }
        return gutenberg.BodyWriter(page_urls, document_urls, found_images, self.attachment_id)

    def page_item(self, entry, bodies, comments):
        logins = [self.author_logins[pk] for pk in entry["author_ids"] if pk in self.author_logins]
        extra = [cdata("category", tag.name, domain="post_tag", nicename=tag.slug) for tag in entry["labels"]]
        extra += [empty("broadsheet:author", login=login) for login in logins]
        meta = []
        if entry["feed_image_id"]:
            meta.append(("_thumbnail_id", str(self.attachment_id(entry["feed_image_id"]))))
        if entry["search_description"]:
            meta.append(("_yoast_wpseo_metadesc", entry["search_description"]))
        extra.append(postmeta(meta))
        extra += [comment_element(row) for row in comments]
        self.counts["comments"] += len(comments)
        self.counts[f"{COUNTED[entry['kind']]} ({entry['status']})"] += 1
        return self.item(
            pk=entry["pk"],
            title=escape(entry["title"], quote=False),  # WordPress shows a title as HTML
            link=self.page_url(entry["url_path"]) or self.post_guid(entry["pk"]),
            guid=self.post_guid(entry["pk"]),
            date=entry["date"],
            modified=entry["modified"],
            creator=logins[0] if logins else "",
            content=bodies.body(entry["body"]),
            excerpt=escape(entry["intro"] or "", quote=False),
            slug=entry["slug"],
            status=entry["status"],
            password=entry["password"],
            post_type=entry["kind"],
            parent=entry["parent_id"],
            comment_status="open" if entry["comments_open"] else "closed",
            extra="".join(extra),
        )

    def item(
        self,
        *,
        pk,
        title,
        link,
        guid,
        date,
        modified,
        slug,
        status,
        post_type,
        creator="",
        content="",
        excerpt="",
        password="",
        parent=0,
        comment_status="closed",
        extra="",
    ):
        return (
            "<item>"
            + text("title", title)
            + text("link", link)
            + text("pubDate", wxr.rss_date(date))
            + cdata("dc:creator", creator)
            + text("guid", guid, isPermaLink="false")
            + "<description></description>"
            + cdata("content:encoded", content)
            + cdata("excerpt:encoded", excerpt)
            + text("wp:post_id", pk)
            + cdata("wp:post_date", wxr.wp_date(date))
            + cdata("wp:post_date_gmt", wxr.wp_date(date, utc=True))
            + cdata("wp:post_modified", wxr.wp_date(modified or date))
            + cdata("wp:post_modified_gmt", wxr.wp_date(modified or date, utc=True))
            + cdata("wp:comment_status", comment_status)
            + cdata("wp:ping_status", "closed")
            + cdata("wp:post_name", slug)
            + cdata("wp:status", status)
            + text("wp:post_parent", parent)
            + text("wp:menu_order", 0)
            + cdata("wp:post_type", post_type)
            + cdata("wp:post_password", password)
            + text("wp:is_sticky", 0)
            + extra
            + "</item>\n"
        )

    # -- redirects -----------------------------------------------------------------------------------

    def write_redirects(self, writer):
        rows = (
            Redirect.objects.filter(Q(site=self.site) | Q(site__isnull=True))
            .order_by("pk")
            .values_list(
                "old_path",
                "is_permanent",
                "redirect_page_id",
                "redirect_page__content_type_id",
                "redirect_page__path",
                "redirect_page__url_path",
                "redirect_page_route_path",
                "redirect_link",
            )
        )
        for old_path, permanent, page_id, type_id, path, url_path, route, link in rows.iterator(BATCH):
            target = {}
            if page_id and type_id in self.exported_types and path.startswith(self.root.path):
                target["post_id"] = page_id
            elif page_id in self.blog_ids:
                target["blog"] = "1"
            elif page_id:
                target["url"] = self.page_url(url_path)
            elif link:
                target["url"] = link
            if not any(target.values()):
                continue  # leads nowhere that still exists
            writer.write(
                empty(
                    "broadsheet:redirect",
                    old_path=old_path,
                    permanent="1" if permanent else "0",
                    **target,
                    route=route or None,
                )
                + "\n"
            )
            self.counts["redirects"] += 1


def postmeta(pairs):
    return "".join(
        "<wp:postmeta>" + cdata("wp:meta_key", key) + cdata("wp:meta_value", value) + "</wp:postmeta>"
        for key, value in pairs
    )


def comment_element(row):
    if row["is_removed"]:
        approved = "trash"
    else:
        approved = "1" if row["is_public"] else "0"
    return (
        "<wp:comment>"
        + text("wp:comment_id", row["pk"])
        + cdata("wp:comment_author", row["user_name"])
        + cdata("wp:comment_author_email", row["user_email"])
        + text("wp:comment_author_url", row["user_url"])
        + cdata("wp:comment_author_IP", row["ip_address"] or "")
        + cdata("wp:comment_date", wxr.wp_date(row["submit_date"]))
        + cdata("wp:comment_date_gmt", wxr.wp_date(row["submit_date"], utc=True))
        # A comment is plain text here; WordPress reads its content as HTML.
        + cdata("wp:comment_content", escape(row["comment"], quote=False))
        + cdata("wp:comment_approved", approved)
        + cdata("wp:comment_type", "comment")
        + text("wp:comment_parent", row["wp_parent"])
        + text("wp:comment_user_id", 0)
        + "</wp:comment>"
    )


class NoSite(Exception):
    """There is no site to export (or none with the host asked for)."""


def site_to_export(hostname=None):
    """The site with `hostname`, or the default site."""
    sites = Site.objects.select_related("root_page")
    if hostname:
        site = sites.filter(hostname__iexact=hostname).order_by("port").first()
        if site is None:
            known = ", ".join(sites.order_by("hostname").values_list("hostname", flat=True)) or "none"
            raise NoSite(f"no site has the host “{hostname}” (sites: {known})")
        return site
    site = sites.filter(is_default_site=True).first() or sites.order_by("pk").first()
    if site is None:
        raise NoSite("there is no site to export yet")
    return site
