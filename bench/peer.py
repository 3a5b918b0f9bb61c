"""`make bench-peer`: Broadsheet side by side with Puput 2.2, the best-known Wagtail blog app.

Installs Puput into a virtual environment of its own (`.data/bench-peer/venv`, once), seeds both
blogs with the same shape (bench/peer/shape.py: --posts posts of about 1,000 words, 1 to 4
labels from 60, 5 comments each) in two databases of the embedded PostgreSQL (once for each
size), and serves Puput, Broadsheet with the page cache off and Broadsheet with it on, each
under gunicorn with 2 sync workers and production settings. For each kind of page, wrk (2
threads, 8 connections, after a warm-up) runs on the three in turn; after the pages, the
ceiling: Broadsheet's cached post page saved as a file and returned by a trivial WSGI app under
the same gunicorn; then the cached site on --urls different reader URLs in rotation, after
one pass requesting each of them. Searches are also timed one request at a time on Puput and
uncached Broadsheet: the table's search repeated, and words neither site was asked for before.
--rounds repeats all of it; the tables give the range over the rounds.
"""

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlencode
from urllib.request import urlopen

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (
    ROOT,
    WORK,
    bench_environment,
    ensure_wrk,
    fresh_database,
    log,
    manage,
    reader_urls,
    run_python,
    run_wrk,
    save_page,
    start_ceiling,
    start_gunicorn,
    stop,
    warm_up,
)

PEER = ROOT / "bench" / "peer"
PEER_WORK = ROOT / ".data" / "bench-peer"
VENV = PEER_WORK / "venv"
PAGES = [
    ("index page 1", "index"),
    ("post (5 comments)", "post"),
    ("most used label", "label"),
    ("month archive", "month"),
    ("search, a word in every post", "search"),
    ("RSS feed", "feed"),
]
SITES = ("puput", "uncached", "cached")
SITE_NAMES = {"puput": "Puput", "uncached": "Broadsheet uncached", "cached": "Broadsheet cached"}


def puput_requirements():
    """Puput 2.2 with the newest Wagtail and Django it supports, and Broadsheet's own gunicorn
    and psycopg, so that the servers differ only in the sites."""
    return [
        "puput==2.2.*",
        # Puput 2.2 supports Wagtail 5.2 to 6.x on Django 4.2 and 5.0; its last release was made to
        # run on Wagtail 6.3, the long-term support release, and Django 4.2 is the one still supported.
        "wagtail>=6.3,<6.4",
        "Django>=4.2,<4.3",
        "django-comments-xtd>=2.10,<2.11",
        "dj-database-url>=2.2,<4",
        f"gunicorn=={version('gunicorn')}",
        f"psycopg[binary]=={version('psycopg')}",
    ]


def ensure_puput_venv():
    """Puput's virtual environment, installed once (again only when the requirements change)."""
    requirements = puput_requirements()
    stamp = VENV / ".requirements"
    python = VENV / "bin" / "python"
    if python.exists() and stamp.exists() and stamp.read_text() == "\n".join(requirements):
        return python
    log(f"Installing Puput into {VENV}…")
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *requirements], check=True)
    stamp.write_text("\n".join(requirements))
    return python


def puput_environment(database_url):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="puput_site.settings",
        PUPUT_DATABASE_URL=database_url,
        PUPUT_MEDIA_ROOT=str(PEER_WORK / "puput-media"),
        PYTHONWARNINGS="ignore",
        PYTHONUNBUFFERED="1",
    )
    return env


def puput(python, env, *args, capture=False):
    """Run a Python command in Puput's environment, from bench/peer/."""
    return run_python(env, *args, capture=capture, python=python, cwd=PEER)


def broadsheet_environment(database_url, port, page_cache):
    env = bench_environment(database_url, port, page_cache)
    env.update(STATIC_ROOT=str(PEER_WORK / "static"), CACHE_DIR=str(PEER_WORK / "cache"))
    return env


def blog_database(name, posts, script, migrate, seed):
    """The URL of database `name`, migrated by `migrate(url)` and, unless a marker says it already
    holds this size and shape (the shape's and the seeding's code, and the number of posts),
    made again from empty and seeded by `seed(url)`."""
    from broadsheet.embedded_db import database_url

    code = (PEER / "shape.py").read_bytes() + (PEER / script).read_bytes()
    fingerprint = hashlib.sha256(code + str(posts).encode()).hexdigest()
    marker = PEER_WORK / f"{name}.seeded"
    if marker.exists() and marker.read_text() == fingerprint:
        url = database_url(name)
        migrate(url)
        return url
    marker.unlink(missing_ok=True)
    url = fresh_database(name)
    migrate(url)
    seed(url)
    marker.write_text(fingerprint)
    return url


def prepare_broadsheet(posts, port):
    """Broadsheet's database, migrated and seeded, its static files collected; and its report."""

    def migrate(url):
        manage(broadsheet_environment(url, port, page_cache=False), "migrate", "--noinput", "-v0")

    def seed(url):
        env = broadsheet_environment(url, port, page_cache=False)
        manage(env, "load_demo", capture=True)
        log(f"Seeding Broadsheet's blog: {posts} posts…")
        run_python(env, "bench/peer/seed_broadsheet.py", "seed", "--posts", str(posts))

    url = blog_database(f"peer_broadsheet_{posts}", posts, "seed_broadsheet.py", migrate, seed)
    env = broadsheet_environment(url, port, page_cache=False)
    manage(env, "collectstatic", "--noinput", "-v0")
    found = run_python(env, "bench/peer/seed_broadsheet.py", "report", capture=True)
    return url, json.loads(found.strip().splitlines()[-1])


def prepare_puput(python, posts):
    """Puput's database, migrated and seeded; its environment and its report."""

    def migrate(url):
        puput(python, puput_environment(url), "-m", "django", "migrate", "--noinput", "-v0")

    def seed(url):
        log(f"Seeding Puput's blog: {posts} posts, each published as its admin does…")
        puput(python, puput_environment(url), "seed_puput.py", "seed", "--posts", str(posts))

    env = puput_environment(blog_database(f"peer_puput_{posts}", posts, "seed_puput.py", migrate, seed))
    found = json.loads(puput(python, env, "seed_puput.py", "report", capture=True).strip().splitlines()[-1])
    return env, found


def start_puput(env, port, ready):
    """Puput under gunicorn with 2 sync workers, as Broadsheet is served."""
    command = [
        str(VENV / "bin" / "gunicorn"),
        *("--workers", "2", "--bind", f"127.0.0.1:{port}", "--keep-alive", "5", "--no-control-socket"),
        "puput_site.wsgi:application",
    ]
    return start_gunicorn(env, port, command, cwd=PEER, ready=ready, log=PEER_WORK / "puput.log")


def check_same_shape(puput_blog, broadsheet_blog):
    """Stop unless both blogs hold the same posts, comments and labels, and chose the same pages."""
    keys = ["posts", "comments", "label_links", "post", "label"]
    differences = [
        f"{key}: Puput {puput_blog[key]}, Broadsheet {broadsheet_blog[key]}"
        for key in keys
        if puput_blog[key] != broadsheet_blog[key]
    ]
    if differences:
        sys.exit("The two blogs differ: " + "; ".join(differences))


def check_pages(bases, paths):
    """Stop, naming the page, unless every page to measure answers 200 on its site."""
    for site in SITES:
        for _, key in PAGES:
            url = bases[site] + paths[site][key]
            try:
                with urlopen(url, timeout=60) as response:
                    response.read()
            except HTTPError as error:
                sys.exit(f"{SITE_NAMES[site]} answers {error.code} for {url}")


def puput_versions(python, env):
    script = (
        "import json; from importlib.metadata import version; "
        "print(json.dumps({p: version(p) for p in ('puput', 'wagtail', 'Django')}))"
    )
    return json.loads(puput(python, env, "-c", script, capture=True))


def figure(value):
    """A rate as the table gives it: whole numbers, with one decimal below 10."""
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"


def span(values, form=figure):
    """The range of `values` as text ("15–20"), one figure when both ends read the same."""
    low, high = form(min(values)), form(max(values))
    return low if low == high else f"{low}–{high}"


def share_of_ceiling(results, ceilings):
    """Each round's rate as a share of that round's ceiling, as a range ("81–86 %")."""
    shares = [
        100 * result["rps"] / ceiling["rps"]
        for result, ceiling in zip(results, ceilings, strict=True)
        if ceiling["rps"]
    ]
    return span(shares, "{:.0f}".format) + " %" if shares else "–"


def peer_table(rows, ceilings, rotation=None):
    """The side-by-side table in markdown. `rows` holds (page name, rounds), each round a wrk
    result for each of SITES; `ceilings` the ceiling's wrk result in each round; `rotation`
    (name, wrk results) the cached site on many URLs in turn, in each round. Ratios and shares
    of the ceiling are taken within each round, then given as a range."""
    lines = [
        "| page | Puput | Broadsheet uncached | ratio | uncached p50 ms | uncached p99 ms "
        "| Broadsheet cached | % of ceiling |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, rounds in rows:
        rps = {site: [result[site]["rps"] for result in rounds] for site in SITES}
        ratios = [mine / theirs for mine, theirs in zip(rps["uncached"], rps["puput"], strict=True) if theirs]
        cells = [
            name,
            span(rps["puput"]),
            span(rps["uncached"]),
            span(ratios, "{:.1f}".format) + "×" if ratios else "–",
            span([result["uncached"]["p50"] for result in rounds], "{:,.1f}".format),
            span([result["uncached"]["p99"] for result in rounds], "{:,.1f}".format),
            span(rps["cached"]),
            share_of_ceiling([result["cached"] for result in rounds], ceilings),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if rotation:
        name, results = rotation
        rates = span([result["rps"] for result in results])
        lines.append(f"| {name} | | | | | | {rates} | {share_of_ceiling(results, ceilings)} |")
    ceiling = span([result["rps"] for result in ceilings])
    lines.append(f"| same-size page, trivial WSGI app (ceiling) | | | | | | {ceiling} | 100 % |")
    return "\n".join(lines)


def error_note(rows, ceilings, rotations=()):
    """A line naming every run that had non-2xx answers or socket errors, or saying there were none."""
    failed = [
        f"{name}, {SITE_NAMES[site]}: {result[site]['errors']}"
        for name, rounds in rows
        for result in rounds
        for site in SITES
        if result[site]["errors"]
    ]
    failed += [f"ceiling: {result['errors']}" for result in ceilings if result["errors"]]
    failed += [f"rotation: {result['errors']}" for result in rotations if result["errors"]]
    return "Errors (non-2xx answers or socket errors): " + ("; ".join(failed) if failed else "none") + "."


# Searches measured one request at a time: each round asks both sites for words neither has been
# asked for before (nouns of the shared vocabulary, each in a large share of the posts).
NEW_SEARCHES = 20
REPEATED_SEARCHES = 30


def search_words(round_number):
    """The words of round `round_number`'s new searches: different in every round."""
    if str(PEER) not in sys.path:
        sys.path.insert(0, str(PEER))
    from shape import COMMON_WORD, NOUNS

    words = [noun for noun in NOUNS if noun != COMMON_WORD]
    start = (round_number - 1) * NEW_SEARCHES % len(words)
    return (words + words)[start : start + NEW_SEARCHES]


def search_times(base, search, round_number):
    """{"repeated", "new"}: the median milliseconds of the table's search (`search`, its path and
    query) asked REPEATED_SEARCHES times, and of round `round_number`'s new words, one at a time."""
    path, _, query = search.partition("?")
    repeated = [parse_qs(query)["q"][0]] * REPEATED_SEARCHES
    return {
        "repeated": one_at_a_time_ms(base, path, repeated),
        "new": one_at_a_time_ms(base, path, search_words(round_number)),
    }


def one_at_a_time_ms(base, path, queries):
    """The median milliseconds of GET `path`?q=… for each of `queries`, one request at a time."""
    times = []
    for query in queries:
        started = time.perf_counter()
        with urlopen(f"{base}{path}?{urlencode({'q': query})}", timeout=60) as response:
            response.read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def search_table(searches):
    """The one-at-a-time search lines in markdown; `searches` holds, for each round, {site:
    {"repeated": ms, "new": ms}} for Puput and Broadsheet uncached."""
    lines = [
        "| search, one request at a time (median ms) | Puput | Broadsheet uncached |",
        "|---|---:|---:|",
    ]
    for kind, name in (
        ("repeated", f"a word in every post, {REPEATED_SEARCHES} times"),
        ("new", f"{NEW_SEARCHES} words asked for the first time"),
    ):
        cells = [span([round_[site][kind] for round_ in searches], "{:,.1f}".format) for site in SITES[:2]]
        lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=int(os.environ.get("BENCH_PEER_POSTS", 2000)))
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk on each page")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of wrk before each measurement")
    parser.add_argument("--rounds", type=int, default=2, help="times to measure every page, alternating")
    parser.add_argument("--port", type=int, default=8430, help="first of the four loopback ports used")
    parser.add_argument(
        "--urls", type=int, default=5000, help="reader URLs the cached site serves in rotation (0: none)"
    )
    args = parser.parse_args()
    if args.posts < 10 or args.duration < 1 or args.warmup < 0 or args.rounds < 1:
        parser.error("--posts must be 10 or more, --duration and --rounds 1 or more, --warmup 0 or more")

    sys.path.insert(0, str(ROOT))
    PEER_WORK.mkdir(parents=True, exist_ok=True)
    WORK.mkdir(parents=True, exist_ok=True)
    wrk = ensure_wrk()
    python = ensure_puput_venv()
    ports = dict(zip([*SITES, "ceiling"], range(args.port, args.port + 4), strict=True))
    puput_env, puput_blog = prepare_puput(python, args.posts)
    broadsheet_url, broadsheet_blog = prepare_broadsheet(args.posts, ports["uncached"])
    check_same_shape(puput_blog, broadsheet_blog)
    paths = {"puput": puput_blog["paths"]} | dict.fromkeys(("uncached", "cached"), broadsheet_blog["paths"])
    bases = {site: f"http://127.0.0.1:{port}" for site, port in ports.items()}
    # Each run starts from an empty cache: nothing from an earlier blog of the same size is served.
    shutil.rmtree(PEER_WORK / "cache", ignore_errors=True)

    rows = [(name, []) for name, _ in PAGES]
    ceilings, rotations, searches = [], [], []
    with ExitStack() as servers:
        servers.callback(stop, start_puput(puput_env, ports["puput"], paths["puput"]["index"]))
        for site in ("uncached", "cached"):
            env = broadsheet_environment(broadsheet_url, ports[site], page_cache=site == "cached")
            servers.callback(stop, start_gunicorn(env, ports[site], log=PEER_WORK / f"broadsheet-{site}.log"))
        check_pages(bases, paths)
        # The cached post page, as readers get it, is the ceiling's page.
        page = save_page(bases["cached"] + paths["cached"]["post"], PEER_WORK / "post.html")
        servers.callback(stop, start_ceiling(page, ports["ceiling"], log=PEER_WORK / "ceiling.log"))
        urls = reader_urls(env, args.urls) if args.urls else []
        passes = []
        for number in range(1, args.rounds + 1):
            for (name, key), (_, rounds) in zip(PAGES, rows, strict=True):
                result = {}
                for site in SITES:
                    log(f"round {number} of {args.rounds}, {name}: {SITE_NAMES[site]}")
                    result[site] = run_wrk(wrk, bases[site] + paths[site][key], args.duration, args.warmup)
                rounds.append(result)
            log(f"round {number} of {args.rounds}: searches one request at a time")
            searches.append(
                {site: search_times(bases[site], paths[site]["search"], number) for site in SITES[:2]}
            )
            log(f"round {number} of {args.rounds}: the ceiling")
            ceilings.append(run_wrk(wrk, bases["ceiling"] + "/", args.duration, args.warmup))
            if urls:
                # Stored pages last PAGE_CACHE_SECONDS: each round's pass stores what has expired.
                log(f"round {number} of {args.rounds}: one pass over {len(urls)} reader URLs, cached")
                passes.append(warm_up(bases["cached"], urls))
                log(f"round {number} of {args.rounds}: {len(urls)} URLs in rotation, cached")
                rotation = run_wrk(wrk, bases["cached"] + urls[0], args.duration, args.warmup, paths=urls)
                rotations.append(rotation)

    versions = puput_versions(python, puput_env)
    report = [
        f"### Broadsheet and Puput side by side: {args.posts:,} posts",
        "",
        f"Both blogs: {args.posts:,} posts of about 1,000 words, 1–4 labels each from 60, "
        f"{broadsheet_blog['comments'] // args.posts} comments each. "
        f"wrk -t2 -c8, {args.duration} s per page after a {args.warmup} s warm-up, the sites in turn, "
        f"{args.rounds} round(s); gunicorn with 2 sync workers for each. "
        f"Puput {versions['puput']} (Wagtail {versions['wagtail']}, Django {versions['Django']}); "
        f"Broadsheet on Wagtail {version('wagtail')}, Django {version('Django')}. "
        f"{datetime.now(UTC):%Y-%m-%d}. Requests per second:",
        "",
        peer_table(rows, ceilings, (f"{len(urls):,} reader URLs in rotation", rotations) if urls else None),
        "",
        f"The ceiling is Broadsheet's cached post page ({page.stat().st_size / 1024:.0f} KB) saved as a file "
        f"and returned by a trivial WSGI app under the same gunicorn with 2 workers "
        f"({span([result['rps'] for result in ceilings])} requests/s). "
        + error_note(rows, ceilings, rotations),
        "",
        search_table(searches),
    ]
    if urls:
        answers = "; ".join(
            f"round {number}: " + ", ".join(f"{n:,} {answer}" for answer, n in counts.items())
            for number, counts in enumerate(passes, 1)
        )
        report += [
            "",
            f"The rotation: {len(urls):,} different reader URLs of Broadsheet's blog (index, label and "
            "month pages, posts, searches), each requested once in each round (answered: "
            f"{answers}), then wrk cycling through them on the cached site.",
        ]
    report += [
        "",
        "Puput's pages: " + ", ".join(paths["puput"][key] for _, key in PAGES),
        "Broadsheet's pages: " + ", ".join(paths["cached"][key] for _, key in PAGES),
    ]
    print("\n".join(report))
    (PEER_WORK / f"results-{args.posts}.md").write_text("\n".join(report) + "\n")


if __name__ == "__main__":
    main()
