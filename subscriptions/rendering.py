"""A post as an email: the whole body as HTML with every link and image absolute, and as text.

The body is rendered with the site's own block templates, then made fit for mail clients:
addresses are made absolute against the post's URL, and what mail clients do not run (scripts,
frames, forms) goes; an embedded player becomes a link to it.
"""

import re
from urllib.parse import urljoin

from bs4 import BeautifulSoup, NavigableString
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from broadsheet.mail import one_line

from .confirmation import site_root
from .models import Mailing

URL_ATTRIBUTES = ("href", "src", "cite", "poster")
DROPPED = ("script", "style", "form", "input", "button", "select", "textarea", "object", "embed", "noscript")
BLOCKS = {
    "p", "div", "figure", "figcaption", "blockquote", "ul", "ol", "li", "pre", "table", "tr",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "section", "article",
}  # fmt: skip
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def absolute_srcset(value, base):
    parts = []
    for candidate in value.split(","):
        url, _, descriptor = candidate.strip().partition(" ")
        if url:
            parts.append(f"{urljoin(base, url)} {descriptor}".strip())
    return ", ".join(parts)


def for_mail(html, base):
    """`html` with its addresses absolute against `base` and nothing a mail client will not run."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(DROPPED):
        element.decompose()
    for frame in soup.find_all("iframe"):
        source = frame.get("src")
        if source:
            link = soup.new_tag("a", href=urljoin(base, source))
            link.string = "Open the embedded media"
            paragraph = soup.new_tag("p")
            paragraph.append(link)
            frame.replace_with(paragraph)
        else:
            frame.decompose()
    for element in soup.find_all(True):
        for attribute in URL_ATTRIBUTES:
            if element.get(attribute):
                element[attribute] = urljoin(base, element[attribute].strip())
        if element.get("srcset"):
            element["srcset"] = absolute_srcset(element["srcset"], base)
        for attribute in ("loading", "sizes", "referrerpolicy", "data-language"):
            element.attrs.pop(attribute, None)
        if element.name == "img":
            element["style"] = "max-width: 100%; height: auto;"
    return str(soup)


def text_of(html):
    """Plain text for the HTML of a post body: paragraphs apart, links with their address."""
    soup = BeautifulSoup(html, "html.parser")
    out = []

    def walk(node, quote):
        for child in node.children:
            if isinstance(child, NavigableString):
                out.append(re.sub(r"\s+", " ", str(child)))
                continue
            name = child.name
            if name == "br":
                out.append("\n" + quote)
            elif name == "img":
                if child.get("alt"):
                    out.append(f"[{child['alt']}]")
            elif name == "a":
                label = child.get_text(" ", strip=True)
                href = child.get("href", "")
                out.append(label if not href or href == label else f"{label} <{href}>" if label else href)
            elif name == "pre":
                out.append("\n\n" + child.get_text() + "\n\n")
            elif name in BLOCKS:
                inner = quote + "> " if name == "blockquote" else quote
                out.append("\n\n" + inner + ("- " if name == "li" else ""))
                start = len(out)
                walk(child, inner)
                if name in HEADINGS:
                    out[start:] = ["".join(out[start:]).strip().upper()]
                out.append("\n\n" + quote)
            else:
                walk(child, quote)

    walk(soup, "")
    text = "".join(out)
    lines = [line.rstrip() for line in text.splitlines()]
    text = "\n".join(lines)
    text = re.sub(r"\n(>[> ]*\n)+", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def render_post(post, site=None, test=False):
    """The email of `post` (the live post, or a draft's revision as an object): its subject, HTML
    and text, each with Mailing.UNSUBSCRIBE_MARK where a subscriber's own unsubscribe link goes."""
    site = site or post.get_site()
    root = site_root(site)
    parent = post.get_parent()
    post_url = post.get_full_url() or root + "/"
    body = render_to_string("subscriptions/email/post_body.html", {"page": post, "request": None})
    body = for_mail(body, post_url)
    context = {
        "post": post,
        "post_url": post_url,
        "comments_url": f"{post_url}#comments",
        "blog_title": parent.title if parent else "",
        "site_name": settings.WAGTAIL_SITE_NAME,
        "home_url": root + "/",
        "body": mark_safe(body),  # noqa: S308 - rendered by the site's own templates, cleaned above
        "body_text": text_of(body),
        "unsubscribe_url": Mailing.UNSUBSCRIBE_MARK,
        "test": test,
    }
    return {
        "subject": one_line(post.title)[:255],
        "html": render_to_string("subscriptions/email/post.html", context),
        "text": render_to_string("subscriptions/email/post.txt", context),
        "list_id": list_id(post, site),
    }


def list_id(post, site):
    """The List-Id header (RFC 2919): the blog's title, and its slug on the site's host."""
    parent = post.get_parent()
    host = re.sub(r"[^a-z0-9.-]", "", (site.hostname or "localhost").lower()) or "localhost"
    slug = re.sub(r"[^a-z0-9-]", "", (parent.slug if parent else "blog").lower()) or "blog"
    title = one_line(parent.title if parent else settings.WAGTAIL_SITE_NAME).replace("<", "").replace(">", "")
    return f"{title} <{slug}.{host}>"
