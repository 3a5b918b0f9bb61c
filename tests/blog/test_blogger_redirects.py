"""Every address an imported Blogger blog had keeps working: old paths, old hosts, robots.txt."""

from urllib.robotparser import RobotFileParser

import pytest
from wagtail.models import Site

from blog.models import BlogPostPage

from ..blogger_helpers import import_fixture
from ..factories import make_comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(blog_index, tmp_path):
    """The classic fixture imported into the test blog (on http://testserver)."""
    import_fixture(tmp_path)
    return blog_index


def post_pk(slug):
    return BlogPostPage.objects.get(slug=slug).pk


# Each old address form, with where it must lead.
OLD_ADDRESSES = [
    ("/2015/11/levy-vote.html", "/blog/levy-vote/"),
    ("/2015/11/levy-vote.html?m=1", "/blog/levy-vote/"),
    ("/2015/11/levy-vote.html?showComment=1446465600000", "/blog/levy-vote/"),
    ("/2015/11/levy-vote.html?showComment=1446465600000&m=1", "/blog/levy-vote/"),
    ("/2015/11/levy-vote.html?m=0#c9001", "/blog/levy-vote/"),
    ("/p/about.html", "/about/"),
    ("/p/about.html?m=1", "/about/"),
    ("/search/label/Town%20Council", "/blog/tag/town-council/"),
    ("/search/label/ISIS?max-results=20", "/blog/tag/isis/"),
    ("/search/label/isis?m=1", "/blog/tag/isis/"),
    ("/2015/11/", "/blog/2015/11/"),
    ("/2015/11/?m=1", "/blog/2015/11/"),
    ("/2015_11_01_archive.html", "/blog/2015/11/"),
    ("/2015/", "/blog/2015/"),
    ("/2015/?m=1", "/blog/2015/"),
    ("/feeds/posts/default", "/blog/feed/atom/"),
    ("/feeds/posts/default?alt=rss", "/blog/feed/"),
    ("/feeds/posts/summary", "/blog/feed/atom/"),
    ("/feeds/posts/default?max-results=500", "/blog/feed/atom/"),
    ("/atom.xml", "/blog/feed/atom/"),
    ("/rss.xml", "/blog/feed/"),
    ("/feeds/posts/default/-/Harbour", "/blog/tag/harbour/feed/atom/"),
    ("/feeds/posts/default/-/Town%20Council?alt=rss", "/blog/tag/town-council/feed/"),
    ("/feeds/posts/summary/-/ISIS", "/blog/tag/isis/feed/atom/"),
    ("/feeds/posts/default/-/isis?alt=rss&max-results=5", "/blog/tag/isis/feed/atom/"),
    ("/feeds/comments/default", "/blog/feed/comments/"),
    ("/feeds/comments/default?alt=rss", "/blog/feed/comments/"),
    ("/feeds/1111/comments/default", "/blog/levy-vote/"),
]


@pytest.mark.parametrize("old, new", OLD_ADDRESSES)
def test_every_old_address_redirects_permanently_to_its_new_place(client, imported, old, new):
    response = client.get(old)
    assert (response.status_code, response["Location"]) == (301, new)
    assert client.get(new).status_code == 200


def test_the_comments_feed_lists_the_newest_public_comments_of_the_blog(
    client, imported, django_assert_max_num_queries
):
    post = BlogPostPage.objects.get(slug="harbour-plan")
    make_comment(post, "A <b>bold</b> claim.\nSecond line.", name="Quay Reader", is_public=True)
    make_comment(post, "Held back.", name="Held Reader", is_public=False)
    client.get("/blog/feed/comments/")
    with django_assert_max_num_queries(6):
        response = client.get("/blog/feed/comments/")
    xml = response.content.decode()
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "<title>Quay Reader on “The harbour plan”</title>" in xml
    assert "&lt;p&gt;A &amp;lt;b&amp;gt;bold&amp;lt;/b&amp;gt; claim.&lt;br&gt;Second line.&lt;/p&gt;" in xml
    assert "Held back." not in xml
    assert xml.count("<entry>") == 5  # the four imported ones readers see, and this one
    assert "http://testserver/blog/levy-vote/#c" in xml


def test_robots_txt_lets_crawlers_follow_the_old_addresses_but_not_search_results(client, imported):
    robots = RobotFileParser()
    robots.parse(client.get("/robots.txt").content.decode().splitlines())
    allowed = [old for old, _new in OLD_ADDRESSES] + ["/blog/levy-vote/", "/about/", "/blog/feed/comments/"]
    for path in allowed:
        assert robots.can_fetch("Googlebot", f"http://testserver{path}"), path
    for path in ["/search/?q=levy", "/search?q=levy", "/search/", "/admin/", "/comments/post/"]:
        assert not robots.can_fetch("Googlebot", f"http://testserver{path}"), path


@pytest.fixture
def old_domain(settings, imported):
    """The blog's old custom domain pointed at this site, as the README says to set it up."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "www.alderledger.org", "alderledger.org"]
    settings.REDIRECT_OTHER_HOSTS = True
    return imported


@pytest.mark.parametrize(
    "old, new",
    [
        ("/2015/11/levy-vote.html?m=1", "/blog/levy-vote/"),
        ("/search/label/Harbour", "/blog/tag/harbour/"),
        ("/feeds/posts/default", "/blog/feed/atom/"),
        ("/blog/levy-vote/", "/blog/levy-vote/"),
        ("/blog/?page=2", "/blog/?page=2"),
        ("/", "/"),
    ],
)
def test_requests_on_the_old_domain_go_to_the_same_place_on_the_sites_own_host(client, old_domain, old, new):
    for host in ("www.alderledger.org", "alderledger.org"):
        response = client.get(old, HTTP_HOST=host)
        assert (response.status_code, response["Location"]) == (301, f"http://testserver{new}"), host


def test_the_old_domain_redirect_goes_to_https_behind_a_tls_proxy(client, old_domain, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get(
        "/2015/11/levy-vote.html", HTTP_HOST="alderledger.org", HTTP_X_FORWARDED_PROTO="https"
    )
    assert response["Location"] == "https://testserver/blog/levy-vote/"


def test_the_old_domain_redirect_is_never_open(client, old_domain):
    # A host that is not allowed is refused as before; the site's own host is served.
    assert client.get("/2015/11/levy-vote.html", HTTP_HOST="evil.example").status_code == 400
    for path in ("/%2F%2Fevil.example/", "/\\evil.example/", "/@evil.example"):
        location = client.get(path, HTTP_HOST="alderledger.org")["Location"]
        assert location.startswith("http://testserver/"), path
    assert client.get("/blog/levy-vote/").status_code == 200
    assert client.get("/healthz", HTTP_HOST="alderledger.org").status_code == 200


def test_other_hosts_are_served_as_before_unless_switched_on(client, imported, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "alderledger.org"]
    assert client.get("/blog/levy-vote/", HTTP_HOST="alderledger.org").status_code == 200


def test_a_second_site_keeps_its_own_host(client, old_domain, home_page):
    Site.objects.create(hostname="alderledger.org", port=80, root_page=home_page)
    assert client.get("/blog/levy-vote/", HTTP_HOST="alderledger.org").status_code == 200
    assert client.get("/blog/levy-vote/", HTTP_HOST="www.alderledger.org").status_code == 301
