"""A post page: its blocks, metadata and neighbours."""

import json

import pytest
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from blog.models import BlogPostPage

from ..factories import make_author, make_post, paragraph

pytestmark = pytest.mark.django_db


def test_post_renders_every_block_type(client, blog_index):
    image = Image.objects.create(title="Harbour at dawn", file=get_test_image_file())
    earlier = make_post(blog_index, "Earlier post", date="2015-10-01 09:00")
    body = [
        {"type": "heading", "value": {"text": "What happened", "level": "h2"}},
        paragraph(f'<p>See <a linktype="page" id="{earlier.pk}">the earlier post</a> and <b>bold</b>.</p>'),
        {
            "type": "quote",
            "value": {
                "text": "<p>The harbour is not for sale.</p>",
                "source": "The Alder Courier",
                "source_url": "https://courier.example.org/story",
            },
        },
        {
            "type": "image",
            "value": {
                "image": image.pk,
                "alt_text": "Boats in the harbour",
                "caption": "At dawn",
                "credit": "Staff photographer",
            },
        },
        {"type": "embed", "value": {"url": "https://media.invalid/watch?v=1", "caption": "Clip"}},
        {"type": "code", "value": {"language": "python", "code": "def levy(x):\n    return x < 2"}},
    ]
    make_post(blog_index, "All the blocks", date="2015-11-02 09:00", body=body)
    response = client.get("/blog/all-the-blocks/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h2>What happened</h2>" in html
    assert 'href="/blog/earlier-post/">the earlier post</a>' in html
    assert '<blockquote cite="https://courier.example.org/story"><p>The harbour is not for sale.</p>' in html
    assert '<cite><a href="https://courier.example.org/story"' in html and "The Alder Courier" in html
    assert 'alt="Boats in the harbour"' in html and "srcset=" in html
    assert "At dawn" in html and "Staff photographer" in html
    assert "This media could not be loaded here" in html
    assert 'href="https://media.invalid/watch?v=1"' in html
    assert '<div class="highlight">' in html and '<span class="k">def</span>' in html
    assert "&lt;" in html  # the code's "<" is escaped by Pygments


def test_post_shows_date_authors_tags_and_meta(client, blog_index):
    make_post(
        blog_index,
        "Levy vote",
        date="2015-11-02 09:00",
        tags=["Budget"],
        authors=[make_author("Maren Okafor"), make_author("Tomas Lindqvist")],
        intro="Seven to four for the levy.",
    )
    html = client.get("/blog/levy-vote/").content.decode()
    assert "Monday, November 2, 2015" in html
    assert "Maren Okafor" in html and "Tomas Lindqvist" in html
    assert 'href="/blog/tag/budget/"' in html
    assert "<title>Levy vote · Broadsheet</title>" in html
    assert '<meta name="description" content="Seven to four for the levy.">' in html
    assert '<link rel="canonical" href="http://testserver/blog/levy-vote/">' in html
    assert '<meta property="og:title" content="Levy vote">' in html
    assert 'type="application/rss+xml"' in html and 'href="/blog/feed/"' in html


def test_previous_and_next_links(client, blog_index):
    make_post(blog_index, "First", date="2015-01-01 09:00")
    make_post(blog_index, "Second", date="2015-02-01 09:00")
    make_post(blog_index, "Third", date="2015-03-01 09:00")
    make_post(blog_index, "Unpublished", date="2015-02-15 09:00", publish=False)
    html = client.get("/blog/second/").content.decode()
    assert 'rel="next" href="/blog/third/"' in html
    assert 'rel="prev" href="/blog/first/"' in html
    first = client.get("/blog/first/").content.decode()
    assert 'rel="prev"' not in first.split('class="post-nav"')[1]


def test_previous_and_next_links_follow_publishing_at_once(client, blog_index):
    make_post(blog_index, "First", date="2015-01-01 09:00")
    third = make_post(blog_index, "Third", date="2015-03-01 09:00")
    assert 'rel="next" href="/blog/third/"' in client.get("/blog/first/").content.decode()
    make_post(blog_index, "Second", date="2015-02-01 09:00")
    assert 'rel="next" href="/blog/second/"' in client.get("/blog/first/").content.decode()
    third.unpublish()
    assert 'rel="next"' not in client.get("/blog/second/").content.decode()


def test_reserved_slugs_are_refused(blog_index):
    from django.core.exceptions import ValidationError

    for slug in ["tag", "feed", "2015"]:
        post = make_post(blog_index, f"Post {slug}", slug=f"ok-{slug}")
        post.slug = slug
        with pytest.raises(ValidationError):
            post.full_clean()


def test_post_page_query_count_is_bounded(client, blog_index, django_assert_max_num_queries):
    make_post(blog_index, "Before", date="2015-01-01 09:00")
    make_post(blog_index, "Target", date="2015-02-01 09:00", tags=["a", "b", "c"])
    make_post(blog_index, "After", date="2015-03-01 09:00")
    with django_assert_max_num_queries(20):
        assert client.get("/blog/target/").status_code == 200


def test_post_carries_blogposting_json_ld_that_text_cannot_break_out_of(client, blog_index):
    import json
    import re

    from ..factories import make_author

    title = "Budgets </script><script>alert(1)</script> & more"
    post = make_post(
        blog_index,
        title,
        tags=["Budget"],
        authors=[make_author("Ada Writer")],
        intro="A short summary.",
        body=[paragraph("<p>Plain text.</p>")],
    )
    html = client.get(post.url).content.decode()
    assert "<script>alert(1)</script>" not in html
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == title
    assert data["author"] == [
        {"@type": "Person", "name": "Ada Writer", "url": "http://testserver/blog/author/ada-writer/"}
    ]
    assert data["keywords"] == ["Budget"]
    assert data["description"] == "A short summary."
    assert data["datePublished"].startswith("2024-05-01T09:00")


def test_a_post_body_follows_the_page_it_links_to_the_image_it_shows_and_its_new_version(client, blog_index):
    image = Image.objects.create(title="Harbour at dawn", file=get_test_image_file())
    earlier = make_post(blog_index, "Earlier post", date="2015-10-01 09:00")
    picture = {"type": "image", "value": {"image": image.pk, "alt_text": "", "caption": "", "credit": ""}}
    link = paragraph(f'<p>See <a linktype="page" id="{earlier.pk}">the earlier post</a>.</p>')
    post = make_post(blog_index, "Pier report", date="2015-11-02 09:00", body=[link, picture])
    html = client.get(post.url).content.decode()
    assert 'href="/blog/earlier-post/">the earlier post</a>' in html and 'alt="Harbour at dawn"' in html

    earlier.slug = "harbour-history"
    earlier.save_revision().publish()
    image.title = "Harbour at noon"
    image.save()
    html = client.get(post.url).content.decode()
    assert 'href="/blog/harbour-history/">the earlier post</a>' in html and 'alt="Harbour at noon"' in html

    post.body = json.dumps([paragraph("<p>The pier reopens in May.</p>"), picture])
    post.save_revision().publish()
    html = client.get(post.url).content.decode()
    assert "The pier reopens in May." in html and "the earlier post" not in html


def test_a_preview_shows_the_edited_body_and_readers_the_published_one(client, blog_index):
    post = make_post(blog_index, "Levy vote", body=[paragraph("<p>The vote is on Monday.</p>")])
    assert "The vote is on Monday." in client.get(post.url).content.decode()
    edited = BlogPostPage.objects.get(pk=post.pk)
    edited.body = json.dumps([paragraph("<p>The vote moved to Tuesday.</p>")])
    preview = edited.make_preview_request().content.decode()
    assert "The vote moved to Tuesday." in preview and "Monday" not in preview
    html = client.get(post.url).content.decode()
    assert "The vote is on Monday." in html and "Tuesday" not in html
