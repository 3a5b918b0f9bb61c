"""Share cards, descriptions, structured data and icons: what social sites, search engines and
browsers read from every page."""

import json
import re
from html import unescape
from io import BytesIO

import pytest
from django.test import Client
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Site

from blog.models import ShareSettings

from ..factories import make_author, make_post, paragraph

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"
CARD_TAGS = [
    "og:title",
    "og:description",
    "og:url",
    "og:type",
    "og:image",
    "og:image:alt",
    "og:image:width",
    "og:image:height",
    "og:site_name",
    "og:locale",
    "twitter:card",
    "twitter:title",
    "twitter:description",
    "twitter:image",
    "twitter:image:alt",
]
ARTICLE_TAGS = ["article:published_time", "article:author", "article:tag"]


@pytest.fixture
def static_served(settings):
    """Static files answered by WhiteNoise from the source folders, as production serves them."""
    settings.MIDDLEWARE = [
        settings.MIDDLEWARE[0],
        "whitenoise.middleware.WhiteNoiseMiddleware",
        *settings.MIDDLEWARE[1:],
    ]
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


def meta_tags(html):
    """Every <meta property|name=... content=...> of the page, as {name: [contents]}."""
    found = {}
    for name, content in re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', html):
        found.setdefault(name, []).append(unescape(content))
    return found


def card(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return meta_tags(response.content.decode())


def structured_data(client, url):
    html = client.get(url).content.decode()
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def fetched_image(client, url):
    """The content type and pixel size of the image at absolute `url`, fetched through the site."""
    assert url.startswith(f"{ORIGIN}/"), url
    response = client.get(url.removeprefix(ORIGIN))
    assert response.status_code == 200, url
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response["Content-Type"], PILImage.open(BytesIO(content)).size


def image_block(image, alt_text=""):
    return {"type": "image", "value": {"image": image.pk, "alt_text": alt_text, "caption": "", "credit": ""}}


def make_image(title, size=(1600, 900), colour="navy", description=""):
    return Image.objects.create(
        title=title,
        description=description,
        file=get_test_image_file(f"{title}.png", colour=colour, size=size),
    )


def assert_full_card(client, tags, article=True):
    """Every tag of a share card is there, the image is absolute and is the size the card says."""
    missing = [name for name in CARD_TAGS + (ARTICLE_TAGS if article else []) if not tags.get(name)]
    assert missing == []
    assert tags["twitter:card"] == ["summary_large_image"]
    assert tags["og:locale"] == ["en_US"]
    assert tags["og:site_name"] == ["Broadsheet"]
    assert tags["og:type"] == ["article" if article else "website"]
    assert tags["twitter:image"] == tags["og:image"] and tags["twitter:title"] == tags["og:title"]
    assert tags["og:url"][0].startswith(f"{ORIGIN}/")
    content_type, size = fetched_image(client, tags["og:image"][0])
    assert content_type == "image/png"
    assert size == (int(tags["og:image:width"][0]), int(tags["og:image:height"][0]))


@pytest.fixture
def bylined(blog_index):
    """A post with two labels and two authors, and what it needs besides its images."""

    def make(title, **fields):
        return make_post(
            blog_index,
            title,
            tags=["Harbour", "Budget"],
            authors=[make_author("Ines Marwick"), make_author("Pavel Oduya")],
            intro=f"What {title.lower()} means for the quay.",
            **fields,
        )

    return make


def test_a_post_without_a_feed_image_shares_the_first_image_in_its_body(client, static_served, bylined):
    chart = make_image("Berth fees chart")
    later = make_image("Second chart", colour="red")
    post = bylined(
        "Berth fees",
        body=[paragraph("<p>The fees rose.</p>"), image_block(chart, "Fees by year"), image_block(later)],
    )
    tags = card(client, post.url)
    assert_full_card(client, tags)
    assert chart.get_rendition("fill-1200x630").url in tags["og:image"][0]
    assert tags["og:image:alt"] == tags["twitter:image:alt"] == ["Fees by year"]
    assert (tags["og:image:width"], tags["og:image:height"]) == (["1200"], ["630"])
    assert tags["og:title"] == ["Berth fees"]
    assert tags["og:url"] == [f"{ORIGIN}/blog/berth-fees/"]
    assert tags["og:description"] == tags["description"] == ["What berth fees means for the quay."]
    assert tags["article:author"] == [
        "http://testserver/blog/author/ines-marwick/",
        "http://testserver/blog/author/pavel-oduya/",
    ]
    assert tags["article:tag"] == ["Budget", "Harbour"]
    assert tags["article:published_time"] == ["2024-05-01T09:00:00+00:00"]
    # To the second, as HTML's datetime attribute takes it (publishing times carry microseconds).
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", tags["article:modified_time"][0])
    assert "twitter:site" not in tags


def test_a_feed_image_comes_before_the_body_image(client, static_served, bylined):
    cover = make_image("Quay at night", size=(640, 480), description="The quay lit at night")
    post = bylined(
        "Night berths", feed_image=cover, body=[image_block(make_image("In the body"), "Body image")]
    )
    tags = card(client, post.url)
    assert_full_card(client, tags)
    # A small image is cropped to the card's shape, never enlarged; the card says its real size.
    assert cover.get_rendition("fill-1200x630").url in tags["og:image"][0]
    assert (tags["og:image:width"], tags["og:image:height"]) == (["640"], ["336"])
    assert tags["og:image:alt"] == ["The quay lit at night"]


def test_a_post_without_any_image_shares_the_sites_default(client, static_served, bylined):
    post = bylined("No pictures", body=[paragraph("<p>Only words.</p>")])
    tags = card(client, post.url)
    assert_full_card(client, tags)
    assert tags["og:image"] == [f"{ORIGIN}/static/img/share.png"]
    assert (tags["og:image:width"], tags["og:image:height"]) == (["1200"], ["630"])
    assert tags["og:image:alt"] == ["The Broadsheet mark, a letter B on a dark square"]


def test_every_reader_page_has_a_website_card_with_the_default_image(
    client, static_served, home_page, bylined
):
    home_page.search_description = "A ledger of the harbour."
    home_page.save_revision().publish()
    bylined("Harbour notes", date="2020-03-04 09:00")
    titles = {
        "/": "Home",
        "/blog/": "Blog",
        "/blog/tag/harbour/": "Posts labelled “Harbour”",
        "/blog/2020/": "Posts from 2020",
        "/blog/2020/03/": "Posts from March 2020",
        "/search/?q=harbour": "Search: harbour",
    }
    for url, title in titles.items():
        tags = card(client, url)
        assert_full_card(client, tags, article=False)
        assert tags["og:title"] == [title], url
        assert tags["og:image"] == [f"{ORIGIN}/static/img/share.png"], url
        assert "article:published_time" not in tags, url
    assert card(client, "/blog/tag/harbour/")["og:url"] == [f"{ORIGIN}/blog/tag/harbour/"]


def test_site_settings_choose_the_default_image_logo_and_account(client, static_served, home_page, bylined):
    home_page.intro = "<p>A ledger of the harbour.</p>"
    home_page.save_revision().publish()
    post = bylined("Plain post", body=[paragraph("<p>Words.</p>")])
    site = Site.objects.get(is_default_site=True)
    logo = make_image("Masthead", size=(800, 200))
    ShareSettings.objects.create(
        site=site,
        default_image=make_image("Harbour skyline", description="The skyline"),
        logo=logo,
        social_handle="@ledger",
    )
    for url in ("/", post.url):
        tags = card(client, url)
        assert_full_card(client, tags, article=url == post.url)
        assert "/media/images/Harbour_skyline" in tags["og:image"][0]
        assert tags["og:image:alt"] == ["The skyline"]
        assert tags["twitter:site"] == ["@ledger"]
    data = structured_data(client, post.url)
    assert data["publisher"]["logo"]["url"] == ORIGIN + logo.get_rendition("max-600x600").url
    assert (data["publisher"]["logo"]["width"], data["publisher"]["logo"]["height"]) == (600, 150)
    assert fetched_image(client, data["publisher"]["logo"]["url"]) == ("image/png", (600, 150))


def test_post_json_ld_holds_the_share_image_and_the_publishers_logo(client, static_served, bylined):
    chart = make_image("Levy chart")
    with_image = bylined("Levy chart post", body=[image_block(chart, "The levy")])
    without = bylined("Levy words", body=[paragraph("<p>Words.</p>")])
    data = structured_data(client, with_image.url)
    assert data["@type"] == "BlogPosting"
    assert data["image"] == [
        {
            "@type": "ImageObject",
            "url": ORIGIN + chart.get_rendition("fill-1200x630").url,
            "width": 1200,
            "height": 630,
        }
    ]
    logo = {"@type": "ImageObject", "url": f"{ORIGIN}/static/img/logo.png", "width": 512, "height": 512}
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "Broadsheet",
        "url": f"{ORIGIN}/",
        "logo": logo,
    }
    assert fetched_image(client, logo["url"]) == ("image/png", (512, 512))
    assert structured_data(client, without.url)["image"][0]["url"] == f"{ORIGIN}/static/img/share.png"


def test_image_text_is_escaped_in_the_card_and_the_json_ld_still_parses(client, static_served, bylined):
    chart = make_image("Chart")
    post = bylined("Escapes", body=[image_block(chart, '"></script><script>alert(1)</script>')])
    html = client.get(post.url).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert meta_tags(html)["og:image:alt"] == ['"></script><script>alert(1)</script>']
    assert structured_data(client, post.url)["image"][0]["width"] == 1200


def test_the_card_follows_an_edited_image_and_saved_settings(client, static_served, home_page, bylined):
    chart = make_image("Old title")
    post = bylined("Follows", feed_image=chart)
    assert card(client, post.url)["og:image:alt"] == ["Old title"]
    chart.title = "New title"
    chart.save()
    assert card(client, post.url)["og:image:alt"] == ["New title"]
    settings = ShareSettings.for_site(Site.objects.get(is_default_site=True))
    settings.social_handle = "@harbourledger"
    settings.save()
    assert card(client, "/")["twitter:site"] == ["@harbourledger"]


def test_meta_descriptions_fall_back_from_search_description_to_intro_to_the_site(
    client, home_page, blog_index
):
    described = make_post(
        blog_index, "Described", search_description="For search engines.", intro="The intro."
    )
    introduced = make_post(blog_index, "Introduced", intro="Only an intro.\nOn two lines.")
    bare = make_post(blog_index, "Bare", tags=["quay"], date="2021-06-01 09:00")

    def description(url):
        tags = card(client, url)
        assert tags.get("description") == tags.get("og:description") == tags.get("twitter:description"), url
        return tags.get("description", [None])[0]

    assert description(described.url) == "For search engines."
    assert description(introduced.url) == "Only an intro. On two lines."
    # Nothing of its own, and a site with no description yet: no empty description at all.
    assert description(bare.url) is None
    # The site's description: the home page's intro, until a search description is given...
    home_page.intro = "<p>A <b>ledger</b> of the harbour &amp; its council.</p>"
    home_page.save_revision().publish()
    assert description(bare.url) == "A ledger of the harbour & its council."
    blog_index.search_description = "The blog's own summary."
    blog_index.save_revision().publish()
    # ... the blog's search description comes before the home page's intro ...
    assert description(bare.url) == "The blog's own summary."
    home_page.search_description = "The harbour's ledger."
    home_page.save_revision().publish()
    # ... and the home page's search description before everything.
    for url in (bare.url, "/search/?q=quay", "/search/"):
        assert description(url) == "The harbour's ledger.", url
    assert description("/") == "The harbour's ledger."
    # The blog's listings describe themselves with the blog's own.
    for url in ("/blog/", "/blog/tag/quay/", "/blog/2021/"):
        assert description(url) == "The blog's own summary.", url


def test_the_blog_index_without_a_search_description_is_described_by_its_intro(client, home_page, blog_index):
    blog_index.intro = "<p>Notes on the <i>harbour</i>.</p>"
    blog_index.save_revision().publish()
    assert card(client, "/blog/")["description"] == ["Notes on the harbour."]


def test_favicon_and_icons_answer_with_images(client, static_served, home_page):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    icon = PILImage.open(BytesIO(b"".join(response.streaming_content)))
    assert icon.format == "ICO" and (32, 32) in icon.info["sizes"]
    html = client.get("/").content.decode()
    links = dict(re.findall(r'<link rel="(icon|apple-touch-icon)"[^>]*?href="([^"]+)"', html))
    assert '<link rel="icon" type="image/svg+xml" href="/static/img/favicon.svg">' in html
    svg = client.get("/static/img/favicon.svg")
    assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(svg.streaming_content)
    assert fetched_image(client, ORIGIN + links["apple-touch-icon"]) == ("image/png", (180, 180))


def test_share_settings_in_the_admin_refuse_a_bad_account_and_keep_a_good_one(admin_client, home_page):
    site = Site.objects.get(is_default_site=True)
    url = f"/admin/settings/blog/sharesettings/{site.pk}/"
    assert 'name="social_handle"' in admin_client.get(url).content.decode()
    refused = admin_client.post(url, {"social_handle": "not a handle!"})
    assert refused.status_code == 200
    assert "1 to 15 letters, digits or underscores" in refused.content.decode()
    assert not ShareSettings.objects.filter(site=site).exists()
    assert admin_client.post(url, {"social_handle": "harbourledger"}).status_code == 302
    assert ShareSettings.objects.get(site=site).social_handle == "@harbourledger"
    assert meta_tags(Client().get("/").content.decode())["twitter:site"] == ["@harbourledger"]


def test_share_cards_cost_no_queries_once_their_images_are_known(
    client, static_served, home_page, bylined, django_assert_max_num_queries
):
    ShareSettings.objects.create(
        site=Site.objects.get(is_default_site=True),
        default_image=make_image("Default"),
        logo=make_image("Logo"),
    )
    with_feed = bylined("With feed", slug="with-feed", feed_image=make_image("Cover"))
    in_body = bylined("In body", slug="in-body", body=[image_block(make_image("Body"))])
    for url in ("/", "/blog/", with_feed.url, in_body.url):
        client.get(url)
    # The post page's budget in test_query_budgets.py (itself and its comment thread), and one
    # more where the body shows an image (the body's own images, in one query).
    for url, ceiling in ((with_feed.url, 2), (in_body.url, 3)):
        with django_assert_max_num_queries(ceiling):
            assert client.get(url).status_code == 200
    for url in ("/", "/blog/"):
        with django_assert_max_num_queries(1):
            assert client.get(url).status_code == 200
