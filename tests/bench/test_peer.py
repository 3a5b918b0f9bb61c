"""`make bench-peer`'s pure parts: the blog both sites are seeded with, and the table it prints."""

import importlib.util
import re
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


shape = load("bench_peer_shape", BENCH / "peer" / "shape.py")
peer = load("bench_peer", BENCH / "peer.py")


def result(rps, p50=10.0, p99=20.0, errors=0):
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors}


def test_the_same_arguments_give_the_same_blog_of_the_promised_shape():
    blog = shape.blog(40)
    assert blog == shape.blog(40)
    assert blog != shape.blog(40, seed=2)
    pool = set(shape.labels(shape.LABELS))
    assert len(pool) == 60
    assert len({post.slug for post in blog}) == 40
    assert [post.date for post in blog] == sorted(post.date for post in blog)
    for post in blog:
        # About 1,000 words: ±10 %, and the paragraph that passes the mark.
        assert 900 <= post.words <= 1400
        assert re.search(rf"\b{shape.COMMON_WORD}\b", post.blocks[0][1])
        assert 1 <= len(post.labels) <= 4
        assert len(set(post.labels)) == len(post.labels) and set(post.labels) <= pool
        assert len(post.comments) == 5
        assert post.html().startswith(f"<p>{post.blocks[0][1]}</p>")


def test_the_table_gives_each_page_its_range_over_the_rounds_and_ratios_within_each_round():
    rows = [
        (
            "index page 1",
            [
                {"puput": result(20), "uncached": result(160, 40.0, 80.0), "cached": result(2890)},
                {"puput": result(15), "uncached": result(173, 45.5, 95.0), "cached": result(3133)},
            ],
        ),
        ("search", [{"puput": result(9), "uncached": result(45), "cached": result(3000)}] * 2),
    ]
    table = peer.peer_table(rows, [result(7000), result(7019)]).splitlines()
    assert table[2] == (
        "| index page 1 | 15–20 | 160–173 | 8.0–11.5× | 40.0–45.5 | 80.0–95.0 | 2,890–3,133 | 41–45 % |"
    )
    assert table[3] == "| search | 9.0 | 45 | 5.0× | 10.0 | 20.0 | 3,000 | 43 % |"
    assert table[4] == "| same-size page, trivial WSGI app (ceiling) | | | | | | 7,000–7,019 | 100 % |"
    assert peer.error_note(rows, [result(7000), result(7019)]) == (
        "Errors (non-2xx answers or socket errors): none."
    )


def test_a_site_that_answered_nothing_gets_no_ratio_and_its_errors_are_named():
    silent = {"puput": result(0, errors=12), "uncached": result(150), "cached": result(0)}
    rows = [("post (5 comments)", [silent])]
    table = peer.peer_table(rows, [result(0)]).splitlines()
    assert table[2] == "| post (5 comments) | 0.0 | 150 | – | 10.0 | 20.0 | 0.0 | – |"
    assert peer.error_note(rows, [result(0, errors=3)]) == (
        "Errors (non-2xx answers or socket errors): post (5 comments), Puput: 12; ceiling: 3."
    )


def test_the_rotation_of_many_urls_gets_its_own_row_against_the_same_ceilings():
    rounds = [{"puput": result(26), "uncached": result(180), "cached": result(5600)}] * 2
    rows = [("post (5 comments)", rounds)]
    rotation = ("5,000 reader URLs in rotation", [result(5400), result(5800, errors=2)])
    table = peer.peer_table(rows, [result(7000), result(7250)], rotation).splitlines()
    assert table[3] == "| 5,000 reader URLs in rotation | | | | | | 5,400–5,800 | 77–80 % |"
    assert table[4] == "| same-size page, trivial WSGI app (ceiling) | | | | | | 7,000–7,250 | 100 % |"
    assert peer.error_note(rows, [result(7000)] * 2, rotation[1]) == (
        "Errors (non-2xx answers or socket errors): rotation: 2."
    )


def test_searches_one_at_a_time_ask_new_words_each_round_and_give_their_range():
    first, second = peer.search_words(1), peer.search_words(2)
    assert len(first) == len(second) == peer.NEW_SEARCHES
    assert not set(first) & set(second) and shape.COMMON_WORD not in first + second
    assert set(first) <= set(shape.NOUNS)
    rounds = [
        {"puput": {"repeated": 160.0, "new": 171.5}, "uncached": {"repeated": 12.5, "new": 31.0}},
        {"puput": {"repeated": 152.0, "new": 180.0}, "uncached": {"repeated": 13.0, "new": 29.25}},
    ]
    assert peer.search_table(rounds).splitlines()[2:] == [
        f"| a word in every post, {peer.REPEATED_SEARCHES} times | 152.0–160.0 | 12.5–13.0 |",
        f"| {peer.NEW_SEARCHES} words asked for the first time | 171.5–180.0 | 29.2–31.0 |",
    ]
