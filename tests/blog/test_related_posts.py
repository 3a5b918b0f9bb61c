"""At the foot of a post: related reading (posts sharing its labels) and the later posts that
cite it, kept up to date as posts are published, unpublished and edited."""

import json
from io import StringIO

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django_tasks_db.management.commands.db_worker import Worker
from wagtail.models import PageViewRestriction

from blog.blogger.synthetic import write_synthetic_export
from blog.models import BlogPostPage

from ..factories import make_post, paragraph
from ..task_helpers import DATABASE_TASKS

pytestmark = pytest.mark.django_db


def listed(client, url, kind):
    """The titles a post page lists under "Related reading" (related-posts) or "Cited by" (cited-by)."""
    response = client.get(url)
    assert response.status_code == 200
    section = BeautifulSoup(response.content, "html.parser").select_one(f"section.{kind}")
    return [link.get_text() for link in section.select("li a")] if section else []


def links_to(*posts):
    return [paragraph("".join(f'<p>As <a linktype="page" id="{post.pk}">we said</a>.</p>' for post in posts))]


def republish(post):
    BlogPostPage.objects.get(pk=post.pk).save_revision().publish()


def test_related_posts_share_labels_most_in_common_first_then_newest(client, blog_index):
    make_post(blog_index, "Old, both labels", date="2016-01-01 09:00", tags=["Harbour", "Budget"])
    make_post(blog_index, "Older, one label", date="2016-06-01 09:00", tags=["Budget"])
    make_post(blog_index, "Newer, one label", date="2018-01-01 09:00", tags=["Harbour"])
    make_post(blog_index, "Newest, one label", date="2018-06-01 09:00", tags=["harbour", "Weather"])
    make_post(blog_index, "No label in common", date="2018-07-01 09:00", tags=["Weather"])
    make_post(blog_index, "Oldest, one label", date="2015-01-01 09:00", tags=["Harbour"])
    make_post(blog_index, "Before", date="2019-12-01 09:00", tags=["Harbour", "Budget"])
    make_post(blog_index, "The levy", slug="the-levy", date="2020-01-01 09:00", tags=["Harbour", "Budget"])
    make_post(blog_index, "After", date="2020-02-01 09:00", tags=["Harbour", "Budget"])
    make_post(blog_index, "Draft on the levy", date="2020-03-01 09:00", tags=["Harbour"], publish=False)
    private = make_post(blog_index, "Private levy notes", date="2020-04-01 09:00", tags=["Harbour", "Budget"])
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.LOGIN)

    related = listed(client, "/blog/the-levy/", "related-posts")
    # "Before" and "After" are the previous and next posts, linked above already.
    assert related == ["Old, both labels", "Newest, one label", "Newer, one label", "Older, one label"]
    html = client.get("/blog/the-levy/").content.decode()
    assert 'rel="prev" href="/blog/before/"' in html and 'rel="next" href="/blog/after/"' in html
    assert "Related reading" in html and "Friday, January 1, 2016" in html


def test_a_post_without_labels_in_common_shows_no_related_reading(client, blog_index):
    make_post(blog_index, "Alone", slug="alone", tags=["Lighthouses"])
    make_post(blog_index, "Elsewhere", date="2024-06-01 09:00", tags=["Ferries"])
    assert listed(client, "/blog/alone/", "related-posts") == []
    assert "Related reading" not in client.get("/blog/alone/").content.decode()


def test_related_posts_follow_publishing(client, blog_index):
    make_post(blog_index, "Neighbour", date="2020-01-01 09:00")
    make_post(blog_index, "Tide tables", slug="tide-tables", date="2021-01-01 09:00", tags=["Tides"])
    make_post(blog_index, "Neighbour too", date="2022-01-01 09:00")
    spring = make_post(blog_index, "Spring tides", date="2012-01-01 09:00", tags=["Tides"])
    assert listed(client, "/blog/tide-tables/", "related-posts") == ["Spring tides"]

    spring.unpublish()
    assert listed(client, "/blog/tide-tables/", "related-posts") == []
    make_post(blog_index, "Neap tides", date="2013-01-01 09:00", tags=["tides"])
    assert listed(client, "/blog/tide-tables/", "related-posts") == ["Neap tides"]


def test_cited_by_lists_later_live_posts_that_link_here(client, blog_index):
    levy = make_post(blog_index, "The levy vote", slug="levy-vote", date="2020-01-01 09:00")
    make_post(blog_index, "After the vote", date="2020-02-01 09:00", body=links_to(levy))
    make_post(blog_index, "A year on", date="2021-01-01 09:00", body=links_to(levy))
    make_post(blog_index, "Unrelated", date="2021-02-01 09:00")
    make_post(blog_index, "Still a draft", date="2021-03-01 09:00", body=links_to(levy), publish=False)
    make_post(blog_index, "Before the vote", date="2019-12-01 09:00", body=links_to(levy))
    private = make_post(blog_index, "Private follow-up", date="2021-04-01 09:00", body=links_to(levy))
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )

    assert listed(client, "/blog/levy-vote/", "cited-by") == ["A year on", "After the vote"]
    section = BeautifulSoup(client.get("/blog/levy-vote/").content, "html.parser").select_one(
        "section.cited-by"
    )
    assert section.h2.get_text() == "Cited by"
    first = section.select_one("li")
    assert first.a["href"] == "/blog/a-year-on/" and first.time["datetime"].startswith("2021-01-01")
    # The citing post is not cited by the post it cites.
    assert listed(client, "/blog/after-the-vote/", "cited-by") == []


def test_imported_posts_are_cited_by_the_imported_posts_that_link_to_them(client, blog_index, tmp_path):
    export = tmp_path / "export.xml"
    write_synthetic_export(export, posts=2, comments_per_post=0)  # the second post links to the first
    call_command("import_blogger", str(export), stdout=StringIO(), stderr=StringIO())
    first = BlogPostPage.objects.get(title__startswith="Post 0:")
    second = BlogPostPage.objects.get(title__startswith="Post 1:")
    assert listed(client, first.url, "cited-by") == [second.title]
    assert listed(client, second.url, "cited-by") == []


@pytest.mark.parametrize("page_cache", [False, True], ids=["values", "whole-page"])
def test_cited_by_follows_the_citing_post_being_unpublished_published_and_edited(
    client, blog_index, settings, page_cache
):
    if page_cache:
        settings.PAGE_CACHE_SECONDS = 600
    levy = make_post(blog_index, "The levy vote", slug="levy-vote", date="2020-01-01 09:00")
    follow_up = make_post(blog_index, "After the vote", date="2020-02-01 09:00", body=links_to(levy))
    assert listed(client, "/blog/levy-vote/", "cited-by") == ["After the vote"]
    assert listed(client, "/blog/levy-vote/", "cited-by") == ["After the vote"]  # from the caches

    follow_up.unpublish()
    assert listed(client, "/blog/levy-vote/", "cited-by") == []

    republish(follow_up)
    assert listed(client, "/blog/levy-vote/", "cited-by") == ["After the vote"]

    edited = BlogPostPage.objects.get(pk=follow_up.pk)
    edited.title = "After the vote, revised"
    edited.save_revision().publish()
    assert listed(client, "/blog/levy-vote/", "cited-by") == ["After the vote, revised"]

    edited = BlogPostPage.objects.get(pk=follow_up.pk)
    edited.body = json.dumps([paragraph("<p>No link any more.</p>")])
    edited.save_revision().publish()
    assert listed(client, "/blog/levy-vote/", "cited-by") == []

    make_post(blog_index, "New citation", date="2022-01-01 09:00", body=links_to(levy))
    assert listed(client, "/blog/levy-vote/", "cited-by") == ["New citation"]


def test_cited_by_catches_up_when_the_worker_records_the_links_later(
    client, transactional_db, blog_index, settings
):
    """With the database queue, Wagtail's reference index learns a post's links only when the worker
    runs its task, after the publish has been answered and the cited page may have been cached."""
    levy = make_post(blog_index, "The levy vote", slug="levy-vote", date="2020-01-01 09:00")
    settings.TASKS = DATABASE_TASKS
    follow_up = make_post(blog_index, "After the vote", date="2020-02-01 09:00", body=links_to(levy))
    assert listed(client, "/blog/levy-vote/", "cited-by") == []  # the links are not indexed yet

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    worker.run()
    assert listed(client, "/blog/levy-vote/", "cited-by") == ["After the vote"]

    follow_up = BlogPostPage.objects.get(pk=follow_up.pk)
    follow_up.body = json.dumps([paragraph("<p>No link any more.</p>")])
    follow_up.save_revision().publish()
    assert listed(client, "/blog/levy-vote/", "cited-by") == ["After the vote"]  # not indexed yet
    worker.run()
    assert listed(client, "/blog/levy-vote/", "cited-by") == []
