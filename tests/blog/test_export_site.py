"""`export_site`: the whole site as WordPress's export format (WXR 1.2), read back as XML."""

import html
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from wagtail.models import Page, Site

from ..export_helpers import (
    HOSTILE_COMMENT,
    HOSTILE_NAME,
    HOSTILE_TITLE,
    NS,
    export_bytes,
    field,
    make_small_site,
    parse,
)
from ..factories import make_comment, make_post, paragraph

pytestmark = pytest.mark.django_db


def by_title(items):
    return {html.unescape(field(item, "title")): item for item in items.values()}


def test_characters_xml_cannot_hold_are_dropped(blog_index, tmp_path):
    post = make_post(
        blog_index, "Bells", slug="bells", intro="Bell\x0bcode", body=[paragraph("<p>Ring\x07 twice.</p>")]
    )
    make_comment(post, text="Escape \x1b[31m red")
    _channel, items = parse(export_bytes(tmp_path)[0])
    assert field(items[post.pk], "excerpt:encoded") == "Bellcode"
    assert "Ring twice." in field(items[post.pk], "content:encoded")
    assert field(items[post.pk].find("wp:comment", NS), "wp:comment_content") == "Escape [31m red"


def test_queries_do_not_grow_with_the_posts(blog_index, tmp_path, django_assert_max_num_queries):
    first = make_post(blog_index, "Linked to", slug="linked-to")
    for n in range(40):
        body = [paragraph(f'<p>Post {n} links <a linktype="page" id="{first.pk}">back</a>.</p>')]
        post = make_post(blog_index, f"Post {n}", slug=f"post-{n}", tags=[f"label-{n % 5}"], body=body)
        parent = make_comment(post, text="First.")
        make_comment(post, text="Reply.", parent=parent)
    with django_assert_max_num_queries(30):
        _channel, items = parse(export_bytes(tmp_path)[0])
    assert len(items) == 41
    assert all(len(item.findall("wp:comment", NS)) == 2 for pk, item in items.items() if pk != first.pk)


class TestTheExportOfASmallSite:
    """These tests only read the small site, so it is made once for them all."""

    @staticmethod
    def make_once(home, blog_index):
        return make_small_site(home, blog_index)

    @pytest.fixture
    def small_site(self, once):
        return once

    def test_the_export_holds_every_post_page_author_label_and_image(self, small_site, tmp_path):
        data, printed = export_bytes(tmp_path)
        channel, items = parse(data)
        assert field(channel, "wp:wxr_version") == "1.2"
        assert field(channel, "title") == "Blog" and field(channel, "link") == "http://testserver"

        authors = {field(a, "wp:author_login"): a for a in channel.findall("wp:author", NS)}
        assert {login: field(a, "wp:author_display_name") for login, a in authors.items()} == {
            "ada-writer": "Ada Writer",
            "ben-tidewell": "Ben Tidewell",
        }
        assert field(authors["ben-tidewell"], "broadsheet:bio") == "Writes about ferries & tides."
        tags = channel.findall("wp:tag", NS)
        labels = {field(tag, "wp:tag_slug"): field(tag, "wp:tag_name") for tag in tags}
        assert labels == {"harbour": "Harbour", "ferries": "Ferries", "qa-quoted": 'Q&A "quoted"'}

        site = small_site
        statuses = {
            item_id: (field(item, "wp:post_type"), field(item, "wp:status"), field(item, "wp:post_name"))
            for item_id, item in items.items()
        }
        assert statuses[site.first.pk] == ("post", "publish", "first-tide-table")
        assert statuses[site.full.pk] == ("post", "publish", "every-block")
        assert statuses[site.draft.pk] == ("post", "draft", "a-draft")
        assert statuses[site.scheduled.pk] == ("post", "future", "out-on-friday")
        assert statuses[site.private.pk] == ("post", "private", "for-members")
        assert statuses[site.protected.pk] == ("post", "publish", "behind-a-password")
        assert field(items[site.protected.pk], "wp:post_password") == "tide-table"
        assert statuses[site.about.pk] == ("page", "publish", "about")
        assert (
            '<figure class="wp-block-image"><a href="https://pictures.example.net/pier-large.jpg">'
            '<img src="https://pictures.example.net/pier.jpg" alt="The pier at low tide"/></a>'
            '<figcaption class="wp-element-caption">From the pier</figcaption></figure>'
        ) in field(items[site.about.pk], "content:encoded")
        attachments = [item for item in items.values() if field(item, "wp:post_type") == "attachment"]
        assert len(attachments) == 1 and len(items) == 8

        first = items[site.first.pk]
        assert field(first, "link") == "http://testserver/blog/first-tide-table/"
        assert field(first, "wp:post_date") == "2024-03-01 08:30:00"
        assert field(first, "dc:creator") == "ada-writer"
        assert field(first, "excerpt:encoded") == "Tides &lt;explained&gt; &amp; more."
        assert {(c.get("domain"), c.get("nicename"), c.text) for c in first.findall("category")} == {
            ("post_tag", "harbour", "Harbour"),
            ("post_tag", "qa-quoted", 'Q&A "quoted"'),
        }
        # The feed image is the attachment, by its id in the file; the attachment has the image's address.
        meta = {field(m, "wp:meta_key"): field(m, "wp:meta_value") for m in first.findall("wp:postmeta", NS)}
        (attachment,) = attachments
        assert meta["_thumbnail_id"] == field(attachment, "wp:post_id")
        url = field(attachment, "wp:attachment_url")
        assert url.startswith("http://testserver/media/original_images/quay") and url.endswith(".png")
        assert field(attachment, "title") == "Quay at dawn"
        # Co-authors in byline order; WordPress's one author is the first of them.
        full = items[site.full.pk]
        assert field(full, "dc:creator") == "ben-tidewell"
        logins = [a.get("login") for a in full.findall("broadsheet:author", NS)]
        assert logins == ["ben-tidewell", "ada-writer"]
        assert "images: 1" in printed and "posts: 6" in printed and "static pages: 1" in printed

    def test_a_scheduled_post_is_dated_when_it_goes_out_and_a_draft_shows_its_latest_revision(
        self, small_site, tmp_path
    ):
        _channel, items = parse(export_bytes(tmp_path)[0])
        scheduled = items[small_site.scheduled.pk]
        go_live = timezone.localtime(small_site.scheduled.go_live_at)
        assert field(scheduled, "wp:post_date") == go_live.strftime("%Y-%m-%d %H:%M:%S")
        assert field(items[small_site.draft.pk], "title") == "Draft, retitled in its latest revision"

    def test_a_post_body_is_block_markup_wordpress_shows_and_edits(self, small_site, tmp_path):
        _channel, items = parse(export_bytes(tmp_path)[0])
        body = field(items[small_site.full.pk], "content:encoded")
        attachment = small_site.image.pk + Page.objects.order_by("-pk").first().pk
        blocks = re.findall(r"<!-- wp:([a-z-]+)( \{.*?\})? -->", body)
        assert [name for name, _attributes in blocks] == [
            "heading", "paragraph", "list", "list-item", "list-item",
            "quote", "paragraph", "image", "embed", "code",
        ]  # fmt: skip
        heading = '<h3 class="wp-block-heading">Tides &amp; times</h3>'
        assert f'<!-- wp:heading {{"level":3}} -->\n{heading}' in body
        # A link to another post is its address; square brackets cannot become a shortcode.
        assert '<a href="http://testserver/blog/first-tide-table/">the earlier post</a>' in body
        assert "&#91;caption&#93;not a shortcode&#91;/caption&#93;" in body and "[caption]" not in body
        assert '<ul class="wp-block-list"><!-- wp:list-item -->\n<li>one</li>' in body
        assert (
            '<blockquote class="wp-block-quote"><!-- wp:paragraph -->\n<p>The sea keeps its own time.</p>\n'
            '<!-- /wp:paragraph --><cite><a href="https://example.org/tides">A harbourmaster</a></cite>'
            "</blockquote>"
        ) in body
        image = json.loads(dict(blocks)["image"])
        assert image == {"id": attachment, "sizeSlug": "full", "linkDestination": "none"}
        assert re.search(
            r'<figure class="wp-block-image size-full">'
            r'<img src="http://testserver/media/original_images/quay[^"]*\.png" '
            rf'alt="The quay at dawn" class="wp-image-{attachment}"/>'
            r'<figcaption class="wp-element-caption">Morning '
            r'<span class="figure__credit">R\. Tamsin</span></figcaption></figure>',
            body,
        )
        assert json.loads(dict(blocks)["embed"])["url"] == "https://www.youtube.com/watch?v=abcdef123"
        assert "\nhttps://www.youtube.com/watch?v=abcdef123\n</div><figcaption" in body
        assert (
            '<pre class="wp-block-code language-python"><code>if a &lt; b and c &gt; d:\n'
            "    print('&#91;x&#93;')</code></pre>"
        ) in body

    def test_comments_keep_their_threads_and_status_and_spam_is_left_out(self, small_site, tmp_path):
        _channel, items = parse(export_bytes(tmp_path)[0])
        thread = small_site.thread
        comments = {
            field(c, "wp:comment_author"): (
                int(field(c, "wp:comment_id")),
                int(field(c, "wp:comment_parent")),
                field(c, "wp:comment_approved"),
            )
            for c in items[small_site.first.pk].findall("wp:comment", NS)
        }
        pk = {name: comment.pk for name, comment in thread.items()}
        assert comments == {
            "Harbour watcher": (pk["Harbour watcher"], 0, "1"),
            "Jo": (pk["Jo"], pk["Harbour watcher"], "1"),
            "Old ferryman": (pk["Old ferryman"], pk["Jo"], "1"),
            "Skipper Bev": (pk["Skipper Bev"], 0, "0"),
            "Net mender": (pk["Net mender"], 0, "trash"),
            # The spam is not in the file; the reply to it answers what the spam answered (nothing).
            "Answer to spam": (pk["Answer to spam"], 0, "1"),
            HOSTILE_NAME: (pk[HOSTILE_NAME], 0, "1"),
        }
        top = next(
            c
            for c in items[small_site.first.pk].findall("wp:comment", NS)
            if field(c, "wp:comment_parent") == "0"
        )
        assert field(top, "wp:comment_author_email") == "harbour.watcher@example.org"
        assert field(top, "wp:comment_author_url") == "https://watcher.example.org/"
        assert field(top, "wp:comment_author_IP") == "192.0.2.7"
        assert field(top, "wp:comment_date") == "2024-03-05 12:00:00"
        assert field(top, "wp:comment_content") == "Top of the thread."

    def test_hostile_text_is_escaped_and_the_file_stays_well_formed(self, small_site, tmp_path):
        data, _printed = export_bytes(tmp_path)
        _channel, items = parse(data)  # parses: no comment, title or label text broke out
        mischief = next(
            c
            for c in items[small_site.first.pk].findall("wp:comment", NS)
            if field(c, "wp:comment_author") == HOSTILE_NAME
        )
        # WordPress shows a comment's content as HTML: the reader's text comes back as they wrote it.
        assert html.unescape(field(mischief, "wp:comment_content")) == HOSTILE_COMMENT
        assert html.unescape(field(items[small_site.full.pk], "title")) == HOSTILE_TITLE
        assert b"<script" not in data and b"]]]]><![CDATA[>" in data

    def test_the_export_goes_to_standard_output_with_the_summary_apart(self, small_site, capsysbinary):
        call_command("export_site", "-", "--no-progress")
        captured = capsysbinary.readouterr()
        _channel, items = parse(captured.out)
        assert small_site.first.pk in items
        assert b"posts: 6" in captured.err

    def test_redirects_are_in_broadsheets_own_elements(self, small_site, tmp_path):
        channel, _items = parse(export_bytes(tmp_path)[0])
        redirects = {r.get("old_path"): dict(r.attrib) for r in channel.findall("broadsheet:redirect", NS)}
        assert redirects == {
            "/2024/03/first-tide-table.html": {
                "old_path": "/2024/03/first-tide-table.html",
                "permanent": "1",
                "post_id": str(small_site.first.pk),
            },
            "/search/label/harbour": {
                "old_path": "/search/label/harbour",
                "permanent": "1",
                "blog": "1",
                "route": "/tag/harbour/",
            },
            "/elsewhere": {"old_path": "/elsewhere", "permanent": "0", "url": "https://example.org/x"},
        }

    def test_a_site_that_is_not_there_is_named_in_the_error(self, small_site, tmp_path):
        nowhere = "no site has the host “nowhere.example” \\(sites: testserver\\)"
        with pytest.raises(CommandError, match=nowhere):
            call_command("export_site", str(tmp_path / "out.xml"), "--site", "nowhere.example")
        assert not list(tmp_path.iterdir())  # no file, not even a partial one
        Site.objects.all().delete()
        with pytest.raises(CommandError, match="there is no site to export yet"):
            call_command("export_site", str(tmp_path / "out.xml"))
