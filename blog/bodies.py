"""A post's body as HTML, rendered once for each published version of the post.

Rendering a body runs a template for each of its blocks and each paragraph's rich text (with a
query for the pages it links to): more than the rest of a post page. What the body shows depends
on the post's own content, the images it shows and the pages it links to, so the finished HTML is
kept until one of those changes.
"""

import re

from django.template.loader import render_to_string

from broadsheet import caching

# A document a body links to that is replaced shows within this time (documents have no scope).
BODY_SECONDS = 24 * 3600
# How rich text stores a link to a page and an image inside the text (Wagtail's database format).
PAGE_LINK = re.compile(r"<a\b[^>]*\blinktype=\"page\"[^>]*>")
IMAGE_EMBED = re.compile(r"<embed\b[^>]*\bembedtype=\"image\"[^>]*>")
ID = re.compile(r"\bid=\"(\d+)\"")


def texts(value):
    """Every string inside a block's stored value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def ids_in(pattern, text):
    return {int(found) for tag in pattern.findall(text) for found in ID.findall(tag)}


def shown_scopes(blocks):
    """The scopes of what a body (its stored blocks) shows of other things: the images it shows
    and the pages it links to (what those show of themselves is their post_link scope; any other
    page's address changes with the site scope)."""
    images, pages = set(), set()
    for block in blocks:
        value = block["value"]
        if block["type"] == "image" and isinstance(value, dict) and value.get("image"):
            images.add(int(value["image"]))
        for text in texts(value):
            if "linktype" in text or "embedtype" in text:
                pages |= ids_in(PAGE_LINK, text)
                images |= ids_in(IMAGE_EMBED, text)
    return [*(caching.image(pk) for pk in sorted(images)), *(caching.post_link(pk) for pk in sorted(pages))]


def body_html(post, request=None):
    """`post`'s body as its page shows it (templates/includes/post_body.html).

    Kept for the published version until the post, an image it shows or a page it links to
    changes. A preview, and a body with embeds (shown from the embeds looked up so far, and
    looked up again while one is missing), are rendered each time.
    """

    def render():
        return render_to_string("includes/post_body.html", {"page": post, "request": request})

    blocks = post.body.raw_data
    if not post.live or getattr(request, "is_preview", False) or any(b["type"] == "embed" for b in blocks):
        return render()
    # What the body shows of other things is read from its texts only to keep a new rendering;
    # a kept one is served without that scan.
    return caching.cached(
        "post-body-html",
        render,
        scopes=[caching.post(post.pk)],
        vary=(post.pk, post.live_revision_id),
        timeout=BODY_SECONDS,
        more_scopes=lambda html: shown_scopes(blocks),
    )
