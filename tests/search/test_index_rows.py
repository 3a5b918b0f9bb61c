"""The search index rows Broadsheet writes are the ones Wagtail's PostgreSQL backend writes,
apart from the snippet text, which leaves out labels and authors."""

from wagtail.search.backends import get_search_backend
from wagtail.search.backends.database.postgres.postgres import IndexEntry, PostgresIndex

from blog.models import Author, BlogPostPage, StaticPage

from ..factories import make_author, make_post, paragraph

COLUMNS = ("title", "autocomplete", "body", "title_text", "body_text")


def rows(objs):
    """Each object's index row as text (vectors printed by PostgreSQL), in the order given."""
    found = {
        row["object_id"]: row
        for row in IndexEntry.objects.filter(object_id__in=[str(obj.pk) for obj in objs]).values(
            "object_id", "content_type", *COLUMNS
        )
    }
    return [{key: str(value) for key, value in found[str(obj.pk)].items()} for obj in objs]


def written_by_both(model, objs):
    """The rows our add_items writes for `objs`, and those Wagtail's own writes for them (then
    ours are written back)."""
    index = get_search_backend().get_index_for_model(model)
    index.add_items(model, objs)
    ours = rows(objs)
    PostgresIndex.add_items(index, model, objs)
    theirs = rows(objs)
    index.add_items(model, objs)
    return ours, theirs


def test_post_rows_are_the_backends_with_the_posts_own_text_for_snippets(blog_index):
    mara = make_author("Mara Quill")
    posts = [
        make_post(
            blog_index,
            title="Tide tables and the harbour vote",
            intro="Who pays for the new quay?",
            tags=["Harbour", "Budget"],
            authors=[mara],
            body=[
                {"type": "heading", "value": {"text": "The count", "level": "h2"}},
                paragraph("<p>The council voted <b>seven to four</b>; the ferrymen walked out.</p>"),
                {
                    "type": "quote",
                    "value": {
                        "text": "<p>A harbour is a promise to the sea.</p>",
                        "source": "Harbour Gazette",
                        "source_url": "https://gazette.example/promise",
                    },
                },
                {"type": "code", "value": {"language": "python", "code": "tides = read('quay.csv')"}},
            ],
        ),
        # Nothing but a title: empty vectors where the backend writes them empty.
        make_post(blog_index, title="A", intro="", body=[]),
        make_post(blog_index, title="Ferry notes", intro="Stopwords: the and of.", tags=["Ferries"]),
    ]
    posts = list(
        BlogPostPage.objects.filter(pk__in=[p.pk for p in posts])
        .prefetch_related("tags", "post_authors__author")
        .order_by("pk")
    )
    ours, theirs = written_by_both(BlogPostPage, posts)
    assert rows(posts) == ours
    for mine, backends in zip(ours, theirs, strict=True):
        for column in ("content_type", "title", "autocomplete", "body", "title_text"):
            assert mine[column] == backends[column], (column, mine[column], backends[column])
    # The snippet text is the backend's without the labels' and authors' names at its end.
    first, _, third = ours
    assert theirs[0]["body_text"].startswith(first["body_text"])
    related = theirs[0]["body_text"].removeprefix(first["body_text"]).split()
    assert sorted(related[:2]) == ["Budget", "Harbour"] and related[2:] == ["Mara", "Quill"]
    assert "Harbour Gazette" in first["body_text"] and "Mara" not in first["body_text"]
    assert "'quay'" in first["body"] and "'mara'" in first["body"] and "'vote'" in first["title"]
    assert third["body_text"] == "Stopwords: the and of. Body of Ferry notes."
    assert ours[1]["body"] == theirs[1]["body"]


def test_rows_of_a_model_with_no_related_fields_are_the_backends_whole(home_page):
    body = [paragraph("<p>We read tides.</p>")]
    page = home_page.add_child(instance=StaticPage(title="About the harbour desk", slug="about", body=body))
    page.save_revision().publish()
    authors = [make_author("Ivo Pell"), make_author("Nell Tarrant")]
    for model, objs in ((StaticPage, [StaticPage.objects.get(pk=page.pk)]), (Author, authors)):
        ours, theirs = written_by_both(model, objs)
        assert ours == theirs
    assert "tide" in rows([page])[0]["body"]
