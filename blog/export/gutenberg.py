"""A post body's blocks as WordPress block markup (Gutenberg), which WordPress shows and edits as
its own blocks and any other reader of the export sees as plain HTML.

Every block is written as the block editor itself saves it (`<!-- wp:name {attributes} -->`,
then the HTML its save function gives), so WordPress opens it without "unexpected content":
headings, paragraphs and lists (from rich text), quotations with their source in `<cite>`,
images as `wp:image` figures with their caption (the credit in `<span class="figure__credit">`,
as Broadsheet's own template shows it), embeds by URL, code in `<pre class="wp-block-code">`
with its language as a `language-…` class. Text and attributes are escaped, and square brackets
are written as character references, so no text of a post is run by WordPress as a shortcode.
"""

import html
import json
import re
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from wagtail.rich_text.rewriters import FIND_A_TAG, extract_attrs

# A paragraph block as the editor stores it most of the time: one <p> and nothing around it.
SINGLE_PARAGRAPH = re.compile(r"<p>((?:(?!</?p[\s>/]).)*)</p>", re.DOTALL)
FIND_EMBED_TAG = re.compile(r"<embed\b[^>]*/?>")
FIND_LINKTYPE = re.compile(
    r'\blinktype="(page|document)"[^>]*\bid="(\d+)"|\bid="(\d+)"[^>]*\blinktype="(page|document)"'
)
VIDEO_PROVIDERS = {"youtube.com": "youtube", "youtu.be": "youtube", "vimeo.com": "vimeo"}
LIST_TAGS = {"ul", "ol"}


def escape_text(text):
    """Plain text as HTML text, square brackets included (see the module's docstring)."""
    return neutral_brackets(html.escape(text or "", quote=False))


def escape_attribute(value):
    return neutral_brackets(html.escape(value or "", quote=True))


def neutral_brackets(markup):
    # A character reference reads the same in HTML, and WordPress's shortcode parser skips it.
    return markup.replace("[", "&#91;").replace("]", "&#93;")


def block_attributes(attributes):
    """A block's attributes as the block editor writes them into its comment (serializeAttributes):
    JSON with nothing that could end the comment or be read as markup."""
    if not attributes:
        return ""
    text = json.dumps(attributes, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in (
        ("--", "\\u002d\\u002d"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ('\\"', "\\u0022"),
        ("[", "\\u005b"),
        ("]", "\\u005d"),
    ):
        text = text.replace(raw, escaped)
    return f" {text}"


def block(name, markup, attributes=None):
    return f"<!-- wp:{name}{block_attributes(attributes)} -->\n{markup}\n<!-- /wp:{name} -->"


def references(stream_data):
    """(page ids, document ids, image ids) a body's blocks point to, to look up a batch at a time."""
    pages, documents, images = set(), set(), set()
    for item in stream_data:
        kind, value = item["type"], item["value"]
        if kind == "image" and value.get("image"):
            images.add(int(value["image"]))
        for text in rich_texts(kind, value):
            for match in FIND_LINKTYPE.finditer(text):
                linktype = match.group(1) or match.group(4)
                target = int(match.group(2) or match.group(3))
                (pages if linktype == "page" else documents).add(target)
    return pages, documents, images


def rich_texts(kind, value):
    if kind == "paragraph":
        return [value or ""]
    if kind == "quote":
        return [value.get("text") or ""]
    return []


class BodyWriter:
    """Writes bodies as block markup, with the addresses looked up for their batch of posts:
    `page_urls` and `document_urls` ({id: absolute URL}) for links in rich text, `images`
    ({id: {"url", "alt"}}) and `attachment_id(image id)` for image blocks."""

    def __init__(self, page_urls, document_urls, images, attachment_id):
        self.page_urls = page_urls
        self.document_urls = document_urls
        self.images = images
        self.attachment_id = attachment_id

    def body(self, stream_data):
        parts = []
        for item in stream_data:
            write = getattr(self, f"write_{item['type']}", None)
            if write is not None:
                parts.append(write(item["value"] or {}))
        return "\n\n".join(part for part in parts if part)

    # -- rich text ----------------------------------------------------------------------------------

    def front_end_html(self, markup):
        """Rich text as stored (links by page or document id) with real addresses; other stored
        embeds (none of the features posts allow) are left out."""

        def link(match):
            attributes = extract_attrs(match.group(1))
            linktype = attributes.get("linktype")
            if linktype is None:
                return match.group(0)
            urls = {"page": self.page_urls, "document": self.document_urls}.get(linktype, {})
            url = urls.get(int(attributes["id"])) if attributes.get("id", "").isdigit() else None
            return f'<a href="{html.escape(url, quote=True)}">' if url else "<a>"

        if "linktype" in markup:
            markup = FIND_A_TAG.sub(link, markup)
        if "<embed" in markup:
            markup = FIND_EMBED_TAG.sub("", markup)
        return markup

    def rich_text_blocks(self, markup):
        """Rich text as paragraph and list blocks, one a top-level element."""
        markup = self.front_end_html(markup).strip()
        if not markup:
            return []
        if SINGLE_PARAGRAPH.fullmatch(markup) and "<!--" not in markup:
            return [block("paragraph", neutral_brackets(markup))]
        blocks, inline = [], []

        def flush():
            text = "".join(inline).strip()
            if text:
                blocks.append(block("paragraph", f"<p>{neutral_brackets(text)}</p>"))
            inline.clear()

        for node in BeautifulSoup(markup, "html.parser").contents:
            if isinstance(node, Comment):
                continue  # a comment could read as a block's delimiter
            if isinstance(node, Tag) and node.name == "p":
                flush()
                inner = node.decode_contents().strip()
                if inner:
                    blocks.append(block("paragraph", f"<p>{neutral_brackets(inner)}</p>"))
            elif isinstance(node, Tag) and node.name in LIST_TAGS:
                flush()
                blocks.append(list_block(node))
            elif isinstance(node, Tag | NavigableString):
                inline.append(str(node) if isinstance(node, Tag) else html.escape(str(node), quote=False))
        flush()
        return blocks

    def write_paragraph(self, value):
        return "\n\n".join(self.rich_text_blocks(value if isinstance(value, str) else ""))

    # -- the other blocks -----------------------------------------------------------------------------

    def write_heading(self, value):
        level = {"h2": 2, "h3": 3, "h4": 4}.get(value.get("level"), 2)
        text = escape_text(value.get("text"))
        return block(
            "heading",
            f'<h{level} class="wp-block-heading">{text}</h{level}>',
            {"level": level} if level != 2 else None,
        )

    def write_quote(self, value):
        inner = "".join(self.rich_text_blocks(value.get("text") or ""))
        source, url = value.get("source") or "", value.get("source_url") or ""
        cite = ""
        if url:
            cite = f'<cite><a href="{escape_attribute(url)}">{escape_text(source or url)}</a></cite>'
        elif source:
            cite = f"<cite>{escape_text(source)}</cite>"
        return block("quote", f'<blockquote class="wp-block-quote">{inner}{cite}</blockquote>')

    def write_image(self, value):
        image_id = int(value["image"]) if value.get("image") else None
        image = self.images.get(image_id)
        if image is None:
            return ""  # the image was deleted; the block shows nothing on the site either
        attachment = self.attachment_id(image_id)
        alt = value.get("alt_text") or image["alt"]
        src, alt = escape_attribute(image["url"]), escape_attribute(alt)
        img = f'<img src="{src}" alt="{alt}" class="wp-image-{attachment}"/>'
        return block(
            "image",
            f'<figure class="wp-block-image size-full">{img}{caption(value)}</figure>',
            {"id": attachment, "sizeSlug": "full", "linkDestination": "none"},
        )

    def write_external_image(self, value):
        src, alt = escape_attribute(value.get("url")), escape_attribute(value.get("alt_text"))
        img = f'<img src="{src}" alt="{alt}"/>'
        if value.get("link"):
            img = f'<a href="{escape_attribute(value["link"])}">{img}</a>'
            attributes = {"linkDestination": "custom"}
        else:
            attributes = None
        return block("image", f'<figure class="wp-block-image">{img}{caption(value)}</figure>', attributes)

    def write_embed(self, value):
        url = value.get("url") or ""
        if not isinstance(url, str) or not url:
            return ""
        host = urlsplit(url).netloc.lower().removeprefix("www.").removeprefix("m.")
        provider = VIDEO_PROVIDERS.get(host)
        attributes = {"url": url}
        classes = "wp-block-embed"
        if provider:
            attributes.update(type="video", providerNameSlug=provider)
            classes += f" is-type-video is-provider-{provider} wp-block-embed-{provider}"
        figure = (
            f'<figure class="{classes}"><div class="wp-block-embed__wrapper">\n{escape_text(url)}\n</div>'
            f"{caption(value)}</figure>"
        )
        return block("embed", figure, attributes)

    def write_code(self, value):
        language = value.get("language") or "text"
        code = escape_text(value.get("code"))
        if language == "text":
            return block("code", f'<pre class="wp-block-code"><code>{code}</code></pre>')
        name = f"language-{re.sub(r'[^a-z0-9-]', '', language.lower())}"
        return block(
            "code", f'<pre class="wp-block-code {name}"><code>{code}</code></pre>', {"className": name}
        )


def caption(value):
    text = escape_text(value.get("caption"))
    if value.get("credit"):
        text += f' <span class="figure__credit">{escape_text(value["credit"])}</span>'
    return f'<figcaption class="wp-element-caption">{text.strip()}</figcaption>' if text.strip() else ""


def list_block(node):
    """A <ul> or <ol> as a list block, each item a list-item block (nested lists inside)."""
    items = []
    for child in node.children:
        if not isinstance(child, Tag) or child.name != "li":
            continue
        parts = []
        for part in child.contents:
            if isinstance(part, Tag) and part.name in LIST_TAGS:
                parts.append(list_block(part))
            elif isinstance(part, Tag):
                parts.append(neutral_brackets(str(part)))
            else:
                parts.append(escape_text(str(part)))
        items.append(block("list-item", f"<li>{''.join(parts)}</li>"))
    ordered = node.name == "ol"
    return block(
        "list",
        f'<{node.name} class="wp-block-list">{"".join(items)}</{node.name}>',
        {"ordered": True} if ordered else None,
    )
