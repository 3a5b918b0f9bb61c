"""The moderation queue's search finds comments by the words of their text, their author's name
or email address, or their post's title, through the indexes made for it."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_comments.models import Comment

from blog.admin_views import COMMENT_WORDS, TITLE_WORDS, matching, words_query
from blog.models import BlogPostPage
from broadsheet.admin_listings import BY_INDEX

from ..comment_helpers import query_plan
from ..factories import make_comment, make_post

pytestmark = pytest.mark.django_db


def found(admin_client, search):
    response = admin_client.get("/admin/comments/", {"q": search})
    assert response.status_code == 200, search
    html = response.content.decode()
    return {int(pk) for pk in re.findall(r'data-object-id="(\d+)"', html)}


def test_a_search_finds_comments_by_their_words_author_and_post(admin_client, blog_index):
    dues = make_post(blog_index, "Harbour dues")
    ferry = make_post(blog_index, "Ferry timetable", slug="ferry")
    immigration = make_comment(dues, "Immigration figures are up again.", name="Nell Public")
    moorings = make_comment(dues, "Who collects the levy on private moorings?", email="ivo@quay.example")
    held = make_comment(ferry, "The levy, they say, is private business.", is_public=False)
    apostrophe = make_comment(ferry, "O'Brien's boat left at nine.", name="Ada")
    spam = make_comment(ferry, "Cheap pills here", name="Cheap Pills", email="pills@spam.example")

    assert found(admin_client, "moorings") == {moorings.pk}
    assert found(admin_client, "MOORINGS") == {moorings.pk}
    # A word or the start of one; every word of the search, in any order, held comments too.
    assert found(admin_client, "immig") == {immigration.pk}
    assert found(admin_client, "levy") == {moorings.pk, held.pk}
    assert found(admin_client, "private levy") == {moorings.pk, held.pk}
    assert found(admin_client, "levy moorings") == {moorings.pk}
    assert found(admin_client, "levy nowhere") == set()
    # The author's name and email address: the whole address, its name or its domain.
    assert found(admin_client, "nell") == {immigration.pk}
    assert found(admin_client, "Nell Public") == {immigration.pk}
    assert found(admin_client, "ivo@quay.example") == {moorings.pk}
    assert found(admin_client, "quay.example") == {moorings.pk}
    assert found(admin_client, "pills") == {spam.pk}
    # The post's title: every comment on "Ferry timetable".
    assert found(admin_client, "ferry") == {held.pk, apostrophe.pk, spam.pk}
    assert found(admin_client, "harbour") == {immigration.pk, moorings.pk}
    # Quotes, backslashes and the search syntax's own signs are only text.
    assert found(admin_client, "o'brien") == {apostrophe.pk}
    assert found(admin_client, "nine & | ! :* \\") == {apostrophe.pk}
    # Punctuation alone has no word to find.
    assert found(admin_client, "!!!") == set()
    assert "No comments match" in admin_client.get("/admin/comments/", {"q": "?"}).content.decode()


def test_the_search_reads_its_indexes_not_every_comment_or_title(blog_index):
    """On a few rows any plan is cheap; pricing sequential and whole-index scans out (as a big
    table does) shows that the search's conditions are the indexes' own expressions."""
    make_comment(make_post(blog_index, "Harbour levy"), "On the levy.")
    query = words_query("levy")

    without = ("seqscan", "indexscan")
    assert "blog_comment_words" in query_plan(Comment.objects.filter(matching(COMMENT_WORDS, query)), without)
    titles = BlogPostPage.objects.filter(matching(TITLE_WORDS, query)).order_by().values("pk")
    assert "blog_page_title_words" in query_plan(titles, without)


def test_a_search_reads_its_page_of_keys_and_its_count_by_the_indexes(admin_client, blog_index):
    post = make_post(blog_index, "Harbour dues")
    made = [make_comment(post, f"On the levy, note {n}.") for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        html = admin_client.get("/admin/comments/", {"q": "levy"}).content.decode()
    assert [int(pk) for pk in re.findall(r'data-object-id="(\d+)"', html)] == [c.pk for c in reversed(made)]
    sql = [query["sql"] for query in queries.captured_queries]
    planner = next(n for n, text in enumerate(sql) if text.startswith(BY_INDEX))
    keys = next(n for n, text in enumerate(sql) if "to_tsvector" in text and "LIMIT 50" in text)
    # The keys from the comments' own table, in the transaction that prices other plans out.
    assert planner < keys and "xtd" not in sql[keys]
