"""`make bench BENCH_GROWTH=…`'s pure parts: which page each measured URL is, and the table it prints."""

from .test_peer import BENCH, load

run = load("bench_run", BENCH / "run.py")


def test_each_page_keeps_one_name_whatever_the_blog_size_puts_in_it():
    names = ["index page 1", "index page 100", "index page 500", "post, 50 comments", "search: word + tag"]
    assert [run.growth_label(name) for name in names] == [
        "index page 1",
        "index, deep page",
        "index, deep page",
        "post, long thread",
        "search: word + label",
    ]


def test_the_growth_table_gives_each_page_its_time_at_each_size_and_how_much_it_grew():
    points = {
        100_000: ({"index page 1": 13.2, "post, long thread": 12.0}, 131.4),
        1_000: ({"index page 1": 11.0, "post, long thread": 12.5}, 118.0),
        10_000: ({"index page 1": 12.1, "post, long thread": 12.4}, 120.6),
    }
    assert run.growth_table(points).splitlines() == [
        "| Page | 1,000 posts, ms | 10,000 posts, ms | 100,000 posts, ms | growth |",
        "|---|---:|---:|---:|---:|",
        "| index page 1 | 11.0 | 12.1 | 13.2 | +20% |",
        "| post, long thread | 12.5 | 12.4 | 12.0 | -4% |",
        "| worker memory | 118 MB | 121 MB | 131 MB | |",
    ]
