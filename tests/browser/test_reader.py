"""A reader finds posts and talks in the comments; a moderator lets a held comment through. In Chromium."""

import pytest
from django_comments_xtd.models import XtdComment
from playwright.sync_api import expect
from wagtail.models import Site

from blog.models import CommentSettings

from ..browser_support import assert_accessible, screenshot
from ..factories import make_author, make_post, paragraph

pytestmark = pytest.mark.browser

PASSWORD = "a-long-moderator-passphrase"


@pytest.fixture
def posts(live_blog):
    author = make_author("Mara Lindqvist")
    return {
        "wall": make_post(
            live_blog,
            title="Tides and the harbour wall",
            date="2024-03-02 08:00",
            tags=["harbours", "sea walls"],
            authors=[author],
            intro="Why the old harbour wall still holds after a century of winter tides.",
            body=[paragraph("<p>The survey of the north wall took three field days at low tide.</p>")],
        ),
        "storms": make_post(
            live_blog,
            title="A winter of storms, counted",
            date="2024-02-11 18:30",
            tags=["storms"],
            authors=[author],
            intro="Eleven named storms reached the harbour this winter.",
        ),
        "log": make_post(
            live_blog,
            title="The lighthouse keeper's log",
            date="2023-11-01 07:15",
            tags=["harbours"],
            authors=[author],
            intro="Notes from a harbour log kept by hand for forty years.",
        ),
    }


def comment(page, text):
    """The comment whose own text (not its replies') contains `text`."""
    return page.locator(f"li.comment:has(> .comment__inner:has-text('{text}'))")


def fill_comment(form, name, email, text):
    form.get_by_role("textbox", name="Name").fill(name)
    form.get_by_role("textbox", name="Email").fill(email)
    form.get_by_role("textbox", name="Comment").fill(text)


def test_reader_browses_searches_and_holds_a_three_level_conversation(
    page, live_server, live_blog, posts, axe_source
):
    # This site lets first-time commenters straight through; the moderator test covers holding.
    CommentSettings.objects.update_or_create(site=Site.objects.get(), defaults={"hold_first_comments": False})
    base = live_server.url

    page.goto(f"{base}/")
    page.get_by_role("link", name="Tides and the harbour wall", exact=True).click()
    expect(page.locator("h1")).to_have_text("Tides and the harbour wall")

    page.locator(".post-tags").get_by_role("link", name="harbours").click()
    expect(page.locator("h1")).to_have_text("Posts labelled “harbours”")
    expect(page.locator(".post-card__title")).to_have_text(
        ["Tides and the harbour wall", "The lighthouse keeper's log"]
    )

    archive = page.get_by_role("complementary", name="Blog archive and labels")
    archive.get_by_role("link", name="2023").click()
    expect(page.locator("h1")).to_have_text("Posts from 2023")
    expect(page.locator(".post-card__title")).to_have_text(["The lighthouse keeper's log"])
    archive = page.get_by_role("complementary", name="Blog archive and labels")
    archive.get_by_text("Months of 2023").click()  # unfolds an older year's months
    expect(archive.get_by_role("link", name="November")).to_be_visible()
    archive.get_by_role("link", name="February").click()
    expect(page.locator("h1")).to_have_text("Posts from February 2024")
    expect(page.locator(".post-card__title")).to_have_text(["A winter of storms, counted"])

    page.get_by_role("searchbox", name="Search posts").fill("harbour")
    page.get_by_role("searchbox", name="Search posts").press("Enter")
    expect(page.locator(".post-card__title")).to_have_count(3)
    page.locator(".search-facets").get_by_role("link", name="sea walls").click()
    expect(page.locator(".search-filters")).to_contain_text("sea walls")
    expect(page.locator(".post-card__title")).to_have_text(["Tides and the harbour wall"])
    page.get_by_role("link", name="Tides and the harbour wall", exact=True).click()

    form = page.locator("#comment-form")
    fill_comment(form, "Ines Okafor", "ines@example.org", "Were the footings surveyed at the neap tides too?")
    form.get_by_role("button", name="Publish comment").click()
    first = comment(page, "footings surveyed at the neap tides")
    expect(first).to_be_visible()

    first.locator("> .comment__inner .comment__reply").click()
    form = page.locator("#comment-form")
    expect(form.locator("[data-replying]")).to_be_visible()
    fill_comment(form, "Mara Lindqvist", "mara@example.org", "Only at springs; the neaps cover the footings.")
    form.get_by_role("button", name="Publish comment").click()
    second = comment(page, "the neaps cover the footings")
    expect(second).to_be_visible()

    second.locator("> .comment__inner .comment__reply").click()
    form = page.locator("#comment-form")
    fill_comment(form, "Ines Okafor", "ines@example.org", "Then a winter survey would settle it.")
    form.get_by_role("button", name="Publish comment").click()

    # Three levels: each reply nested in the list under the comment it answers.
    thread = page.locator("#comments > .comment-list")
    level1 = thread.locator(":scope > .comment")
    expect(level1).to_have_count(1)
    expect(level1.locator(":scope > .comment__inner")).to_contain_text("neap tides too?")
    level2 = level1.locator(":scope > .comment-list > .comment")
    expect(level2.locator(":scope > .comment__inner")).to_contain_text("the neaps cover the footings")
    level3 = level2.locator(":scope > .comment-list > .comment")
    expect(level3.locator(":scope > .comment__inner")).to_contain_text("a winter survey would settle it")
    expect(page.locator("#comments-heading")).to_have_text("3 comments")
    assert XtdComment.objects.filter(is_public=True).count() == 3
    assert list(XtdComment.objects.order_by("level").values_list("level", flat=True)) == [0, 1, 2]
    assert_accessible(page, axe_source)
    screenshot(page, "post-with-comments")


def test_comment_form_with_errors_keeps_the_text_and_is_accessible(
    page, live_server, live_blog, posts, axe_source
):
    page.goto(f"{live_server.url}{posts['wall'].url}")
    form = page.locator("#comment-form")
    text = "A thought about the wall, but no name or address given."
    form.get_by_role("textbox", name="Comment").fill(text)
    # Skip the browser's own checks so the server's answer is what the reader sees.
    form.evaluate("form => form.noValidate = true")
    form.get_by_role("button", name="Publish comment").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct")
    expect(page.get_by_role("textbox", name="Comment")).to_have_value(text)
    assert XtdComment.objects.count() == 0
    assert_accessible(page, axe_source)
    screenshot(page, "comment-form-errors")


def test_moderator_approves_a_held_comment_from_the_admin(
    page, live_server, live_blog, posts, django_user_model
):
    django_user_model.objects.create_superuser("moderator", "moderator@example.com", PASSWORD)
    base = live_server.url
    post_url = f"{base}{posts['wall'].url}"

    reader = page.context.browser.new_page()
    reader.goto(post_url)
    form = reader.locator("#comment-form")
    fill_comment(form, "Ines Okafor", "ines@example.org", "A first comment, held until someone reads it.")
    form.get_by_role("button", name="Publish comment").click()
    expect(reader.locator("main")).to_contain_text("moderat")
    reader.goto(post_url)
    expect(reader.locator("#comments")).not_to_contain_text("A first comment, held")

    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill("moderator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/admin/")
    page.goto(f"{base}/admin/comments/")
    row = page.locator("tr", has_text="A first comment, held")
    row.locator("input[type=checkbox]").check()
    expect(row).to_contain_text("Awaiting moderation")
    expect(row).to_contain_text("first comment from this address")
    page.get_by_role("link", name="Approve the selected comments").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("1 comment: approved and shown")

    reader.goto(post_url)
    expect(reader.locator("#comments")).to_contain_text("A first comment, held until someone reads it.")
    assert XtdComment.objects.get().is_public
