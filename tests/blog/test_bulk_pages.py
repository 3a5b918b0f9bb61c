"""`blog.bulk` leaves the rows Wagtail and django-comments-xtd leave, one object at a time."""

import json
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django_comments_xtd.models import XtdComment
from taggit.models import Tag
from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision
from wagtail.search.models import IndexEntry

from blog import bulk
from blog.models import BlogPostPage, BlogPostTag

from ..factories import aware, make_author, make_blog_index, make_comment

pytestmark = pytest.mark.django_db

# Differ between two copies of the same posts by nature: ids, where they hang, when they were made.
OWN_FIELDS = {"id", "page_ptr", "path", "url_path", "translation_key", "latest_revision", "live_revision"}
WHEN_FIELDS = {"first_published_at", "last_published_at", "latest_revision_created_at"}


def specs(home):
    """Three posts: one to publish now, one published before elsewhere, one draft."""
    link = f'<p>Back to <a linktype="page" id="{home.pk}">the front page</a>.</p>'
    return [
        {
            "title": "The levy vote",
            "slug": "levy-vote",
            "date": aware("2024-05-01 09:00"),
            "intro": "The council votes on the harbour levy.",
            "body": [
                {"type": "heading", "value": {"text": "Before the vote", "level": "h2"}, "id": "h-1"},
                {"type": "paragraph", "value": "<p>The quay ledger is open.</p>", "id": "p-1"},
                {"type": "paragraph", "value": link, "id": "p-2"},
            ],
            "tags": ["Budget", "Harbour"],
            "authors": ["Ada Writer", "Ben Reporter"],
        },
        {
            "title": "Ferry timetable",
            "slug": "ferry-timetable",
            "date": aware("2019-03-04 10:00"),
            "first_published_at": aware("2019-03-04 10:00"),
            "intro": "",
            "body": [
                {
                    "type": "quote",
                    "value": {"text": "<p>Late again.</p>", "source": "A reader", "source_url": ""},
                    "id": "q-1",
                },
            ],
            "tags": ["Ferries"],
            "authors": ["Ada Writer"],
        },
        {
            "title": "Notes for a winter post",
            "slug": "winter-notes",
            "date": aware("2024-06-01 09:00"),
            "intro": "Not ready.",
            "body": [{"type": "paragraph", "value": "<p>Storm, gale, frost.</p>", "id": "p-3"}],
            "tags": [],
            "authors": ["Ben Reporter"],
            "live": False,
        },
    ]


def build(spec):
    """A new post with its tags and authors set in memory, as the page editor leaves it."""
    post = BlogPostPage(
        title=spec["title"],
        slug=spec["slug"],
        date=spec["date"],
        intro=spec["intro"],
        body=json.dumps(spec["body"]),
        live=spec.get("live", True),
        first_published_at=spec.get("first_published_at"),
    )
    post.set_authors([make_author(name) for name in spec["authors"]])
    post.tags.set([Tag.objects.get_or_create(name=name, slug=name.lower())[0] for name in spec["tags"]])
    return post


def add_one_by_one(index, posts):
    for post in posts:
        index.add_child(instance=post)
        revision = post.save_revision()
        if post.live:
            # As bulk.add_pages: the history shows "Created", not also "Published".
            revision.publish(log_action=False)
    return posts


def marker(pk, own):
    """`pk` as its place among `own` ids (["own", n]), so two copies compare equal."""
    return ["own", own.index(int(pk))] if str(pk).isdigit() and int(pk) in own else pk


def normalised(data, own):
    """Revision content without what must differ between copies: ids of its own rows, paths."""
    if isinstance(data, list):
        return [normalised(item, own) for item in data]
    if not isinstance(data, dict):
        return data
    kept = {}
    for key, value in data.items():
        if key in OWN_FIELDS or key == "pk":
            continue
        if key in {"content_object", "page", "post"}:
            value = marker(value, own)
        kept[key] = normalised(value, own)
    return kept


def rows_of(post, index, own):
    """Everything Wagtail stores for `post`, with what must differ between copies made comparable."""
    post = BlogPostPage.objects.get(pk=post.pk)
    revisions = list(Revision.objects.filter(object_id=str(post.pk), base_content_type__model="page"))
    assert len(revisions) == 1
    (revision,) = revisions
    assert post.latest_revision_id == revision.pk
    assert post.live_revision_id == (revision.pk if post.live else None)
    assert post.first_published_at is not None if post.live else post.first_published_at is None
    assert post.last_published_at is not None if post.live else post.last_published_at is None
    assert post.latest_revision_created_at == revision.created_at
    assert post.path.startswith(index.path) and post.url_path.startswith(index.url_path)
    page_type = ContentType.objects.get_for_model(Page)
    skip = OWN_FIELDS | WHEN_FIELDS
    fields = {f.name: f.value_from_object(post) for f in post._meta.concrete_fields if f.name not in skip}
    return {
        "tree": (post.depth, post.numchild, len(post.path), post.path[len(index.path) :]),
        "url_path": post.url_path.removeprefix(index.url_path),
        "fields": fields,
        "tag_rows": sorted(
            BlogPostTag.objects.filter(content_object=post).values_list("tag__name", flat=True)
        ),
        "author_rows": list(post.post_authors.values_list("author__name", "sort_order")),
        "revision": (
            revision.content_type_id,
            revision.base_content_type_id,
            revision.object_str,
            revision.user_id,
            revision.approved_go_live_at,
            normalised(revision.content, own),
        ),
        # Not title_norm: the backend sets it from the average title length in the index at the time.
        "search": list(
            IndexEntry.objects.filter(object_id=str(post.pk)).values(
                "content_type", "title", "body", "autocomplete", "title_text", "body_text"
            )
        ),
        # A child row's place in content_path is its id ("tagged_items.17.tag").
        "references": sorted(
            (*row[:4], re.sub(r"\.\d+\.", ".<id>.", row[4]))
            for row in ReferenceIndex.objects.filter(
                base_content_type=page_type, object_id=str(post.pk)
            ).values_list("content_type", "to_content_type", "to_object_id", "model_path", "content_path")
        ),
        "history": list(
            PageLogEntry.objects.filter(page=post).values_list(
                "content_type", "action", "label", "data", "content_changed", "revision", "user"
            )
        ),
    }


def test_add_pages_leaves_what_add_child_and_publish_leave(home_page):
    by_hand = make_blog_index(home_page, title="By hand", slug="by-hand")
    in_bulk = make_blog_index(home_page, title="In bulk", slug="in-bulk")
    expected_posts = add_one_by_one(by_hand, [build(spec) for spec in specs(home_page)])
    posts = bulk.add_pages(in_bulk, [build(spec) for spec in specs(home_page)])

    by_hand.refresh_from_db()
    in_bulk.refresh_from_db()
    assert in_bulk.numchild == by_hand.numchild == 3
    own_by_hand = [p.pk for p in expected_posts]
    own_in_bulk = [p.pk for p in posts]
    expected = [rows_of(post, by_hand, own_by_hand) for post in expected_posts]
    got = [rows_of(post, in_bulk, own_in_bulk) for post in posts]
    for one, other in zip(expected, got, strict=True):
        assert one.keys() == other.keys()
        for key in one:
            assert one[key] == other[key], (key, one[key], other[key])
    # What the comparison rests on is there at all.
    levy = got[0]
    assert levy["tag_rows"] == ["Budget", "Harbour"] and levy["revision"][5]["tagged_items"]
    assert any(r[2] == str(home_page.pk) and r[4].startswith("body.") for r in levy["references"])
    assert "'vote'" in levy["search"][0]["title"] and "'quay'" in levy["search"][0]["body"]
    assert levy["history"][0][1] == "wagtail.create"
    assert got[2]["fields"]["live"] is False and got[2]["fields"]["has_unpublished_changes"] is True
    # Dates set beforehand are kept, as publish() keeps first_published_at.
    assert BlogPostPage.objects.get(pk=posts[1].pk).first_published_at == aware("2019-03-04 10:00")
    assert all(not problems for problems in Page.find_problems())


def test_pages_added_in_bulk_are_edited_and_published_as_usual(home_page, admin_client):
    index = make_blog_index(home_page)
    first = bulk.add_pages(index, [build(spec) for spec in specs(home_page)])
    # A later batch, and a page added by hand, come after the ones already there.
    later = build({**specs(home_page)[0], "title": "Second levy vote", "slug": "second-levy-vote"})
    bulk.add_pages(index, [later])
    by_hand = build({**specs(home_page)[1], "title": "By hand", "slug": "by-hand"})
    index.add_child(instance=by_hand)
    paths = list(BlogPostPage.objects.child_of(index).order_by("path").values_list("slug", flat=True))
    assert paths == ["levy-vote", "ferry-timetable", "winter-notes", "second-levy-vote", "by-hand"]

    draft = BlogPostPage.objects.get(pk=first[2].pk)
    draft.title = "Winter notes, finished"
    revision = draft.save_revision()
    revision.publish()
    draft.refresh_from_db()
    assert draft.live and draft.live_revision == revision and draft.latest_revision == revision
    assert not draft.has_unpublished_changes and draft.revisions.count() == 2
    assert admin_client.get(f"/admin/pages/{draft.pk}/edit/").status_code == 200
    assert admin_client.get(f"/admin/pages/{draft.pk}/history/").status_code == 200
    response = admin_client.get(draft.url)
    assert response.status_code == 200 and "Winter notes, finished" in response.content.decode()
    assert all(not problems for problems in Page.find_problems())


def test_add_pages_refuses_slugs_already_taken(home_page):
    index = make_blog_index(home_page)
    bulk.add_pages(index, [build(specs(home_page)[0])])
    with pytest.raises(ValueError, match="Slugs"):
        bulk.add_pages(index, [build(specs(home_page)[0])])


# Each comment's parent, by its place in the list (None: it starts a thread); three levels deep.
THREADS = [None, 0, 1, 0, None, 2, 4, 3, 6, 1, None, 7]


def test_add_comments_threads_as_xtdcomment_save_does(blog_index):
    one = bulk.add_pages(blog_index, [build(specs(blog_index)[0])])[0]
    other = bulk.add_pages(blog_index, [build({**specs(blog_index)[1], "slug": "other"})])[0]
    saved = []
    for number, parent in enumerate(THREADS):
        when = aware(f"2024-05-02 10:{number:02d}")
        answers = saved[parent] if parent is not None else None
        saved.append(make_comment(one, f"Comment {number}", parent=answers, submit_date=when))
    content_type = ContentType.objects.get_for_model(BlogPostPage)
    new = []
    for number, parent in enumerate(THREADS):
        comment = XtdComment(
            content_type=content_type,
            object_pk=str(other.pk),
            site_id=1,
            user_name="Reader",
            user_email="reader@example.org",
            comment=f"Comment {number}",
            submit_date=aware(f"2024-05-02 10:{number:02d}"),
        )
        comment.reply_to = new[parent] if parent is not None else None
        new.append(comment)
    bulk.add_comments(new)

    def threads(comments):
        own = [c.pk for c in comments]
        rows = XtdComment.objects.filter(pk__in=own).order_by("pk")
        return [
            (
                marker(c.thread_id, own),
                marker(c.parent_id, own),
                c.level,
                c.order,
                c.nested_count,
                c.comment,
                sorted(
                    ReferenceIndex.objects.filter(
                        object_id=str(c.pk), base_content_type=ContentType.objects.get_for_model(c)
                    ).values_list("to_content_type", "to_object_id", "model_path", "content_path")
                ),
            )
            for c in rows
        ]

    expected, got = threads(saved), threads(new)
    assert got == expected
    assert max(row[2] for row in got) == 3 and got[0][4] == 7  # deep, and the first thread counts its replies
