"""The round trip: a site written out by `export_site` and read into an empty install by
`import_wordpress` comes back with the same posts, bodies, labels, authors (with their bios and
photos), comment threads and redirects."""

import hashlib
import re
import shutil
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django_comments_xtd.models import XtdComment
from taggit.models import Tag
from wagtail.contrib.redirects.models import Redirect
from wagtail.images.models import Image
from wagtail.models import Page, PageViewRestriction, Site

from blog.models import Author, BlogPostPage, StaticPage

from ..export_helpers import export_bytes, make_small_site

pytestmark = pytest.mark.django_db

PAGE_LINK = re.compile(r'<a linktype="page" id="(\d+)">')


def status_of(post):
    if not post.live:
        scheduled = post.revisions.filter(approved_go_live_at__isnull=False).first()
        return ("scheduled", scheduled.approved_go_live_at) if scheduled else ("draft",)
    restriction = PageViewRestriction.objects.filter(page=post).first()
    if restriction is None:
        return ("live",)
    return (restriction.restriction_type, restriction.password)


def body_of(page, slugs):
    """A body's blocks as (type, content) with what the round trip cannot keep the same (block
    ids, image and page ids) put in terms it can (the image's title, the linked page's slug)."""
    blocks = []
    for block in page.body.raw_data:
        value = block["value"]
        if block["type"] == "paragraph":
            value = PAGE_LINK.sub(lambda m: f'<a page="{slugs[int(m.group(1))]}">', value)
        elif block["type"] == "quote":
            value = {
                **value,
                "text": PAGE_LINK.sub(lambda m: f'<a page="{slugs[int(m.group(1))]}">', value["text"]),
            }
        elif block["type"] == "image":
            image = Image.objects.get(pk=value["image"])
            # The same file, shown with the same alt text (the block's own, else the image's).
            value = {**value, "image": file_digest(image), "alt_text": value["alt_text"] or image.description}
        blocks.append((block["type"], value))
    return blocks


def file_digest(image):
    with image.file.open("rb") as stored:
        return hashlib.sha1(stored.read()).hexdigest()


def thread_of(post):
    """The post's comments in thread order: (name, the name of the comment it answers, public)."""
    comments = XtdComment.norel_objects.filter(
        content_type=ContentType.objects.get_for_model(BlogPostPage), object_pk=str(post.pk), is_removed=False
    ).order_by("thread_id", "order")
    names = {comment.pk: comment.user_name for comment in comments}
    return [
        (c.user_name, None if c.parent_id == c.pk else names.get(c.parent_id), c.is_public, c.comment)
        for c in comments
    ]


def snapshot():
    """What the round trip keeps, by slug, independent of ids."""
    slugs = dict(Page.objects.values_list("pk", "slug"))
    posts = {}
    for post in BlogPostPage.objects.order_by("slug"):
        shown = post if post.live else post.get_latest_revision_as_object()
        posts[post.slug] = {
            "title": shown.title,
            "date": shown.date,
            "intro": shown.intro,
            "status": status_of(post),
            "body": body_of(shown, slugs),
            "labels": sorted(tag.name for tag in shown.tags.all()),
            "authors": [author.name for author in shown.authors],
            "feed image": shown.feed_image and file_digest(shown.feed_image),
            "comments": thread_of(post),
        }
    pages = {page.slug: (page.title, body_of(page, slugs)) for page in StaticPage.objects.all()}
    redirects = {}
    for redirect in Redirect.objects.select_related("redirect_page"):
        target = redirect.redirect_page.slug if redirect.redirect_page else redirect.redirect_link
        redirects[redirect.old_path] = (target, redirect.redirect_page_route_path, redirect.is_permanent)
    authors = sorted(
        (author.name, author.slug, author.bio, author.photo and file_digest(author.photo))
        for author in Author.objects.select_related("photo")
    )
    labels = sorted(Tag.objects.values_list("name", "slug"))
    return posts, pages, redirects, authors, labels


def empty_the_install():
    """Everything the export holds goes, as in a database where only the migrations ran."""
    Redirect.objects.all().delete()
    XtdComment.objects.all().delete()
    root = Page.get_first_root_node()
    for child in root.get_children():
        child.delete()
    Site.objects.all().delete()
    Site.objects.create(
        hostname="testserver",
        port=80,
        root_page=root.add_child(instance=Page(title="Welcome to your new Wagtail site!", slug="home")),
        is_default_site=True,
    )
    Author.objects.all().delete()
    Tag.objects.all().delete()
    Image.objects.all().delete()


def test_export_then_import_into_an_empty_install_gives_back_the_same_site(home_page, blog_index, tmp_path):
    make_small_site(home_page, blog_index)
    before_posts, before_pages, before_redirects, before_authors, before_labels = snapshot()
    assert sorted(post["status"][0] for post in before_posts.values()) == [
        "draft", "live", "live", "login", "password", "scheduled",
    ]  # fmt: skip
    assert [c[:3] for c in before_posts["first-tide-table"]["comments"][:4]] == [
        ("Harbour watcher", None, True),
        ("Jo", "Harbour watcher", True),
        ("Old ferryman", "Jo", True),
        ("Skipper Bev", None, False),
    ]
    assert len(before_redirects) == 3 and len(before_authors) == 2 and len(before_labels) == 3
    data, _printed = export_bytes(tmp_path)
    # The images' files, as a copy of the old site's media folder beside the export.
    media = tmp_path / "media"
    shutil.copytree(settings.MEDIA_ROOT / "original_images", media / "original_images")

    empty_the_install()
    assert not BlogPostPage.objects.exists() and not Image.objects.exists()
    call_command(
        "import_wordpress",
        str(tmp_path / "site.xml"),
        "--media-dir",
        str(media),
        "--no-progress",
        stdout=StringIO(),
    )

    after_posts, after_pages, after_redirects, after_authors, after_labels = snapshot()
    assert after_posts.keys() == before_posts.keys()
    for slug, before in before_posts.items():
        if not before["intro"]:
            # A post without an intro gets its first paragraph's words as one (the import's rule).
            assert after_posts[slug].pop("intro") and before.pop("intro") == ""
        if before["feed image"] is None:
            # Nor a feed image: the first image of its body, if any, becomes it (as share cards show it).
            first_image = next((value["image"] for kind, value in before["body"] if kind == "image"), None)
            assert after_posts[slug].pop("feed image") == first_image and before.pop("feed image") is None
        assert after_posts[slug] == before, slug
    assert after_pages == before_pages
    assert after_authors == before_authors
    assert after_labels == before_labels
    # Every redirect the site had is there again (the import adds the old site's own addresses too).
    assert {path: after_redirects.get(path) for path in before_redirects} == before_redirects
    assert b"broadsheet:redirect" in data
