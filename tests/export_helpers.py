"""A small site with one of everything an export holds, and reading a WXR file back, for the
tests of `export_site`, its admin button and the round trip through `import_wordpress`."""

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone
from wagtail.contrib.redirects.models import Redirect
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import PageViewRestriction, Site

from blog.models import Author, CommentReview, StaticPage

from .factories import aware, make_author, make_comment, make_post, paragraph

NS = {
    "wp": "http://wordpress.org/export/1.2/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "broadsheet": "urn:broadsheet:wxr:1",
}
HOSTILE_COMMENT = 'Ends here: </wp:comment> and ]]> then <script>alert("x")</script> & [gallery]'
HOSTILE_NAME = "Mischief ]]><b>x</b>"
HOSTILE_TITLE = "Tom & Jerry <script>alert(1)</script> ]]> at the quay"


def body_with_every_block(linked_post, image):
    return [
        {"type": "heading", "value": {"text": "Tides & times", "level": "h3"}},
        paragraph(
            f'<p>See <a linktype="page" id="{linked_post.pk}">the earlier post</a>, <b>bold</b> and '
            "[caption]not a shortcode[/caption].</p><ul><li>one</li><li>two</li></ul>"
        ),
        {
            "type": "quote",
            "value": {
                "text": "<p>The sea keeps its own time.</p>",
                "source": "A harbourmaster",
                "source_url": "https://example.org/tides",
            },
        },
        {
            "type": "image",
            "value": {"image": image.pk, "alt_text": "", "caption": "Morning", "credit": "R. Tamsin"},
        },
        {
            "type": "embed",
            "value": {"url": "https://www.youtube.com/watch?v=abcdef123", "caption": "The regatta"},
        },
        {"type": "code", "value": {"language": "python", "code": "if a < b and c > d:\n    print('[x]')"}},
    ]


@dataclass
class SmallSite:
    """What `make_small_site` made, by role."""

    blog: object
    ada: Author
    ben: Author
    image: Image
    first: object  # published, commented, linked to
    full: object  # published, every kind of block, two authors, the hostile title
    draft: object
    scheduled: object
    private: object
    protected: object
    about: StaticPage
    thread: dict  # comment name: comment on `first`


def make_small_site(home, blog):
    """Two authors (one with a photo), three labels, an image, six posts in every status, a static
    page, a comment thread three deep with a held, a removed and a spam comment, and three kinds of
    redirect."""
    ada = make_author("Ada Writer")
    image = Image.objects.create(
        title="Quay at dawn", description="The quay at dawn", file=get_test_image_file("quay.png")
    )
    ben = Author.objects.create(name="Ben Tidewell", bio="Writes about ferries & tides.", photo=image)
    first = make_post(
        blog,
        "The first tide table",
        slug="first-tide-table",
        date="2024-03-01 08:30",
        tags=["Harbour", 'Q&A "quoted"'],
        authors=[ada],
        intro="Tides <explained> & more.",
        feed_image=image,
    )
    full = make_post(
        blog,
        HOSTILE_TITLE,
        slug="every-block",
        date="2024-03-02 10:00",
        tags=["Harbour", "Ferries"],
        authors=[ben, ada],
        body=body_with_every_block(first, image),
    )
    draft = make_post(blog, "Draft as first saved", slug="a-draft", date="2024-03-03 09:00", publish=False)
    draft.title = "Draft, retitled in its latest revision"
    draft.save_revision()
    when = (timezone.now() + timedelta(days=3)).replace(microsecond=0, second=0)
    scheduled = make_post(
        blog, "Out on Friday", slug="out-on-friday", date=when, publish=False, go_live_at=when
    )
    scheduled.latest_revision.publish()  # its go-live time is ahead: it waits for it
    private = make_post(blog, "For members", slug="for-members", date="2024-03-04 09:00")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)
    protected = make_post(blog, "Behind a password", slug="behind-a-password", date="2024-03-05 09:00")
    PageViewRestriction.objects.create(
        page=protected, restriction_type=PageViewRestriction.PASSWORD, password="tide-table"
    )
    about = home.add_child(
        instance=StaticPage(
            title="About the ledger",
            slug="about",
            body=[
                paragraph("<p>Who writes here.</p>"),
                {
                    "type": "external_image",
                    "value": {
                        "url": "https://pictures.example.net/pier.jpg",
                        "alt_text": "The pier at low tide",
                        "caption": "From the pier",
                        "link": "https://pictures.example.net/pier-large.jpg",
                    },
                },
            ],
        )
    )
    about.save_revision().publish()

    start = aware("2024-03-05 12:00")
    thread = {}

    def comment(name, text, parent=None, **fields):
        thread[name] = make_comment(
            first,
            text=text,
            name=name,
            email=f"{'.'.join(re.findall('[a-z]+', name.lower()))}@example.org",
            parent=thread[parent] if parent else None,
            submit_date=start + timedelta(minutes=len(thread)),
            **fields,
        )

    comment(
        "Harbour watcher",
        "Top of the thread.",
        user_url="https://watcher.example.org/",
        ip_address="192.0.2.7",
    )
    comment("Jo", "A reply.", parent="Harbour watcher")
    comment("Old ferryman", "A reply to the reply.", parent="Jo")
    comment("Skipper Bev", "Waiting for a moderator.", is_public=False)
    comment("Net mender", "Taken down.", is_public=False, is_removed=True)
    comment("Spammer", "Cheap boats at spam.example.com", is_public=False, is_removed=True)
    CommentReview.objects.create(comment=thread["Spammer"], spam=True)
    comment("Answer to spam", "Answering the spam.", parent="Spammer")
    comment(HOSTILE_NAME, HOSTILE_COMMENT)

    site = Site.objects.get(is_default_site=True)
    Redirect.objects.create(old_path="/2024/03/first-tide-table.html", site=site, redirect_page=first)
    Redirect.objects.create(
        old_path="/search/label/harbour",
        site=site,
        redirect_page=blog,
        redirect_page_route_path="/tag/harbour/",
    )
    Redirect.objects.create(
        old_path="/elsewhere", site=site, redirect_link="https://example.org/x", is_permanent=False
    )
    return SmallSite(blog, ada, ben, image, first, full, draft, scheduled, private, protected, about, thread)


def export_bytes(folder):
    """The site as `export_site` writes it to a file in `folder`, and what the command printed."""
    path = folder / "site.xml"
    printed = io.StringIO()
    call_command("export_site", str(path), "--no-progress", stdout=printed)
    return path.read_bytes(), printed.getvalue()


def parse(data):
    """The export as an ElementTree channel, with items by WordPress id."""
    channel = ET.fromstring(data).find("channel")
    items = {int(item.findtext("wp:post_id", namespaces=NS)): item for item in channel.findall("item")}
    return channel, items


def field(element, name):
    return element.findtext(name, namespaces=NS)
