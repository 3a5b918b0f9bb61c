"""Read a WordPress export (WXR: Tools → Export → All content) one item at a time.

WXR is RSS 2.0 with WordPress's own elements in the ``http://wordpress.org/export/1.x/`` namespace
(1.0, 1.1 and 1.2 are read alike): the channel names the site (``wp:base_site_url``,
``wp:base_blog_url``), its authors (``wp:author``) and terms (``wp:category``, ``wp:tag``); each
``item`` is a post, page or attachment with its ``wp:post_id``, ``wp:status``, ``wp:post_type``,
its categories and tags as ``category`` elements, its ``wp:postmeta`` and its ``wp:comment``s.

The file is parsed with defusedxml's ``iterparse``: each item is handed on when it ends and then
dropped, so a large export is never held in memory whole, and a document type declaration (the
vehicle of entity-expansion bombs and external entities) is refused outright: WordPress never
writes one.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.utils import timezone

from blog.export.wxr import EXTENSION
from blog.importing.base import ExportError, xml_refusal

WP_PREFIX = "http://wordpress.org/export/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
NO_DATE = "0000-00-00 00:00:00"


@dataclass
class SiteInfo:
    """What the export says about the site itself."""

    format: str = ""
    title: str = ""
    url: str = ""  # the site's address (wp:base_blog_url, else the channel's link)
    hosts: set = field(default_factory=set)


@dataclass
class Author:
    """A ``wp:author`` of the channel."""

    login: str
    name: str
    email: str = ""
    bio: str = ""  # a Broadsheet export's `broadsheet:bio`
    photo: str = ""  # a Broadsheet export's `broadsheet:photo`: an attachment's wp:post_id


@dataclass
class Term:
    """A category or tag the channel lists, with the path WordPress gave its archive."""

    taxonomy: str  # "category" or "post_tag"
    term_id: str
    slug: str
    name: str
    parent: str = ""  # a category's parent's slug


@dataclass
class Comment:
    """A ``wp:comment`` of an item."""

    comment_id: str
    parent_id: str
    author: str
    email: str
    url: str
    ip: str
    date: datetime | None
    content: str
    approved: str  # "1", "0", "spam", "trash", "post-trashed"
    type: str  # "comment" (or ""), "pingback", "trackback"


@dataclass
class KeptRedirect:
    """A redirect a Broadsheet export carries (`broadsheet:redirect`, see blog/export/wxr.py): to
    the item `post_id`, to the blog (`blog`), or to `url`, at `route` inside the page."""

    old_path: str
    permanent: bool = True
    post_id: int = 0
    blog: bool = False
    url: str = ""
    route: str = ""


@dataclass
class Item:
    """One ``item``: a post, page, attachment or anything else WordPress keeps as a post."""

    post_id: int
    post_type: str
    status: str
    title: str = ""
    link: str = ""
    creator: str = ""
    content: str = ""
    excerpt: str = ""
    slug: str = ""
    date: datetime | None = None
    password: str = ""
    parent: int = 0
    menu_order: int = 0
    comment_status: str = "open"
    attachment_url: str = ""
    categories: list = field(default_factory=list)  # (nicename, name)
    tags: list = field(default_factory=list)  # (nicename, name)
    meta: dict = field(default_factory=dict)
    comments: list = field(default_factory=list)
    coauthors: list = field(default_factory=list)  # logins, in byline order (a Broadsheet export's)

    @property
    def label(self):
        kind = "page" if self.post_type == "page" else "post"
        return f"{kind} {self.post_id}" + (f" “{self.title[:60]}”" if self.title else "")

    @property
    def path(self):
        """The item's address on the old site, without the host: "/2019/03/slug/"."""
        parts = urlsplit(self.link)
        path = parts.path or "/"
        return f"{path}?{parts.query}" if parts.query else path


class WxrSource:
    """A WXR file on disk."""

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.exists():
            raise ExportError(f"{self.path}: no such file")
        if self.path.is_dir():
            raise ExportError(f"{self.path} is a directory; give the export file (.xml)")

    @property
    def size(self):
        return self.path.stat().st_size

    def open(self):
        return self.path.open("rb")

    def close(self):
        pass


def local(tag):
    return tag.rsplit("}", 1)[-1]


def namespace(tag):
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def is_wp(tag):
    ns = namespace(tag)
    return ns.startswith(WP_PREFIX) and "/excerpt/" not in ns


def text(element):
    return (element.text or "").strip() if element is not None else ""


def wp_fields(element):
    """The WordPress-namespace children of `element` by local name, as their text (the first of each)."""
    found = {}
    for child in element:
        if is_wp(child.tag):
            found.setdefault(local(child.tag), (child.text or "").strip())
    return found


def number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def parse_date(gmt, local_time=""):
    """WordPress's "2019-03-04 10:00:00", in UTC when given as such; else the local time, read in
    the site's time zone; None for none ("0000-00-00 00:00:00", WordPress's draft date)."""
    for value, zone in ((gmt, UTC), (local_time, None)):
        value = (value or "").strip()
        if not value or value.startswith("0000"):
            continue
        try:
            when = datetime.strptime(value[:19], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            continue
        return when.replace(tzinfo=zone) if zone else timezone.make_aware(when)
    return None


def read_items(stream, info):
    """Yield an Author, Term or Item for each of the export's authors, terms and items in `stream`
    (binary), filling `info` on the way. Raises ExportError for anything that is not a
    well-formed, safe WordPress export."""
    depth = 0
    root = channel = None
    try:
        for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                if depth == 1:
                    root = element
                    if local(element.tag) != "rss":
                        raise ExportError(
                            f"not a WordPress export: the document is <{local(element.tag)}>, "
                            "not WordPress's <rss>"
                        )
                elif depth == 2 and local(element.tag) == "channel":
                    channel = element
                continue
            depth -= 1
            if depth == 2 and channel is not None:
                found = read_channel_child(element, info)
                channel.remove(element)  # handled one at a time, then forgotten
                if found is not None:
                    yield found
    except (DefusedXmlException, ParseError) as error:
        raise xml_refusal(error, "WordPress", root is not None) from error
    if root is None:
        raise ExportError("not a WordPress export: the file is empty")
    if not info.format:
        raise ExportError("not a WordPress export: the file has no WordPress (WXR) elements")


def read_info(source):
    """What the export says about the site (its title, address, WXR version), read from its start
    up to the first item; raises ExportError for anything that is not a WordPress export."""
    info = SiteInfo()
    with source.open() as stream:
        for found in read_items(stream, info):
            if isinstance(found, Item):
                break
    if not info.format:
        raise ExportError("not a WordPress export: the file has no WordPress (WXR) elements")
    return info


def add_host(info, url):
    host = urlsplit(url or "").netloc.lower().removeprefix("www.")
    if host:
        info.hosts.add(host)


def read_channel_child(element, info):
    name = local(element.tag)
    if is_wp(element.tag):
        info.format = (
            info.format or f"WordPress WXR {namespace(element.tag).rstrip('/').rsplit('/', 1)[-1]} export"
        )
        if name == "wxr_version":
            info.format = f"WordPress WXR {text(element)} export"
        elif name in {"base_site_url", "base_blog_url"}:
            add_host(info, text(element))
            if name == "base_blog_url" and text(element):
                info.url = text(element)
        elif name == "author":
            fields = wp_fields(element)
            login = fields.get("author_login", "")
            full_name = " ".join(
                part for part in (fields.get("author_first_name"), fields.get("author_last_name")) if part
            )
            display = fields.get("author_display_name") or full_name or login
            bio = element.find(f"{{{EXTENSION}}}bio")
            photo = element.find(f"{{{EXTENSION}}}photo")
            return Author(
                login=login,
                name=display,
                email=fields.get("author_email", ""),
                bio=(bio.text or "").strip() if bio is not None else "",
                photo=(photo.text or "").strip() if photo is not None else "",
            )
        elif name == "category":
            fields = wp_fields(element)
            return Term(
                "category",
                fields.get("term_id", ""),
                fields.get("category_nicename", ""),
                fields.get("cat_name", "") or fields.get("category_nicename", ""),
                fields.get("category_parent", ""),
            )
        elif name == "tag":
            fields = wp_fields(element)
            return Term(
                "post_tag",
                fields.get("term_id", ""),
                fields.get("tag_slug", ""),
                fields.get("tag_name", "") or fields.get("tag_slug", ""),
            )
        return None
    if name == "title" and not namespace(element.tag):
        info.title = text(element)
    elif name == "link" and not namespace(element.tag):
        add_host(info, text(element))
        info.url = info.url or text(element)
    elif name == "item":
        return read_item(element)
    elif name == "redirect" and namespace(element.tag) == EXTENSION and element.get("old_path"):
        return KeptRedirect(
            old_path=element.get("old_path"),
            permanent=element.get("permanent") != "0",
            post_id=number(element.get("post_id")),
            blog=element.get("blog") == "1",
            url=element.get("url", ""),
            route=element.get("route", ""),
        )
    return None


def read_item(element):
    fields = wp_fields(element)
    item = Item(
        post_id=number(fields.get("post_id")),
        post_type=fields.get("post_type", "post") or "post",
        status=fields.get("status", "publish") or "publish",
        slug=fields.get("post_name", ""),
        date=parse_date(fields.get("post_date_gmt"), fields.get("post_date")),
        password=fields.get("post_password", ""),
        parent=number(fields.get("post_parent")),
        menu_order=number(fields.get("menu_order")),
        comment_status=fields.get("comment_status", "open"),
        attachment_url=fields.get("attachment_url", ""),
    )
    for child in element:
        name, ns = local(child.tag), namespace(child.tag)
        if not ns and name == "title":
            item.title = unescape(text(child))  # WordPress shows a title as HTML: "Q&amp;A" is "Q&A"
        elif not ns and name == "link":
            item.link = text(child)
        elif not ns and name == "category":
            pair = (child.get("nicename", ""), text(child))
            if child.get("domain") == "category":
                item.categories.append(pair)
            elif child.get("domain") == "post_tag":
                item.tags.append(pair)
        elif ns == DC and name == "creator":
            item.creator = text(child)
        elif ns == CONTENT and name == "encoded":
            item.content = child.text or ""
        elif "/excerpt/" in ns and name == "encoded":
            item.excerpt = (child.text or "").strip()
        elif is_wp(child.tag) and name == "postmeta":
            meta = wp_fields(child)
            item.meta.setdefault(meta.get("meta_key", ""), meta.get("meta_value", ""))
        elif is_wp(child.tag) and name == "comment":
            item.comments.append(read_comment(child))
        elif ns == EXTENSION and name == "author" and child.get("login"):
            item.coauthors.append(child.get("login"))
    return item


def read_comment(element):
    fields = wp_fields(element)
    content = element.find(f"{{{namespace(element.tag)}}}comment_content")
    return Comment(
        comment_id=fields.get("comment_id", ""),
        parent_id="" if fields.get("comment_parent", "0") in {"", "0"} else fields["comment_parent"],
        author=fields.get("comment_author", ""),
        email=fields.get("comment_author_email", ""),
        url=fields.get("comment_author_url", ""),
        ip=fields.get("comment_author_IP", ""),
        date=parse_date(fields.get("comment_date_gmt"), fields.get("comment_date")),
        content=(content.text or "") if content is not None else "",
        approved=fields.get("comment_approved", "1"),
        type=fields.get("comment_type", "") or "comment",
    )
