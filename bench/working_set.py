"""`python bench/working_set.py`: does the page cache hold a large blog's working set?

Serves the bench database (10,000 posts by default, seeded as `bench/run.py` does) with
production settings and the shared disk cache, requests 5,000 different pages (`run.reader_urls`:
index, label and month pages, posts, searches) twice with 4 readers at a time, and prints what
each pass was answered and how much of the cache folder the pages take. Then wrk (8 connections) on one cached
post page and on all the pages in rotation, side by side: a cache that holds the working set
serves both at about the same rate.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (
    ROOT,
    WORK,
    bench_environment,
    ensure_wrk,
    manage,
    reader_urls,
    run_wrk,
    seed,
    start_gunicorn,
    stop,
    warm_up,
)


def folder_mb(folder):
    return sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file()) / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--urls", type=int, default=5_000)
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs of each kind, alternating")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from broadsheet.embedded_db import database_url

    WORK.mkdir(parents=True, exist_ok=True)
    env = bench_environment(database_url(f"bench_{args.posts}"), args.port, page_cache=True)
    env["CACHE_DIR"] = tempfile.mkdtemp(prefix="cache-", dir=WORK)
    seed(env, args.posts, 2)
    manage(env, "collectstatic", "--noinput", "-v0")
    urls = reader_urls(env, args.urls)
    base = f"http://127.0.0.1:{args.port}"
    server = start_gunicorn(env, args.port)
    try:
        for number in (1, 2):
            started = time.perf_counter()
            counts = ", ".join(f"{answer} {n}" for answer, n in warm_up(base, urls).items())
            print(f"pass {number}, {len(urls)} pages: {time.perf_counter() - started:.0f} s, {counts}")
        wrk = ensure_wrk()
        for _ in range(args.rounds):
            one = run_wrk(wrk, base + urls[0], args.duration, 2)
            rotation = run_wrk(wrk, base + urls[0], args.duration, 2, paths=urls)
            print(
                f"wrk, one page {one['rps']:,.0f} requests/s (p99 {one['p99']:.1f} ms), "
                f"{len(urls)} pages in rotation {rotation['rps']:,.0f} requests/s "
                f"(p99 {rotation['p99']:.1f} ms): "
                f"{rotation['rps'] / one['rps']:.0%}; errors {one['errors'] + rotation['errors']}"
            )
    finally:
        stop(server)
    pages = folder_mb(os.path.join(env["CACHE_DIR"], "pages"))
    print(f"cache folder {folder_mb(env['CACHE_DIR']):.0f} MB, of which pages {pages:.0f} MB")
    shutil.rmtree(env["CACHE_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
