"""RSS, Atom, JSON Feed and the sitemap list the right posts, whole, and parse."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser
import pytest
from django.test import override_settings
from django.utils import timezone
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page

from blog.models import Author, BlogPostPage

from ..factories import make_author, make_post, paragraph

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
LAST_PARAGRAPH = "So the levy stays, for one more winter."


def parsed(client, url):
    """The feed at `url`, parsed by feedparser, after checking it parses without a complaint."""
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    return feed


def make_whole_post(blog_index):
    """A post whose body links to an earlier post and to a page by a relative address, shows an
    image, and ends with LAST_PARAGRAPH; with a feed image and an intro."""
    earlier = make_post(blog_index, "Earlier post", slug="earlier-post", date="2024-04-01 09:00")
    image = Image.objects.create(title="Quay at dusk", file=get_test_image_file(filename="quay.png"))
    body = [
        paragraph(
            f'<p>First, <a linktype="page" id="{earlier.pk}">the earlier post</a> and '
            '<a href="/blog/tag/budget/">the budget label</a>.</p>'
        ),
        {"type": "image", "value": {"image": image.pk, "alt_text": "The quay", "caption": "", "credit": ""}},
        paragraph(f"<p>{LAST_PARAGRAPH}</p>"),
    ]
    return make_post(
        blog_index,
        "Levy vote",
        slug="levy-vote",
        date="2024-05-01 09:00",
        tags=["Budget"],
        intro="The council kept the harbour levy & its exemptions.",
        body=body,
        feed_image=image,
    )


def addresses(html):
    """Every href, src and srcset address in `html`."""
    found = re.findall(r'(?:href|src)="([^"]*)"', html)
    for srcset in re.findall(r'srcset="([^"]*)"', html):
        found += [candidate.split()[0] for candidate in srcset.split(",")]
    return found


def test_rss_feed_lists_live_posts(client, blog_index):
    make_post(blog_index, "Published one", tags=["Budget"], intro="Summary one")
    make_post(blog_index, "Draft one", publish=False)
    response = client.get("/blog/feed/")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    items = root.findall("./channel/item")
    assert [i.findtext("title") for i in items] == ["Published one"]
    assert items[0].findtext("link") == "http://testserver/blog/published-one/"
    assert items[0].findtext("category") == "Budget"


def test_atom_feed_lists_live_posts(client, blog_index):
    make_post(blog_index, "Atom post")
    response = client.get("/blog/feed/atom/")
    root = ET.fromstring(response.content)
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert titles == ["Atom post"]


def test_rss_items_carry_the_whole_post_with_absolute_addresses_and_the_feed_image(client, blog_index):
    post = make_whole_post(blog_index)
    raw = client.get("/blog/feed/").content
    (item,) = [i for i in ET.fromstring(raw).findall("./channel/item") if i.findtext("title") == "Levy vote"]
    content = item.findtext(CONTENT_ENCODED)
    assert LAST_PARAGRAPH in content
    assert 'href="http://testserver/blog/earlier-post/"' in content
    assert 'href="http://testserver/blog/tag/budget/"' in content
    assert 'alt="The quay"' in content and "srcset=" in content
    assert addresses(content) and all(url.startswith("http://testserver/") for url in addresses(content))
    assert item.findtext("description") == "The council kept the harbour levy &amp; its exemptions."

    feed = parsed(client, "/blog/feed/")
    entry = next(e for e in feed.entries if e.title == "Levy vote")
    assert LAST_PARAGRAPH in entry.content[0].value
    assert entry.summary == "The council kept the harbour levy &amp; its exemptions."
    (enclosure,) = entry.enclosures
    rendition = post.feed_image.get_rendition("fill-1200x630")
    assert enclosure.href == f"http://testserver{rendition.url}"
    assert enclosure.type == "image/png"
    assert int(enclosure.length) == rendition.file.size > 0
    assert client.get(rendition.url).status_code == 200


def test_atom_entries_carry_the_whole_post_its_authors_and_the_feed_image(client, blog_index):
    make_whole_post(blog_index)
    raw = client.get("/blog/feed/atom/").content
    entry = next(
        e for e in ET.fromstring(raw).findall(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == "Levy vote"
    )
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html" and LAST_PARAGRAPH in content.text
    assert all(url.startswith("http://testserver/") for url in addresses(content.text))
    assert entry.find(f"{ATOM}summary").text == "The council kept the harbour levy &amp; its exemptions."
    (enclosure,) = [link for link in entry.findall(f"{ATOM}link") if link.get("rel") == "enclosure"]
    assert (
        enclosure.get("href").startswith("http://testserver/media/") and enclosure.get("type") == "image/png"
    )
    assert int(enclosure.get("length")) > 0
    assert [
        (a.findtext(f"{ATOM}name"), a.findtext(f"{ATOM}uri")) for a in entry.findall(f"{ATOM}author")
    ] == [("Ada Writer", "http://testserver/blog/author/ada-writer/")]
    feed = parsed(client, "/blog/feed/atom/")
    assert LAST_PARAGRAPH in next(e for e in feed.entries if e.title == "Levy vote").content[0].value


def test_a_republished_post_shows_its_new_body_in_the_feeds(client, blog_index):
    post = make_post(blog_index, "Levy vote", slug="levy-vote", body=[paragraph("<p>The first draft.</p>")])
    assert "The first draft." in client.get("/blog/feed/").content.decode()
    post.body = json.dumps([paragraph("<p>The corrected text.</p>")])
    post.save_revision().publish()
    for url in ("/blog/feed/", "/blog/feed/atom/", "/blog/feed/json/"):
        text = client.get(url).content.decode()
        assert "The corrected text." in text and "The first draft." not in text, url


def test_label_feeds_list_only_that_labels_posts_and_validate(client, blog_index):
    make_post(blog_index, "Budget one", slug="budget-one", date="2024-05-01 09:00", tags=["Budget"])
    make_post(
        blog_index, "Budget two", slug="budget-two", date="2024-05-03 09:00", tags=["Budget", "Ferries"]
    )
    make_post(blog_index, "Ferries only", slug="ferries-only", date="2024-05-02 09:00", tags=["Ferries"])
    make_post(blog_index, "Budget draft", slug="budget-draft", tags=["Budget"], publish=False)
    for url in ("/blog/tag/budget/feed/", "/blog/tag/budget/feed/atom/"):
        feed = parsed(client, url)
        assert [e.title for e in feed.entries] == ["Budget two", "Budget one"], url
        assert feed.feed.title == "Blog: posts labelled “Budget”"
        assert feed.feed.link == "http://testserver/blog/tag/budget/"
        assert all("Body of Budget" in e.content[0].value for e in feed.entries)
    assert client.get("/blog/tag/no-such-label/feed/").status_code == 404
    assert client.get("/blog/tag/no-such-label/feed/atom/").status_code == 404


def test_author_feeds_list_only_their_posts_and_validate(client, blog_index):
    ada, ben = make_author("Ada Writer"), make_author("Ben Reporter")
    make_post(blog_index, "By Ada", slug="by-ada", date="2024-05-01 09:00", authors=[ada])
    make_post(blog_index, "By both", slug="by-both", date="2024-05-03 09:00", authors=[ben, ada])
    make_post(blog_index, "By Ben", slug="by-ben", date="2024-05-02 09:00", authors=[ben])
    for url in ("/blog/author/ada-writer/feed/", "/blog/author/ada-writer/feed/atom/"):
        feed = parsed(client, url)
        assert [e.title for e in feed.entries] == ["By both", "By Ada"], url
        assert feed.feed.title == "Blog: posts by Ada Writer"
        assert feed.feed.link == "http://testserver/blog/author/ada-writer/"
    atom = parsed(client, "/blog/author/ada-writer/feed/atom/")
    assert [a.name for a in atom.entries[0].authors] == ["Ben Reporter", "Ada Writer"]
    rss = parsed(client, "/blog/author/ben-reporter/feed/")
    assert [(e.title, e.author) for e in rss.entries] == [
        ("By both", "Ben Reporter, Ada Writer"),
        ("By Ben", "Ben Reporter"),
    ]
    assert client.get("/blog/author/nobody/feed/").status_code == 404
    assert client.get("/blog/author/nobody/feed/atom/").status_code == 404


def test_json_feed_is_json_feed_1_1_with_the_whole_posts(client, blog_index):
    post = make_whole_post(blog_index)
    make_post(blog_index, "Unlisted draft", slug="unlisted-draft", publish=False)
    response = client.get("/blog/feed/json/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/feed+json; charset=utf-8"
    feed = json.loads(response.content)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "Blog"
    assert feed["home_page_url"] == "http://testserver/blog/"
    assert feed["feed_url"] == "http://testserver/blog/feed/json/"
    assert [item["title"] for item in feed["items"]] == ["Levy vote", "Earlier post"]
    item = feed["items"][0]
    post.refresh_from_db()
    assert item["id"] == item["url"] == "http://testserver/blog/levy-vote/"
    assert LAST_PARAGRAPH in item["content_html"]
    assert all(url.startswith("http://testserver/") for url in addresses(item["content_html"]))
    assert item["summary"] == "The council kept the harbour levy & its exemptions."
    assert item["date_published"] == post.date.isoformat()
    assert item["date_modified"] == post.last_published_at.isoformat()
    assert item["authors"] == [{"name": "Ada Writer", "url": "http://testserver/blog/author/ada-writer/"}]
    assert item["tags"] == ["Budget"]
    assert item["image"] == f"http://testserver{post.feed_image.get_rendition('fill-1200x630').url}"
    assert "image" not in feed["items"][1]


FEEDS = [
    "/blog/feed/",
    "/blog/feed/atom/",
    "/blog/feed/json/",
    "/blog/tag/budget/feed/",
    "/blog/tag/budget/feed/atom/",
    "/blog/author/ada-writer/feed/",
    "/blog/author/ada-writer/feed/atom/",
]


def test_every_feed_answers_a_repeated_request_with_304_until_a_post_is_published(client, blog_index):
    make_post(blog_index, "Budget one", slug="budget-one", tags=["Budget"])
    a_day_ago = timezone.now().replace(microsecond=0) - timedelta(days=1)
    Page.objects.update(last_published_at=a_day_ago)
    first = {url: client.get(url) for url in FEEDS}
    for url, response in first.items():
        assert response.status_code == 200, url
        assert response["ETag"] and response["Last-Modified"], url
        assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304, url
        not_modified = client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
        assert not_modified.status_code == 304 and not_modified.content == b"", url

    make_post(blog_index, "Budget two", slug="budget-two", tags=["Budget"])
    for url, response in first.items():
        again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 200 and "Budget two" in again.content.decode(), url
        since = client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
        assert since.status_code == 200, url


@override_settings(PAGE_CACHE_SECONDS=600)
def test_a_feed_the_page_cache_keeps_still_answers_304(client, blog_index):
    make_post(blog_index, "Budget one", slug="budget-one", tags=["Budget"])
    for url in FEEDS:
        first = client.get(url)
        assert first["X-Page-Cache"] == "miss", url
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304 and again["X-Page-Cache"] == "hit", url
        assert again["ETag"] == first["ETag"]
        stored = client.get(url)
        assert stored["X-Page-Cache"] == "hit" and stored["ETag"] == first["ETag"], url
    make_post(blog_index, "Budget two", slug="budget-two", tags=["Budget"])
    for url in FEEDS:
        assert "Budget two" in client.get(url).content.decode(), url


def alternates(html):
    """(type, title, href) of each <link rel="alternate"> in `html`'s head."""
    head = html.split("</head>", 1)[0]
    return re.findall(r'<link rel="alternate" type="([^"]+)" title="([^"]+)" href="([^"]+)">', head)


def test_listing_pages_announce_their_own_feeds_and_the_blogs(client, blog_index):
    make_post(blog_index, "Budget one", slug="budget-one", date="2024-05-01 09:00", tags=["Budget"])
    blog_feeds = [
        ("application/rss+xml", "Blog (RSS)", "http://testserver/blog/feed/"),
        ("application/atom+xml", "Blog (Atom)", "http://testserver/blog/feed/atom/"),
        ("application/feed+json", "Blog (JSON Feed)", "http://testserver/blog/feed/json/"),
    ]
    for url in ("/blog/", "/blog/2024/", "/blog/2024/05/", "/blog/budget-one/", "/"):
        assert alternates(client.get(url).content.decode()) == blog_feeds, url
    label_page = client.get("/blog/tag/budget/").content.decode()
    assert alternates(label_page) == [
        (
            "application/rss+xml",
            "Blog: posts labelled “Budget” (RSS)",
            "http://testserver/blog/tag/budget/feed/",
        ),
        (
            "application/atom+xml",
            "Blog: posts labelled “Budget” (Atom)",
            "http://testserver/blog/tag/budget/feed/atom/",
        ),
        *blog_feeds,
    ]
    author_page = client.get("/blog/author/ada-writer/").content.decode()
    assert alternates(author_page)[:2] == [
        (
            "application/rss+xml",
            "Blog: posts by Ada Writer (RSS)",
            "http://testserver/blog/author/ada-writer/feed/",
        ),
        (
            "application/atom+xml",
            "Blog: posts by Ada Writer (Atom)",
            "http://testserver/blog/author/ada-writer/feed/atom/",
        ),
    ]
    # The feeds they announce are there, of the type announced.
    for content_type, _title, href in alternates(label_page) + alternates(author_page):
        response = client.get(href)
        assert response.status_code == 200 and response["Content-Type"].startswith(content_type), href


def test_sitemap_lists_pages(client, blog_index):
    make_post(blog_index, "In the sitemap")
    make_post(blog_index, "Not in the sitemap", publish=False)
    index = ET.fromstring(client.get("/sitemap.xml").content)
    sections = [e.text for e in index.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert sections == ["http://testserver/sitemap-pages.xml", "http://testserver/sitemap-authors.xml"]
    root = ET.fromstring(client.get(sections[0]).content)
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "http://testserver/blog/in-the-sitemap/" in locs
    assert "http://testserver/blog/" in locs
    assert not any("not-in-the-sitemap" in loc for loc in locs)


def test_the_feeds_follow_a_post_a_body_links_to_and_a_renamed_author(client, blog_index):
    make_whole_post(blog_index)
    make_post(blog_index, "Between the two", date="2024-04-15 09:00")  # the earlier post's neighbour now
    feeds = ("/blog/feed/", "/blog/feed/atom/", "/blog/feed/json/")
    for url in feeds:
        text = client.get(url).content.decode()
        assert "http://testserver/blog/earlier-post/" in text and "Ada Writer" in text, url
    earlier = BlogPostPage.objects.get(slug="earlier-post")
    earlier.slug = "harbour-history"
    earlier.save_revision().publish()
    author = Author.objects.get(name="Ada Writer")
    author.name = "Ada Quill"
    author.save()
    for url in feeds:
        text = client.get(url).content.decode()
        assert "http://testserver/blog/harbour-history/" in text and "/blog/earlier-post/" not in text, url
        assert "Ada Quill" in text and "Ada Writer" not in text, url
