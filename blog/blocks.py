"""The StreamField blocks of a post body."""

import math
import re

from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock, EmbedValue
from wagtail.images.blocks import ImageChooserBlock
from wagtail.rich_text import get_text_for_indexing

from . import embeds

RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul"]

CODE_LANGUAGES = [
    ("text", "Plain text"),
    ("python", "Python"),
    ("javascript", "JavaScript"),
    ("html", "HTML"),
    ("css", "CSS"),
    ("bash", "Shell"),
    ("sql", "SQL"),
    ("json", "JSON"),
    ("yaml", "YAML"),
]


class HeadingBlock(blocks.StructBlock):
    """A section heading inside a post."""

    text = blocks.CharBlock(max_length=255)
    level = blocks.ChoiceBlock(
        choices=[("h2", "Heading 2"), ("h3", "Heading 3"), ("h4", "Heading 4")], default="h2"
    )

    class Meta:
        icon = "title"
        template = "blocks/heading_block.html"

    def get_searchable_content(self, value):
        # Only the words: the level's choice labels ("Heading 2") would match every post.
        return [value["text"]]


class QuoteBlock(blocks.StructBlock):
    """A quotation with the source it came from."""

    text = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)
    source = blocks.CharBlock(required=False, help_text="Who said or published it")
    source_url = blocks.URLBlock(required=False, label="Source URL")

    class Meta:
        icon = "openquote"
        template = "blocks/quote_block.html"


class CaptionedImageBlock(blocks.StructBlock):
    """An image with its alt text, caption and credit."""

    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        required=False,
        max_length=255,
        help_text="Describe the image for readers who cannot see it; "
        "left empty, the image's own description is used.",
    )
    caption = blocks.CharBlock(required=False, max_length=500)
    credit = blocks.CharBlock(required=False, max_length=255)

    class Meta:
        icon = "image"
        template = "blocks/captioned_image_block.html"


class ExternalImageBlock(blocks.StructBlock):
    """An image kept at its original address, for imported posts whose image file was not at hand."""

    url = blocks.URLBlock(label="Image URL")
    alt_text = blocks.CharBlock(required=False, max_length=255)
    caption = blocks.CharBlock(required=False, max_length=500)
    link = blocks.URLBlock(required=False, help_text="Where the image leads when clicked, e.g. its full size")

    class Meta:
        icon = "image"
        template = "blocks/external_image_block.html"


class ResilientEmbedValue(EmbedValue):
    """An embed shown from the embeds already looked up; the look-up itself is a task (blog/embeds.py)."""

    @cached_property
    def html(self):
        return embeds.stored_html(self.url, self.max_width, self.max_height)


class ResilientEmbedBlock(EmbedBlock):
    """A media embed by URL (oEmbed)."""

    def to_python(self, value):
        return ResilientEmbedValue(value) if value else None

    def value_from_form(self, value):
        return ResilientEmbedValue(value) if value else None

    def get_default(self):
        return None


class EmbedWithCaptionBlock(blocks.StructBlock):
    """A video or other media from its URL, with a caption; a plain link when it cannot load."""

    url = ResilientEmbedBlock(help_text="A YouTube, Vimeo or other oEmbed URL")
    caption = blocks.CharBlock(required=False, max_length=500)

    class Meta:
        icon = "media"
        template = "blocks/embed_block.html"


class CodeBlock(blocks.StructBlock):
    """Source code, highlighted on the server with Pygments."""

    language = blocks.ChoiceBlock(choices=CODE_LANGUAGES, default="text")
    code = blocks.TextBlock()

    class Meta:
        icon = "code"
        template = "blocks/code_block.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["highlighted"] = highlight_code(value["code"], value["language"])
        return context

    def get_searchable_content(self, value):
        # Code is not prose: searching for "return" should not find every post with a snippet.
        return []


def highlight_code(code, language):
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        lexer = get_lexer_by_name("text")
    # Pygments escapes the source itself, so its output is safe to mark as such.
    return mark_safe(highlight(code, lexer, HtmlFormatter(cssclass="highlight", wrapcode=True)))  # noqa: S308


class BodyBlock(blocks.StreamBlock):
    """Everything a post body can hold."""

    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, icon="pilcrow")
    quote = QuoteBlock()
    image = CaptionedImageBlock()
    external_image = ExternalImageBlock()
    embed = EmbedWithCaptionBlock()
    code = CodeBlock()


# What a reader reads of each kind of block: the parts of its stored value, each with whether it
# is rich text (HTML); the part None is the whole value. Worked from the stored JSON, so that the
# data migration that fills in older posts counts them the same way.
READ_PARTS = {
    "paragraph": [(None, True)],
    "heading": [("text", False)],
    "quote": [("text", True), ("source", False)],
    "code": [("code", False)],
    "image": [("caption", False)],
    "external_image": [("caption", False)],
    "embed": [("caption", False)],
}
WORD = re.compile(r"\w+(?:['’-]\w+)*")
WORDS_PER_MINUTE = 230


def words_read(stream_data):
    """How many words a reader reads in a body, from its stored blocks (dicts with "type" and
    "value"): paragraphs, headings, quotations and their sources, code, captions."""
    count = 0
    for block in stream_data:
        for part, rich in READ_PARTS.get(block["type"], ()):
            text = (block["value"] if part is None else block["value"].get(part)) or ""
            count += len(WORD.findall(get_text_for_indexing(text) if rich else text))
    return count


def minutes_to_read(stream_data):
    """A body's reading time in whole minutes at WORDS_PER_MINUTE, rounded up; at least 1."""
    return max(1, math.ceil(words_read(stream_data) / WORDS_PER_MINUTE))
