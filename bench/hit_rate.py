"""Page-cache hits under gunicorn against the ceiling: one cached page and the trivial app.

Serves the bench database (`bench_<posts>`, seeded as `make bench` seeds it) with production
settings and the project's gunicorn.conf.py (2 sync workers), stores one post page, saves it
and serves the same bytes with bench/static_page.py under gunicorn (2 sync workers); then wrk
(2 threads, 8 connections, --duration seconds after a warm-up) on each in turn, --rounds times,
alternating, and prints both rates, their ratio and the CPU time the workers spent per request
(from /proc: on a machine shared with other work it moves much less than the rates). A third
server, the same trivial app sending the stored page's own headers (its security headers,
Cache-Control, Vary...) rather than a Content-Type alone, takes its turn too: the part of the
gap that is gunicorn writing those headers.
`--set NAME=VALUE` passes a setting's environment variable to Broadsheet
(`--set PAGE_CACHE_LOG_HITS=0`); `--urls N` measures N reader URLs in rotation (each requested
once, so stored, before the rounds) instead of the one page.

    python bench/hit_rate.py --posts 300
    python bench/hit_rate.py --posts 300 --set PAGE_CACHE_MEMORY_MB=0
"""

import argparse
import json
import os
import statistics
import sys
from contextlib import ExitStack
from pathlib import Path
from urllib.request import urlopen

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (
    ROOT,
    WORK,
    bench_environment,
    ensure_wrk,
    manage,
    reader_urls,
    run_wrk,
    save_page,
    seed,
    start_ceiling,
    start_gunicorn,
    stop,
    warm_up,
    worker_rss_mb,
)

# What gunicorn writes itself (and the body's length, which the trivial app gives its own).
GUNICORNS = {"Date", "Server", "Connection", "Content-Length", "Transfer-Encoding"}
# The newest post's address, with every page the cache holds forgotten (stored by another version).
NEWEST_POST = (
    "from django.core.cache import caches; caches['pages'].clear(); "
    "from blog.models import BlogPostPage; "
    "print(BlogPostPage.objects.live().order_by('-date', '-pk').first().url)"
)


def workers_cpu(server):
    """CPU seconds the worker processes of gunicorn `server` (a Popen of its master) have used."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    total = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def measure(wrk, server, url, duration, warmup, paths=None):
    """wrk's result on `url` of `server` (or `paths` of it in turn), with "cpu_us": its workers'
    CPU µs per request."""
    if warmup:
        run_wrk(wrk, url, warmup, 0, paths=paths)
    before = workers_cpu(server)
    result = run_wrk(wrk, url, duration, 0, paths=paths)
    result["cpu_us"] = (workers_cpu(server) - before) / (result["rps"] * duration) * 1e6
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--comments-per-post", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk on each")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk before each measurement")
    parser.add_argument("--port", type=int, default=8741, help="Broadsheet's; the ceiling's is the next")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--urls", type=int, default=0, help="reader URLs in rotation instead of one page")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    from broadsheet.embedded_db import database_url

    WORK.mkdir(parents=True, exist_ok=True)
    wrk = ensure_wrk()
    env = bench_environment(database_url(f"bench_{args.posts}"), args.port, page_cache=True)
    env.update(setting.split("=", 1) for setting in args.set)
    seed(env, args.posts, args.comments_per_post)
    manage(env, "collectstatic", "--noinput", "-v0")
    path = manage(env, "shell", "-c", NEWEST_POST, capture=True).strip().splitlines()[-1]
    site = f"http://127.0.0.1:{args.port}"
    ceiling = f"http://127.0.0.1:{args.port + 1}/"
    with ExitStack() as servers:
        site_server = start_gunicorn(env, args.port, log=WORK / "hit-rate-gunicorn.log")
        servers.callback(stop, site_server)
        for _ in range(2):
            with urlopen(site + path, timeout=30) as response:
                answered = response.headers["X-Page-Cache"]
                given = [[name, value] for name, value in response.headers.items() if name not in GUNICORNS]
        if answered != "hit":
            sys.exit(f"{path} was not answered from the page cache ({answered})")
        urls = reader_urls(env, args.urls) if args.urls else None
        if urls:
            print("first pass:", warm_up(site, urls), "second pass:", warm_up(site, urls))
        page = save_page(site + path, WORK / "hit-rate-page.html")
        ceiling_server = start_ceiling(page, args.port + 1, log=WORK / "hit-rate-ceiling.log")
        servers.callback(stop, ceiling_server)
        headers = WORK / "hit-rate-headers.json"
        headers.write_text(json.dumps(given))
        headed_server = start_ceiling(page, args.port + 2, log=WORK / "hit-rate-ceiling.log", headers=headers)
        servers.callback(stop, headed_server)
        headed = f"http://127.0.0.1:{args.port + 2}/"
        print(f"{path}: {page.stat().st_size} bytes; {' '.join(args.set) or 'default settings'}")
        print(
            "| round | trivial app req/s (worker CPU µs/request) | with the page's headers (µs) "
            "| cached page req/s (µs) | ratio | ratio to the trivial app with the page's headers |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        ratios, headed_ratios = [], []
        for round_ in range(1, args.rounds + 1):
            trivial = measure(wrk, ceiling_server, ceiling, args.duration, args.warmup)
            with_headers = measure(wrk, headed_server, headed, args.duration, args.warmup)
            cached = measure(wrk, site_server, site + path, args.duration, args.warmup, paths=urls)
            if trivial["errors"] or with_headers["errors"] or cached["errors"]:
                sys.exit(f"wrk saw errors: {trivial['errors']}, {with_headers['errors']}, {cached['errors']}")
            ratios.append(cached["rps"] / trivial["rps"])
            headed_ratios.append(cached["rps"] / with_headers["rps"])
            cells = [
                f"{result['rps']:,.0f} ({result['cpu_us']:.0f})" for result in (trivial, with_headers, cached)
            ]
            print(
                f"| {round_} | {' | '.join(cells)} | {ratios[-1]:.0%} | {headed_ratios[-1]:.0%} |", flush=True
            )
        print(f"median ratio: {statistics.median(ratios):.0%}", end="")
        print(f" (to the trivial app with the page's headers: {statistics.median(headed_ratios):.0%})")
        print("worker memory (RSS):", ", ".join(f"{size:.0f} MB" for size in worker_rss_mb(site_server)))


if __name__ == "__main__":
    main()
