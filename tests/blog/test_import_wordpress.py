"""Importing a WordPress export (WXR): what readers see afterwards, every old address, and re-runs."""

import re
import shutil
from datetime import UTC, datetime
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django_comments_xtd.models import XtdComment
from PIL import Image as PILImage
from taggit.models import Tag
from wagtail.contrib.redirects.models import Redirect
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.images.models import Image
from wagtail.models import Page, PageViewRestriction, Revision, Site

from blog.models import Author, BlogIndexPage, BlogPostPage, CommentReview, StaticPage, WordPressComment
from blog.wordpress.synthetic import write_synthetic_export
from home.models import HomePage

from .test_import_blogger import image_server  # noqa: F401 - a fixture, used by name

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent.parent / "fixtures" / "wordpress"
QUERY_CEILING = 100  # about 90: none of them per post or per comment
VIDEOS = ["https://www.youtube.com/watch?v=Qz7harbour1", "https://vimeo.com/76979871"]


def image_bytes():
    buffer = BytesIO()
    PILImage.new("RGB", (60, 40), (30, 110, 150)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def export(tmp_path, db):
    """The Tidewater export, with a copy of the site's uploads folder beside it."""
    path = tmp_path / "tidewater.WordPress.2026-11-24.xml"
    shutil.copy(FIXTURES / "tidewater.xml", path)
    uploads = tmp_path / "site" / "wp-content" / "uploads" / "2019" / "03"
    uploads.mkdir(parents=True)
    (uploads / "quay.jpg").write_bytes(image_bytes())
    # The videos as Wagtail's embed cache would hold them, so rendering needs no network.
    for url in VIDEOS:
        Embed.objects.create(url=url, hash=get_embed_hash(url), type="video", html="<iframe></iframe>")
    return path


def run(export, *args):
    out = StringIO()
    media = export.parent / "site"
    call_command(
        "import_wordpress", str(export), "--media-dir", str(media), *args, stdout=out, stderr=StringIO()
    )
    return out.getvalue()


def figure(summary, name):
    """What follows `name:` on its line of the import summary."""
    return summary.split(f"{name}:", 1)[1].splitlines()[0].strip()


def post(wordpress_id):
    return BlogPostPage.objects.get(wordpress_id=wordpress_id)


def test_posts_come_in_at_their_new_addresses_with_authors_labels_and_dates(client, blog_index, export):
    summary = run(export)

    response = client.get("/blog/the-quay-reopens/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>The quay reopens</h1>" in html
    assert 'datetime="2019-03-04T10:00:00+00:00"' in html
    assert (
        '<a class="post-author" rel="author" href="/blog/author/ilse-marchetti/">Ilse Marchetti</a>' in html
    )
    quay = post(12)
    assert quay.intro == "The old quay is open to walkers again."  # the excerpt
    assert quay.first_published_at == datetime(2019, 3, 4, 10, 0, tzinfo=UTC)
    assert sorted(quay.tags.values_list("name", flat=True)) == ["Ferries", "Harbour"]
    # Categories and tags are labels alike; WordPress's "Uncategorized" is not one.
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Ferries", "Harbour", "News", "Night Shift"]
    ferry = post(15)
    assert [a.name for a in ferry.authors] == ["Bram Okonkwo"] and not ferry.comments_open
    assert "Night ferry timetable" in client.get("/blog/tag/night-shift/").content.decode()
    assert figure(summary, "posts") == "7 new, 0 updated, 0 unchanged"
    assert figure(summary, "labels") == "4"
    assert figure(summary, "authors created") == "2"
    assert figure(summary, "other items skipped (menus, revisions, attachments…)") == "2"
    assert figure(summary, "posts skipped") == "1"
    assert not BlogPostPage.objects.filter(title="An old duplicate").exists()


def test_classic_posts_get_paragraphs_captioned_images_embeds_and_code(client, blog_index, export):
    summary = run(export)
    body = post(12).body
    assert [block.block_type for block in body] == [
        "paragraph",
        "image",
        "embed",
        "paragraph",
        "code",
        "paragraph",
    ]
    # Blank lines end a paragraph; WordPress's single line break stays a line break within one.
    assert body[0].value.source == (
        "<p>After two winters behind fencing, the old quay opened to walkers on Saturday morning.</p>"
        "<p>The harbour master cut a length of mooring rope instead of a ribbon.<br>"
        "Nobody could find scissors.</p>"
    )
    image = body[1].value
    assert image["caption"] == "The rebuilt quay, seen from the pilot boat"
    assert image["alt_text"] == "The quay at dusk"
    assert image["image"].title == "The quay at dusk"
    assert body[2].value["url"].url == VIDEOS[0]
    assert body[4].value["language"] == "python"
    assert (
        body[4].value["code"] == 'for hour in range(24):\n    print(hour, "high" if hour % 12 == 3 else "")'
    )
    html = client.get("/blog/the-quay-reopens/").content.decode()
    assert '<a href="/blog/night-ferry-timetable/">night ferry timetable</a>' in html
    assert "<script>alert" not in html
    # The one picture, in the caption and as the featured image, is imported once.
    assert Image.objects.count() == 1
    assert post(12).feed_image == image["image"]
    assert figure(summary, "images imported") == "2"
    assert figure(summary, "images left at their external address") == "0"


def test_block_editor_posts_lose_their_block_comments_and_keep_their_blocks(client, blog_index, export):
    summary = run(export)
    body = post(15).body
    assert [block.block_type for block in body] == ["paragraph", "image", "embed", "code"]
    assert "<b>23:40</b>" in body[0].value.source
    assert body[1].value["caption"] == "The east pontoon at the last crossing"
    assert body[2].value["url"].url == VIDEOS[1]
    assert body[2].value["caption"] == "The crossing, filmed from the wheelhouse"
    assert body[3].value["code"] == "ferry --route east --last 23:40"
    html = client.get("/blog/night-ferry-timetable/").content.decode()
    assert "wp:paragraph" not in html and "wp:image" not in html
    assert '<a href="/blog/the-quay-reopens/">quay closed</a>' in html
    assert figure(summary, "internal links rewritten") == "2"


def test_comment_threads_keep_their_depth_and_only_approved_comments_show(client, blog_index, export):
    summary = run(export)
    quay = post(12)
    comments = {c.comment: c for c in XtdComment.objects.filter(object_pk=str(quay.pk))}
    assert len(comments) == 4  # spam, trash and the pingback are left out
    first = comments["Walked it at low tide. The new railings are a fine grey."]
    second = comments["Grey was the council's choice, I am told."]
    third = comments["Then grey it is.\nThree cheers for the council."]
    held = comments["Is the slipway open too? Still waiting for an answer."]
    assert (first.level, second.level, third.level) == (0, 1, 2)
    assert second.parent_id == first.pk and third.parent_id == second.pk
    assert first.thread_id == second.thread_id == third.thread_id == first.pk
    assert first.user_url == "https://mudflat.example/" and first.user_email == "perpetua@mudflat.example"
    assert first.submit_date == datetime(2019, 3, 4, 12, 0, tzinfo=UTC)
    assert all(c.is_public for c in (first, second, third))
    assert not held.is_public and not held.is_removed
    assert CommentReview.objects.get(comment=held).held_because == "awaiting moderation in WordPress"
    page = BeautifulSoup(client.get("/blog/the-quay-reopens/").content, "html.parser")
    assert [li["id"] for li in page.find(id=f"c{third.pk}").find_parents("li")] == [
        f"c{second.pk}",
        f"c{first.pk}",
    ]
    text = page.get_text()
    assert "slipway" not in text and "anchors" not in text.lower() and "Posted twice" not in text
    assert figure(summary, "comments") == "4 new, 0 updated, 0 unchanged"
    assert figure(summary, "comments held for moderation") == "1"
    assert figure(summary, "spam comments skipped") == "1"
    assert figure(summary, "trashed comments skipped") == "1"
    assert figure(summary, "pingbacks and trackbacks skipped") == "1"
    assert figure(summary, "comments on static pages skipped") == "1"


def test_private_posts_are_live_for_logged_in_readers_only(client, blog_index, export):
    summary = run(export)
    rota = post(18)
    assert rota.live
    assert PageViewRestriction.objects.get(page=rota).restriction_type == PageViewRestriction.LOGIN
    response = client.get("/blog/staff-rota/")
    assert response.status_code == 302 and "login" in response["Location"]
    assert "Staff rota" not in client.get("/blog/").content.decode()
    client.force_login(get_user_model().objects.create_user("crew", "crew@example.org", "pw"))
    assert "Bram has the slipway from six" in client.get("/blog/staff-rota/").content.decode()
    # A post with a password asks for it.
    minutes = post(33)
    restriction = PageViewRestriction.objects.get(page=minutes)
    assert (restriction.restriction_type, restriction.password) == (PageViewRestriction.PASSWORD, "lantern")
    assert figure(summary, "private or password-protected") == "2"


def test_scheduled_posts_wait_for_their_date_and_drafts_stay_drafts(client, blog_index, export):
    summary = run(export)
    regatta = post(21)
    assert not regatta.live
    scheduled = Revision.objects.filter(object_id=str(regatta.pk), approved_go_live_at__isnull=False).get()
    assert scheduled.approved_go_live_at == datetime(2030, 6, 1, 7, 0, tzinfo=UTC)
    assert client.get("/blog/summer-regatta-preview/").status_code == 404
    for wordpress_id, title in ((24, "Notes on the breakwater"), (27, "Letter from the lifeboat crew")):
        draft = post(wordpress_id)
        assert (draft.title, draft.live, draft.has_unpublished_changes) == (title, False, True)
    assert "Notes on the breakwater" not in client.get("/blog/").content.decode()
    assert figure(summary, "drafts") == "2"
    assert figure(summary, "scheduled posts") == "1"


def test_pages_become_static_pages_at_the_top_of_the_site(client, blog_index, export):
    summary = run(export)
    about = StaticPage.objects.get(wordpress_id=7)
    assert about.get_parent().pk == blog_index.get_parent().pk and about.live and about.show_in_menus
    crew = StaticPage.objects.get(wordpress_id=8)
    assert not crew.show_in_menus  # a page under another is not a menu entry of its own
    page = client.get("/about/").content.decode()
    assert "The Almanac has written about the estuary since the first ferry strike." in page
    assert "Ilse edits; Bram writes about boats." in client.get("/our-crew/").content.decode()
    assert figure(summary, "static pages") == "2 new, 0 updated, 0 unchanged"


# Each old address, with the page it must lead to.
OLD_ADDRESSES = [
    ("/2019/03/04/the-quay-reopens/", "/blog/the-quay-reopens/"),
    ("/2019/03/04/the-quay-reopens", "/blog/the-quay-reopens/"),
    ("/?p=12", "/blog/the-quay-reopens/"),
    ("/2019/04/10/night-ferry-timetable/", "/blog/night-ferry-timetable/"),
    ("/?p=15", "/blog/night-ferry-timetable/"),
    ("/?p=33", "/blog/harbour-board-minutes/"),
    ("/about/our-crew/", "/our-crew/"),
    ("/?page_id=7", "/about/"),
    ("/?page_id=8", "/our-crew/"),
    ("/category/harbour/", "/blog/tag/harbour/"),
    ("/category/news/harbour/", "/blog/tag/harbour/"),
    ("/category/news/", "/blog/tag/news/"),
    ("/?cat=4", "/blog/tag/harbour/"),
    ("/tag/night-shift/", "/blog/tag/night-shift/"),
    ("/tag/ferries/feed/", "/blog/tag/ferries/feed/"),
    ("/?tag=ferries", "/blog/tag/ferries/"),
    ("/2019/03/", "/blog/2019/03/"),
    ("/2019/03/04/", "/blog/2019/03/"),
    ("/2019/", "/blog/2019/"),
    ("/?m=201904", "/blog/2019/04/"),
    ("/author/bram/", "/blog/author/bram-okonkwo/"),
    ("/feed/", "/blog/feed/"),
    ("/feed/atom/", "/blog/feed/atom/"),
    ("/comments/feed/", "/blog/feed/comments/"),
]


@pytest.fixture
def imported(blog_index, export):
    run(export)
    return blog_index


@pytest.mark.parametrize(("old", "new"), OLD_ADDRESSES)
def test_every_old_address_redirects_permanently_to_its_new_place(client, imported, old, new):
    response = client.get(old)
    assert (response.status_code, response["Location"]) == (301, new)
    assert client.get(old, follow=True).status_code == 200


def test_every_permalink_and_post_id_of_the_export_leads_to_its_page(client, imported):
    for page in BlogPostPage.objects.filter(live=True).exclude(wordpress_id=None):
        followed = client.get(f"/?p={page.wordpress_id}", follow=True)
        assert followed.redirect_chain[0] == (page.url, 301)
        if page.pk != post(18).pk and page.pk != post(33).pk:  # private ones ask for a login or password
            assert f"<h1>{page.title}</h1>" in followed.content.decode()
    for old in Redirect.objects.exclude(redirect_page=None).filter(redirect_page_route_path=""):
        response = client.get(old.old_path)
        assert response.status_code == 301, old.old_path
        assert response["Location"] == old.redirect_page.url
    # The site's own home page, and other query strings, are served as before.
    assert client.get("/").status_code == 200
    assert client.get("/?utm_source=newsletter").status_code == 200
    assert client.get("/?p=999").status_code == 200


def test_old_post_ids_redirect_even_when_the_home_page_is_cached(imported, settings):
    """`/?p=12` is the home page's path: a stored copy of `/` must not answer it."""
    from broadsheet import wsgi

    from ..wsgi_helpers import wsgi_get

    settings.PAGE_CACHE_SECONDS = 600
    page = BlogPostPage.objects.filter(live=True, wordpress_id=12).get()
    assert wsgi_get(wsgi.application, "/")["X-Page-Cache"] == "miss"
    assert wsgi_get(wsgi.application, "/")["X-Page-Cache"] == "hit"
    answer = wsgi_get(wsgi.application, "/?p=12")
    assert (answer.status, answer["Location"]) == (301, page.url)
    assert wsgi_get(wsgi.application, "/?p=12")["Location"] == page.url


def stored_counts():
    return (
        Page.objects.count(),
        Revision.objects.count(),
        XtdComment.objects.count(),
        WordPressComment.objects.count(),
        CommentReview.objects.count(),
        Redirect.objects.count(),
        Image.objects.count(),
        Author.objects.count(),
        Tag.objects.count(),
        PageViewRestriction.objects.count(),
        list(
            XtdComment.objects.order_by("pk").values_list(
                "comment", "is_public", "thread_id", "level", "order"
            )
        ),
    )


def test_importing_the_same_export_again_changes_nothing(blog_index, export):
    run(export)
    before = stored_counts()
    summary = run(export)
    assert stored_counts() == before
    assert figure(summary, "posts") == "0 new, 0 updated, 7 unchanged"
    assert figure(summary, "static pages") == "0 new, 0 updated, 2 unchanged"
    assert figure(summary, "comments") == "0 new, 0 updated, 4 unchanged"
    assert figure(summary, "redirects created") == "0"


def test_a_changed_post_and_a_new_reply_come_in_on_the_next_import(client, blog_index, export):
    run(export)
    text = export.read_text()
    text = text.replace("Nobody could find scissors.", "Nobody could find the scissors.")
    reply = """<wp:comment><wp:comment_id>108</wp:comment_id>
        <wp:comment_author><![CDATA[Ilse Marchetti]]></wp:comment_author>
        <wp:comment_date_gmt><![CDATA[2019-03-04 15:00:00]]></wp:comment_date_gmt>
        <wp:comment_content><![CDATA[Cheers noted.]]></wp:comment_content>
        <wp:comment_approved><![CDATA[1]]></wp:comment_approved>
        <wp:comment_type><![CDATA[comment]]></wp:comment_type><wp:comment_parent>103</wp:comment_parent>
        </wp:comment>
        </item>"""
    text = text.replace("</wp:comment>\n\t</item>", "</wp:comment>\n" + reply, 1)
    export.write_text(text)
    summary = run(export)
    assert figure(summary, "posts") == "0 new, 1 updated, 6 unchanged"
    assert figure(summary, "comments") == "1 new, 0 updated, 4 unchanged"
    assert "Nobody could find the scissors." in client.get("/blog/the-quay-reopens/").content.decode()
    cheers = XtdComment.objects.get(comment="Cheers noted.")
    parent = XtdComment.objects.get(comment="Then grey it is.\nThree cheers for the council.")
    assert (cheers.parent_id, cheers.level) == (parent.pk, 3)


def test_an_empty_install_gets_a_blog_named_after_the_site(client, empty_install, export):
    summary = run(export)
    home, blog = HomePage.objects.get(), BlogIndexPage.objects.get()
    site = Site.objects.get(is_default_site=True)
    assert (home.title, blog.title, site.site_name, site.root_page_id) == (
        "The Tidewater Almanac",
        "The Tidewater Almanac",
        "The Tidewater Almanac",
        home.pk,
    )
    assert "new blog for the site:" in summary
    assert "The quay reopens" in client.get("/").content.decode()
    assert client.get("/?p=12")["Location"] == "/blog/the-quay-reopens/"


def test_a_dry_run_writes_nothing(blog_index, export):
    summary = run(export, "--dry-run")
    assert "Dry run: nothing was written" in summary
    assert figure(summary, "posts") == "7 new, 0 updated, 0 unchanged"
    assert not BlogPostPage.objects.exists() and not Redirect.objects.exists() and not Image.objects.exists()


BAD_FILES = {
    "not XML": (b"\x89PNG\r\n\x1a\n", "not a WordPress export: the file is not XML"),
    "a Blogger export": (b"<feed xmlns='http://www.w3.org/2005/Atom'></feed>", "the document is <feed>"),
    "RSS without WordPress": (
        b"<rss><channel><title>x</title></channel></rss>",
        "has no WordPress (WXR) elements",
    ),
    "a DTD": (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss>&x;</rss>',
        "declares a DTD or entities",
    ),
    "cut off": ((FIXTURES / "tidewater.xml").read_bytes()[:6000], "malformed XML at line"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_file_that_is_not_a_whole_wordpress_export_is_refused_and_nothing_is_written(
    blog_index, tmp_path, name
):
    data, message = BAD_FILES[name]
    path = tmp_path / "export.xml"
    path.write_bytes(data)
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("import_wordpress", str(path), stdout=StringIO())
    assert not BlogPostPage.objects.exists() and not Tag.objects.exists()


def test_a_missing_media_folder_is_refused(blog_index, export, tmp_path):
    with pytest.raises(CommandError, match="the media folder does not exist"):
        call_command(
            "import_wordpress", str(export), "--media-dir", str(tmp_path / "nowhere"), stdout=StringIO()
        )
    assert not BlogPostPage.objects.exists()


def export_with_images_at(export, server):
    """The export with its uploads on the local `server` (as ferry.png), and no media folder."""
    text = export.read_text().replace(
        "https://tidewater-almanac.example/wp-content/", f"{server}/wp-content/"
    )
    export.write_text(text.replace("quay.jpg", "ferry.png").replace("quay-300x200.jpg", "ferry-300x200.png"))
    return export


def test_images_are_fetched_from_the_old_site_with_the_same_safeguards(blog_index, export, image_server):  # noqa: F811
    export_with_images_at(export, image_server)
    out = StringIO()
    call_command("import_wordpress", str(export), "--fetch-images", "--dry-run", stdout=out)
    assert "is a private or local address" in out.getvalue()
    assert not Image.objects.exists()

    out = StringIO()
    call_command("import_wordpress", str(export), "--fetch-images", "--allow-private-hosts", stdout=out)
    image = post(12).body[1].value["image"]
    assert image.title == "The quay at dusk" and image.width == 40
    assert post(12).feed_image == image == post(15).body[1].value["image"]
    assert Image.objects.count() == 1


def one_post_export(path, content, extra_items="", comments="", home="https://saltmarsh.example"):
    """A WXR file of one published post with `content` and `comments` (and any `extra_items`),
    of a site at `home`."""
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.1/">'
        f"<channel><title>Salt Marsh Diary</title><link>{home}</link>"
        "<wp:wxr_version>1.1</wp:wxr_version><wp:base_site_url>https://saltmarsh.example</wp:base_site_url>"
        f"<item><title>Heron count</title><link>{home}/heron-count/</link>"
        "<dc:creator>warden</dc:creator>"
        f"<content:encoded><![CDATA[{content}]]></content:encoded>"
        "<wp:post_id>3</wp:post_id><wp:post_date_gmt>2021-09-01 07:00:00</wp:post_date_gmt>"
        "<wp:post_name>heron-count</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
        f"{comments}</item>{extra_items}</channel></rss>"
    )
    return path


def test_older_exports_galleries_and_escaped_code_come_in_as_blocks(blog_index, tmp_path):
    attachment = (
        "<item><title>heron</title><wp:post_id>9</wp:post_id><wp:status>inherit</wp:status>"
        "<wp:post_type>attachment</wp:post_type>"
        "<wp:attachment_url>https://saltmarsh.example/wp-content/uploads/2021/09/heron.jpg</wp:attachment_url></item>"
    )
    content = (
        "Seven herons at dawn [sic], one more than last week.\n\n"
        "[gallery ids='9']\n\n"
        "[sourcecode language='bash']count --species heron &amp;&amp; echo &lt;done&gt;[/sourcecode]\n\n"
        "[embed]https://vimeo.com/76979871[/embed]\n\n"
        '<figure class="wp-block-video"><video controls src="/wp-content/uploads/2021/09/dawn.mp4"></video>'
        "<figcaption>Dawn over the reed beds</figcaption></figure>"
    )
    comments = "".join(
        f"<wp:comment><wp:comment_id>{number}</wp:comment_id><wp:comment_author>{name}</wp:comment_author>"
        f"<wp:comment_date_gmt>2021-09-01 0{number}:00:00</wp:comment_date_gmt>"
        f"<wp:comment_content>{text}</wp:comment_content><wp:comment_approved>{approved}</wp:comment_approved>"
        f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"
        for number, name, text, approved, parent in [
            (8, "Marsh Pills", "Buy now", "spam", 0),
            (9, "Tamsin Reed", "Nobody buys marsh pills.", "1", 8),
        ]
    )
    export = one_post_export(tmp_path / "export.xml", content, attachment, comments)
    summary = StringIO()
    call_command("import_wordpress", str(export), stdout=summary)
    assert "Imported (WordPress WXR 1.1 export)" in summary.getvalue()
    body = BlogPostPage.objects.get(wordpress_id=3).body
    assert [block.block_type for block in body] == [
        "paragraph",
        "external_image",
        "code",
        "embed",
        "paragraph",
    ]
    assert body[3].value["url"].url == "https://vimeo.com/76979871"
    assert body[4].value.source == (
        '<p><a href="https://saltmarsh.example/wp-content/uploads/2021/09/dawn.mp4">'
        "Dawn over the reed beds</a></p>"
    )
    assert body[0].value.source == "<p>Seven herons at dawn [sic], one more than last week.</p>"
    assert body[1].value["url"] == "https://saltmarsh.example/wp-content/uploads/2021/09/heron.jpg"
    assert (body[2].value["language"], body[2].value["code"]) == (
        "bash",
        "count --species heron && echo <done>",
    )
    # The author named only by login becomes an author of that name.
    assert [a.name for a in BlogPostPage.objects.get(wordpress_id=3).authors] == ["warden"]
    # A reply to a comment left out (spam here) stays, at the top of the thread, and says why.
    (reply,) = XtdComment.objects.all()
    assert (reply.comment, reply.level, reply.parent_id) == ("Nobody buys marsh pills.", 0, reply.pk)
    assert "comment saltmarsh.example/9: the comment it answers was left out" in summary.getvalue()


def test_a_generated_export_imports_with_queries_that_do_not_grow_with_the_posts(
    blog_index, tmp_path, django_assert_max_num_queries
):
    path = tmp_path / "synthetic.xml"
    assert write_synthetic_export(path, posts=40, comments_per_post=5) == (40, 200)
    # New posts and comments are written a table at a time: the queries do not grow with them.
    with django_assert_max_num_queries(QUERY_CEILING):
        call_command("import_wordpress", str(path), stdout=StringIO())
    assert BlogPostPage.objects.live().count() == 40
    assert XtdComment.objects.filter(is_public=True).count() == 160
    assert XtdComment.objects.filter(is_public=False).count() == 40  # one held in each thread
    assert XtdComment.objects.filter(level=2).count() == 40
    # A comment's paragraphs stay apart, and its link is written out after the link's text.
    linked = XtdComment.objects.get(comment__contains="https://example.org/notes/0)")
    assert linked.comment.endswith("\n\nSee my notes (https://example.org/notes/0).")
    assert XtdComment.objects.filter(comment__contains="\n\n").count() > 30
    # Every post but the first links to two earlier ones, by permalink and by ?p=.
    linked = [post for post in BlogPostPage.objects.all() if "linktype" in str(post.body.raw_data)]
    assert len(linked) == 39


def test_a_site_in_a_folder_keeps_its_old_addresses_under_that_folder(client, blog_index, tmp_path):
    export = one_post_export(tmp_path / "export.xml", "Nine herons.", home="https://saltmarsh.example/diary")
    call_command("import_wordpress", str(export), stdout=StringIO())
    for old, new in [
        ("/diary/heron-count/", "/blog/heron-count/"),
        ("/diary/?p=3", "/blog/heron-count/"),
        ("/diary/2021/09/", "/blog/2021/09/"),
        ("/diary/2021/09/01/", "/blog/2021/09/"),
        ("/diary/feed/", "/blog/feed/"),
    ]:
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, new), old
    assert client.get("/?p=3").status_code == 200  # the new site's home page, not a redirect
