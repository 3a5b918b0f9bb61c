"""A WordPress post's stored content made into the HTML a browser would have been sent, for the
shared conversion to blocks (blog/importing/html.py).

WordPress stores less than it shows: the classic editor's paragraphs are blank lines (its
`wpautop` adds the `<p>` and `<br>` on display), a URL alone on its line is shown as an embed, and
shortcodes (`[caption]`, `[embed]`, `[code]`, `[gallery]`) are expanded on display. The block
editor's content is HTML already, between `<!-- wp:… -->` comments that the conversion drops.
"""

import re
from html import escape, unescape

from wagtail.embeds.oembed_providers import all_providers

# Shortcodes WordPress itself (and the usual code highlighters) define; other text in square
# brackets is the writer's own and stays as it is.
ENCLOSING = re.compile(
    r"\[(?P<name>caption|wp_caption|embed|code|sourcecode)\b(?P<attrs>[^\]]*)\](?P<inner>.*?)\[/(?P=name)\]",
    re.DOTALL | re.IGNORECASE,
)
SELF_CLOSING = re.compile(
    r"\[(?P<name>gallery|audio|video|playlist|embed)\b(?P<attrs>[^\]]*?)/?\](?:\s*\[/(?P=name)\])?",
    re.IGNORECASE,
)
ATTRIBUTE = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
MEDIA = re.compile(r"^\s*(?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?", re.IGNORECASE | re.DOTALL)
PRE = re.compile(r"<pre\b.*?</pre>", re.IGNORECASE | re.DOTALL)
PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
BARE_URL = re.compile(r"^\s*(https?://[^\s<>\"']+)\s*$")
BLOCK_START = re.compile(
    r"^\s*(?:<(?:p|div|h[1-6]|ul|ol|li|pre|blockquote|figure|table|thead|tbody|tr|td|th|dl|dt|dd|hr|"
    r"section|article|aside|header|footer|address|iframe|object|embed|script|style|form)\b|<!--|\x00)",
    re.IGNORECASE,
)
# A line break in text, not one inside a tag's attributes.
LINE_BREAK = re.compile(r"\s*\n\s*(?![^<]*>)")
PROVIDER_URLS = [re.compile(pattern) for provider in all_providers for pattern in provider["urls"]]


def attributes(text):
    return {name.lower(): next((v for v in values if v), "") for name, *values in ATTRIBUTE.findall(text)}


def is_embeddable(url):
    """Whether `url` is one an oEmbed provider knows (as WordPress embeds only those)."""
    return any(pattern.match(url) for pattern in PROVIDER_URLS)


def embed_figure(url):
    return f'<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">{escape(url)}</div></figure>'


class ContentConverter:
    """Expands one post's content. `attachment_url(id)` gives the address of an attachment (for
    `[gallery ids=…]`), or ""."""

    def __init__(self, attachment_url=None):
        self.attachment_url = attachment_url or (lambda attachment_id: "")
        self.warnings = []

    def to_html(self, content):
        self.warnings = []
        self.kept = []  # pieces autop must leave alone: code and figures made from shortcodes
        content = (content or "").replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
        content = ENCLOSING.sub(self.enclosing, content)
        content = SELF_CLOSING.sub(self.self_closing, content)
        if "<!-- wp:" not in content:
            content = self.autop(content)
        return PLACEHOLDER.sub(lambda match: self.kept[int(match.group(1))], content)

    def keep(self, html):
        self.kept.append(html)
        return f"\x00{len(self.kept) - 1}\x00"

    # -- shortcodes --------------------------------------------------------------------------------

    def enclosing(self, match):
        name, attrs, inner = (
            match.group("name").lower(),
            attributes(match.group("attrs")),
            match.group("inner"),
        )
        if name in {"code", "sourcecode"}:
            language = attrs.get("lang") or attrs.get("language") or ""
            code = inner.strip("\n")
            # The visual editor stores code escaped; a highlighter's own editor stores it as typed.
            if "<" not in code and re.search(r"&(?:lt|gt|amp|quot|#\d+);", code):
                code = unescape(code)
            css = f' class="language-{escape(language)}"' if language else ' class="code"'
            return self.keep(f"<pre{css}>{escape(code, quote=False)}</pre>")
        if name == "embed":
            return self.keep(embed_figure(inner.strip()))
        # [caption]<a><img></a> The caption[/caption], or the caption in its attribute.
        media = MEDIA.match(inner)
        if media is None:
            return inner
        caption = attrs.get("caption") or inner[media.end() :].strip()
        return self.keep(
            f'<figure class="wp-caption">{media.group(0)}<figcaption>{caption}</figcaption></figure>'
        )

    def self_closing(self, match):
        name, attrs = match.group("name").lower(), attributes(match.group("attrs"))
        if name == "gallery":
            urls = [
                self.attachment_url(part.strip()) for part in attrs.get("ids", "").split(",") if part.strip()
            ]
            urls = [url for url in urls if url]
            if not urls:
                self.warnings.append("a [gallery] without the ids of its images was left out")
                return ""
            return self.keep("".join(f'<figure><img src="{escape(url)}" alt=""></figure>' for url in urls))
        if name == "embed":
            return ""  # an [embed] without its URL shows nothing in WordPress either
        source = attrs.get("src") or next(
            (
                value
                for key, value in attrs.items()
                if key in {"mp4", "m4v", "webm", "ogv", "mp3", "ogg", "wav"}
            ),
            "",
        )
        if not source:
            self.warnings.append(f"a [{name}] without a source was left out")
            return ""
        if is_embeddable(source):
            return self.keep(embed_figure(source))
        return self.keep(f'<p><a href="{escape(source)}">{escape(source)}</a></p>')

    # -- paragraphs -------------------------------------------------------------------------------

    def autop(self, content):
        """WordPress's wpautop, as far as the conversion needs it: text between blank lines is a
        paragraph, a single line break within it a `<br>`, a URL alone on its line an embed (or
        a link, when no oEmbed provider knows it); `<pre>` is left as it is."""
        content = PRE.sub(lambda match: self.keep(match.group(0)), content)
        paragraphs = []
        for chunk in re.split(r"\n\s*\n", content):
            if not chunk.strip():
                continue
            url = BARE_URL.match(chunk)
            if url:
                address = unescape(url.group(1))
                paragraphs.append(
                    embed_figure(address)
                    if is_embeddable(address)
                    else f'<p><a href="{escape(address)}">{escape(address)}</a></p>'
                )
            elif BLOCK_START.match(chunk):
                paragraphs.append(chunk)
            else:
                paragraphs.append("<p>" + LINE_BREAK.sub("<br>", chunk.strip()) + "</p>")
        return "\n".join(paragraphs)
