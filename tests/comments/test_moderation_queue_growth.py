"""The moderation queue and its filters stay as cheap with many comments and posts as with few."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_comments_xtd.models import XtdComment

from blog.comments.status import CommentStatus, with_status
from broadsheet.admin_listings import EstimatedCountPaginator

from ..comment_helpers import bulk, query_plan
from ..factories import make_comment, make_post

pytestmark = pytest.mark.django_db

LISTINGS = [
    "/admin/comments/",
    "/admin/comments/?status=held",
    "/admin/comments/?status=public",
    "/admin/comments/?status=removed",
    "/admin/comments/?status=spam",
    "/admin/comments/?q=harbour",
    "/admin/comments/?p=2",
    "/admin/",
]


def comment_on_posts(blog_index, posts, per_post, start=0):
    made = []
    for n in range(start, start + posts):
        date = f"2021-03-01 09:{n % 60:02d}"
        post = make_post(blog_index, f"Harbour note {n}", slug=f"note-{n}", date=date)
        made += [make_comment(post, f"Comment {i} on note {n}", is_public=i % 3 > 0) for i in range(per_post)]
    return made


def test_each_listing_costs_the_same_queries_with_many_comments_and_posts_and_the_post_filter_takes_any(
    admin_client, blog_index, django_assert_max_num_queries
):
    comments = comment_on_posts(blog_index, 3, 3)
    bulk(admin_client, "remove", comments[:1])
    bulk(admin_client, "spam", comments[1:2])
    post_listing = f"/admin/comments/?post={comments[-1].object_pk}"
    budgets = {}
    for url in [*LISTINGS, post_listing]:
        admin_client.get(url)
        with django_assert_max_num_queries(40) as few:
            assert admin_client.get(url).status_code == 200, url
        budgets[url] = len(few.captured_queries)
    old = make_post(blog_index, "Old ferry note", slug="old-ferry", date="2015-01-01 09:00")
    make_comment(old, "About the old ferry", submit_date="2015-01-02T09:00:00Z")
    more = comment_on_posts(blog_index, 60, 2, start=3)
    bulk(admin_client, "remove", more[:3])
    bulk(admin_client, "spam", more[3:6])
    for url, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            assert admin_client.get(url).status_code == 200, url

    # The post filter offers the 50 posts with the latest comments, and takes any post.
    html = admin_client.get("/admin/comments/").content.decode()
    offered = re.findall(r'<option value="(\d+)"', html.split('name="post"', 1)[1].split("</select>", 1)[0])
    assert len(offered) == 50 and str(old.pk) not in offered
    chosen = admin_client.get(f"/admin/comments/?post={old.pk}").content.decode()
    assert "About the old ferry" in chosen and "Comment 0 on note 1" not in chosen
    assert f'<option value="{old.pk}" selected>' in chosen
    assert admin_client.get("/admin/comments/?post=999999").status_code == 200


def test_a_long_listing_counts_exactly_up_to_a_limit_then_says_the_estimate(blog_index, monkeypatch):
    comment_on_posts(blog_index, 4, 3)  # 12 comments, 4 of them held
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE django_comments")
        cursor.execute("ANALYZE django_comments_xtd_xtdcomment")
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_UP_TO", 5)
    everything = EstimatedCountPaginator(XtdComment.objects.order_by("-submit_date"), 50)
    assert everything.count >= 6 and everything.get_page(1).object_list.count() == 12
    held = EstimatedCountPaginator(with_status(XtdComment.objects.all(), CommentStatus.HELD), 2)
    assert held.count == 4 and held.num_pages == 2
    # A page past the exact count reads its keys first, and shows the same comments in order.
    newest = XtdComment.objects.order_by("-submit_date", "-pk")
    pages = EstimatedCountPaginator(newest, 3)
    assert [c.pk for c in pages.page(3).object_list] == [c.pk for c in newest[6:9]]
    # The last page by an estimate short of the rows there are is still a whole page.
    short = EstimatedCountPaginator(newest, 3)
    short.count = 7
    assert short.num_pages == 3 and [c.pk for c in short.page(3).object_list] == [c.pk for c in newest[6:9]]
    # A page past the rows there are, by an estimate beyond them, is the real last page.
    long = EstimatedCountPaginator(newest, 3)
    long.count = 30
    last = long.page(8)
    assert long.count == 12 and long.num_pages == 4 and last.number == 4
    assert [c.pk for c in last.object_list] == [c.pk for c in newest[9:12]]


def test_a_deep_page_of_the_queue_reads_its_keys_from_the_comments_table_alone(
    admin_client, blog_index, monkeypatch
):
    comment_on_posts(blog_index, 4, 14)  # 56 comments: the second page holds the oldest 6
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE django_comments")
        cursor.execute("ANALYZE django_comments_xtd_xtdcomment")
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_UP_TO", 10)
    with CaptureQueriesContext(connection) as queries:
        html = admin_client.get("/admin/comments/?p=2").content.decode()
    keys = [query["sql"] for query in queries.captured_queries if "OFFSET 50" in query["sql"]]
    assert len(keys) == 1 and "xtd" not in keys[0]
    newest = list(XtdComment.objects.order_by("-submit_date", "-pk"))
    listed = [int(pk) for pk in re.findall(r'data-object-id="(\d+)"', html)]
    assert listed == [c.pk for c in newest[50:]]


def test_the_status_filters_read_their_own_index_not_every_comment(blog_index):
    """On a few rows any plan is cheap; pricing sequential scans and sorts out (as a big table
    does) shows which indexes the filters can use."""
    comment_on_posts(blog_index, 2, 3)

    newest = XtdComment.norel_objects.order_by("-submit_date", "-pk")
    without = ("seqscan", "sort")
    assert "blog_comment_held_newest" in query_plan(with_status(newest, CommentStatus.HELD)[:50], without)
    assert "blog_comment_removed_newest" in query_plan(newest.filter(is_removed=True)[:50], without)
