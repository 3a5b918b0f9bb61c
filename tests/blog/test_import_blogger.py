"""Importing a Blogger backup: what a reader sees afterwards, and what bad input does."""

import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO, StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.management import CommandError, call_command
from django_comments_xtd.models import XtdComment
from PIL import Image as PILImage
from taggit.models import Tag
from wagtail.contrib.redirects.models import Redirect
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.images.models import Image
from wagtail.models import PageLogEntry, ReferenceIndex, Site

from blog.blogger.synthetic import write_synthetic_export
from blog.models import Author, BloggerComment, BlogIndexPage, BlogPostPage, StaticPage
from home.models import HomePage

from ..blogger_helpers import import_fixture

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent.parent / "fixtures" / "blogger"


def image_bytes(fmt="JPEG"):
    buffer = BytesIO()
    PILImage.new("RGB", (40, 30), (20, 90, 160)).save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def classic_export(tmp_path, db):
    """The classic export, with one of its images saved beside it (the other is only online)."""
    export = tmp_path / "blog-11-25-2026.xml"
    shutil.copy(FIXTURES / "classic.xml", export)
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "harbour.jpg").write_bytes(image_bytes())
    # The video as Wagtail's embed cache would hold it, so rendering the post needs no network.
    video = "https://www.youtube.com/watch?v=Xy12abCD34e"
    Embed.objects.create(
        url=video, hash=get_embed_hash(video), type="video", html='<iframe title="Levy debate"></iframe>'
    )
    return export


@pytest.fixture
def takeout_zip(tmp_path):
    archive = tmp_path / "takeout-20261125.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(FIXTURES / "feed.atom", "Takeout/Blogger/Blogs/Quayside Notes/feed.atom")
        zipped.writestr("Takeout/Blogger/Albums/Quayside Notes/ferry.png", image_bytes("PNG"))
    return archive


def figure(summary, name):
    """The number after `name:` in the import summary."""
    return summary.split(f"{name}:", 1)[1].split()[0]


def run(*args):
    out = StringIO()
    call_command("import_blogger", *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


def test_classic_export_posts_appear_at_new_urls_with_dates_authors_tags(client, blog_index, classic_export):
    summary = run(classic_export)

    response = client.get("/blog/levy-vote/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>The levy vote</h1>" in html
    assert 'datetime="2015-11-02T08:15:00+00:00"' in html  # 09:15 in Blogger's +01:00
    assert '<a class="post-author" rel="author" href="/blog/author/maren-okafor/">Maren Okafor</a>' in html
    post = BlogPostPage.objects.get(slug="levy-vote")
    assert post.intro == "The council voted on the harbour levy last night."
    assert post.first_published_at == datetime(2015, 11, 2, 8, 15, tzinfo=UTC)
    older = BlogPostPage.objects.get(slug="harbour-plan")
    assert older.owner is None and [a.name for a in older.authors] == ["Tomas Lindqvist"]
    # "Harbour"/"harbour" and "ISIS"/"isis" are one tag each, spelled as first seen.
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Harbour", "ISIS", "Town Council"]
    assert sorted(older.tags.values_list("name", flat=True)) == ["Harbour", "ISIS"]
    tag_page = client.get("/blog/tag/isis/").content.decode()
    assert "The levy vote" in tag_page and "The harbour plan" in tag_page
    assert "3 new, 0 updated, 0 unchanged" in summary


def test_drafts_become_wagtail_drafts(client, blog_index, classic_export):
    summary = run(classic_export)
    draft = BlogPostPage.objects.get(title="Notes for a winter post")
    assert not draft.live and draft.has_unpublished_changes
    assert client.get(draft.url or "/blog/notes-for-a-winter-post/").status_code == 404
    assert "Notes for a winter post" not in client.get("/blog/").content.decode()
    assert figure(summary, "drafts") == "1"


def test_static_pages_become_pages_of_the_site_in_its_menu_with_their_old_address(
    client, blog_index, classic_export
):
    summary = run(classic_export)
    assert "1 new, 0 updated, 0 unchanged" in summary.split("static pages:", 1)[1].splitlines()[0]
    about = StaticPage.objects.get(blogger_id="4444")
    assert about.get_parent().pk == blog_index.get_parent().pk and about.live
    page = client.get("/about/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>About the Ledger</h1>" in html and "<p>A town blog.</p>" in html
    assert '<a href="/about/">About the Ledger</a>' in client.get("/blog/").content.decode()  # the menu
    for old in ["/p/about.html", "/p/about.html?m=1"]:
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, "/about/"), old


def test_body_html_becomes_blocks_and_hostile_markup_is_gone(client, blog_index, classic_export):
    run(classic_export)
    post = BlogPostPage.objects.get(slug="levy-vote")
    types = [block.block_type for block in post.body]
    assert types == ["paragraph", "quote", "heading", "image", "external_image", "embed", "code", "paragraph"]
    html = client.get("/blog/levy-vote/").content.decode()
    assert '<blockquote cite="https://courier.example.org/levy"><p>The harbour is not for sale' in html
    source = '<a href="https://courier.example.org/levy" rel="nofollow noopener">The Alder Courier</a>'
    assert f"<cite>{source}</cite>" in html
    assert "<h3>What comes next</h3>" in html
    assert 'alt="Boats in the harbour"' in html and "/media/images/harbour" in html
    assert '<img src="https://pictures.example.net/quay.png" alt="The quay"' in html
    assert post.body[6].value["language"] == "python"
    assert post.body[6].value["code"] == "levy = rate * tonnage"
    assert '<figure class="code" data-language="python">' in html
    assert "alert" not in html and "steal" not in html and "onerror" not in html and "onclick" not in html
    assert "<p>Read the minutes and <b>come</b> to the next meeting.</p>" in html
    assert post.body[5].value["url"].url == "https://www.youtube.com/watch?v=Xy12abCD34e"
    assert '<iframe title="Levy debate"></iframe>' in html.split('class="embed__media"')[1]


def test_quote_source_after_the_quote_is_kept(client, blog_index, classic_export):
    run(classic_export)
    html = client.get("/blog/harbour-plan/").content.decode()
    assert "<p>We will keep the quay open to the town.</p></blockquote>" in html
    assert "— <cite>Tomas Lindqvist, harbour master</cite>" in html


def test_links_between_posts_point_at_the_new_pages(client, blog_index, classic_export):
    summary = run(classic_export)
    older = BlogPostPage.objects.get(slug="harbour-plan")
    post = BlogPostPage.objects.get(slug="levy-vote")
    assert f'<a linktype="page" id="{older.pk}">the harbour plan</a>' in post.body[0].value.source
    html = client.get("/blog/levy-vote/").content.decode()
    assert 'href="/blog/harbour-plan/">the harbour plan</a>' in html
    assert post.latest_revision.as_object().body[0].value.source == post.body[0].value.source
    assert figure(summary, "internal links rewritten") == "1"


def test_old_urls_redirect_permanently(client, blog_index, classic_export):
    run(classic_export)
    old_path = "/2015/11/levy-vote.html"
    for old in [old_path, f"{old_path}?m=1", f"{old_path}?showComment=1446465600000", f"{old_path}/"]:
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == "/blog/levy-vote/"
    assert client.get("/search/label/Town%20Council").status_code == 301
    assert client.get("/search/label/Town%20Council")["Location"] == "/blog/tag/town-council/"
    assert client.get("/search/label/ISIS?max-results=20")["Location"] == "/blog/tag/isis/"
    assert client.get("/2015/11/")["Location"] == "/blog/2015/11/"
    assert client.get("/feeds/posts/default")["Location"] == "/blog/feed/atom/"
    label_feed = client.get("/feeds/posts/default/-/Town%20Council")
    assert label_feed.status_code == 301 and label_feed["Location"] == "/blog/tag/town-council/feed/atom/"
    assert client.get(client.get("/search/label/Harbour")["Location"]).status_code == 200


def test_comment_threads_keep_their_nesting_and_deleted_ones_are_skipped(client, blog_index, classic_export):
    summary = run(classic_export)
    post = BlogPostPage.objects.get(slug="levy-vote")
    comments = {c.user_name: c for c in XtdComment.objects.filter(object_pk=str(post.pk))}
    assert set(comments) == {"Jon Quayle", "Maren Okafor", "Ines Harbour-Watch", "Anonymous"}
    jon, maren, ines = comments["Jon Quayle"], comments["Maren Okafor"], comments["Ines Harbour-Watch"]
    assert (jon.level, maren.level, ines.level) == (0, 1, 2)
    assert maren.parent_id == jon.pk and ines.parent_id == maren.pk and ines.thread_id == jon.pk
    assert comments["Anonymous"].level == 0 and comments["Anonymous"].thread_id != jon.thread_id
    assert [c.pk for c in XtdComment.objects.filter(thread_id=jon.pk).order_by("order")] == [
        jon.pk,
        maren.pk,
        ines.pk,
    ]
    assert jon.submit_date == datetime(2015, 11, 2, 9, 30, tzinfo=UTC)
    assert jon.is_public and not jon.is_removed and jon.site_id == 1
    assert jon.comment == "One vote is all it takes.\nWell reported."
    assert jon.user_url == ""  # a javascript: address is not a homepage
    assert maren.comment == "Thanks, Jon. The minutes (https://council.example.org/minutes) say so too."
    assert ines.user_url == "https://ines.example.org/"
    assert figure(summary, "deleted comments skipped") == "1"
    html = client.get("/blog/levy-vote/").content.decode()
    # Each reply sits in the list inside the comment it answers; the hostile bits are text at most.
    page = BeautifulSoup(html, "html.parser")
    ancestors = [li["id"] for li in page.find(id=f"c{ines.pk}").find_parents("li")]
    assert ancestors == [f"c{maren.pk}", f"c{jon.pk}"]
    assert page.find(id=f"c{comments['Anonymous'].pk}").find_parents("li") == []
    assert "<p>One vote is all it takes.<br>Well reported.</p>" in html
    assert "<script>alert" not in html and "onerror=" not in html


def stored_counts():
    """How many of each thing an import stores (and a post's revisions)."""
    return (
        BlogPostPage.objects.count(),
        XtdComment.objects.count(),
        Redirect.objects.count(),
        Image.objects.count(),
        Author.objects.count(),
        Tag.objects.count(),
        BlogPostPage.objects.get(slug="levy-vote").revisions.count(),
    )


def test_second_run_changes_nothing(blog_index, classic_export):
    run(classic_export)
    counts = stored_counts()
    summary = run(classic_export)
    assert "0 new, 0 updated, 3 unchanged" in summary
    assert figure(summary, "redirects created") == "0"
    assert stored_counts() == counts


def test_newer_export_updates_changed_posts_and_adds_new_comments(client, blog_index, classic_export):
    run(classic_export)
    text = classic_export.read_text()
    text = text.replace(
        "<updated>2015-10-14T20:05:00.000+02:00</updated>", "<updated>2016-02-01T10:00:00.000+01:00</updated>"
    ).replace("The plan for the old harbour is out.", "The revised plan for the old harbour is out.")
    text = text.replace("post-9005", "post-9006")
    classic_export.write_text(text)
    summary = run(classic_export)
    assert "0 new, 1 updated, 2 unchanged" in summary
    assert "The revised plan" in client.get("/blog/harbour-plan/").content.decode()
    assert XtdComment.objects.count() == 5 and BloggerComment.objects.count() == 5


def test_a_reply_to_a_comment_imported_before_joins_its_thread(blog_index, classic_export):
    run(classic_export)
    jon = XtdComment.objects.get(user_name="Jon Quayle")
    text = classic_export.read_text()
    reply = text[text.index("  <entry>\n    <id>tag:blogger.com,1999:blog-7100200300400500600.post-9002") :]
    reply = reply[: reply.index("</entry>") + len("</entry>\n")]
    replies = [
        reply.replace("post-9002", "post-9101").replace("2015-11-02T12:00", "2015-11-05T12:00"),
        reply.replace("post-9002", "post-9102")
        .replace("2015-11-02T12:00", "2015-11-05T13:00")
        .replace("comments/default/9001", "comments/default/9101")
        .replace("Maren Okafor", "Tomas Lindqvist"),
    ]
    classic_export.write_text(text.replace("</feed>", "".join(replies) + "</feed>"))
    summary = run(classic_export)
    assert "2 new, 0 updated, 4 unchanged" in summary
    thread = list(XtdComment.objects.filter(thread_id=jon.pk).order_by("order"))
    assert [(c.user_name, c.level) for c in thread] == [
        ("Jon Quayle", 0),
        ("Maren Okafor", 1),
        ("Ines Harbour-Watch", 2),
        ("Maren Okafor", 1),
        ("Tomas Lindqvist", 2),
    ]
    assert thread[0].nested_count == 4 and thread[3].nested_count == 1
    assert thread[4].parent_id == thread[3].pk


def test_imported_posts_are_searchable_listed_editable_and_announced(
    client, admin_client, blog_index, classic_export
):
    # The blog's pages and sidebar as a reader saw them before the import are not served after it.
    assert "The levy vote" not in client.get("/blog/").content.decode()
    run(classic_export)
    listing = BeautifulSoup(client.get("/blog/").content, "html.parser")
    assert "The levy vote" in listing.get_text()
    labels = {a.get_text(): a.find_next_sibling("span").get_text() for a in listing.select(".labels a")}
    assert labels == {"Harbour": "(2)", "ISIS": "(2)", "Town Council": "(1)"}  # the draft is not counted
    found = client.get("/search/?q=moorings").content.decode()
    assert "Notes for a winter post" not in found  # a draft is not found by readers
    assert "The levy vote" in client.get("/search/?q=levy").content.decode()
    assert "The harbour plan" in client.get("/search/?q=Lindqvist").content.decode()  # by its author

    post = BlogPostPage.objects.get(slug="levy-vote")
    assert post.live_revision == post.latest_revision and post.revisions.count() == 1
    assert not post.has_unpublished_changes and post.last_published_at is not None
    draft = BlogPostPage.objects.get(slug="notes-for-a-winter-post")
    assert draft.live_revision is None and draft.latest_revision is not None
    assert list(PageLogEntry.objects.filter(page=post).values_list("action", flat=True)) == ["wagtail.create"]
    older = BlogPostPage.objects.get(slug="harbour-plan")
    # Wagtail's "Usage" of the older post lists the post that links to it.
    assert ReferenceIndex.get_references_to(older).filter(object_id=str(post.pk)).exists()
    edit = admin_client.get(f"/admin/pages/{post.pk}/edit/")
    assert edit.status_code == 200 and "The levy vote" in edit.content.decode()
    history = admin_client.get(f"/admin/pages/{post.pk}/history/").content.decode()
    assert "Created" in history
    assert mail.outbox == []  # imported comments notify no one


def test_the_cdn_is_purged_once_for_new_posts_and_newly_commented_ones(
    blog_index, classic_export, purge_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run(classic_export)
    assert {"http://testserver/blog/levy-vote/", "http://testserver/blog/tag/isis/"} <= set(purge_server)
    assert "http://testserver/blog/notes-for-a-winter-post/" not in purge_server  # a draft
    purge_server.clear()
    classic_export.write_text(classic_export.read_text().replace("post-9005", "post-9006"))
    with django_capture_on_commit_callbacks(execute=True):
        run(classic_export)
    assert "http://testserver/blog/levy-vote/" in purge_server  # it has a new comment
    assert "http://testserver/blog/harbour-plan/" not in purge_server


def test_dry_run_reports_and_writes_nothing(blog_index, classic_export):
    summary = run(classic_export, "--dry-run")
    assert "Dry run: nothing was written" in summary and "3 new" in summary
    assert not BlogPostPage.objects.exists()
    assert not XtdComment.objects.exists() and not Redirect.objects.exists() and not Image.objects.exists()


def test_takeout_zip_imports_posts_images_comments_and_links(client, blog_index, takeout_zip):
    summary = run(takeout_zip)
    assert "Takeout feed.atom" in summary
    post = BlogPostPage.objects.get(slug="ferry-timetable")
    assert post.date == datetime(2019, 12, 2, 7, 45, tzinfo=UTC)
    assert sorted(post.tags.values_list("name", flat=True)) == ["Ferries", "Winter"]
    image_block = next(block for block in post.body if block.block_type == "image")
    assert image_block.value["caption"] == "The ferry at the north pier"
    assert image_block.value["image"].title == "ferry.png"
    html = client.get("/blog/ferry-timetable/").content.decode()
    assert 'href="/blog/spring-tides/">the spring tides post</a>' in html
    source = '<a href="https://ferries.example.org/notice" rel="nofollow noopener">Island Ferries</a>'
    assert f"<cite>{source}</cite>" in html
    assert client.get("/2019/12/ferry-timetable.html")["Location"] == "/blog/ferry-timetable/"
    assert client.get("/search/label/ferries")["Location"] == "/blog/tag/ferries/"
    assert not BlogPostPage.objects.filter(title="Binned post").exists()
    assert not BlogPostPage.objects.get(title="Draft about buoys").live
    sam, ines, thanks = XtdComment.objects.order_by("submit_date")
    assert (sam.level, ines.level, thanks.level) == (0, 1, 2) and thanks.parent_id == ines.pk
    assert figure(summary, "deleted comments skipped") == "1"


def test_takeout_feed_alone_keeps_images_at_their_address(blog_index, tmp_path):
    feed = tmp_path / "feed.atom"
    shutil.copy(FIXTURES / "feed.atom", feed)
    summary = run(feed)
    post = BlogPostPage.objects.get(slug="ferry-timetable")
    block = next(block for block in post.body if block.block_type == "external_image")
    assert block.value["url"] == "https://blogger.googleusercontent.com/img/b/xyz/s400/ferry.png"
    assert "image kept at its external address" in summary


BAD_INPUTS = {
    "not Blogger": ("<rss version='2.0'><channel><title>x</title></channel></rss>", "not a Blogger export"),
    "plain Atom": (
        "<feed xmlns='http://www.w3.org/2005/Atom'><title>x</title><entry><title>y</title></entry></feed>",
        "not a Blogger export",
    ),
    "malformed": ("<feed xmlns='http://www.w3.org/2005/Atom'><entry></feed>", "malformed XML at line 1"),
    "bomb": (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        "<feed xmlns='http://www.w3.org/2005/Atom'><title>&lol2;</title></feed>",
        "refused: the file declares a DTD or entities",
    ),
    "external entity": (
        '<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        "<feed xmlns='http://www.w3.org/2005/Atom'><title>&xxe;</title></feed>",
        "refused: the file declares a DTD or entities",
    ),
    "empty": ("", "not a Blogger export"),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_is_one_clear_error_and_writes_nothing(blog_index, tmp_path, name):
    content, message = BAD_INPUTS[name]
    path = tmp_path / "export.xml"
    path.write_text(content)
    with pytest.raises(CommandError) as raised:
        run(path)
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert not BlogPostPage.objects.exists() and not Redirect.objects.exists()


def test_failure_late_in_the_file_rolls_back_everything(blog_index, tmp_path):
    text = (FIXTURES / "classic.xml").read_text()
    path = tmp_path / "broken.xml"
    path.write_text(text.replace("</feed>", "<entry><title>cut off"))
    with pytest.raises(CommandError, match="malformed XML"):
        run(path)
    assert not BlogPostPage.objects.exists() and not XtdComment.objects.exists() and not Tag.objects.exists()


def test_missing_file_and_missing_blog_are_clear_errors(blog_index, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nowhere.xml")
    with pytest.raises(CommandError, match="no blog index with slug or id “news”"):
        run(FIXTURES / "feed.atom", "--blog-index", "news")


def test_synthetic_export_imports_with_its_posts_and_comments(
    blog_index, tmp_path, django_assert_max_num_queries
):
    path = tmp_path / "synthetic.xml"
    write_synthetic_export(path, posts=40, comments_per_post=3)
    # New posts and comments are written a table at a time: the queries do not grow with them.
    with django_assert_max_num_queries(80):
        run(path)
    assert BlogPostPage.objects.live().count() == 40
    assert XtdComment.objects.count() == 120
    assert XtdComment.objects.filter(level=1).count() == 40
    # A comment's paragraphs stay apart, and its link is written out after the link's text.
    linked = XtdComment.objects.get(comment__contains="https://example.org/notes/0)")
    assert linked.comment.endswith("\n\nSee my notes (https://example.org/notes/0).")
    assert XtdComment.objects.filter(comment__contains="\n\n").count() > 30


def wide_png(width, height):
    buffer = BytesIO()
    PILImage.new("1", (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def image_server():
    """A local web server standing in for Blogger's image host: ferry.png is a small image,
    huge.png has too many pixels, big.png is over 25 MB (sent without a Content-Length), and
    away.png redirects to ferry.png."""
    bodies = {"ferry.png": image_bytes("PNG"), "huge.png": wide_png(12_000, 11_000)}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            name = self.path.rsplit("/", 1)[-1]
            if name == "away.png":
                self.send_response(302)
                self.send_header("Location", self.path.replace("away.png", "ferry.png"))
                self.end_headers()
            elif name == "big.png":
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                for _ in range(26):
                    self.wfile.write(b"\0" * 1024 * 1024)
            elif name in bodies:
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(bodies[name])))
                self.end_headers()
                self.wfile.write(bodies[name])
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def export_with_image_at(tmp_path, url):
    """The Takeout fixture with its one image (ferry.png) at `url` (its sizes in folders below)."""
    folder, name = url.rsplit("/", 1)
    feed = tmp_path / "feed.atom"
    text = (FIXTURES / "feed.atom").read_text()
    text = text.replace("https://blogger.googleusercontent.com/img/b/xyz", folder)
    feed.write_text(text.replace("/ferry.png", f"/{name}"))
    return feed


@pytest.mark.parametrize(
    "address",
    [
        "{server}/img/ferry.png",
        "{localhost}/img/ferry.png",
        "http://169.254.169.254/latest/meta-data/ferry.png",
        "http://10.1.2.3/ferry.png",
        "http://[::1]/ferry.png",
    ],
    ids=["loopback", "localhost", "metadata", "private", "ipv6-loopback"],
)
def test_fetch_images_refuses_the_machine_itself_and_private_networks(
    blog_index, tmp_path, image_server, address
):
    url = address.format(server=image_server, localhost=image_server.replace("127.0.0.1", "localhost"))
    summary = run(export_with_image_at(tmp_path, url), "--fetch-images")
    assert "is a private or local address" in summary
    assert not Image.objects.exists()
    post = BlogPostPage.objects.get(slug="ferry-timetable")
    assert any(block.block_type == "external_image" for block in post.body)  # kept at its address


@pytest.mark.parametrize(
    "name, warning",
    [
        ("big.png", "not downloaded (larger than 25 MB)"),
        ("huge.png", "12000x11000 has more than 128,000,000 pixels"),
    ],
)
def test_fetch_images_caps_size_and_pixels(blog_index, tmp_path, image_server, name, warning):
    feed = export_with_image_at(tmp_path, f"{image_server}/img/{name}")
    summary = run(feed, "--fetch-images", "--allow-private-hosts")
    assert warning in summary
    assert not Image.objects.exists()


def test_fetch_images_downloads_images_that_are_not_beside_the_export(blog_index, tmp_path, image_server):
    feed = export_with_image_at(tmp_path, f"{image_server}/img/away.png")
    # The test's image host is on this machine, so it needs the opt-in a private network would.
    summary = run(feed, "--fetch-images", "--allow-private-hosts")
    post = BlogPostPage.objects.get(slug="ferry-timetable")
    block = next(block for block in post.body if block.block_type == "image")
    assert block.value["image"].title == "away.png" and block.value["image"].width == 40
    assert figure(summary, "images imported") == "1"


def test_images_with_the_same_name_beside_the_export_are_not_guessed(blog_index, classic_export):
    (classic_export.parent / "other").mkdir()
    (classic_export.parent / "other" / "harbour.jpg").write_bytes(image_bytes("PNG"))
    summary = run(classic_export)
    assert "2 files beside the export are called harbour.jpg" in summary
    assert not Image.objects.exists()


@pytest.fixture
def quirks_export(tmp_path, db):
    """A 2008-to-2022 blog: Flash and iframe videos, prose in <pre> beside a real listing, an
    untitled post, static pages (one binned, one commented on), labels with & and Ö."""
    export = tmp_path / "tidewater.xml"
    shutil.copy(FIXTURES / "quirks.xml", export)
    for video in ("https://www.youtube.com/watch?v=Rg08TideA1b", "https://vimeo.com/4400112"):
        Embed.objects.create(
            url=video, hash=get_embed_hash(video), type="video", html=f'<iframe title="{video}">'
        )
    return export


def test_prose_pasted_into_pre_becomes_paragraphs_while_a_code_listing_stays_code(
    client, blog_index, quirks_export
):
    run(quirks_export)
    post = BlogPostPage.objects.get(slug="keepers-night")
    assert [block.block_type for block in post.body] == ["paragraph", "code", "paragraph"]
    assert post.body[0].value.source == (
        "<p>The keeper climbed the ninety steps before the light went out.</p>"
        "<p>She wound the clockwork, <i>twice</i>, and listened.<br>Nothing answered but the gulls.</p>"
        "<p>The almanac's tide table, for those who asked, is worked out like this:</p>"
    )
    assert post.body[1].value["code"] == (
        "def high_water(day):\n    base = 6.25\n    return base + 0.83 * (day % 15)\n\n"
        "for day in range(3):\n    print(day, high_water(day))"
    )
    html = client.get("/blog/keepers-night/").content.decode()
    assert "<p>She wound the clockwork, <i>twice</i>, and listened.<br>Nothing answered" in html
    assert html.count('<figure class="code"') == 1
    assert post.intro == "The keeper climbed the ninety steps before the light went out."


def test_flash_videos_and_iframes_become_embeds_or_links(client, blog_index, quirks_export):
    summary = run(quirks_export)
    post = BlogPostPage.objects.get(slug="regatta-footage")
    embeds = [block.value["url"].url for block in post.body if block.block_type == "embed"]
    assert embeds == ["https://www.youtube.com/watch?v=Rg08TideA1b", "https://vimeo.com/4400112"]
    flash = next(block for block in post.body if "Flash" in str(block.value))
    assert flash.block_type == "paragraph"
    assert 'href="http://clips.example.net/player.swf?file=finish.flv"' in flash.value.source
    assert (
        "Flash, which browsers no longer play, kept as a link: http://clips.example.net/player.swf" in summary
    )
    html = client.get("/blog/regatta-footage/").content.decode()
    assert '<iframe title="https://vimeo.com/4400112">' in html
    assert "<object" not in html and "<embed" not in html


def test_a_post_without_a_title_is_named_after_its_first_words(client, blog_index, quirks_export):
    run(quirks_export)
    post = BlogPostPage.objects.get(blogger_id="103")
    assert post.title == "Fog all morning, and the bell buoy rang…"
    assert post.slug == "fog-all-morning-and-the-bell-buoy-rang"
    assert client.get("/2022/07/blog-post.html")["Location"] == f"/blog/{post.slug}/"


def test_static_pages_and_posts_link_to_each_other_and_page_comments_are_counted(
    client, blog_index, quirks_export
):
    summary = run(quirks_export)
    about = StaticPage.objects.get(slug="about-almanac")
    assert not StaticPage.objects.filter(title="Old links").exists()  # in Blogger's trash
    assert "page 202 “Old links”: in Blogger's trash; not imported" in summary
    assert figure(summary, "static pages skipped") == "1"
    assert figure(summary, "comments on static pages skipped") == "1"
    post_html = client.get("/blog/keepers-night/").content.decode()
    assert '<a href="/about-almanac/">about the almanac</a>' in post_html
    assert '<a href="/blog/regatta-footage/">regatta films</a>' in post_html
    about_html = client.get("/about-almanac/").content.decode()
    assert '<a href="/blog/keepers-night/">the keeper\'s night</a>' in about_html
    assert about.latest_revision.as_object().body[0].value.source == about.body[0].value.source
    assert figure(summary, "internal links rewritten") == "3"
    assert ReferenceIndex.get_references_to(BlogPostPage.objects.get(slug="keepers-night")).exists()


def test_labels_with_symbols_and_accents_keep_their_pages_and_old_addresses(
    client, blog_index, quirks_export
):
    run(quirks_export)
    for label, slug in [("Boats & Tides", "boats-tides"), ("Öresund", "öresund")]:
        tag = Tag.objects.get(name=label)
        assert tag.slug == slug
        response = client.get(f"/search/label/{quote(label)}")
        assert response.status_code == 301, label
        assert client.get(response["Location"]).status_code == 200, label


def test_search_descriptions_and_the_first_image_come_along(client, blog_index, takeout_zip):
    summary = run(takeout_zip)
    post = BlogPostPage.objects.get(slug="ferry-timetable")
    assert post.search_description == "When the island ferry runs this winter, and what to do in high winds."
    image = next(block for block in post.body if block.block_type == "image").value["image"]
    assert post.feed_image == image
    assert figure(summary, "feed images set") == "1"
    html = client.get("/blog/ferry-timetable/").content.decode()
    assert '<meta name="description" content="When the island ferry runs this winter' in html
    assert '<meta property="og:image" content="http://testserver/media/images/ferry' in html
    timetables = StaticPage.objects.get(slug="timetables")
    assert timetables.search_description == "The island's ferry timetables, gathered."
    assert '<meta name="description" content="The island&#x27;s ferry timetables' in (
        client.get("/timetables/").content.decode()
    )
    assert BlogPostPage.objects.get(slug="spring-tides").feed_image is None  # no image of its own


def test_an_image_left_at_its_address_is_not_a_feed_image(blog_index, tmp_path):
    feed = tmp_path / "feed.atom"
    shutil.copy(FIXTURES / "feed.atom", feed)
    run(feed)
    assert BlogPostPage.objects.get(slug="ferry-timetable").feed_image is None


def test_an_export_written_by_a_converter_imports_without_addresses(client, blog_index, tmp_path):
    summary = run(FIXTURES / "converted.xml")
    post = BlogPostPage.objects.get(slug="samphire-season")
    assert figure(summary, "redirects created") != "0"  # the feeds and archives still are
    assert not Redirect.objects.filter(redirect_page=post).exists()  # it had no address
    comment = XtdComment.objects.get()
    assert (comment.object_pk, comment.comment) == (str(post.pk), "Where do you pick it?\nNear the sluice?")
    assert (
        "<p>Where do you pick it?<br>Near the sluice?</p>"
        in client.get("/blog/samphire-season/").content.decode()
    )


CHECK_THE_SITE = """
from django.test import Client
from wagtail.models import Site
reader = Client(HTTP_HOST="localhost")
home = reader.get("/")
print("home", home.status_code, "The levy vote" in home.content.decode())
print("title", Site.objects.get(is_default_site=True).site_name)
old = reader.get("/2015/11/levy-vote.html")
print("old", old.status_code, old["Location"])
print("about", reader.get("/about/").status_code)
"""


def test_an_empty_install_takes_the_import_through_the_documented_commands(db, tmp_path):
    """`make migrate`, then `make import FILE=...` (the manage.py commands they run), on a new database."""
    import psycopg

    from ..task_helpers import ROOT, database_url

    name = f"empty_install_{os.getpid()}"
    test_url = database_url()
    server_url = test_url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        "DJANGO_SETTINGS_MODULE": "settings.dev",
        "DATABASE_URL": f"{server_url}/{name}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    try:
        manage("migrate", "--noinput", "-v0")
        export = tmp_path / "blog.xml"
        shutil.copy(FIXTURES / "classic.xml", export)
        summary = manage("import_blogger", str(export), "--no-progress")
        assert re.search(r"new blog for the site: +The Alder Ledger\n", summary)
        assert "3 new, 0 updated, 0 unchanged" in summary
        seen = manage("shell", "--no-imports", "-c", CHECK_THE_SITE).splitlines()
    finally:
        with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert seen == ["home 200 True", "title The Alder Ledger", "old 301 /blog/levy-vote/", "about 200"]


def test_a_dry_run_on_an_empty_install_makes_nothing(empty_install, tmp_path):
    summary = import_fixture(tmp_path, "classic.xml", "--dry-run")
    assert (
        "Dry run: nothing was written. The import would give (classic Atom export) into “The Alder Ledger”"
        in summary
    )
    assert re.search(r"new blog for the site: +The Alder Ledger\n", summary)
    assert not BlogIndexPage.objects.exists() and not HomePage.objects.exists()
    assert Site.objects.get().root_page_id == empty_install.pk


def test_an_export_without_a_title_names_the_new_blog_blog(empty_install, tmp_path, client):
    (tmp_path / "untitled.xml").write_text(
        (FIXTURES / "converted.xml").read_text().replace('<title type="text">Saltmarsh Notebook</title>', "")
    )
    call_command("import_blogger", str(tmp_path / "untitled.xml"), stdout=StringIO())
    assert BlogIndexPage.objects.get().title == "Blog"
    assert "Samphire season" in client.get("/blog/", HTTP_HOST="localhost").content.decode()


def test_an_export_is_written_a_batch_at_a_time_with_every_link_to_a_later_post_resolved(
    blog_index, tmp_path, monkeypatch
):
    from blog import bulk

    monkeypatch.setattr(bulk, "BATCH", 7)  # 40 posts: six batches, links across them
    path = tmp_path / "synthetic.xml"
    write_synthetic_export(path, posts=40, comments_per_post=3)
    summary = run(path)
    assert figure(summary, "internal links rewritten") == "39"
    posts = {post.pk: post for post in BlogPostPage.objects.all()}
    assert len(posts) == 40 and XtdComment.objects.count() == 120
    for post in posts.values():
        links = re.findall(
            r'<a linktype="page" id="(\d+)">',
            "".join(str(b.value.source) for b in post.body if b.block_type == "paragraph"),
        )
        if post.title.startswith("Post 0:"):
            assert links == []
            continue
        [target] = links
        assert int(target) in posts and posts[int(target)].date < post.date
        assert ReferenceIndex.get_references_to(posts[int(target)]).filter(object_id=str(post.pk)).exists()
    assert Redirect.objects.filter(old_path__regex=r"^/\d{4}/\d{2}/[^/]+\.html$").count() == 40
