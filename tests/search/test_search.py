"""The search page: relevance, labels, years, snippets, visibility and every kind of odd input."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import PageViewRestriction

from blog.models import Author
from search.query import MAX_QUERY_LENGTH

from ..factories import make_author, make_comment, make_post, paragraph


def quote(text, source="", source_url=""):
    return {"type": "quote", "value": {"text": f"<p>{text}</p>", "source": source, "source_url": source_url}}


def heading(text):
    return {"type": "heading", "value": {"text": text, "level": "h2"}}


def code(text):
    return {"type": "code", "value": {"language": "python", "code": text}}


# Search page queries: label look-up, count, results, their labels and authors, snippets, label
# counts, the blog index and the site, plus the private sections while the cache is cold; none per result.
QUERY_CEILING = 10


def search(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response


def titles(response):
    """Result titles in the order shown (cards on the page, not the header or form)."""
    return re.findall(r'class="post-card__title"><a href="[^"]*">([^<]*)</a>', response.content.decode())


def make_river_posts(blog_index):
    """A small archive about a river town, written for these tests."""
    return {
        "title": make_post(
            blog_index,
            title="The river alliance holds",
            date="2015-03-02 08:00",
            tags=["politics"],
            body=[paragraph("<p>Councils met again on Tuesday.</p>")],
        ),
        "body": make_post(
            blog_index,
            title="Notes from the ferry",
            date="2016-07-10 08:00",
            tags=["politics", "travel"],
            body=[paragraph("<p>Everyone on board talked about the alliance and little else.</p>")],
        ),
        "quote": make_post(
            blog_index,
            title="What the harbourmaster said",
            date="2017-01-20 08:00",
            tags=["travel"],
            authors=[make_author("Mirela Okonkwo")],
            body=[
                paragraph("<p>A short walk along the quay.</p>"),
                quote(
                    "The tide keeps no appointments with ministers",
                    source="Ilse Varga",
                    source_url="https://tides.example/varga",
                ),
            ],
        ),
        "other": make_post(
            blog_index,
            title="Orchard harvest",
            date="2018-09-01 08:00",
            tags=["food"],
            body=[
                heading("Apples and pears"),
                paragraph("<p>The orchards gave plenty this autumn.</p>"),
                code("def harvest():\n    return ripe_apples"),
            ],
        ),
    }


def test_a_word_in_very_many_posts_ranks_the_newest_and_counts_them_all(client, blog_index, monkeypatch):
    monkeypatch.setattr("search.views.RANK_WINDOW", 3)
    make_post(blog_index, "Old lighthouse", date="2015-01-01 08:00", tags=["coast"])
    for year in (2016, 2017, 2018):
        make_post(
            blog_index, f"Notes of {year}", date=f"{year}-01-01 08:00", tags=["coast"], intro="A lighthouse."
        )
    make_post(blog_index, "Lighthouse keepers", date="2019-01-01 08:00", tags=["coast", "people"])

    response = search(client, q="lighthouse")
    html = response.content.decode()
    # All five are counted; the three newest are ranked, the title match first.
    assert "5 posts match" in html
    assert "The 3 newest are listed, most relevant first" in html
    assert titles(response) == ["Lighthouse keepers", "Notes of 2018", "Notes of 2017"]
    # Label counts cover every match, not only the ranked ones.
    assert re.search(r'tag=people">people</a> <span class="count">\(1\)', html)
    # Narrowing by a label brings the count under the window: everything is ranked again.
    narrowed = search(client, q="lighthouse", tag="people")
    assert titles(narrowed) == ["Lighthouse keepers"]
    assert "newest are listed" not in narrowed.content.decode()
    # Fewer matches than the window: every one is listed, with no note.
    few = search(client, q="keepers")
    assert titles(few) == ["Lighthouse keepers"]
    assert "newest are listed" not in few.content.decode()


def test_match_counts_follow_publishing_at_once(client, blog_index):
    make_post(blog_index, "Lighthouse keepers", date="2019-01-01 08:00")
    assert "1 post matches" in search(client, q="lighthouse").content.decode()
    later = make_post(blog_index, "Lighthouse relit", date="2020-01-01 08:00")
    assert "2 posts match" in search(client, q="lighthouse").content.decode()
    later.unpublish()
    assert "1 post matches" in search(client, q="lighthouse").content.decode()


def test_snippet_escapes_post_text_before_marking(client, blog_index):
    # ts_headline hands this markup back verbatim; only the escaping stands between it and the page.
    make_post(
        blog_index,
        title="On markup",
        body=[paragraph("<p>The lighthouse keeper typed &lt;img src=x onerror=alert(2)&gt; &amp; left.</p>")],
    )
    html = search(client, q="lighthouse").content.decode()
    assert "<img src=x" not in html
    assert "<mark>lighthouse</mark> keeper typed &lt;img src=x onerror=alert(2)&gt; &amp; left." in html


def snippets(response):
    return re.findall(r'class="post-card__snippet">(.*?)</p>', response.content.decode(), re.S)


def test_snippets_show_the_posts_text_and_never_its_labels_or_authors(client, blog_index):
    make_post(
        blog_index,
        title="Who counts the ballots",
        tags=["Elections", "Media"],
        authors=[make_author("Odile Brandvold"), make_author("Kasimir Tolle")],
        intro="Notes on the count.",
        body=[paragraph("<p>The returning officer would not say. Ask the province.</p>")],
    )
    text = "Notes on the count. The returning officer would not say. Ask the province."
    expected = text.replace("province", "<mark>province</mark>")
    assert snippets(search(client, q="province")) == [expected]
    # Labels and authors still find the post; its snippet is still its own text.
    for name in ("Brandvold", "Elections"):
        response = search(client, q=name)
        assert titles(response) == ["Who counts the ballots"]
        assert snippets(response) == [text]
    # The same after a rename (which re-indexes the post) and after a rebuild of the whole index.
    author = Author.objects.get(name="Kasimir Tolle")
    author.name = "Kasimir Tollefsen"
    author.save()
    assert titles(search(client, q="Tollefsen")) == ["Who counts the ballots"]
    call_command("update_index", stdout=StringIO())
    assert snippets(search(client, q="province")) == [expected]
    assert titles(search(client, q="Media")) == ["Who counts the ballots"]


def test_drafts_unpublished_scheduled_and_private_posts_are_never_found(client, blog_index):
    make_post(blog_index, title="Lantern draft", body=[paragraph("<p>lantern</p>")], publish=False)
    make_post(blog_index, title="Lantern withdrawn", body=[paragraph("<p>lantern</p>")]).unpublish()
    scheduled = make_post(
        blog_index, title="Lantern tomorrow", body=[paragraph("<p>lantern</p>")], publish=False
    )
    scheduled.go_live_at = timezone.now() + timedelta(days=1)
    scheduled.save_revision().publish()
    private = make_post(blog_index, title="Lantern private", body=[paragraph("<p>lantern</p>")])
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="s3cret")
    make_post(blog_index, title="Lantern public", body=[paragraph("<p>lantern</p>")])

    assert titles(search(client, q="lantern")) == ["Lantern public"]
    assert titles(search(client, tag="")) == []


def test_post_published_a_moment_ago_is_found_with_its_new_text(client, blog_index):
    post = make_post(blog_index, title="Quiet week", body=[paragraph("<p>Nothing happened.</p>")])
    assert titles(search(client, q="lighthouse")) == []

    post.body = [paragraph("<p>The lighthouse keeper retired.</p>")]
    post.save_revision()  # a draft change is not yet visible to readers
    assert titles(search(client, q="lighthouse")) == []

    post.get_latest_revision().publish()
    assert titles(search(client, q="lighthouse")) == ["Quiet week"]


def test_ranked_results_and_their_snippets_follow_publishing_at_once(client, blog_index):
    keeper = make_post(blog_index, "Quiet week", body=[paragraph("<p>A lighthouse keeper waved.</p>")])
    assert titles(search(client, q="lighthouse")) == ["Quiet week"]
    make_post(blog_index, "Lighthouse relit", body=[paragraph("<p>The lighthouse shines again.</p>")])
    assert titles(search(client, q="lighthouse")) == ["Lighthouse relit", "Quiet week"]
    keeper.body = [paragraph("<p>The lighthouse keeper retired in spring.</p>")]
    keeper.save_revision().publish()
    response = search(client, q="lighthouse")
    assert titles(response) == ["Lighthouse relit", "Quiet week"]
    assert any("keeper retired in spring" in snippet for snippet in snippets(response))


def test_result_cards_show_a_new_comment_count_and_title_at_once(client, blog_index):
    """What a results page shows of each post (its card) is kept between searches, and follows
    a comment posted and a post retitled as soon as they are made."""
    keeper = make_post(
        blog_index, "Quiet week", body=[paragraph("<p>A lighthouse keeper waved.</p>")], tags=["coast"]
    )
    first = search(client, q="lighthouse").content.decode()
    assert "No comments" in first and search(client, q="lighthouse").content.decode() == first
    make_comment(keeper, "The keeper waved at us too.")
    assert "1 comment<" in search(client, q="lighthouse").content.decode()
    keeper.title = "Quiet week at the lighthouse"
    keeper.save_revision().publish()
    assert titles(search(client, q="lighthouse")) == ["Quiet week at the lighthouse"]
    assert titles(search(client, tag="coast")) == ["Quiet week at the lighthouse"]


BAD_QUERIES = [
    "\"unbalanced 'quotes",
    "back\\slash \\",
    "& | ! ( ) : *",
    "alliance:* & !river",
    "'; DROP TABLE wagtailcore_page; --",
    "nul\x00byte",
    "🚢 ferry 🌊",
    "نهر التحالف",
    "קו המים",
    '""',
    "<script>alert(1)</script>",
]


def test_results_page_query_count_does_not_grow_with_results(
    client, blog_index, django_assert_max_num_queries
):
    def add_posts(numbers):
        for n in numbers:
            post_date = f"2020-01-{n + 1:02d} 08:00"
            authors = [make_author(f"Writer {n}")]
            tags = ["bridges", f"span-{n}"]
            make_post(blog_index, title=f"Bridge {n}", date=post_date, tags=tags, authors=authors)

    add_posts(range(2))
    with django_assert_max_num_queries(QUERY_CEILING):
        response = search(client, q="bridge", tag="bridges")
    assert len(titles(response)) == 2

    add_posts(range(2, 12))
    with django_assert_max_num_queries(QUERY_CEILING):
        first = search(client, q="bridge", tag="bridges")
    with django_assert_max_num_queries(QUERY_CEILING):
        search(client, tag="bridges")
    # Ten a page, and the next page keeps the search and its label.
    html = first.content.decode()
    assert len(titles(first)) == 10
    assert "12 posts match" in html
    assert 'href="?q=bridge&amp;tag=bridges&amp;page=2"' in html
    assert len(titles(search(client, q="bridge", tag="bridges", page="2"))) == 2


class TestSearchingTheRiverArchive:
    """These tests search one small archive, made once for them all; what a test changes in it
    is rolled back after the test."""

    @staticmethod
    def make_once(home, blog_index):
        return make_river_posts(blog_index)

    @pytest.fixture
    def river_posts(self, once):
        return once

    def test_relevance_stemming_phrases_and_names(self, client, river_posts):
        # A title match ranks above a body-only match.
        assert titles(search(client, q="alliance")) == ["The river alliance holds", "Notes from the ferry"]
        # A stemmed form finds the word, and the snippet marks the form the post uses.
        response = search(client, q="alliances")
        assert set(titles(response)) == {"The river alliance holds", "Notes from the ferry"}
        html = response.content.decode()
        assert "2 posts match" in html
        assert "talked about the <mark>alliance</mark> and little else" in html
        # A phrase in a quotation is found, and so is its source; shuffled words are not the phrase.
        assert titles(search(client, q='"keeps no appointments"')) == ["What the harbourmaster said"]
        assert titles(search(client, q="Varga")) == ["What the harbourmaster said"]
        assert titles(search(client, q='"appointments keeps no"')) == []
        # The indexed body reads as prose: blocks end as sentences, source addresses are left out.
        assert river_posts["quote"].search_body() == (
            "A short walk along the quay. The tide keeps no appointments with ministers. Ilse Varga."
        )
        # Label names and author names are searched.
        travel = set(titles(search(client, q="travel")))
        assert travel == {"Notes from the ferry", "What the harbourmaster said"}
        assert titles(search(client, q="Okonkwo")) == ["What the harbourmaster said"]
        # Every word must match.
        assert titles(search(client, q="alliance ferry")) == ["Notes from the ferry"]
        # Code and heading levels are not prose; a heading's words are.
        assert titles(search(client, q="ripe_apples")) == []
        assert titles(search(client, q="heading")) == []
        assert titles(search(client, q="pears")) == ["Orchard harvest"]
        # A word that appears nowhere finds nothing.
        response = search(client, q="zeppelin")
        assert titles(response) == []
        assert "No posts match your search" in response.content.decode()

    def test_labels_narrow_the_results_and_are_counted(self, client, river_posts):
        response = search(client, q="alliance", tag="travel")
        assert titles(response) == ["Notes from the ferry"]
        html = response.content.decode()
        assert "Only posts labelled" in html
        # The matching posts' other labels, with counts, as links that narrow further.
        narrow = (
            r'<a href="\?q=alliance&amp;tag=travel&amp;tag=politics">politics</a> <span class="count">\(1\)'
        )
        assert re.search(narrow, html)

        unfiltered = search(client, q="alliance").content.decode()
        assert re.search(r'tag=politics">politics</a> <span class="count">\(2\)', unfiltered)
        assert re.search(r'tag=travel">travel</a> <span class="count">\(1\)', unfiltered)
        assert "food" not in unfiltered

        # Several labels: a post must carry every one.
        assert titles(search(client, tag=["politics", "travel"])) == ["Notes from the ferry"]
        assert titles(search(client, tag=["food", "travel"])) == []

        # A label alone lists its posts, newest first.
        response = search(client, tag="travel")
        assert titles(response) == ["What the harbourmaster said", "Notes from the ferry"]
        assert "2 posts, newest first." in response.content.decode()

        response = search(client, q="alliance", tag="no-such-label")
        assert titles(response) == []
        assert "There is no label “no-such-label”" in response.content.decode()

        # Years narrow by post date, either end open.
        assert titles(search(client, q="alliance", **{"from": "2016"})) == ["Notes from the ferry"]
        assert titles(search(client, q="alliance", to="2015")) == ["The river alliance holds"]
        newest_first = ["Orchard harvest", "What the harbourmaster said"]
        assert titles(search(client, **{"from": "2017", "to": "2018"})) == newest_first
        swapped = search(client, **{"from": "2018", "to": "2017"})
        assert titles(swapped) == newest_first
        assert "wrong way round" in swapped.content.decode()

    def test_update_index_rebuilds_the_index(self, client, river_posts):
        from wagtail.search.models import IndexEntry

        IndexEntry.objects.all().delete()
        assert titles(search(client, q="orchards")) == []
        call_command("update_index", stdout=StringIO())
        assert titles(search(client, q="orchards")) == ["Orchard harvest"]

    def test_bad_input_never_fails_and_is_shown_escaped(self, client, river_posts):
        for query in BAD_QUERIES:
            html = search(client, q=query).content.decode()
            assert "<script>alert(1)</script>" not in html
        assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html
        assert titles(search(client, q="'; DROP TABLE wagtailcore_page; --")) == []
        assert titles(search(client, q="ferry")) == ["Notes from the ferry"]  # and the table is still there
        assert titles(search(client, q="ferry\x00")) == ["Notes from the ferry"]  # NUL dropped, rest searched

        response = search(client, q="ferry " + "x" * 5000)
        assert f"longer than {MAX_QUERY_LENGTH} characters" in response.content.decode()
        assert response.context["query"] == ("ferry " + "x" * 5000)[:MAX_QUERY_LENGTH]

        for params in [
            {"tag": "x" * 5000},
            {"tag": "a\x00b"},
            {"tag": ["politics"] * 3 + [str(n) for n in range(20)]},
            {"from": "abc", "to": "\x00"},
            {"from": "-5", "to": "99999"},
            {"from": "٢٠١٥"},
            {"q": "alliance", "page": "abc"},
            {"page": "2"},
        ]:
            search(client, **params)
        assert "“abc” is not a year" in search(client, **{"from": "abc"}).content.decode()
        assert client.get("/search/", {"q": "alliance", "page": "9"}).status_code == 404

        # Nothing asked: the form and the labels to browse by.
        html = search(client).content.decode()
        assert 'name="q"' in html
        assert "Browse by label" in html
        assert titles(search(client, q="   ")) == []

    def test_renamed_author_and_label_are_found_by_their_new_names(self, client, river_posts):
        (author,) = river_posts["quote"].authors
        author.name = "Mirela Castellanos"
        author.save()
        assert titles(search(client, q="Castellanos")) == ["What the harbourmaster said"]
        assert titles(search(client, q="Okonkwo")) == []

        from taggit.models import Tag

        tag = Tag.objects.get(slug="food")
        tag.name = "Orchards and kitchens"
        tag.save()
        assert titles(search(client, q="kitchens")) == ["Orchard harvest"]

    def test_search_uses_the_text_index_and_the_id_index_not_a_scan(self, client, river_posts):
        """The search's conditions match the indexes, so PostgreSQL can use them.

        On a few rows any plan is cheap; pricing sequential scans out (as a big table does) shows
        which indexes the conditions can use.
        """
        from django.db import connection

        from blog.models import BlogPostPage

        def plan(sql, params=()):
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("EXPLAIN " + sql, params)
                return "\n".join(row[0] for row in cursor.fetchall())

        results = BlogPostPage.objects.live().search("alliance")
        search_plan = plan(*results[:10].get_queryset().query.sql_with_params())
        assert "blog_post_id_as_text" in search_plan
        assert "Seq Scan" not in search_plan
        # The backend's match condition, on the index table alone: the GIN index answers it.
        match_plan = plan(
            "SELECT id FROM wagtailsearch_indexentry"
            " WHERE (title || body) @@ to_tsquery('english', 'alliance')"
        )
        assert "search_indexentry_title_body_gin" in match_plan


def test_a_word_in_every_post_is_matched_through_the_text_index(client, blog_index):
    """However many posts hold the word, the search's queries find them through the GIN index:
    read row by row, every post's text vector would be read for each of them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(12):
        make_post(blog_index, f"Harbour note {n}", body=[paragraph(f"<p>The harbour, day {n}.</p>")])
    with CaptureQueriesContext(connection) as queries:
        assert len(titles(search(client, q="harbour"))) == 10
    matching = [q["sql"] for q in queries.captured_queries if "@@" in q["sql"]]
    assert len(matching) >= 3  # the count, the ranked page, the snippets (and labels)

    def plan(message):
        with connection.cursor() as cursor:
            cursor.execute(message)
            if "; " in message:
                cursor.cursor.nextset()
            return "\n".join(row[0] for row in cursor.fetchall())

    for sql in matching:
        # Each query goes with sequential scans priced out (a few test rows do not make
        # PostgreSQL choose one by itself; 2,000 posts do), and its plan reads no vector row by row.
        setting, query = sql.split("; ", 1)
        assert setting == "SET LOCAL enable_seqscan = off"
        searched = plan(f"{setting}; EXPLAIN {query}")
        assert "Seq Scan on wagtailsearch_indexentry" not in searched, searched
