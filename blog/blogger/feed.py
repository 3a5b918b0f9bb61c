"""Read a Blogger export, either format, one entry at a time.

Blogger gives two kinds of backup:

* the classic Atom export ("Back up content"): entries typed by a category in the
  ``http://schemas.google.com/g/2005#kind`` scheme, labels as categories in the
  ``http://www.blogger.com/atom/ns#`` scheme, drafts marked by ``app:control/app:draft``,
  comments tied to their post by ``thr:in-reply-to`` and to the comment they answer by a
  ``rel="related"`` link;
* the Takeout export (``feed.atom``, alone or in a .zip with the blog's images), typed by
  ``blogger:type`` and ``blogger:status`` in the ``http://schemas.google.com/blogger/2018``
  namespace, with the old path in ``blogger:filename``, a comment's post in ``blogger:parent``
  and the comment it answers in ``blogger:inReplyTo``.

The file is parsed with defusedxml's ``iterparse``: entries are handed on as they end and then
dropped, so a large export is never held in memory whole, and a document type declaration (the
vehicle of entity-expansion bombs and external entities) is refused outright: Blogger never
writes one.

A zip is never extracted to disk: the feed is streamed out of it and images are read into memory,
each only up to a size cap checked before reading (the zip module stops at the size a member
declares), and a zip naming a file outside its own folders (an absolute path, `..`) is refused.
"""

import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.conf import settings

from blog.importing.base import MAX_IMAGE_BYTES, ExportError, UnusableImage, xml_refusal

ATOM = "http://www.w3.org/2005/Atom"
BLOGGER_2018 = "http://schemas.google.com/blogger/2018"
KIND_SCHEME = "http://schemas.google.com/g/2005#kind"
LABEL_SCHEME = "http://www.blogger.com/atom/ns#"
TAKEOUT_LABEL_SCHEME = re.compile(r"^tag:blogger\.com,1999:blog-\d+$")
THREADING = "http://purl.org/syndication/thread/1.0"
GDATA = "http://schemas.google.com/g/2005"
BLOG_ID = re.compile(r"^tag:blogger\.com,1999:blog-(\d+)")
ITEM_ID = re.compile(r"(?:post|page|comment)-(\d+)$")
OLD_PATH = re.compile(r"^/\d{4}/\d{2}/[^/]+\.html$")
PAGE_PATH = re.compile(r"^/p/[^/]+\.html$")
MAX_ZIP_MEMBERS = 200_000
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".avif"}

CLASSIC = "classic Atom export"
TAKEOUT = "Takeout feed.atom"


@dataclass
class Entry:
    """One post, page or comment of the export, in the same shape whichever format it came in."""

    kind: str  # "post", "page", "comment" or "other"
    blogger_id: str
    title: str = ""
    html: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    status: str = "live"  # "live", "draft" or "deleted"
    labels: list = field(default_factory=list)
    authors: list = field(default_factory=list)  # (name, uri) pairs
    url: str = ""  # the post's old address, when the export gives it
    old_path: str = ""  # e.g. /2015/11/slug.html, or /p/about.html for a page
    meta_description: str = ""  # the "search description" set in Blogger
    post_id: str = ""  # a comment's post
    parent_id: str = ""  # the comment a comment answers

    @property
    def label(self):
        return f"{self.kind} {self.blogger_id}" + (f" “{self.title[:60]}”" if self.title else "")


@dataclass
class FeedInfo:
    """What the export says about the blog itself."""

    format: str = ""
    blog_id: str = ""
    title: str = ""
    url: str = ""


def item_id(value):
    """The numeric id in `tag:blogger.com,1999:blog-1.post-2`, a feed URL or a bare id."""
    value = (value or "").strip()
    match = ITEM_ID.search(value)
    if match:
        return match.group(1)
    return value.rstrip("/").rsplit("/", 1)[-1]


def parse_time(value):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def path_of(url, pattern=OLD_PATH):
    """`https://x.blogspot.com/2015/11/slug.html?m=1` → `/2015/11/slug.html` (or "" if not a post);
    with `pattern=PAGE_PATH`, a page's `/p/slug.html`."""
    path = urlsplit(url or "").path
    return path if pattern.match(path) else ""


def unsafe_member_name(name):
    """True for a zip member named outside the zip's own folders (absolute, a drive, `..`)."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0])


class ExportSource:
    """An export on disk: a plain XML file or a Takeout .zip; also finds the images beside it."""

    def __init__(self, path):
        self.path = Path(path)
        self._zip = None
        self._files = None
        if not self.path.exists():
            raise ExportError(f"{self.path}: no such file")
        if self.path.is_dir():
            raise ExportError(f"{self.path} is a directory; give the export file (.xml, .atom or .zip)")
        with self.path.open("rb") as handle:
            self.is_zip = handle.read(4) == b"PK\x03\x04"
        if self.is_zip:
            try:
                self._zip = zipfile.ZipFile(self.path)
            except zipfile.BadZipFile as error:
                raise ExportError(f"{self.path}: damaged zip file ({error})") from error
            self.member = self._feed_member()

    def _feed_member(self):
        infos = self._zip.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise ExportError(f"{self.path}: the zip holds {len(infos):,} files, more than a Blogger backup")
        for info in infos:
            if unsafe_member_name(info.filename):
                name = info.filename[:80]
                raise ExportError(f"{self.path}: refused: the zip names a file outside its folders ({name})")
        names = [info for info in infos if not info.is_dir()]
        feeds = [info for info in names if info.filename.rsplit("/", 1)[-1] == "feed.atom"]
        feeds = feeds or [info for info in names if info.filename.lower().endswith((".atom", ".xml"))]
        if not feeds:
            raise ExportError(f"{self.path}: the zip holds no Blogger feed (feed.atom or an .xml export)")
        if len(feeds) > 1:
            listed = ", ".join(info.filename for info in feeds[:3])
            raise ExportError(
                f"{self.path}: the zip holds more than one blog ({listed}); unzip the one to import"
            )
        limit = settings.BLOGGER_IMPORT_MAX_FEED_MB * 2**20
        if feeds[0].file_size > limit:
            raise ExportError(
                f"{self.path}: refused: {feeds[0].filename} unpacks to {feeds[0].file_size / 2**20:,.0f} MB, "
                f"more than the {settings.BLOGGER_IMPORT_MAX_FEED_MB:,} MB allowed"
            )
        return feeds[0]

    @property
    def size(self):
        return self.member.file_size if self._zip else self.path.stat().st_size

    def open(self):
        return self._zip.open(self.member) if self._zip else self.path.open("rb")

    def close(self):
        if self._zip:
            self._zip.close()

    def _index(self):
        """File name → where it is, for every image beside the export (or anywhere in the zip)."""
        if self._files is None:
            self._files = {}
            if self._zip:
                for info in self._zip.infolist():
                    name = PurePosixPath(info.filename).name
                    if not info.is_dir() and PurePosixPath(name).suffix.lower() in IMAGE_SUFFIXES:
                        self._files.setdefault(name.lower(), []).append(info)
            else:
                base = self.path.parent
                for root, dirs, files in os.walk(base):
                    # Only the export's own folder and the folders under it, a few levels deep.
                    if len(Path(root).relative_to(base).parts) >= 3:
                        dirs[:] = []
                    for name in files:
                        if Path(name).suffix.lower() in IMAGE_SUFFIXES:
                            self._files.setdefault(name.lower(), []).append(Path(root) / name)
        return self._files

    def find_image(self, url):
        """The bytes and file name of the image `url` points to, if a copy is in the export; else None.

        Raises UnusableImage when several files beside the export share the name (better the
        original address than the wrong picture) or the file is too large."""
        name = unquote(PurePosixPath(urlsplit(url).path).name)
        if not name:
            return None
        found = self._index().get(name.lower())
        if not found:
            return None
        if len(found) > 1:
            raise UnusableImage(f"{len(found)} files beside the export are called {name}")
        found = found[0]
        size = found.file_size if self._zip else found.stat().st_size
        if size > MAX_IMAGE_BYTES:
            raise UnusableImage(f"{name} is larger than {MAX_IMAGE_BYTES // 2**20} MB")
        if self._zip:
            return self._zip.read(found), name
        return found.read_bytes(), name


def local(tag):
    return tag.rsplit("}", 1)[-1]


def children(element, namespace, name):
    return element.iterfind(f"{{{namespace}}}{name}")


def text_of(element, namespace, name):
    child = element.find(f"{{{namespace}}}{name}")
    return (child.text or "").strip() if child is not None else ""


def read_entries(stream, info):
    """Yield an Entry for each entry of the export in `stream` (binary), filling `info` on the way.

    Raises ExportError for anything that is not a well-formed, safe Blogger export.
    """
    depth = 0
    root = None
    try:
        for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                if depth == 1:
                    root = element
                    if element.tag != f"{{{ATOM}}}feed":
                        raise ExportError(
                            f"not a Blogger export: the document is <{local(element.tag)}>, "
                            "not an Atom <feed>"
                        )
                continue
            depth -= 1
            if depth == 1 and element.tag == f"{{{ATOM}}}entry":
                entry = read_entry(element, info)
                root.remove(element)  # entries are handled one at a time, then forgotten
                if entry is not None:
                    yield entry
            elif depth == 1:
                read_feed_field(element, info)
    except (DefusedXmlException, ParseError) as error:
        raise xml_refusal(error, "Blogger", root is not None) from error
    if root is None:
        raise ExportError("not a Blogger export: the file is empty")
    if not info.format:
        raise ExportError("not a Blogger export: the feed has no Blogger posts, comments or settings")


def read_info(source):
    """What the export says about the blog (its title, address, format), read from its start;
    raises ExportError for anything that is not a Blogger export."""
    info = FeedInfo()
    with source.open() as stream:
        for _entry in read_entries(stream, info):
            break
    if not info.format:
        raise ExportError("not a Blogger export: the feed has no Blogger posts, comments or settings")
    return info


def read_feed_field(element, info):
    name = local(element.tag)
    if element.tag == f"{{{ATOM}}}id":
        match = BLOG_ID.match((element.text or "").strip())
        if match:
            info.blog_id = match.group(1)
    elif element.tag == f"{{{ATOM}}}title":
        info.title = (element.text or "").strip()
    elif element.tag == f"{{{ATOM}}}link" and element.get("rel") == "alternate":
        info.url = element.get("href", "")
    elif name == "type" and element.tag.startswith(f"{{{BLOGGER_2018}}}"):
        info.format = TAKEOUT


def read_entry(element, info):
    if element.find(f"{{{BLOGGER_2018}}}type") is not None:
        info.format = info.format or TAKEOUT
        return read_takeout_entry(element)
    for category in children(element, ATOM, "category"):
        if category.get("scheme") == KIND_SCHEME:
            info.format = info.format or CLASSIC
            return read_classic_entry(element, category.get("term", "").rsplit("#", 1)[-1])
    return None


def common_fields(element, kind):
    entry = Entry(kind=kind, blogger_id=item_id(text_of(element, ATOM, "id")))
    entry.title = text_of(element, ATOM, "title")
    content = element.find(f"{{{ATOM}}}content")
    if content is not None:
        entry.html = content.text or ""
        if content.get("type", "html") == "text":
            entry.html = html_escape_text(entry.html)
    entry.published = parse_time(text_of(element, ATOM, "published"))
    entry.updated = parse_time(text_of(element, ATOM, "updated")) or entry.published
    for author in children(element, ATOM, "author"):
        entry.authors.append((text_of(author, ATOM, "name"), text_of(author, ATOM, "uri")))
    for link in children(element, ATOM, "link"):
        if link.get("rel") == "alternate" and link.get("type", "text/html") == "text/html":
            entry.url = link.get("href", "")
    for child in element:
        if local(child.tag) == "metaDescription":
            entry.meta_description = " ".join((child.text or "").split())
    return entry


def old_path_of(entry, filename=""):
    """The entry's address on Blogger: a post's /yyyy/mm/slug.html or a page's /p/slug.html."""
    pattern = PAGE_PATH if entry.kind == "page" else OLD_PATH
    return filename if pattern.match(filename) else path_of(entry.url, pattern)


def html_escape_text(value):
    from html import escape

    return escape(value).replace("\n", "<br>")


def read_classic_entry(element, kind):
    if kind not in {"post", "comment", "page"}:
        return Entry(kind="other", blogger_id="")
    entry = common_fields(element, kind)
    entry.labels = [
        category.get("term", "").strip()
        for category in children(element, ATOM, "category")
        if category.get("scheme") == LABEL_SCHEME and category.get("term", "").strip()
    ]
    for control in element.iter():
        if local(control.tag) == "draft" and (control.text or "").strip().lower() == "yes":
            entry.status = "draft"
    for prop in children(element, GDATA, "extendedProperty"):
        if prop.get("name") == "blogger.contentRemoved" and prop.get("value") == "true":
            entry.status = "deleted"
    if kind == "comment":
        reply_to = element.find(f"{{{THREADING}}}in-reply-to")
        if reply_to is not None:
            entry.post_id = item_id(reply_to.get("ref") or reply_to.get("source", ""))
            if not entry.url:
                entry.url = reply_to.get("href", "")
        for link in children(element, ATOM, "link"):
            # A classic export names a reply's parent only by the parent comment's feed URL;
            # its last path segment is the comment id.
            if link.get("rel") == "related":
                entry.parent_id = item_id(link.get("href", ""))
    else:
        entry.old_path = old_path_of(entry)
    return entry


TAKEOUT_KINDS = {"POST": "post", "PAGE": "page", "COMMENT": "comment"}
TAKEOUT_STATUS = {"LIVE": "live", "DRAFT": "draft", "SCHEDULED": "draft"}


def read_takeout_entry(element):
    kind = TAKEOUT_KINDS.get(text_of(element, BLOGGER_2018, "type").upper(), "other")
    if kind == "other":
        return Entry(kind="other", blogger_id="")
    entry = common_fields(element, kind)
    entry.status = TAKEOUT_STATUS.get(text_of(element, BLOGGER_2018, "status").upper(), "deleted")
    entry.labels = [
        category.get("term", "").strip()
        for category in children(element, ATOM, "category")
        if (TAKEOUT_LABEL_SCHEME.match(category.get("scheme", "")) or category.get("scheme") == LABEL_SCHEME)
        and category.get("term", "").strip()
    ]
    entry.old_path = old_path_of(entry, text_of(element, BLOGGER_2018, "filename"))
    if kind == "comment":
        entry.post_id = item_id(text_of(element, BLOGGER_2018, "parent"))
        entry.parent_id = item_id(text_of(element, BLOGGER_2018, "inReplyTo"))
    return entry
