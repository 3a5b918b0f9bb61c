"""RSS, Atom and the sitemap list the right posts and parse as XML."""

import xml.etree.ElementTree as ET

import pytest

from ..factories import make_post

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


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


def test_sitemap_lists_pages(client, blog_index):
    make_post(blog_index, "In the sitemap")
    make_post(blog_index, "Not in the sitemap", publish=False)
    index = ET.fromstring(client.get("/sitemap.xml").content)
    (section,) = [e.text for e in index.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    root = ET.fromstring(client.get(section).content)
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "http://testserver/blog/in-the-sitemap/" in locs
    assert "http://testserver/blog/" in locs
    assert not any("not-in-the-sitemap" in loc for loc in locs)
