"""Turn an imported post's HTML (Blogger's, WordPress's) into Broadsheet's StreamField blocks, and a
comment's into plain text.

The HTML is parsed with Beautiful Soup (the parser Wagtail itself uses) and walked once: block
elements become blocks, everything else gathers into rich-text paragraphs written out tag by tag
from an allowlist, with every text and attribute escaped. The result then goes through nh3 (the
ammonia sanitizer) with the same allowlist, so nothing outside what Wagtail's rich text stores
(paragraphs, bold, italic, links, lists, line breaks) can reach a page: no script, style, event
attribute or `javascript:` link survives either step.
"""

import re
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urljoin, urlsplit

import nh3
from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from blog.blocks import CODE_LANGUAGES

RICH_TAGS = {"p", "b", "i", "a", "ul", "ol", "li", "br"}
RICH_ATTRIBUTES = {"a": {"href", "linktype", "id"}}
DROP = {
    "script", "style", "noscript", "template", "head", "title", "meta", "link", "form", "input",
    "button", "select", "textarea", "svg", "math", "canvas", "audio", "video", "map", "area",
}  # fmt: skip
BLOCK_CONTAINERS = {
    "div", "p", "section", "article", "header", "footer", "main", "aside", "center", "table",
    "tbody", "thead", "tfoot", "tr", "td", "th", "dl", "dt", "dd", "figure", "hr", "address",
}  # fmt: skip
INLINE_MAP = {"b": "b", "strong": "b", "i": "i", "em": "i", "cite": "i", "var": "i"}
HEADINGS = {"h1": "h2", "h2": "h2", "h3": "h3", "h4": "h4", "h5": "h4", "h6": "h4"}
LANGUAGES = {value for value, _ in CODE_LANGUAGES}
LANGUAGE_ALIASES = {"py": "python", "js": "javascript", "sh": "bash", "shell": "bash", "xml": "html"}
SOURCE_LINE = re.compile(r"^\s*(?:source|via|from)\s*:\s*", re.IGNORECASE)
DASH_LINE = re.compile(r"^\s*(?:—|–|--|-|~)\s*")
YOUTUBE_ID = re.compile(r"(?:youtube(?:-nocookie)?\.com/(?:embed|v)/|youtu\.be/)([\w-]{6,})")
# Vimeo's player, iframe or Flash, by the video's number.
VIMEO_PLAYER = re.compile(r"vimeo\.com/(?:moogaloop\.swf\?(?:.*&)?clip_id=|video/)(\d+)")
# A <pre> with one of these classes, or a <code> inside, was marked up as a listing.
CODE_CLASS = re.compile(r"language-|lang-|brush|prettyprint|highlight|code|source|syntax", re.IGNORECASE)
CODE_CHARACTERS = set("{}[]()<>;=$#\\|&*^~`@%")
INDENTED = re.compile(r"^(?: {2,}|\t)\S")
SENTENCE_END = re.compile(r"[.!?…][\"'”’)]*(?:\s|$)")
STYLED_INLINE = {"span", "b", "strong", "i", "em", "a", "font", "u"}
SAFE_SCHEMES = {"http", "https", "mailto"}


@dataclass
class Conversion:
    """The blocks of one post and what happened on the way."""

    blocks: list = field(default_factory=list)
    intro: str = ""
    warnings: list = field(default_factory=list)
    links_rewritten: int = 0
    images_imported: int = 0
    images_external: int = 0
    first_image: int | None = None  # the Wagtail image id of the first imported image


def safe_url(url, base=""):
    """`url` made absolute against `base` if it is http(s) or mailto; otherwise ""."""
    url = (url or "").strip()
    if not url:
        return ""
    if url.startswith("//"):
        url = "https:" + url
    elif base and not urlsplit(url).scheme:
        url = urljoin(base, url)
    return url if urlsplit(url).scheme.lower() in SAFE_SCHEMES else ""


def clean_rich_text(html):
    return nh3.clean(
        html,
        tags=RICH_TAGS,
        attributes=RICH_ATTRIBUTES,
        url_schemes=SAFE_SCHEMES,
        link_rel=None,
        strip_comments=True,
    ).strip()


def reads_as_prose(pre):
    """Whether a `<pre>` holds prose pasted in for its looks rather than a code listing.

    A listing is marked as one (a language or highlighter class, a `<code>` inside), or has
    indented lines, or is dense with the punctuation code uses ({ } ( ) ; = < > $ # ...). Prose
    is words: letters make up most of what is not space, and it has sentences ending in . ! or ?,
    or lines broken with `<br>`, or inline styling (spans, bold, italic, links).
    """
    classes = " ".join(pre.get("class") or [])
    if CODE_CLASS.search(classes) or pre.find("code") is not None:
        return False
    text = "".join("\n" if isinstance(n, Tag) else str(n) for n in pre.descendants if is_text_or_br(n))
    lines = [line for line in text.split("\n") if line.strip()]
    solid = re.sub(r"\s", "", text)
    if not lines or not solid:
        return False
    if sum(1 for line in lines if INDENTED.match(line)) > len(lines) // 5:
        return False
    if sum(1 for ch in solid if ch in CODE_CHARACTERS) > len(solid) * 0.03:
        return False
    if sum(1 for ch in solid if ch.isalpha()) < len(solid) * 0.75:
        return False
    styled = pre.find(STYLED_INLINE) is not None
    return bool(SENTENCE_END.search(text)) or pre.find("br") is not None or styled


def is_text_or_br(node):
    if isinstance(node, Comment):
        return False
    return isinstance(node, NavigableString) or (isinstance(node, Tag) and node.name == "br")


def plain(node):
    return re.sub(r"\s+", " ", node.get_text(" ") if isinstance(node, Tag) else str(node)).strip()


class BodyConverter:
    """Converts one post body. `resolve_link(url)` returns the rich-text `<a ...>` opening tag for a
    link to one of the blog's own posts (or None), `resolve_image(url)` a Wagtail image id (or None)."""

    def __init__(self, resolve_link=None, resolve_image=None, base_url=""):
        self.resolve_link = resolve_link or (lambda url: None)
        self.resolve_image = resolve_image or (lambda url, alt: None)
        self.base_url = base_url

    def convert(self, html):
        self.result = Conversion()
        self.rich = []  # the paragraph being gathered, as rich-text HTML pieces
        self.inline = []  # the current line of inline HTML inside it
        soup = BeautifulSoup(html or "", "html.parser")
        self.walk_children(soup)
        self.flush()
        soup.decompose()  # frees the tree now, not at the garbage collector's next pass
        self.result.intro = self.result.intro or ""
        return self.result

    # -- gathering paragraphs -------------------------------------------------------------------

    def end_line(self, paragraph_break=False):
        line = "".join(self.inline).strip()
        self.inline = []
        if line and re.sub(r"<br/>|\s|&nbsp;|\xa0", "", line):
            self.rich.append(("line", line))
        if paragraph_break or line:
            self.rich.append(("break", paragraph_break))

    def flush(self):
        """Close the paragraph being gathered into a paragraph block."""
        self.end_line(paragraph_break=True)
        paragraphs, current = [], []
        for kind, value in self.rich:
            if kind == "line":
                current.append(value)
            elif value and current:  # a paragraph break
                paragraphs.append("<br/>".join(current))
                current = []
        if current:
            paragraphs.append("<br/>".join(current))
        self.rich = []
        html = "".join(
            piece if piece.startswith(("<ul>", "<ol>")) else f"<p>{piece}</p>" for piece in paragraphs
        )
        html = clean_rich_text(html)
        if not html:
            return
        if not self.result.intro:
            first = BeautifulSoup(html, "html.parser").find(["p", "li"])
            self.result.intro = re.sub(r"\s+", " ", first.get_text()).strip() if first else ""
        self.result.blocks.append({"type": "paragraph", "value": html})

    def add_block(self, block):
        self.flush()
        self.result.blocks.append(block)

    # -- walking ----------------------------------------------------------------------------------

    def walk_children(self, node):
        nodes = list(node.children)
        index = 0
        while index < len(nodes):
            child = nodes[index]
            if isinstance(child, Tag) and child.name == "blockquote":
                following = self.next_meaningful(nodes, index)
                consumed = self.blockquote(child, nodes[following] if following is not None else None)
                index = following + 1 if consumed and following is not None else index + 1
                continue
            self.walk(child)
            index += 1

    @staticmethod
    def next_meaningful(nodes, index):
        for position in range(index + 1, len(nodes)):
            node = nodes[position]
            if isinstance(node, Comment):
                continue
            if isinstance(node, NavigableString) and not node.strip():
                continue
            if isinstance(node, Tag) and node.name == "br":
                continue
            return position
        return None

    def walk(self, node):
        if isinstance(node, Comment):
            return
        if isinstance(node, NavigableString):
            text = re.sub(r"\s+", " ", str(node))
            if text.strip() or (self.inline and text):
                self.inline.append(escape(text, quote=False))
            return
        if not isinstance(node, Tag):
            return
        name = node.name
        if name in DROP:
            return
        if name in HEADINGS:
            text = plain(node)
            if text:
                self.add_block({"type": "heading", "value": {"text": text[:255], "level": HEADINGS[name]}})
            return
        if name == "img":
            self.image(node, link=None)
            return
        if name == "a" and self.image_link(node):
            return
        if name in {"iframe", "embed", "object"}:
            self.embed(node)
            return
        if name == "pre" and reads_as_prose(node):
            self.prose(node)
            return
        if name == "pre" or (name == "code" and self.stands_alone(node)):
            self.code(node)
            return
        if name == "blockquote":
            self.blockquote(node, None)
            return
        if name == "table" and "tr-caption-container" in (node.get("class") or []):
            self.captioned_table(node)
            return
        if name == "figure" and self.figure(node):
            return
        if name == "br":
            # Blogger writes paragraphs as text separated by two line breaks.
            if self.inline and self.inline[-1] == "<br/>":
                self.inline.pop()
                self.end_line(paragraph_break=True)
            elif self.inline:
                self.inline.append("<br/>")
            else:
                self.end_line(paragraph_break=True)
            return
        if name in {"ul", "ol"}:
            self.list_(node)
            return
        if name in BLOCK_CONTAINERS or name == "li":
            self.end_line(paragraph_break=name in {"p", "hr", "table", "tr", "dl"})
            self.walk_children(node)
            self.end_line(paragraph_break=name in {"p", "hr", "table", "tr", "dl"})
            return
        self.inline_element(node)

    def inline_element(self, node):
        name = node.name
        if name == "a":
            opening = self.link_opening(node.get("href"))
            if opening:
                self.inline.append(opening)
                self.walk_children(node)
                self.inline.append("</a>")
                return
        elif name in INLINE_MAP or (name == "span" and self.styled_as(node)):
            tag = INLINE_MAP.get(name) or self.styled_as(node)
            self.inline.append(f"<{tag}>")
            self.walk_children(node)
            self.inline.append(f"</{tag}>")
            return
        self.walk_children(node)

    @staticmethod
    def styled_as(node):
        """ "b" or "i" for a span styled bold or italic (bold wins), else None."""
        style = re.sub(r"\s+", "", node.get("style") or "").lower()
        if re.search(r"font-weight:(?:bold|[6-9]00)", style):
            return "b"
        return "i" if "font-style:italic" in style else None

    def link_opening(self, href):
        internal = self.resolve_link(href or "")
        if internal:
            self.result.links_rewritten += 1
            return internal
        url = safe_url(href, self.base_url)
        return f'<a href="{escape(url)}">' if url else ""

    def list_(self, node):
        self.end_line(paragraph_break=True)
        items = []
        for item in node.find_all("li", recursive=False) or [node]:
            saved, self.inline = self.inline, []
            self.walk_children(item)
            line = "".join(self.inline).strip()
            self.inline = saved
            if line:
                items.append(f"<li>{line}</li>")
        if items:
            tag = node.name
            self.rich.append(("line", f"<{tag}>{''.join(items)}</{tag}>"))
            self.rich.append(("break", True))

    @staticmethod
    def stands_alone(node):
        parent = node.parent
        if parent is None:
            return True
        siblings = [
            child
            for child in parent.children
            if not (isinstance(child, NavigableString) and not child.strip()) and child is not node
        ]
        return not siblings and parent.name in BLOCK_CONTAINERS | {"[document]"}

    # -- block elements ---------------------------------------------------------------------------

    def prose(self, node):
        """A `<pre>` of prose (see reads_as_prose) as paragraphs: its line breaks, `<br>` or
        typed, kept; two in a row end a paragraph, as elsewhere in a Blogger post."""
        for text in list(node.find_all(string=True)):
            if isinstance(text, Comment) or "\n" not in text:
                continue
            value = str(text)
            if isinstance(text.previous_sibling, Tag) and text.previous_sibling.name == "br":
                value = value.removeprefix("\r").removeprefix("\n")  # the source's own line end
            pieces = value.replace("\r\n", "\n").split("\n")
            replacements = []
            for number, piece in enumerate(pieces):
                if number:
                    replacements.append(BeautifulSoup("<br/>", "html.parser").br)
                if piece:
                    replacements.append(NavigableString(piece))
            if replacements:
                text.replace_with(*replacements)
            else:
                text.extract()
        self.end_line(paragraph_break=True)
        self.walk_children(node)
        self.end_line(paragraph_break=True)

    def code(self, node):
        classes = " ".join(node.get("class") or [])
        inner = node.find("code")
        if inner is not None:
            classes += " " + " ".join(inner.get("class") or [])
        language = "text"
        match = re.search(r"(?:language-|lang-|brush:\s*)([\w+-]+)", classes)
        if match:
            candidate = match.group(1).lower()
            candidate = LANGUAGE_ALIASES.get(candidate, candidate)
            language = candidate if candidate in LANGUAGES else "text"
        for br in node.find_all("br"):
            br.replace_with("\n")
        text = node.get_text().strip("\n")
        if text.strip():
            self.add_block({"type": "code", "value": {"language": language, "code": text}})

    def embed(self, node):
        src = node.get("src") or node.get("data") or ""
        if not src:
            param = node.find("param", attrs={"name": re.compile("^movie$", re.I)})
            src = param.get("value", "") if param else ""
            if not src and node.find("embed"):
                src = node.find("embed").get("src", "")
        self.embed_url(src, node)

    def embed_url(self, src, node=None, caption=""):
        url = safe_url(src, self.base_url)
        if not url.startswith(("http://", "https://")):
            return
        youtube, vimeo = YOUTUBE_ID.search(url), VIMEO_PLAYER.search(url)
        if youtube:
            url = f"https://www.youtube.com/watch?v={youtube.group(1)}"
        elif vimeo:
            url = f"https://vimeo.com/{vimeo.group(1)}"
        elif node is not None and self.is_flash(node, url):
            # Browsers no longer play Flash: keep where it was, as a link.
            self.result.warnings.append(f"Flash, which browsers no longer play, kept as a link: {url}")
            link = f'<a href="{escape(url)}">{escape(url)}</a>'
            html = clean_rich_text(f"<p>A Flash object that browsers no longer play: {link}</p>")
            self.add_block({"type": "paragraph", "value": html})
            return
        self.add_block({"type": "embed", "value": {"url": url, "caption": caption[:500]}})

    @staticmethod
    def is_flash(node, url):
        types = {(tag.get("type") or "").lower() for tag in [node, *node.find_all("embed")]}
        return "application/x-shockwave-flash" in types or urlsplit(url).path.lower().endswith(".swf")

    def image_link(self, node):
        """`<a href="big.jpg"><img src="small.jpg"></a>`, Blogger's usual image markup."""
        images = node.find_all("img")
        if len(images) != 1 or plain(node):
            return False
        self.image(images[0], link=node.get("href"))
        return True

    def image(self, node, link, caption="", credit=""):
        src = safe_url(node.get("src"), self.base_url)
        if not src.startswith(("http://", "https://")):
            return
        href = safe_url(link, self.base_url) if link else ""
        alt = (node.get("alt") or node.get("title") or "").strip()[:255]
        # The link usually points at the full-size file: try it first.
        image_id = None
        if href and re.search(r"\.(jpe?g|png|gif|webp)$", urlsplit(href).path, re.I):
            image_id = self.resolve_image(href, alt)
        image_id = image_id or self.resolve_image(src, alt)
        if image_id:
            self.result.images_imported += 1
            self.result.first_image = self.result.first_image or image_id
            value = {"image": image_id, "alt_text": alt, "caption": caption[:500], "credit": credit[:255]}
            self.add_block({"type": "image", "value": value})
        else:
            self.result.images_external += 1
            self.result.warnings.append(f"image kept at its external address: {src}")
            caption = f"{caption} {credit}".strip()  # an image kept at its address has no credit of its own
            value = {"url": src, "alt_text": alt, "caption": caption[:500], "link": href}
            self.add_block({"type": "external_image", "value": value})

    def figure(self, node):
        """An HTML5 figure (WordPress's image, embed, video and audio blocks, `[caption]`): an image
        or an embed with its figcaption as the caption, a video or sound file as a link. False for
        any other figure, walked as a container."""
        caption_node = node.find("figcaption")
        # The credit as Broadsheet's own export (and its image template) writes it.
        credit_node = caption_node.find(class_="figure__credit") if caption_node else None
        credit = plain(credit_node) if credit_node else ""
        if credit_node is not None:
            credit_node.decompose()
        caption = plain(caption_node) if caption_node else ""
        classes = " ".join(node.get("class") or [])
        if "wp-block-embed" in classes:
            frame = node.find(["iframe", "embed", "object"])
            if caption_node is not None:
                caption_node.decompose()
            src = (frame.get("src") or frame.get("data") or "") if frame is not None else plain(node)
            self.embed_url(src, frame, caption=caption)
            return True
        media = node.find(["video", "audio"])
        if media is not None:
            source = media.find("source")
            url = safe_url(
                media.get("src") or (source.get("src") if source is not None else ""), self.base_url
            )
            if not url:
                return False
            # A video or sound file is no embed: it stays where it was, as a link.
            self.result.warnings.append(f"{media.name} file kept as a link: {url}")
            link = f'<a href="{escape(url)}">{escape(caption or url)}</a>'
            self.add_block({"type": "paragraph", "value": clean_rich_text(f"<p>{link}</p>")})
            return True
        images = node.find_all("img")
        if len(images) != 1:
            return False
        image = images[0]
        link = image.parent.get("href") if image.parent and image.parent.name == "a" else None
        self.image(image, link=link, caption=caption, credit=credit)
        return True

    def captioned_table(self, node):
        """Blogger's captioned image: a table with the image in one cell and the caption below."""
        caption_cell = node.find(class_="tr-caption")
        caption = plain(caption_cell) if caption_cell else ""
        image = node.find("img")
        if image is None:
            self.walk_children(node)
            return
        link = image.parent.get("href") if image.parent and image.parent.name == "a" else None
        self.image(image, link=link, caption=caption)

    def blockquote(self, node, following):
        """A quote block; its source from a `cite` attribute or element, a last line such as
        "Source: <a>Name</a>" or "— Name", or a source line or lone link right after it.
        Returns True when `following` was used as the source."""
        source, source_url = "", safe_url(node.get("cite"), self.base_url)
        cite = node.find("cite")
        if cite is not None:
            source = plain(cite)
            link = cite.find("a") or (cite.parent if cite.parent.name == "a" else None)
            source_url = source_url or safe_url(link.get("href") if link else "", self.base_url)
            cite.decompose()
        if not source:
            source, url = self.trailing_source(node)
            source_url = source_url or url
        consumed = False
        if not source and following is not None:
            source, url = self.source_from(following, standalone=True)
            if source or url:
                consumed = True
                source_url = source_url or url
        saved_rich, saved_inline, saved_intro = self.rich, self.inline, self.result.intro
        self.rich, self.inline = [], []
        blocks_before = len(self.result.blocks)
        self.walk_children(node)
        self.end_line(paragraph_break=True)
        quote_rich = self.rich
        self.rich, self.inline = saved_rich, saved_inline
        # Anything that became its own block inside the quote (an image, say) stays in order.
        inner_blocks = self.result.blocks[blocks_before:]
        del self.result.blocks[blocks_before:]
        self.result.intro = saved_intro
        self.flush()
        self.result.blocks.extend(inner_blocks)
        paragraphs, current = [], []
        for kind, value in quote_rich + [("break", True)]:
            if kind == "line":
                current.append(value)
            elif value and current:
                paragraphs.append("<br/>".join(current))
                current = []
        text = clean_rich_text(
            "".join(p if p.startswith(("<ul>", "<ol>")) else f"<p>{p}</p>" for p in paragraphs)
        )
        if text:
            value = {"text": text, "source": source[:255], "source_url": source_url}
            self.result.blocks.append({"type": "quote", "value": value})
        return consumed

    def trailing_source(self, node):
        """Find and remove a source line at the end of a blockquote."""
        candidates = [
            child
            for child in node.children
            if not (isinstance(child, NavigableString) and not child.strip())
            and not isinstance(child, Comment)
            and not (isinstance(child, Tag) and child.name == "br")
        ]
        if not candidates:
            return "", ""
        last = candidates[-1]
        if isinstance(last, Tag) and last.name in {"p", "div"}:
            source, url = self.source_from(last, standalone=False)
            if source or url:
                last.decompose()
                return source, url
            # A paragraph whose last line (after a <br>) is the source line.
            inner = [c for c in last.children if not (isinstance(c, NavigableString) and not c.strip())]
            node, candidates = last, inner
            if not candidates:
                return "", ""
        # Text and inline elements after the last <br> form the last line.
        children = list(node.children)
        breaks = [i for i, child in enumerate(children) if isinstance(child, Tag) and child.name == "br"]
        if not breaks:
            return "", ""
        line = children[breaks[-1] + 1 :]
        if not any(plain(c) for c in line):
            # Trailing <br>s: look at the line before them.
            while breaks and not any(plain(c) for c in children[breaks[-1] + 1 :]):
                children = children[: breaks[-1]]
                breaks = breaks[:-1]
            if not breaks:
                return "", ""
            line = children[breaks[-1] + 1 :]
        wrapper = BeautifulSoup("<p></p>", "html.parser").p
        text = "".join(str(c) for c in line)
        wrapper.append(BeautifulSoup(text, "html.parser"))
        source, url = self.source_from(wrapper, standalone=False)
        if source or url:
            for child in children[breaks[-1] :]:
                child.extract()
        return source, url

    def source_from(self, node, standalone):
        """("Name", "URL") if `node` is a source line: "Source: …", "— …", or (standalone) a lone link."""
        text = plain(node)
        link = node if isinstance(node, Tag) and node.name == "a" else None
        if link is None and isinstance(node, Tag):
            links = node.find_all("a")
            link = links[0] if len(links) == 1 else None
        url = safe_url(link.get("href"), self.base_url) if link is not None else ""
        if url and not url.startswith(("http://", "https://")):
            url = ""
        if SOURCE_LINE.match(text) or (DASH_LINE.match(text) and len(text) < 200):
            name = DASH_LINE.sub("", SOURCE_LINE.sub("", text)).strip()
            return (name or url)[:255], url
        if standalone and link is not None and plain(link) == text and text and len(text) < 200:
            return text, url
        return "", ""


def comment_text(html):
    """A Blogger comment (HTML with <br>, <b>, <i>, <a>) as the plain text comments are stored as:
    line breaks kept, a link written as its text followed by its address."""
    html = html or ""
    if "<" not in html and "&" not in html:
        return plain_comment(html)  # no markup at all: nothing to parse
    soup = BeautifulSoup(html, "html.parser")
    # One walk over the tree (a search for each kind of element walks it once a kind).
    elements = [node for node in soup.descendants if isinstance(node, Tag)]
    for node in elements:
        if node.name in DROP and not node.decomposed:
            node.decompose()
    elements = [node for node in elements if not node.decomposed]
    for node in elements:
        if node.name == "br":
            node.replace_with("\n")
        elif node.name in {"p", "div", "li"}:
            node.insert_after("\n\n" if node.name == "p" else "\n")
    for link in elements:
        if link.name != "a":
            continue
        url = safe_url(link.get("href"))
        text = link.get_text()
        if url and text.strip() and text.strip() not in url:
            link.replace_with(f"{text} ({url})")
        elif url:
            link.replace_with(url)
    text = soup.get_text()
    soup.decompose()  # frees the tree now, not at the garbage collector's next pass
    return plain_comment(text)


def plain_comment(text):
    text = re.sub(r"[ \t\xa0]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
