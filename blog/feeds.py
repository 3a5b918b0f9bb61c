"""The feeds of a blog and of each of its labels and authors: RSS 2.0 and Atom (Django's
syndication framework) and, for the blog, JSON Feed 1.1.

Each item is the whole post: its body with absolute links and image addresses (kept per post
until it changes), its intro as the summary and its feed image as an enclosure. Every answer
has an ETag (of its content) and a Last-Modified (the newest publication it lists), and a
reader that sends them back gets a 304.
"""

import json
import mimetypes
from dataclasses import dataclass
from urllib.parse import urljoin

from bs4 import BeautifulSoup
from django.contrib.syndication.views import Feed
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import escape
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import get_language

from broadsheet import caching

from .bodies import body_html, shown_scopes
from .models import Author

FEED_LENGTH = 20
# The rendition share cards use, so that an image has one rendition for both.
IMAGE_SPEC = "fill-1200x630"
# A post's rendered body is kept until the post, an image it shows or a page it links to
# changes; a replaced document it links to shows in its feeds within this time.
WHOLE_POST_SECONDS = 24 * 3600
URL_ATTRIBUTES = ("href", "src", "poster", "cite")
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
KINDS = {
    "rss": ("application/rss+xml", "RSS"),
    "atom": ("application/atom+xml", "Atom"),
    "json": ("application/feed+json", "JSON Feed"),
}
# The routes (on BlogIndexPage) of each listing's page and feeds.
ROUTES = {
    "blog": {"page": "index_view", "rss": "rss_view", "atom": "atom_view", "json": "json_view"},
    "tag": {"page": "tag_view", "rss": "tag_rss_view", "atom": "tag_atom_view"},
    "author": {"page": "author_view", "rss": "author_rss_view", "atom": "author_atom_view"},
}


@dataclass(frozen=True)
class Listing:
    """What a listing page and its feeds show: a blog's posts, or those of one label or author."""

    blog: object
    subject: object  # None, a Tag or an Author
    title: str
    description: str
    where: Q
    route: str
    args: tuple = ()

    def url(self, request, kind="page", blog_url=None):
        """The full address of the listing's page, or of its `kind` feed (`blog_url`: the blog's
        full address, if the caller has it)."""
        name = ROUTES[self.route][kind]
        return (blog_url or self.blog.get_full_url(request)) + self.blog.reverse_subpage(name, args=self.args)

    def kinds(self):
        return [kind for kind in ROUTES[self.route] if kind != "page"]

    def posts(self):
        return self.blog.get_feed_posts().filter(self.where)[:FEED_LENGTH]


def listing(blog, subject=None):
    """The listing of `blog`'s posts, or of those with the label or by the author `subject`."""
    if subject is None:
        description = blog.search_description or f"The newest posts of {blog.title}"
        return Listing(blog, None, blog.title, description, Q(), "blog")
    if isinstance(subject, Author):
        return Listing(
            blog,
            subject,
            f"{blog.title}: posts by {subject.name}",
            f"The newest posts by {subject.name} on {blog.title}",
            Q(post_authors__author=subject),
            "author",
            (subject.slug,),
        )
    return Listing(
        blog,
        subject,
        f"{blog.title}: posts labelled “{subject.name}”",
        f"The newest posts labelled “{subject.name}” on {blog.title}",
        Q(tags=subject),
        "tag",
        (subject.slug,),
    )


def alternates(request, blog, subject=None):
    """The feeds a page announces: those of its label or author (`subject`), then its blog's;
    each a {"type", "label", "title", "url", "subject"} dict. Worked out once per request (a
    listing page announces them in its head and lists them above its posts)."""
    kept = request.__dict__.setdefault("_feed_alternates", {}) if request is not None else {}
    key = (blog.pk, type(subject).__name__, getattr(subject, "pk", None))
    if key not in kept:
        kept[key] = find_alternates(request, blog, subject)
    return kept[key]


def find_alternates(request, blog, subject):
    listings = [listing(blog, subject), listing(blog)] if subject is not None else [listing(blog)]
    blog_url = blog.get_full_url(request)
    found = []
    for each in listings:
        for kind in each.kinds():
            content_type, label = KINDS[kind]
            found.append(
                {
                    "type": content_type,
                    "label": label,
                    "title": f"{each.title} ({label})",
                    "url": each.url(request, kind, blog_url),
                    "subject": each.subject,
                }
            )
    return found


def serve(request, kind, listing):
    """The `kind` feed ("rss", "atom" or "json") of `listing`, or a 304 if the reader has it.

    The finished document is kept until the listing changes or one of its posts shows something
    new (see `entry_scopes`); each entry is made from its post's stored body (`whole_post`).
    """
    document = caching.cached(
        "feed-document",
        lambda: feed_document(request, kind, listing),
        scopes=[caching.LISTINGS],
        vary=(kind, listing.route, listing.blog.pk, listing.args, request.scheme, request.get_host()),
        timeout=WHOLE_POST_SECONDS,
        more_scopes=lambda document: document["scopes"],
    )
    if document["dated_now"]:
        document = feed_document(request, kind, listing)
    response = HttpResponse(document["content"])
    for name, value in document["headers"]:
        response[name] = value
    last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
    return get_conditional_response(
        request, etag=response["ETag"], last_modified=last_modified, response=response
    )


def feed_document(request, kind, listing):
    """{"content", "headers", "scopes", "dated_now"}: the `kind` feed of `listing` as sent, what it
    shows beyond the listing (`entry_scopes`), and whether it is dated by the clock (an RSS or
    Atom feed with no posts is dated now, as Django's syndication feeds are: it is not kept)."""
    posts = list(listing.posts())
    entries = [(post, whole_post(request, post)) for post in posts]
    if kind == "json":
        response = json_feed(request, listing, entries)
    else:
        feed_class = AtomFeed if kind == "atom" else RssFeed
        response = feed_class(listing, entries)(request)
    # As ConditionalGetMiddleware does, for the feeds alone.
    set_response_etag(response)
    return {
        "content": response.content,
        "headers": list(response.items()),
        "scopes": sorted({scope for post in posts for scope in entry_scopes(post)}),
        "dated_now": not posts and kind != "json",
    }


def entry_scopes(post):
    """What a feed entry shows beyond the listing's scope (which covers every post's own text,
    byline and labels): the images and pages the body shows and links to, the feed image, and
    for a body with embeds the post itself (an embed looked up later forgets it)."""
    blocks = post.body.raw_data
    scopes = shown_scopes(blocks)
    if post.feed_image_id:
        scopes.append(caching.image(post.feed_image_id))
    if any(block["type"] == "embed" for block in blocks):
        scopes.append(caching.post(post.pk))
    return scopes


def whole_post(request, post):
    """{"content_html", "image"}: `post`'s body as its page shows it with every address made
    absolute, and its feed image ({"url", "length", "type"}, or None); kept until the post, an
    image it shows or a page it links to changes."""
    base = post.get_full_url(request)

    def build():
        content = absolute_html(body_html(post, request), base)
        return {"content_html": content, "image": feed_image(post, base)}

    return caching.cached(
        "feed-whole-post",
        build,
        scopes=[caching.post(post.pk), *entry_scopes(post)],
        vary=(post.pk, base),
        timeout=WHOLE_POST_SECONDS,
    )


def absolute_html(html, base):
    """`html` with every relative address in it (links, images and their srcset) resolved against `base`."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(True):
        for name in URL_ATTRIBUTES:
            if element.has_attr(name):
                element[name] = urljoin(base, element[name].strip())
        if element.has_attr("srcset"):
            candidates = (candidate.strip().split(maxsplit=1) for candidate in element["srcset"].split(","))
            element["srcset"] = ", ".join(
                " ".join([urljoin(base, parts[0]), *parts[1:]]) for parts in candidates if parts
            )
    return str(soup)


def feed_image(post, base):
    """The post's feed image as an enclosure: {"url", "length", "type"}, or None."""
    image = post.feed_image
    if image is None:
        return None
    rendition = image.get_rendition(IMAGE_SPEC)
    try:
        length = rendition.file.size
    except OSError:
        length = 0  # what RSS asks for when the size cannot be told
    content_type = mimetypes.guess_type(rendition.file.name)[0] or "application/octet-stream"
    return {"url": urljoin(base, rendition.url), "length": length, "type": content_type}


def author_entries(request, blog, post):
    """The post's authors as {"name", "url"} dicts (their pages on `blog`), in the byline's order."""
    return [
        {"name": author["name"], "url": blog.author_url(author["slug"], request)}
        for author in post.author_list
    ]


class WholePostRss(Rss201rev2Feed):
    """RSS 2.0 with each post whole in content:encoded."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:content": "http://purl.org/rss/1.0/modules/content/"}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content_html"])


class WholePostAtom(Atom1Feed):
    """Atom with each post whole in its content, and each of its authors with their page."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for author in item["authors"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", author["name"])
            handler.addQuickElement("uri", author["url"])
            handler.endElement("author")
        handler.addQuickElement("content", item["content_html"], {"type": "html"})


class RssFeed(Feed):
    """The newest posts of a listing, as RSS."""

    feed_type = WholePostRss
    kind = "rss"

    def __init__(self, listing, entries):
        super().__init__()
        self.listing = listing
        self.whole = {post.pk: whole for post, whole in entries}
        self.posts = [post for post, _whole in entries]

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def title(self):
        return self.listing.title

    def link(self):
        return self.listing.url(self.request)

    def feed_url(self):
        return self.listing.url(self.request, self.kind)

    def description(self):
        return self.listing.description

    def items(self):
        return self.posts

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # The intro is plain text; feeds carry the summary as HTML.
        return escape(item.intro) if item.intro else None

    def item_link(self, item):
        return item.get_full_url(self.request)

    def item_pubdate(self, item):
        return item.date

    def item_updateddate(self, item):
        return item.last_published_at or item.date

    def item_author_name(self, item):
        return ", ".join(author["name"] for author in item.author_list) or None

    def item_categories(self, item):
        return [tag["name"] for tag in item.label_list]

    def item_enclosures(self, item):
        image = self.whole[item.pk]["image"]
        return [Enclosure(image["url"], str(image["length"]), image["type"])] if image else []

    def item_extra_kwargs(self, item):
        return {
            "content_html": self.whole[item.pk]["content_html"],
            "authors": author_entries(self.request, self.listing.blog, item),
        }


class AtomFeed(RssFeed):
    """The newest posts of a listing, as Atom."""

    feed_type = WholePostAtom
    kind = "atom"

    def subtitle(self):
        return self.description()

    def item_author_name(self, item):
        return None  # WholePostAtom writes one <author> for each


def json_feed(request, listing, entries):
    """The listing as JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""
    items = []
    for post, whole in entries:
        url = post.get_full_url(request)
        item = {
            "id": url,
            "url": url,
            "title": post.title,
            "content_html": whole["content_html"],
            "date_published": post.date.isoformat(),
            "date_modified": (post.last_published_at or post.date).isoformat(),
            "authors": author_entries(request, listing.blog, post),
            "tags": [tag["name"] for tag in post.label_list],
        }
        if post.intro:
            item["summary"] = post.intro
        if whole["image"]:
            item["image"] = whole["image"]["url"]
        items.append(item)
    feed = {
        "version": JSON_FEED_VERSION,
        "title": listing.title,
        "home_page_url": listing.url(request),
        "feed_url": listing.url(request, "json"),
        "description": listing.description,
        "language": get_language(),
        "items": items,
    }
    response = HttpResponse(
        json.dumps(feed, cls=DjangoJSONEncoder, ensure_ascii=False),
        content_type="application/feed+json; charset=utf-8",
    )
    dates = [post.last_published_at or post.date for post, _whole in entries]
    if dates:
        response["Last-Modified"] = http_date(max(dates).timestamp())
    return response
