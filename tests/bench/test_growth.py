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
        100_000: ({"index page 1": (13.2, 6.6), "post, long thread": (12.0, 10.5)}, 131.4),
        1_000: ({"index page 1": (11.0, 6.0), "post, long thread": (12.5, 10.0)}, 118.0),
        10_000: ({"index page 1": (12.1, 6.3), "post, long thread": (12.4, 10.1)}, 120.6),
    }
    assert run.growth_table(points).splitlines() == [
        "| Page | 1,000 posts: ms, CPU ms | 10,000 posts: ms, CPU ms | 100,000 posts: ms, CPU ms "
        "| growth: ms, CPU |",
        "|---|---:|---:|---:|---:|",
        "| index page 1 | 11.0, 6.0 | 12.1, 6.3 | 13.2, 6.6 | +20%, +10% |",
        "| post, long thread | 12.5, 10.0 | 12.4, 10.1 | 12.0, 10.5 | -4%, +5% |",
        "| worker memory | 118 MB | 121 MB | 131 MB | |",
    ]


def test_a_process_cpu_time_grows_with_the_work_it_does():
    import os

    before = run.cpu_ms(os.getpid())
    sum(n * n for n in range(200_000))
    assert run.cpu_ms(os.getpid()) > before


def test_rounds_give_each_page_its_median_figures_and_the_most_memory():
    rounds = [
        {1_000: ({"home": (6.0, 5.0)}, 118.0), 10_000: ({"home": (9.0, 7.0)}, 119.0)},
        {1_000: ({"home": (5.0, 4.0)}, 120.0), 10_000: ({"home": (6.5, 6.0)}, 118.5)},
        {1_000: ({"home": (7.0, 4.5)}, 117.0), 10_000: ({"home": (6.0, 5.5)}, 118.0)},
    ]
    assert run.growth_rounds(rounds) == {
        1_000: ({"home": (6.0, 4.5)}, 120.0),
        10_000: ({"home": (6.5, 6.0)}, 119.0),
    }
