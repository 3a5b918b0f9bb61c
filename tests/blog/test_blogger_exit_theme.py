"""The Blogger theme that leads a blogspot.com blog's readers and search engines to the new site."""

import xml.etree.ElementTree as ET
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from blog.models import BlogPostPage, StaticPage

from ..blogger_helpers import import_fixture

pytestmark = pytest.mark.django_db

B = "{http://www.google.com/2005/gml/b}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def write_theme(tmp_path, *args):
    out = StringIO()
    path = tmp_path / "exit-theme.xml"
    call_command("blogger_exit_theme", str(path), *args, stdout=out)
    return path, out.getvalue()


def cases(path):
    """{old address: (canonical link, meta refresh target)} from the theme's switch."""
    switch = ET.parse(path).getroot().find(f"{XHTML}head/{B}switch")
    assert switch.get("var") == "data:blog.canonicalUrl"
    found, current = {}, None
    for element in switch:
        if element.tag == f"{B}case":
            current = element.get("value")
            found[current] = [None, None]
        elif element.tag == f"{B}default":
            current = None
        elif current and element.tag == f"{XHTML}link" and element.get("rel") == "canonical":
            found[current][0] = element.get("href")
        elif current and element.tag == f"{XHTML}meta" and element.get("http-equiv") == "refresh":
            found[current][1] = element.get("content").removeprefix("0; url=")
    return {old: tuple(targets) for old, targets in found.items()}


@pytest.fixture
def imported(blog_index, tmp_path):
    import_fixture(tmp_path)
    return blog_index


def test_the_theme_sends_every_imported_post_page_and_label_to_its_new_address(imported, tmp_path):
    path, said = write_theme(tmp_path)
    theme = cases(path)
    old = "https://alderledger.blogspot.com"
    posts = BlogPostPage.objects.exclude(blogger_id="").live()
    assert posts.count() == 2
    for post in posts:
        redirect = post.redirect_set.get(old_path__endswith=".html")
        assert theme[old + redirect.old_path] == (post.get_full_url(), post.get_full_url()), post.slug
    about = StaticPage.objects.get()
    assert theme[f"{old}/p/about.html"] == (about.get_full_url(), about.get_full_url())
    assert theme[f"{old}/search/label/Town%20Council"][0] == "http://testserver/blog/tag/town-council/"
    assert theme[f"{old}/2015/11/"][0] == "http://testserver/blog/2015/11/"
    assert theme[f"{old}/2015/"][0] == "http://testserver/blog/2015/"
    assert theme[f"{old}/"] == ("http://testserver/blog/", "http://testserver/blog/")
    assert not [address for address in theme if "/feeds/" in address or "?" in address]
    text = path.read_text()
    assert "location.replace(canonical ? canonical.href : elsewhere)" in text
    assert 'var elsewhere = "http://testserver" + location.pathname' in text
    assert 'This blog has moved to <a href="http://testserver/blog/">' in text
    assert f"{len(theme) - 1} old addresses of {old} lead to http://testserver" in said


def test_a_takeout_import_names_the_blog_with_blog_url(blog_index, tmp_path):
    import_fixture(tmp_path, "feed.atom")
    with pytest.raises(CommandError, match="give it with --blog-url"):
        write_theme(tmp_path)
    path, _ = write_theme(
        tmp_path,
        "--blog-url",
        "http://quaysidenotes.blogspot.com/",
        "--site-url",
        "https://quayside.example.org/",
    )
    theme = cases(path)
    # blogspot.com serves only https, so its canonical addresses are https.
    assert theme["https://quaysidenotes.blogspot.com/2019/12/ferry-timetable.html"] == (
        "https://quayside.example.org/blog/ferry-timetable/",
        "https://quayside.example.org/blog/ferry-timetable/",
    )
    assert theme["https://quaysidenotes.blogspot.com/p/timetables.html"][0] == (
        "https://quayside.example.org/timetables/"
    )


def test_bad_arguments_are_one_line_errors(imported, tmp_path):
    with pytest.raises(CommandError, match="is not the blog's address"):
        write_theme(tmp_path, "--blog-url", "alderledger")
    with pytest.raises(CommandError, match="must start with https://"):
        write_theme(tmp_path, "--site-url", "example.org")
    with pytest.raises(CommandError, match="no blog index with slug or id “news”"):
        write_theme(tmp_path, "--blog-index", "news")
    assert not (tmp_path / "exit-theme.xml").exists()
