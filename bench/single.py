"""Single-request times: the median of --requests requests to each reader page, one at a time, in one process.

Serves the bench database of `make bench` (bench/run.py: `bench_<posts>`, seeded with seed_blog
when it holds fewer posts) with production settings and the page cache off, through Django's
test client: a figure is the Python and SQL of one request through the whole middleware stack,
without gunicorn or the network. `--profile PAGE` prints pyinstrument's profile of that page
(the sum of --requests requests); `--save DIR` writes each page's answer to DIR, with the values
made for one request only (the comment form's timestamp and signature) blanked, so two runs can
be compared with `diff -r`.

    python bench/single.py --posts 2000
    python bench/single.py --posts 2000 --profile post
    python bench/single.py --posts 2000 --save /tmp/pages-before
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import in_this_process

# What differs from one request to the next in a reader's page.
PER_REQUEST = [
    (re.compile(r'(name="timestamp" value=")\d+"'), r'\1"'),
    (re.compile(r'(name="security_hash" value=")[0-9a-f]+"'), r'\1"'),
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+"'), r'\1"'),
]


def reader_urls():
    """{name: URL} of the reader pages measured, chosen from what the database holds."""
    from django.db.models import Count
    from django_comments_xtd.models import XtdComment
    from taggit.models import Tag

    from blog.models import Author, BlogIndexPage, BlogPostPage

    index = BlogIndexPage.objects.live().order_by("path").first()
    posts = BlogPostPage.objects.live().child_of(index)
    newest = posts.order_by("-date", "-pk").first()
    middle = posts.order_by("-date", "-pk")[posts.count() // 2]
    # A post with the comments most posts have (not the one long thread).
    counts = XtdComment.objects.values("object_pk").order_by().annotate(n=Count("pk"))
    usual = statistics.median_low([row["n"] for row in counts]) if counts else 0
    commented = next((row["object_pk"] for row in counts if row["n"] == usual), middle.pk)
    post = posts.get(pk=commented)
    label = Tag.objects.annotate(n=Count("blog_blogposttag_items")).order_by("-n", "name").first()
    author = Author.objects.annotate(n=Count("post_links")).order_by("-n", "name").first()
    base = index.url
    return {
        "home": "/",
        "index": base,
        "index-deep": f"{base}?page={max(1, -(-posts.count() // 10) // 2)}",
        "post": post.url,
        "post-long-thread": newest.url,
        "label": f"{base}tag/{label.slug}/",
        "month": f"{base}{middle.date:%Y/%m}/",
        "author": f"{base}author/{author.slug}/",
        "search-common": "/search/?q=harbour",
        "search-rare": "/search/?q=quillwort",
        "rss": f"{base}feed/",
        "atom": f"{base}feed/atom/",
        "json": f"{base}feed/json/",
    }


def blank_per_request(content):
    text = content.decode()
    for pattern, replacement in PER_REQUEST:
        text = pattern.sub(replacement, text)
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=int(os.environ.get("BENCH_POSTS", 2000)))
    parser.add_argument("--comments-per-post", type=int, default=5)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--profile", metavar="PAGE", help="print pyinstrument's profile of this page")
    parser.add_argument("--save", metavar="DIR", help="write each page's answer to DIR")
    parser.add_argument("--only", metavar="PAGE", nargs="*", help="measure only these pages")
    args = parser.parse_args()

    in_this_process(args.posts, args.comments_per_post)
    from django.test import Client

    urls = reader_urls()
    chosen = args.only or ([args.profile] if args.profile else list(urls))
    client = Client()
    for name in chosen:
        response = client.get(urls[name])  # fills what a first visitor fills
        if response.status_code != 200:
            sys.exit(f"{urls[name]} answered {response.status_code}")
        if args.save:
            folder = Path(args.save)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{name}.txt").write_text(blank_per_request(response.content))
    if args.profile:
        from pyinstrument import Profiler

        with Profiler(interval=0.0002) as profiler:
            for _ in range(args.requests):
                client.get(urls[args.profile])
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        return
    # The process's own CPU time leaves out PostgreSQL's, and the waits of a machine shared with
    # other work: on a busy machine it moves much less than the time on the clock.
    print(f"| page | URL | median ms ({args.requests} requests) | of it, this process's CPU ms |")
    print("|---|---|---:|---:|")
    for name in chosen:
        wall, cpu = median_ms(client, [(urls[name], {})] * args.requests)
        print(f"| {name} | `{urls[name]}` | {wall:.2f} | {cpu:.2f} |", flush=True)
    if not args.only:
        print(new_searches(client, args.requests), flush=True)


def new_searches(client, requests):
    """The row for a search for a word nobody searched for before, a different one each time:
    the blog's most common words, each in over half of the posts (what the page keeps for a
    search it has seen does not help)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word FROM ts_stat('SELECT body FROM wagtailsearch_indexentry') "
            "WHERE length(word) > 3 ORDER BY ndoc DESC, word LIMIT %s",
            [requests],
        )
        words = [word for (word,) in cursor.fetchall()]
    wall, cpu = median_ms(client, [("/search/", {"q": word}) for word in words])
    return f"| search-new ({len(words)} common words, each once) | `/search/?q=…` | {wall:.2f} | {cpu:.2f} |"


def median_ms(client, requests):
    """The median milliseconds on the clock and of this process's CPU of `requests` ((path,
    query) pairs) made one after the other."""
    times, cpu = [], []
    for path, query in requests:
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(path, query)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(times), statistics.median(cpu)


if __name__ == "__main__":
    main()
