"""What one page-cache hit costs in Python: the WSGI application called directly, in one process.

Serves the bench database (`bench_<posts>`, seeded as `make bench` seeds it) with production
settings and the page cache on, through broadsheet.wsgi's application (the front, then Django):
the first request stores the page, then --hits requests are answered from the cache, each with
a fresh environ as gunicorn builds one. The same is timed for bench/static_page.py's trivial app
returning the same bytes: the difference is what a hit costs beyond any WSGI app. The request
log goes to stderr, as under gunicorn; stderr is sent to /dev/null while timing.

    python bench/hit_cost.py --posts 300
    python bench/hit_cost.py --posts 300 --profile        # cProfile of the hits, by own time
    python bench/hit_cost.py --posts 300 --url /blog/     # another page
    python bench/hit_cost.py --posts 10000 --urls 2000    # hits over 2,000 reader URLs in rotation
"""

import argparse
import cProfile
import io
import logging
import os
import pstats
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import WORK, in_this_process, reader_urls


def environ_for(url):
    """The environ gunicorn gives a plain `GET url` from wrk (Host and nothing else)."""
    path, _, query = url.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "RAW_URI": url,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "50000",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.errors": sys.stderr,
        "wsgi.input": io.BytesIO(),
    }


def call(app, template):
    """One request to `app`: (status line, headers, body bytes)."""
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=status, headers=headers)

    chunks = app(dict(template), start_response)
    body = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return answer["status"], answer["headers"], body


@contextmanager
def stderr_to_null():
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    try:
        yield
    finally:
        for handler in logging.getLogger("broadsheet.request").handlers:
            handler.flush()  # the lines a buffered handler still holds go to /dev/null too
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(null)
        os.close(saved)


def per_hit(app, templates, hits):
    """(wall µs, CPU µs) per request over `hits` requests, taking `templates` in turn."""
    turns = [templates[n % len(templates)] for n in range(hits)]
    with stderr_to_null():
        started, started_cpu = time.perf_counter(), time.process_time()
        for template in turns:
            call(app, template)
        wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    return wall / hits * 1e6, cpu / hits * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--comments-per-post", type=int, default=5)
    parser.add_argument("--hits", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3, help="alternate the two apps this many times")
    parser.add_argument("--url", help="the page (default: the newest post's)")
    parser.add_argument("--urls", type=int, default=0, help="hits over this many reader URLs in turn")
    parser.add_argument("--profile", action="store_true", help="print cProfile's view of the hits")
    args = parser.parse_args()

    in_this_process(args.posts, args.comments_per_post, port=8000, page_cache=True)
    from blog.models import BlogPostPage
    from broadsheet.wsgi import application

    url = args.url or BlogPostPage.objects.live().order_by("-date", "-pk").first().url
    template = environ_for(url)
    call(application, template)  # stores the page
    status, headers, body = call(application, template)
    if dict(headers).get("X-Page-Cache") != "hit":
        sys.exit(f"{url} answered {status} without a page-cache hit: {headers}")
    templates = [template]
    if args.urls:
        urls = reader_urls(dict(os.environ), args.urls)
        with stderr_to_null():
            for other in urls:
                call(application, environ_for(other))  # stores each page
            answers = [dict(call(application, environ_for(other))[1]).get("X-Page-Cache") for other in urls]
        hits = [other for other, answer in zip(urls, answers, strict=True) if answer == "hit"]
        templates = [environ_for(other) for other in hits]
        print(f"{len(templates)} of {len(urls)} reader URLs answered from the page cache, in turn")

    page = WORK / "hit-cost-page.html"
    page.write_bytes(body)
    os.environ["STATIC_PAGE"] = str(page)
    import static_page

    print(f"{url}: {len(body)} bytes, {args.hits} requests a run")
    if args.profile:
        profiler = cProfile.Profile()
        with stderr_to_null():
            profiler.enable()
            for n in range(args.hits):
                call(application, templates[n % len(templates)])
            profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(40)
        return
    print("| run | trivial app µs (CPU) | page-cache hit µs (CPU) | hit beyond trivial, CPU µs |")
    print("|---|---:|---:|---:|")
    for round_ in range(1, args.rounds + 1):
        trivial = per_hit(static_page.application, templates, args.hits)
        hit = per_hit(application, templates, args.hits)
        row = f"| {round_} | {trivial[0]:.1f} ({trivial[1]:.1f}) | {hit[0]:.1f} ({hit[1]:.1f}) |"
        print(f"{row} {hit[1] - trivial[1]:.1f} |", flush=True)


if __name__ == "__main__":
    main()
