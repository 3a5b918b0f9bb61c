"""axe-core, HTML_CodeSniffer (through pa11y) and the Nu Html Checker find no problem on the reader's
pages; the keyboard reaches everything."""

import json

import pytest
from playwright.sync_api import expect

from ..browser_support import (
    assert_accessible,
    axe_violations,
    pa11y_errors,
    save_page,
    screenshot,
    vnu_errors,
)
from ..factories import make_author, make_comment, paragraph

pytestmark = pytest.mark.browser


def quote(text, source, url=""):
    return {"type": "quote", "value": {"text": f"<p>{text}</p>", "source": source, "source_url": url}}


def code(source, language="python"):
    return {"type": "code", "value": {"language": language, "code": source}}


@pytest.fixture
def reading(live_blog):
    """A small blog worth reading: posts over two months, with labels, quotes and code."""
    from ..factories import make_post

    author = make_author("Mara Lindqvist")
    posts = [
        make_post(
            live_blog,
            title="Tides and the harbour wall",
            date="2024-03-02 08:00",
            tags=["harbours", "sea walls"],
            authors=[author],
            intro="Why the old harbour wall still holds after a century of winter tides.",
            body=[
                {"type": "heading", "value": {"text": "What the survey found", "level": "h2"}},
                paragraph(
                    '<p>The survey of the north wall took three <a href="https://notes.example/survey">'
                    "field days</a> at the lowest spring tides of the year, when the footings show.</p>"
                ),
                quote(
                    "The wall was built to be repaired, not to be replaced; "
                    "each stone can be lifted and set again by two people.",
                    "Harbour Board minutes, 1921",
                    "https://archive.example/harbour-board-1921",
                ),
                paragraph("<p>That is still true. What has changed is the weight of the winter storms.</p>"),
                code("def tide_height(hour):\n    return 2.5 + 1.8 * hour  # metres above datum"),
            ],
        ),
        make_post(
            live_blog,
            title="A winter of storms, counted",
            date="2024-02-11 18:30",
            tags=["storms"],
            authors=[author],
            intro="Eleven named storms reached the coast this winter; here is what each one moved.",
        ),
        make_post(
            live_blog,
            title="The lighthouse keeper's log",
            date="2024-02-01 07:15",
            tags=["harbours"],
            authors=[author],
            intro="Notes from a log kept by hand for forty years.",
        ),
    ]
    # The first post has a short thread, so its pages show comments, a reply and the form.
    question = make_comment(posts[0], "Which stones were lifted last?", name="Jo Ferris")
    make_comment(posts[0], "The ones by the steps, in 2019.", name="Mara Lindqvist", parent=question)
    return posts


def reader_pages(live_blog, reading):
    """Every kind of page a reader sees, by name."""
    return {
        "home": "/",
        "index": live_blog.url,
        "post": reading[0].url,
        "tag": f"{live_blog.url}tag/harbours/",
        "archive": f"{live_blog.url}2024/02/",
        "author": f"{live_blog.url}author/mara-lindqvist/",
        "search": "/search/?q=harbour",
    }


def test_reader_pages_have_no_serious_accessibility_problems_and_axe_reports_a_page_that_has(
    page, live_server, live_blog, reading, axe_source
):
    base = live_server.url
    pages = reader_pages(live_blog, reading)
    for name, path in pages.items():
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page, axe_source)
        screenshot(page, name)

    # The dark scheme is checked too: its colours must keep their contrast.
    page.emulate_media(color_scheme="dark")
    for name in ("home", "post"):
        page.goto(f"{base}{pages[name]}")
        assert_accessible(page, axe_source)
        screenshot(page, f"{name}-dark")

    # The check above is only worth something if it fails on a real problem: a form field
    # nobody has named, and an image without alt text.
    page.emulate_media(color_scheme="light")
    page.goto(f"{base}{live_blog.url}")
    page.evaluate(
        """() => {
            const box = document.querySelector('#site-search');
            box.removeAttribute('placeholder');
            document.querySelector('label[for=site-search]').remove();
            const image = document.createElement('img');
            image.src = '/static/css/missing.png';
            document.querySelector('main').append(image);
        }"""
    )
    ids = {violation["id"] for violation in axe_violations(page, axe_source)}
    assert {"label", "image-alt"} <= ids


def test_reader_pages_pass_html_codesniffer_and_the_nu_html_checker_which_report_a_page_that_does_not(
    page, live_server, live_blog, reading, html_checkers
):
    urls, saved = {}, []
    for name, path in reader_pages(live_blog, reading).items():
        url = f"{live_server.url}{path}"
        response = page.request.get(url)
        assert response.status == 200, path
        saved.append(save_page(name, response.text()))
        urls[url] = path
    # As for axe: the checks are only worth something if they fail on real problems, so one page
    # is checked with an image without alt text and an id used twice.
    html = page.request.get(f"{live_server.url}{live_blog.url}").text()
    broken = save_page(
        "broken",
        html.replace("</main>", '<img src="chart.png"><p id="main">An id used twice.</p></main>'),
    )
    found = pa11y_errors([*urls, broken.as_uri()])  # one Chromium for every page
    assert set(found) == {*urls, broken.as_uri()}
    failing = {urls[url]: errors for url, errors in found.items() if url in urls and errors}
    assert failing == {}, json.dumps(failing, indent=2)
    codes = {error["code"] for error in found[broken.as_uri()]}
    assert "WCAG2AA.Principle1.Guideline1_1.1_1_1.H37" in codes  # an image without alt text

    errors = vnu_errors([*saved, broken])  # one Java for every file
    assert [error for error in errors if error["file"] != broken.name] == [], json.dumps(errors, indent=2)
    messages = " ".join(error["message"] for error in errors if error["file"] == broken.name)
    assert "Duplicate ID “main”" in messages
    assert "An “img” element must have an “alt” attribute" in messages


def test_keyboard_reaches_the_skip_link_the_search_box_and_the_posts(page, live_server, live_blog, reading):
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")

    page.goto(f"{live_server.url}/")
    search = page.get_by_role("searchbox", name="Search posts")
    for _ in range(10):
        page.keyboard.press("Tab")
        if search.evaluate("el => el === document.activeElement"):
            break
    expect(search).to_be_focused()
    page.keyboard.type("lighthouse")
    page.keyboard.press("Enter")
    expect(page.locator(".post-card__title")).to_have_text(["The lighthouse keeper's log"])

    # On to the post by keyboard alone: the first card's title link, then Enter.
    link = page.get_by_role("link", name="The lighthouse keeper's log", exact=True)
    for _ in range(20):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("The lighthouse keeper's log")
