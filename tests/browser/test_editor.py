"""An editor writes, previews, schedules and publishes a post in the Wagtail admin, in Chromium."""

import io
import re

import pytest
from django.urls import reverse
from PIL import Image as PILImage
from playwright.sync_api import expect
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed

from blog.models import BlogPostPage

from ..browser_support import screenshot
from ..factories import make_author

pytestmark = pytest.mark.browser

PASSWORD = "a-long-editor-passphrase"
VIDEO_URL = "https://video.example/watch/harbour-at-dawn"


def harbour_png():
    buffer = io.BytesIO()
    PILImage.new("RGB", (960, 540), (38, 84, 124)).save(buffer, "PNG")
    return buffer.getvalue()


def offline_embed(url):
    # The machine has no route to oEmbed providers; Wagtail looks embeds up in its own table
    # first, so the provider's answer is stored there as it would have been after a first look-up.
    Embed.objects.create(
        url=url,
        hash=get_embed_hash(url),
        type="video",
        title="The harbour at dawn",
        provider_name="Video Example",
        width=560,
        height=315,
        html='<iframe title="The harbour at dawn (video)" width="560" height="315" '
        'srcdoc="&lt;p&gt;A time-lapse of the harbour&lt;/p&gt;"></iframe>',
    )


def log_in(page, base_url, username):
    page.goto(f"{base_url}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/admin/")


def add_block(page, kind):
    page.locator("#panel-child-content-body-content .c-sf-add-button").last.click()
    page.get_by_role("option", name=kind, exact=True).click()


def select_backwards(page, words_after, words):
    for _ in range(len(words_after)):
        page.keyboard.press("ArrowLeft")
    for _ in range(len(words)):
        page.keyboard.press("Shift+ArrowLeft")


def footer_action(page, name):
    """Choose an action from the editor's footer menu and wait for the page it leads to."""
    footer = page.get_by_role("navigation", name="Actions (footer)")
    footer.get_by_role("button", name="More actions").click()
    with page.expect_navigation():
        footer.get_by_role("button", name=name, exact=True).click()


def open_status_panel(page):
    toggle = page.get_by_role("button", name="Toggle status")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


# What the editor does with edits, from its own events: the last edit typed (an input event)
# and the last time it took the form as it stood, either to autosave it (w-unsaved:add) or as
# what it compares later edits with, once loaded and after each autosave (w-unsaved:watch-edits).
EDITOR_EVENTS = """
window.editorEvents = {count: 0, edited: 0, taken: 0};
document.addEventListener("input", () => { editorEvents.edited = ++editorEvents.count; }, true);
for (const name of ["w-unsaved:add", "w-unsaved:watch-edits"]) {
    document.addEventListener(name, () => { editorEvents.taken = ++editorEvents.count; });
}
"""


def wait_until_watching_edits(page):
    """Wait until the editor compares the form with what it loaded (it starts a moment after the
    page loads, and then marks whether there are edits): an edit made before then is not autosaved."""
    expect(page.locator("form[data-edit-form]")).to_have_attribute("data-w-unsaved-has-edits-value", "false")


def wait_until_autosaved(page):
    """Wait until the editor has taken the edits typed so far and shows them autosaved.

    A save sent while an autosave is on its way races it: the autosave's revision can come out
    newer than the page the save leads to, and the editor then asks before every later save."""
    page.wait_for_function(
        """() => editorEvents.taken > editorEvents.edited
        && document.querySelector("form[data-edit-form]").dataset.wUnsavedHasEditsValue === "false"
        && document.getElementById("w-autosave-indicator").dataset.wAutosaveStateValue === "saved" """
    )
    expect(page.locator("#w-autosave-indicator").get_by_text("Saved", exact=True)).to_be_visible()


def type_date_time(page, field, value):
    """Type `value` into a date-time field as a person does: click into it (the date picker opens),
    type, and click away (the picker closes and keeps what was typed). The picker reads the field
    only when it opens and when it closes: one that opened just before the text arrived shows
    today, and picking a time in it writes today's date."""
    picker = page.locator(".xdsoft_datetimepicker:visible")
    field.click()
    expect(picker).to_have_count(1)
    field.fill(value)
    page.locator("#schedule-publishing-dialog").get_by_role("heading", name="Set publishing schedule").click()
    expect(picker).to_have_count(0)
    expect(field).to_have_value(value)


def add_tag(page, name):
    tag_input = page.locator("#id_tags").locator("xpath=..").locator("input.ui-autocomplete-input")
    tag_input.fill(name)
    tag_input.press("Enter")


def test_editor_writes_schedules_and_publishes_a_post(page, live_server, live_blog, django_user_model):
    make_author("Mara Lindqvist")
    make_author("Tomas Reyes")
    offline_embed(VIDEO_URL)
    django_user_model.objects.create_superuser("editor", "editor@example.com", PASSWORD)
    base = live_server.url
    page.add_init_script(EDITOR_EVENTS)

    log_in(page, base, "editor")
    page.goto(f"{base}{reverse('wagtailadmin_pages:add', args=['blog', 'blogpostpage', live_blog.pk])}")

    page.get_by_placeholder("Page title*").fill("Tides and the harbour wall")
    # Authors are chosen in the snippet chooser, several at once, then put in the byline's order.
    page.get_by_role("button", name="Add author").click()
    page.get_by_title("Select Mara Lindqvist").check()
    page.get_by_title("Select Tomas Reyes").check()
    page.get_by_role("button", name="Confirm selection").click()
    expect(page.locator("#id_post_authors-0-author-title")).to_have_text("Mara Lindqvist")
    expect(page.locator("#id_post_authors-1-author-title")).to_have_text("Tomas Reyes")
    page.locator("#inline_child_post_authors-1").get_by_title("Move up").click()
    add_tag(page, "harbours")
    add_tag(page, "sea walls")
    page.locator("#id_intro").fill("Why the old harbour wall still holds after a century of winter tides.")

    add_block(page, "Heading")
    page.locator("#body-0-value-text").fill("What the survey found")

    add_block(page, "Paragraph")
    page.locator("#panel-child-content-body-content .public-DraftEditor-content").nth(0).click()
    page.keyboard.type("Read the field notes for the details.")
    select_backwards(page, " for the details.", "field notes")
    page.keyboard.press("Control+k")
    page.get_by_role("link", name="External link").click()
    page.locator("#id_external-link-chooser-url").fill("https://notes.example/harbour-survey")
    page.get_by_role("button", name="Insert link").click()

    add_block(page, "Quote")
    page.locator("#panel-child-content-body-content .public-DraftEditor-content").nth(1).click()
    page.keyboard.type("The wall was built to be repaired, not to be replaced.")
    page.locator("#body-2-value-source").fill("Harbour Board minutes, 1921")
    page.locator("#body-2-value-source_url").fill("https://archive.example/harbour-board-1921")

    add_block(page, "Image")
    page.locator("#body-3-value-image-chooser .chooser__choose-button").click()
    page.get_by_role("tab", name="Upload").click()
    page.locator("#id_image-chooser-upload-file").set_input_files(
        files=[{"name": "harbour.png", "mimeType": "image/png", "buffer": harbour_png()}]
    )
    # The upload form fills the title in from the file name first, as it does for a person.
    expect(page.locator("#id_image-chooser-upload-title")).to_have_value("harbour")
    page.locator("#id_image-chooser-upload-title").fill("Harbour wall at low tide")
    page.locator("#id_image-chooser-upload-description").fill("Stone harbour wall with seaweed at low tide")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#body-3-value-image-title")).to_have_text("Harbour wall at low tide")
    page.locator("#body-3-value-caption").fill("The north wall at the spring low tide.")
    page.locator("#body-3-value-credit").fill("Photo: Mara Lindqvist")

    add_block(page, "Embed")
    page.locator("#body-4-value-url").fill(VIDEO_URL)
    page.locator("#body-4-value-caption").fill("A morning on the harbour, sped up.")

    add_block(page, "Code")
    page.locator("#body-5-value-language").select_option("python")
    page.locator("#body-5-value-code").fill('def tide_height(hour):\n    return 2.5 + 1.8 * hour  # "metres"')

    wait_until_autosaved(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".messages")).to_contain_text(
        re.compile("'Tides and the harbour wall' (has been )?(created|updated)")
    )
    post = BlogPostPage.objects.get(title="Tides and the harbour wall")
    assert not post.live
    screenshot(page, "admin-post-editor")

    # Preview: Wagtail's side panel renders the draft with the site's own template.
    page.get_by_role("button", name="Toggle preview").click()
    preview = page.frame_locator("#w-preview-iframe")
    expect(preview.locator("h1")).to_have_text("Tides and the harbour wall")
    expect(preview.locator("blockquote")).to_contain_text("built to be repaired")
    page.get_by_role("button", name="Toggle preview").click()

    # Schedule for a date to come: the post is not public until then.
    wait_until_watching_edits(page)
    open_status_panel(page)
    page.get_by_role("button", name="Set schedule").click()
    type_date_time(page, page.locator("#id_go_live_at"), "2099-01-04 09:00")
    wait_until_autosaved(page)
    status = page.locator("[data-side-panel='status']")
    expect(status).to_contain_text(re.compile(r"Once scheduled:\s*Go-live:\s*Jan\. 4, 2099, 9 a\.m\."))
    with page.expect_navigation():
        page.get_by_role("button", name="Save schedule").click()
    expect(status).to_contain_text(re.compile(r"Once scheduled:\s*Go-live:\s*Jan\. 4, 2099, 9 a\.m\."))
    footer_action(page, "Schedule to publish")
    expect(page.locator(".messages")).to_contain_text("scheduled for publishing")
    post.refresh_from_db()
    assert not post.live
    assert post.revisions.filter(approved_go_live_at__isnull=False).exists()
    anonymous = page.context.browser.new_page()
    assert anonymous.goto(f"{base}{post.url}").status == 404
    anonymous.goto(f"{base}{live_blog.url}")
    expect(anonymous.locator("main")).not_to_contain_text("Tides and the harbour wall")

    # Publish now instead: cancel the schedule, then publish.
    page.goto(f"{base}{reverse('wagtailadmin_pages:edit', args=[post.pk])}")
    expect(page.locator("body")).to_contain_text("has been scheduled to go live at Jan. 4, 2099")
    page.get_by_role("button", name="Cancel scheduled publish").click()
    expect(page.locator(".messages")).to_contain_text("unscheduled")
    page.goto(f"{base}{reverse('wagtailadmin_pages:edit', args=[post.pk])}")
    wait_until_watching_edits(page)
    open_status_panel(page)
    page.get_by_role("button", name="Edit schedule").click()
    type_date_time(page, page.locator("#id_go_live_at"), "")
    wait_until_autosaved(page)
    expect(status).to_contain_text("No publishing schedule set")
    # Keyboard users reach the dialog's button all the same.
    with page.expect_navigation():
        page.get_by_role("button", name="Save schedule").press("Enter")
    expect(status).to_contain_text("No publishing schedule set")
    footer_action(page, "Publish")
    expect(page.locator(".messages")).to_contain_text(re.compile("(updated and )?published"))
    post.refresh_from_db()
    assert post.live

    # What readers now see: the post with every block, on the index, its tag page, the feed, search.
    anonymous.goto(f"{base}{post.url}")
    article = anonymous.locator("article.post")
    expect(article.locator("h1")).to_have_text("Tides and the harbour wall")
    expect(article.locator(".post__body h2")).to_have_text("What the survey found")
    expect(article.get_by_role("link", name="field notes")).to_have_attribute(
        "href", "https://notes.example/harbour-survey"
    )
    expect(article.locator("blockquote")).to_contain_text("built to be repaired, not to be replaced")
    expect(article.locator(".quote__source")).to_contain_text("Harbour Board minutes, 1921")
    image = article.locator("figure.figure img")
    expect(image).to_have_attribute("alt", "Stone harbour wall with seaweed at low tide")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(article.locator(".figure figcaption")).to_contain_text("the spring low tide")
    expect(article.locator(".embed iframe")).to_have_attribute("title", "The harbour at dawn (video)")
    expect(article.locator(".code .highlight")).to_contain_text("def tide_height(hour):")
    expect(article.locator(".post-author")).to_have_text(["Tomas Reyes", "Mara Lindqvist"])
    expect(article.locator(".post-tags a")).to_have_text(["harbours", "sea walls"])
    screenshot(anonymous, "post")

    anonymous.goto(f"{base}{live_blog.url}")
    expect(anonymous.locator(".post-card__title")).to_have_text(["Tides and the harbour wall"])
    anonymous.locator(".post-card").get_by_role("link", name="sea walls").click()
    expect(anonymous.locator("h1")).to_contain_text("sea walls")
    expect(anonymous.locator(".post-card__title")).to_have_text(["Tides and the harbour wall"])

    feed = anonymous.request.get(f"{base}{live_blog.url}feed/")
    assert feed.ok
    assert re.search(r"<title>Tides and the harbour wall</title>", feed.text())

    anonymous.goto(f"{base}/")
    anonymous.get_by_role("searchbox", name="Search posts").fill("harbour wall")
    anonymous.get_by_role("searchbox", name="Search posts").press("Enter")
    expect(anonymous.locator(".post-card__title")).to_have_text(["Tides and the harbour wall"])
