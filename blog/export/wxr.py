"""Writing WXR 1.2, the WordPress eXtended RSS that WordPress's exporter writes and its importer
(and others) read, as a stream of UTF-8 bytes: each element is made from escaped text and written
out at once, so a file of any size passes through a little memory.

Text goes into elements escaped (`text`); HTML and other long text in CDATA sections as WordPress
writes them (`cdata`), with any `]]>` in the text split across two sections. Characters XML
cannot hold at all (most control characters) are dropped from both.

What WXR has no element for is written in Broadsheet's own namespace (EXTENSION), which
WordPress's importer passes over and Broadsheet's importer reads back:

- `<broadsheet:redirect old_path="/old/" permanent="1" .../>` in the channel, one a redirect
  (Settings → Redirects), after the items. Where it leads is one of `post_id` (the `wp:post_id`
  of a post or page in the file), `blog="1"` (the blog the posts are in) or `url` (any other
  address), with `route` for a path inside that page (a label's page: "/tag/harbour/").
- `<broadsheet:author login="...">` in an item, one a post's author in byline order (WordPress
  has one author a post: `dc:creator` names the first).
- `<broadsheet:bio>` and `<broadsheet:photo>` (an attachment's `wp:post_id`) in `wp:author`.
"""

import re
from datetime import UTC
from email.utils import format_datetime
from xml.sax.saxutils import escape

from django.utils import timezone

WXR_VERSION = "1.2"
EXTENSION = "urn:broadsheet:wxr:1"
NAMESPACES = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": "http://wordpress.org/export/1.2/",
    "broadsheet": EXTENSION,
}
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
ATTRIBUTE_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
FLUSH_AT = 1 << 16  # characters kept before they are written out


def clean(value):
    return NOT_XML.sub("", "" if value is None else str(value))


def text(name, value, **values):
    """`<name>value</name>`, the value escaped; `values` are the element's attributes."""
    return f"<{name}{attributes(values)}>{escape(clean(value))}</{name}>"


def section(value):
    """`<![CDATA[value]]>`, as WordPress writes HTML and names."""
    value = clean(value).replace("]]>", "]]]]><![CDATA[>")
    return f"<![CDATA[{value}]]>"


def cdata(name, value, **values):
    return f"<{name}{attributes(values)}>{section(value)}</{name}>"


def attributes(values):
    """` name="value"` for each value that is not None, escaped for an attribute."""
    return "".join(
        f' {name}="{escape(clean(value), ATTRIBUTE_ENTITIES)}"'
        for name, value in values.items()
        if value is not None
    )


def empty(name, **values):
    return f"<{name}{attributes(values)}/>"


def wp_date(when, utc=False):
    """A time as WordPress writes it ("2024-05-01 09:00:00"), in the site's time zone or in UTC."""
    if when is None:
        return "0000-00-00 00:00:00"
    when = when.astimezone(UTC) if utc else timezone.localtime(when)
    return when.strftime("%Y-%m-%d %H:%M:%S")


def rss_date(when):
    return format_datetime(when.astimezone(UTC)) if when else ""


class Writer:
    """Writes the document to `out` (a binary file): `open(channel)` with the channel's opening
    elements, `write(markup)` for each part in turn, `close()` at the end."""

    def __init__(self, out):
        self.out = out
        self.pending = []
        self.size = 0

    def open(self, channel):
        namespaces = "".join(f' xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
        self.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.write(f'<rss version="2.0"{namespaces}>\n<channel>\n{channel}\n')

    def write(self, markup):
        self.pending.append(markup)
        self.size += len(markup)
        if self.size >= FLUSH_AT:
            self.flush()

    def flush(self):
        self.out.write("".join(self.pending).encode("utf-8"))
        self.pending, self.size = [], 0

    def close(self):
        self.write("</channel>\n</rss>\n")
        self.flush()
