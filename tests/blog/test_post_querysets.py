"""What `BlogPostPage.objects` and `BlogIndexPage.objects` answer: readable posts, with their cards."""

import pytest
from wagtail.models import PageViewRestriction
from wagtail.query import PageQuerySet

from blog.models import BlogIndexPage, BlogPostPage, byline_annotations, comment_count_annotations

from ..factories import make_author, make_blog_index, make_comment, make_post

pytestmark = pytest.mark.django_db


def test_public_means_what_wagtails_public_means_and_asks_once_for_the_restrictions(
    blog_index, home_page, django_assert_num_queries
):
    make_post(blog_index, "Open post", slug="open")
    members = make_blog_index(home_page, title="Members", slug="members")
    make_post(members, "Members' post", slug="members-post")
    PageViewRestriction.objects.create(page=members, restriction_type="password", password="secret")

    wagtails = PageQuerySet(BlogPostPage).public()
    assert list(BlogPostPage.objects.public()) == list(wagtails)
    assert list(BlogPostPage.objects.not_public()) == list(PageQuerySet(BlogPostPage).not_public())
    assert list(BlogIndexPage.objects.public()) == [blog_index]
    with django_assert_num_queries(1):  # the restrictions are remembered: only the posts are read
        assert [post.slug for post in BlogPostPage.objects.public()] == ["open"]


def test_readable_leaves_out_drafts_and_private_posts(blog_index, home_page):
    make_post(blog_index, "Published", slug="published")
    make_post(blog_index, "Draft", slug="draft", publish=False)
    members = make_blog_index(home_page, title="Members", slug="members")
    make_post(members, "Members' post", slug="members-post")
    PageViewRestriction.objects.create(page=members, restriction_type="password", password="secret")

    assert [post.slug for post in BlogPostPage.objects.readable()] == ["published"]


def test_cards_built_from_the_shared_expressions_do_not_interfere(blog_index, home_page):
    other_blog = make_blog_index(home_page, title="Other", slug="other")
    first = make_post(blog_index, "First", slug="first", tags=["Budget"], authors=[make_author("Ada")])
    second = make_post(other_blog, "Second", slug="second", tags=["Tax"], authors=[make_author("Ben")])
    make_comment(second)
    make_comment(second)
    expressions = {**byline_annotations(), **comment_count_annotations()}

    def conditions():
        """Each shared subquery's WHERE as Django shows it: bound to no outer query, its reference
        to the post reads "ResolvedOuterRef(pk)"; a resolved one would name the outer table."""
        return {
            name: repr(coalesce.get_source_expressions()[0].query.where)
            for name, coalesce in expressions.items()
        }

    before = conditions()

    firsts = BlogPostPage.objects.readable().child_of(blog_index).as_cards()
    seconds = BlogPostPage.objects.readable().child_of(other_blog).as_cards().filter(date=second.date)
    both = BlogPostPage.objects.as_cards().order_by("slug")
    assert [(p.slug, p.label_list, p.author_list, p.comment_count) for p in seconds] == [
        ("second", [{"name": "Tax", "slug": "tax"}], [{"name": "Ben", "slug": "ben"}], 2)
    ]
    assert [(p.slug, p.label_list, p.author_list, p.comment_count) for p in firsts] == [
        ("first", [{"name": "Budget", "slug": "budget"}], [{"name": "Ada", "slug": "ada"}], 0)
    ]
    assert [(p.pk, p.comment_count) for p in both] == [(first.pk, 0), (second.pk, 2)]
    # Annotating resolved copies; the expressions every queryset starts from are as they were built.
    assert conditions() == before
    assert all("ResolvedOuterRef(pk)" in where for where in before.values())
    assert str(firsts.query) == str(BlogPostPage.objects.readable().child_of(blog_index).as_cards().query)


def test_cards_and_bylines_read_from_the_manager_follow_each_change(blog_index):
    make_post(blog_index, "First", slug="first", tags=["Budget"])
    assert [post.slug for post in BlogPostPage.objects.as_cards()] == ["first"]
    assert [post.label_list for post in BlogPostPage.objects.with_byline()] == [
        [{"name": "Budget", "slug": "budget"}]
    ]

    second = make_post(blog_index, "Second", slug="second", date="2024-06-01 09:00")
    make_comment(second)

    cards = BlogPostPage.objects.as_cards().readable().child_of(blog_index).order_by("-date")
    assert [(post.slug, post.comment_count) for post in cards] == [("second", 1), ("first", 0)]
    assert sorted(post.slug for post in BlogPostPage.objects.with_byline()) == ["first", "second"]
