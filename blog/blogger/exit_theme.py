"""A Blogger theme that sends a blog's readers and search engines to where it was imported.

Blogger lets no blog on blogspot.com redirect to another domain. A theme can still say, on each
page, where that page lives now: `rel=canonical` for search engines, a meta refresh for
readers, and a script that leaves at once (and takes any other address to the same path on the
new site, whose redirects know the old paths). Which old address leads where is the import's
own mapping: the redirects it made on the site.

The theme switches on `data:blog.canonicalUrl`, the address Blogger itself calls canonical for
the page (the blog's main host, without `?m=1`).
"""

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape, quoteattr

from wagtail.contrib.redirects.models import Redirect

# The old addresses a reader or a search engine lands on: posts, static pages, labels, archives.
PAGE_ADDRESS = re.compile(
    r"^/(?:\d{4}/\d{2}/[^/?]+\.html|p/[^/?]+\.html|search/label/[^?]+|\d{4}(?:/\d{2})?)$"
)
BLOGSPOT = re.compile(r"(^|\.)blogspot\.[a-z.]+$")


class ExitThemeError(Exception):
    """The theme cannot be written; the message says what is missing."""


@dataclass
class Move:
    """One old address and where it lives now."""

    old_url: str
    new_url: str


def old_base(blog_url):
    """The blog's address as Blogger's canonical URLs spell it: https for blogspot.com (which
    serves nothing else), the export's own scheme for a custom domain; no trailing slash."""
    parts = urlsplit(blog_url.strip())
    if not parts.netloc:
        raise ExitThemeError(f"“{blog_url}” is not the blog's address (e.g. https://example.blogspot.com/)")
    host = parts.netloc.lower()
    scheme = "https" if BLOGSPOT.search(host.split(":")[0]) else (parts.scheme or "https")
    return f"{scheme}://{host}"


def moves(site, blog_url, new_root):
    """Every old page address the import mapped on `site`, with its new full URL; the blog's home
    first. `new_root` is the new site's address (https://example.org)."""
    base = old_base(blog_url)
    redirects = (
        Redirect.objects.filter(site=site, redirect_page__isnull=False)
        .select_related("redirect_page")
        .order_by("old_path")
    )
    found = []
    for redirect in redirects:
        path = redirect.old_path
        if not PAGE_ADDRESS.match(path):
            continue
        url = redirect.redirect_page.get_url(current_site=site)
        if url is None:
            continue  # not on this site any more
        if redirect.redirect_page_route_path:
            url = url.rstrip("/") + redirect.redirect_page_route_path
        if not url.startswith(("http://", "https://")):
            url = new_root + url
        if re.match(r"^/\d{4}(?:/\d{2})?$", path):
            path += "/"  # archives are addressed with their slash
        found.append(Move(base + quote(path, safe="/%"), url))
    return found


def theme(blog_url, home_url, found, new_root):
    """The theme's XML: one case per old address, a way on for any other, and a notice."""
    base = old_base(blog_url)
    cases = [Move(base + "/", home_url), *found]
    lines = [
        "<?xml version='1.0' encoding='UTF-8' ?>",
        "<!DOCTYPE html>",
        "<html b:version='2' class='v2' xmlns='http://www.w3.org/1999/xhtml' "
        "xmlns:b='http://www.google.com/2005/gml/b' xmlns:data='http://www.google.com/2005/gml/data' "
        "xmlns:expr='http://www.google.com/2005/gml/expr'>",
        "<head>",
        "<meta content='width=device-width, initial-scale=1' name='viewport'/>",
        "<title><data:blog.pageTitle/></title>",
        "<b:switch var='data:blog.canonicalUrl'>",
    ]
    for move in cases:
        lines += [
            f"<b:case value={quoteattr(move.old_url)}/>",
            f"<link href={quoteattr(move.new_url)} rel='canonical'/>",
            f"<meta content={quoteattr('0; url=' + move.new_url)} http-equiv='refresh'/>",
        ]
    lines += [
        "<b:default/>",
        f"<meta content={quoteattr('0; url=' + home_url)} http-equiv='refresh'/>",
        "</b:switch>",
        "<script>//<![CDATA[",
        "(function () {",
        '  var canonical = document.querySelector("link[rel=canonical]");',
        f"  var elsewhere = {js_string(new_root)} + location.pathname + location.search;",
        "  location.replace(canonical ? canonical.href : elsewhere);",
        "})();",
        "//]]></script>",
        "<b:skin><![CDATA[",
        "body { font: 1.125rem/1.5 Georgia, serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; }",
        "#main { display: none; }",
        "]]></b:skin>",
        "</head>",
        "<body>",
        f"<p>This blog has moved to <a href={quoteattr(home_url)}>{escape(home_url)}</a>.</p>",
        "<b:section class='main' id='main' showaddelement='no'>",
        "<b:widget id='Blog1' locked='true' title='Blog Posts' type='Blog'/>",
        "</b:section>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(lines)


def js_string(value):
    """`value` as a JavaScript string literal that is safe inside a script element."""
    return '"' + "".join(ch if ch.isalnum() or ch in ":/.-_" else f"\\u{ord(ch):04x}" for ch in value) + '"'
