"""`load_demo` builds the demo blog, and running it twice changes nothing."""

import pytest
from django.core.management import call_command
from django_comments_xtd.models import XtdComment

from blog.models import BlogPostPage

pytestmark = pytest.mark.django_db


def test_load_demo_is_idempotent_and_hides_draft_and_scheduled(client):
    call_command("load_demo", hostname="testserver", port=80)
    count = BlogPostPage.objects.count()
    call_command("load_demo", hostname="testserver", port=80)
    assert BlogPostPage.objects.count() == count >= 14
    live = BlogPostPage.objects.live()
    assert live.count() == count - 2
    assert {p.date.year for p in live} >= {2016, 2017, 2018, 2019}
    html = client.get("/blog/").content.decode()
    assert "Notes for a longer piece" not in html
    assert "The new mayor&#x27;s first budget" not in html and "first budget" not in html
    post = client.get("/blog/what-the-recount-found/").content.decode()
    assert 'href="/blog/election-night-notes/"' in post
    assert "<blockquote" in post and "Returning officer" in post


def test_load_demo_adds_threaded_comments_once(client):
    call_command("load_demo", hostname="testserver", port=80)
    count = XtdComment.objects.count()
    call_command("load_demo", hostname="testserver", port=80)
    assert XtdComment.objects.count() == count >= 10
    assert XtdComment.objects.filter(level=2).exists()
    assert XtdComment.objects.filter(is_public=False).count() == 1
    html = client.get("/blog/the-harbour-levy-explained/").content.decode()
    assert ">5 comments</h2>" in html and "appendix C" in html
