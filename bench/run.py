"""`make bench`: serve a large generated blog with production settings and measure it under load.

Seeds a separate database (embedded PostgreSQL, database `bench_<posts>`) unless it is already
seeded, starts gunicorn (2 workers) on a loopback port, drives each page with wrk (8 connections,
after a warm-up) with the page cache off and then on, counts the SQL queries each page costs
with Django's test client, and prints a markdown table. The last row is the post page saved as
a file and returned by a trivial WSGI app (bench/static_page.py) under gunicorn with 2 workers:
the ceiling on this machine. Then the admin listings Broadsheet adds (the moderation queue and
its filters, the Readers admin with 50,000 subscribers, the Blogger imports), timed one request
at a time through the test client as a superuser.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
WORK = ROOT / ".data" / "bench"


def log(message):
    print(message, file=sys.stderr, flush=True)


def ensure_wrk():
    if shutil.which("wrk"):
        return shutil.which("wrk")
    log("Installing wrk from Debian's packages…")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "wrk"], check=True)
    return shutil.which("wrk")


def bench_environment(database_url, port, page_cache):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="settings.production",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY", "bench-only-key-" + "x" * 40),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
        STATIC_ROOT=str(WORK / "static"),
        CACHE_DIR=str(WORK / "cache"),
        PAGE_CACHE="1" if page_cache else "0",
        WEB_CONCURRENCY="2",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        PYTHONUNBUFFERED="1",
    )
    env.pop("REDIS_URL", None)  # the default: the disk cache every worker of the machine shares
    return env


def run_python(env, *args, capture=False, python=BIN / "python", cwd=ROOT):
    """Run `python` with `args` in `cwd`; with `capture`, return what it printed."""
    result = subprocess.run(
        [str(python), *args],
        cwd=cwd,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout


def manage(env, *args, capture=False):
    return run_python(env, "manage.py", *args, capture=capture)


def seed(env, posts, comments):
    """Create and seed the bench database unless it already holds `posts` posts; return seconds or None."""
    script = "from blog.models import BlogPostPage; print(BlogPostPage.objects.count())"
    manage(env, "migrate", "--noinput", "-v0")
    have = int(manage(env, "shell", "-c", script, capture=True).strip().splitlines()[-1])
    if have >= posts:
        log(f"Bench database already holds {have} posts.")
        return None, have
    manage(env, "load_demo")
    have = int(manage(env, "shell", "-c", script, capture=True).strip().splitlines()[-1])
    started = time.perf_counter()
    output = manage(
        env, "seed_blog", "--posts", str(posts - have), "--comments-per-post", str(comments), capture=True
    )
    elapsed = time.perf_counter() - started
    log(output.strip())
    # Fresh statistics: until autovacuum comes round, the planner knows nothing of the new rows
    # and the first minutes of measurements run on plans made for empty tables.
    manage(env, "shell", "-c", "from django.db import connection; connection.cursor().execute('ANALYZE')")
    return (elapsed, output.strip()), posts


def in_this_process(posts, comments, port=0, page_cache=False):
    """Set up Django in this process on the bench database of `posts` posts (seeded with
    `comments` comments a post if it holds fewer), with production settings and empty caches,
    as the single-process benches (single.py, hit_cost.py) measure it."""
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    from broadsheet.embedded_db import database_url

    WORK.mkdir(parents=True, exist_ok=True)
    env = bench_environment(database_url(f"bench_{posts}"), port, page_cache=page_cache)
    seed(env, posts, comments)
    manage(env, "collectstatic", "--noinput", "-v0")
    os.environ.update(env)
    import django

    django.setup()
    from django.core.cache import caches

    for alias in ("default", "values", "pages"):
        caches[alias].clear()


def fresh_database(name):
    """Drop database `name` of the embedded server if it exists, create it empty, return its URL."""
    sys.path.insert(0, str(ROOT))
    import psycopg

    from broadsheet.embedded_db import database_url

    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return database_url(name)


IMPORTS = {"blogger": "Blogger", "wordpress": "WordPress"}


def import_rate(env, kind, posts=10_000, comments_per_post=5):
    """Seconds to import a generated `kind` ("blogger", "wordpress") export of `posts` posts, with
    `comments_per_post` threaded comments each, into an empty database (and the import's CPU
    seconds and peak memory, of that process alone)."""
    import_env = {**env, "DATABASE_URL": fresh_database(f"bench_import_{kind}")}
    manage(import_env, "migrate", "--noinput", "-v0")
    export = WORK / f"{kind}-{posts}-{comments_per_post}.xml"
    if not export.exists():
        manage(
            import_env,
            f"generate_{kind}_export",
            str(export),
            "--posts",
            str(posts),
            "--comments-per-post",
            str(comments_per_post),
        )
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "python"), "manage.py", f"import_{kind}", str(export), "--no-progress"],
        cwd=ROOT,
        env=import_env,
        text=True,
        stdout=subprocess.PIPE,
    )
    summary = process.stdout.read()
    # wait4 gives this one process's resources (CPU seconds too: on a shared machine they vary
    # less than the wall-clock time).
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, process.args)
    cpu = usage.ru_utime + usage.ru_stime
    lines = [" ".join(line.split()) for line in summary.splitlines()]
    counts = "; ".join(line for line in lines if line.startswith(("posts:", "comments:")))
    memory = usage.ru_maxrss / 1024
    log(f"{IMPORTS[kind]} import: {elapsed:.1f} s, {cpu:.1f} s of CPU, {memory:.0f} MB at most ({counts})")
    return elapsed, cpu, memory


def export_rate(env):
    """Seconds to write the bench database as a WordPress export with `export_site`, and its CPU
    seconds, peak memory and file size (from /usr/bin/time when there is one)."""
    out = WORK / "export.xml"
    timing = WORK / "export-time.txt"
    command = [str(BIN / "python"), "manage.py", "export_site", str(out), "--no-progress"]
    timed = Path("/usr/bin/time").exists()
    if timed:
        command = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", str(timing), *command]
    started = time.perf_counter()
    summary = subprocess.run(command, cwd=ROOT, env=env, check=True, text=True, capture_output=True).stdout
    elapsed = time.perf_counter() - started
    cpu = memory = None
    if timed:
        wall, user, system, rss = timing.read_text().split()[-4:]
        elapsed, cpu, memory = float(wall), float(user) + float(system), int(rss) / 1024
    size = out.stat().st_size / 2**20
    counts = "; ".join(" ".join(line.split()) for line in summary.splitlines()[1:])
    log(
        f"WordPress export: {elapsed:.1f} s, {cpu or 0:.1f} s of CPU, {memory or 0:.0f} MB at most ({counts})"
    )
    out.unlink()
    return elapsed, cpu, memory, size, counts


def page_urls(env, posts):
    """The URLs to measure, chosen from what the bench database holds."""
    script = r"""
import json
from blog.models import BlogIndexPage, BlogPostPage
from django_comments_xtd.models import XtdComment
index = BlogIndexPage.objects.live().order_by("path").first()
posts = BlogPostPage.objects.live().child_of(index)
from django.db.models import Count
busy = (
    XtdComment.objects.values("object_pk").order_by().annotate(n=Count("pk")).order_by("-n").first()
)
busy_post = posts.get(pk=busy["object_pk"]) if busy else posts.order_by("-date").first()
middle = posts.order_by("-date")[posts.count() // 2]
pages = -(-posts.count() // 10)
print(json.dumps({
    "index": index.url, "post": busy_post.url, "comments": busy["n"] if busy else 0,
    "month": f"{index.url}{middle.date:%Y/%m}/", "deep": min(500, pages),
}))
"""
    import json

    found = json.loads(manage(env, "shell", "-c", script, capture=True).strip().splitlines()[-1])
    index = found["index"]
    return [
        ("home", "/"),
        ("index page 1", index),
        (f"index page {found['deep']}", f"{index}?page={found['deep']}"),
        (f"post, {found['comments']} comments", found["post"]),
        ("tag page", f"{index}tag/harbour/"),
        ("month archive", found["month"]),
        ("search: common word", "/search/?q=harbour"),
        ("search: rare word", "/search/?q=quillwort"),
        ("search: word + tag", "/search/?q=harbour&tag=budget"),
        ("RSS feed", f"{index}feed/"),
        ("sitemap index", "/sitemap.xml"),
        ("sitemap page (1,000 URLs)", f"/sitemap-pages.xml?p={max(1, -(-posts // 1000) // 2)}"),
    ]


READER_URLS = r"""
import json
from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncMonth, TruncYear
from blog.models import BlogIndexPage, BlogPostPage
from taggit.models import Tag
index = BlogIndexPage.objects.live().order_by("path").first()
posts = BlogPostPage.objects.live().child_of(index)
per_page = settings.BLOG_POSTS_PER_PAGE


def numbered(url, count):
    return [url] + [f"{url}?page={n}" for n in range(2, -(-count // per_page) + 1)]


urls = ["/", "/sitemap.xml"] + numbered(index.url, min(posts.count(), 500 * per_page))
tags = list(Tag.objects.filter(pk__in=posts.values("tags")).order_by("name")[:60])
for tag in tags:
    urls += numbered(f"{index.url}tag/{tag.slug}/", posts.filter(tags=tag).count())
    urls += [f"{index.url}tag/{tag.slug}/feed/", f"{index.url}tag/{tag.slug}/feed/atom/"]
months = posts.annotate(month=TruncMonth("date")).values("month").annotate(n=Count("pk")).order_by("month")
for row in months:
    urls += numbered(f"{index.url}{row['month']:%Y/%m}/", row["n"])
years = posts.annotate(year=TruncYear("date")).values_list("year", flat=True).distinct()
urls += sorted({f"{index.url}{year:%Y}/" for year in years})
urls += [post.url for post in posts.order_by("-date")[:COUNT]]
words = sorted({word.lower() for title in posts.values_list("title", flat=True)[:5000]
                for word in title.split() if word.isalpha() and len(word) > 3})
urls += [f"/search/?q={word}" for word in words]
urls += [f"/search/?q={word}&tag={tag.slug}" for tag in tags[:10] for word in words]
print(json.dumps(list(dict.fromkeys(urls))[:COUNT]))
"""


def reader_urls(env, count):
    """Up to `count` different reader URLs of the bench blog: home, the index's pages, label pages
    with their pages and feeds, month archives with their pages, years, posts (newest first), and
    searches for the words in titles, alone and within a label."""
    script = READER_URLS.replace("COUNT", str(int(count)))
    return json.loads(manage(env, "shell", "-c", script, capture=True).strip().splitlines()[-1])


def warm_up(base, urls, threads=4):
    """Request every URL once (`threads` at a time); return the X-Page-Cache answers, counted
    (an error status counts as "status <code>")."""

    def fetch(url):
        try:
            with urlopen(base + url, timeout=60) as response:
                response.read()
                return response.headers["X-Page-Cache"]
        except HTTPError as error:
            return f"status {error.code}"

    with ThreadPoolExecutor(threads) as pool:
        answers = list(pool.map(fetch, urls))
    return {answer: answers.count(answer) for answer in sorted(set(answers), key=str)}


def query_counts(env, urls):
    """SQL queries per request for each URL (second request: caches that fill once are warm)."""
    script = r"""
import json, sys
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client()
out = {}
for url in json.loads(sys.stdin.read()):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    out[url] = [len(queries), response.status_code, len(response.content)]
print(json.dumps(out))
"""
    import json

    result = subprocess.run(
        [str(BIN / "python"), "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        input=json.dumps([u for _, u in urls]),
        text=True,
        capture_output=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


ADMIN_LISTINGS = r"""
import json, statistics, time
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_comments_xtd.models import XtdComment
from taggit.models import Tag

# Comments up to COMMENTS: copies of the blog's own, a day later each round, every tenth held
# and every fiftieth removed, as top-level comments.
with connection.cursor() as cursor:
    while (have := XtdComment.objects.count()) < COMMENTS:
        cursor.execute(
            "WITH source AS (SELECT * FROM django_comments ORDER BY id LIMIT %s), added AS ("
            "INSERT INTO django_comments (object_pk, user_name, user_email, user_url, comment, "
            "submit_date, ip_address, is_public, is_removed, content_type_id, site_id, user_id) "
            "SELECT object_pk, user_name, user_email, user_url, comment, submit_date + interval '1 day', "
            "ip_address, id %% 10 <> 0, id %% 50 = 0, content_type_id, site_id, user_id FROM source "
            "RETURNING id) INSERT INTO django_comments_xtd_xtdcomment (comment_ptr_id, thread_id, "
            "parent_id, level, \"order\", followup, nested_count) "
            "SELECT id, id, id, 0, 1, false, 0 FROM added",
            [COMMENTS - have],
        )
    cursor.execute("ANALYZE django_comments")
    cursor.execute("ANALYZE django_comments_xtd_xtdcomment")
# Readers for the Readers admin, none of them confirmed (a publish in this database mails nobody).
with connection.cursor() as cursor:
    cursor.execute(
        "INSERT INTO subscriptions_subscriber (email, status, whole_blog, source, subscribed_at, "
        "bounces, last_bounce) SELECT 'bench-reader-' || n || '@example.org', "
        "(ARRAY['pending', 'unsubscribed', 'suspended'])[1 + n %% 3], n %% 4 > 0, 'bench', "
        "now() - n * interval '1 minute', 0, '' FROM generate_series(1, %s) AS n "
        "ON CONFLICT (email) DO NOTHING",
        [READERS],
    )
    cursor.execute("ANALYZE subscriptions_subscriber")
user, _ = get_user_model().objects.get_or_create(username="bench-admin")
user.is_superuser = user.is_staff = True
user.save()
client = Client()
client.force_login(user)
busy = XtdComment.objects.values("object_pk").annotate(n=Count("pk")).order_by("-n").first()
last = -(-XtdComment.objects.count() // 50)
tag = Tag.objects.order_by("name").first()
listings = [
    ("moderation queue", "/admin/comments/"),
    ("moderation queue, held", "/admin/comments/?status=held"),
    ("moderation queue, public", "/admin/comments/?status=public"),
    ("moderation queue, removed", "/admin/comments/?status=removed"),
    ("moderation queue, spam", "/admin/comments/?status=spam"),
    ("moderation queue, one post", f"/admin/comments/?post={busy['object_pk'] if busy else 0}"),
    ("moderation queue, last page", f"/admin/comments/?p={last}"),
    ("moderation queue, search", "/admin/comments/?q=harbour"),
    ("dashboard (comments awaiting moderation)", "/admin/"),
    ("readers", "/admin/subscribers/"),
    ("readers, pending", "/admin/subscribers/?status=pending"),
    ("readers, following a label", f"/admin/subscribers/?label={tag.pk if tag else 0}"),
    ("readers, last page", f"/admin/subscribers/?p={-(-(READERS) // 50)}"),
    ("sends", "/admin/sends/"),
    ("Blogger imports", "/admin/blogger-import/"),
]
out = []
for name, url in listings:
    client.get(url)
    times = []
    for _ in range(10):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    out.append([name, url, response.status_code, statistics.median(times), len(queries)])
print(json.dumps(out))
"""


ADMIN_COMMENTS = 50_000
ADMIN_READERS = 50_000


def admin_listing_times(env, readers=ADMIN_READERS, comments=ADMIN_COMMENTS):
    """[name, URL, status, median ms of 10 requests, SQL queries] for each admin listing
    Broadsheet adds, through Django's test client as a logged-in superuser, on a copy of the
    bench database with `comments` comments (the blog's own, then copies of them) and
    `readers` subscribers (none of them confirmed)."""
    import psycopg

    from broadsheet.embedded_db import database_url

    source = env["DATABASE_URL"].split("?")[0].rsplit("/", 1)[-1]
    copy = f"{source}_admin"
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
    script = ADMIN_LISTINGS.replace("READERS", str(int(readers))).replace("COMMENTS", str(int(comments)))
    admin_env = {**env, "DATABASE_URL": database_url(copy)}
    return json.loads(manage(admin_env, "shell", "-c", script, capture=True).strip().splitlines()[-1])


def admin_table(listings, comments=ADMIN_COMMENTS, readers=ADMIN_READERS):
    lines = [
        f"#### Editors' pages at {comments:,} comments and {readers:,} readers "
        "(median of 10 requests, one at a time, as a superuser)",
        "",
        "| Listing | URL | ms | SQL queries |",
        "|---|---|---:|---:|",
    ]
    for name, url, status, ms, queries in listings:
        note = "" if status == 200 else f" (status {status})"
        lines.append(f"| {name}{note} | `{url}` | {ms:.0f} | {queries} |")
    return "\n".join(lines)


def start_gunicorn(env, port, command=None, *, cwd=ROOT, ready="/healthz", log=None):
    """Start gunicorn in its own process group (Broadsheet from gunicorn.conf.py unless `command`
    says otherwise) and return once `ready` answers on `port`."""
    log = log or WORK / "gunicorn.log"
    logfile = open(log, "a")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        command or [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py"],
        cwd=cwd,
        env=env,
        stdout=logfile,
        stderr=logfile,
        start_new_session=True,
    )
    for _ in range(120):
        try:
            with urlopen(f"http://127.0.0.1:{port}{ready}", timeout=2):
                return process
        except OSError:
            time.sleep(0.5)
            if process.poll() is not None:
                break
    process.terminate()
    sys.exit(f"gunicorn did not start on port {port}; see {log}")


def save_page(url, path):
    """Save the page at `url` to `path` and return the path."""
    with urlopen(url, timeout=30) as response:
        Path(path).write_bytes(response.read())
    return Path(path)


def start_ceiling(page, port, log=None, headers=None):
    """The ceiling: `page`, a saved file, returned by a trivial WSGI app under the same gunicorn
    with 2 sync workers, as Broadsheet is served (bench/static_page.py; any path answers it);
    with `headers` (a JSON file of [name, value] pairs), sending those."""
    command = [
        str(BIN / "gunicorn"),
        *("--workers", "2", "--bind", f"127.0.0.1:{port}", "--keep-alive", "5", "--no-control-socket"),
        "static_page:application",
    ]
    env = {**os.environ, "STATIC_PAGE": str(page)}
    if headers is not None:
        env["STATIC_HEADERS"] = str(headers)
    return start_gunicorn(env, port, command, cwd=ROOT / "bench", ready="/", log=log)


def workers(process):
    """The process ids of gunicorn `process`'s workers."""
    found = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def worker_rss_mb(process):
    sizes = []
    for pid in workers(process):
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
    return sizes


def cpu_ms(pid):
    """The CPU time process `pid` has used, in milliseconds, to the nanosecond (the scheduler's
    own account of each of its threads; /proc's user and system times count in 10 ms ticks)."""
    tasks = Path(f"/proc/{pid}/task")
    return sum(int((task / "schedstat").read_text().split()[0]) for task in tasks.iterdir()) / 1e6


def stop(process):
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def parse_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


ROTATION_SCRIPT = """
local paths = {}
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  counter = math.random(#paths)
end
request = function()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end
"""


def run_wrk(wrk, url, duration, warmup, paths=None):
    """wrk on `url`, or on each of `paths` (on url's server) in turn when given."""
    # A generous timeout: a slow page should show as slow, not as errors.
    options = ["-t2", "-c8", "--timeout", "10s"]
    arguments = []
    if paths:
        (WORK / "rotation.lua").write_text(ROTATION_SCRIPT)
        (WORK / "rotation.txt").write_text("\n".join(paths) + "\n")
        options += ["-s", str(WORK / "rotation.lua")]
        arguments = ["--", str(WORK / "rotation.txt")]
    if warmup:
        subprocess.run([wrk, *options, f"-d{warmup}s", url, *arguments], capture_output=True, check=True)
    command = [wrk, *options, f"-d{duration}s", "--latency", url, *arguments]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    (WORK / "wrk-last.txt").write_text(f"{url}\n{out}")
    errors = 0
    patterns = (
        r"Non-2xx or 3xx responses: (\d+)",
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
    )
    for pattern in patterns:
        match = re.search(pattern, out)
        if match:
            errors += sum(int(g) for g in match.groups())
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": parse_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": parse_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "errors": errors,
    }


# The pages of the growth curve by the names page_urls gives them; where a name carries a number
# that varies with the blog (the deep page, the long thread's comments), by the name's start.
GROWTH_PAGES = {
    "home": "home",
    "index page 1": "index page 1",
    "tag page": "label page",
    "month archive": "month archive",
    "search: common word": "search: common word",
    "search: rare word": "search: rare word",
    "search: word + tag": "search: word + label",
    "RSS feed": "RSS feed",
    "sitemap index": "sitemap index",
}
GROWTH_PREFIXES = {
    "index page ": "index, deep page",
    "post, ": "post, long thread",
    "sitemap page": "sitemap page (1,000 URLs)",
}


def growth_label(name):
    """The growth curve's name for the page page_urls calls `name`."""
    if name in GROWTH_PAGES:
        return GROWTH_PAGES[name]
    return next(label for prefix, label in GROWTH_PREFIXES.items() if name.startswith(prefix))


def single_request_ms(url, requests, worker, warmup=3):
    """The median milliseconds on the clock and of process `worker`'s CPU (the one gunicorn
    worker answering) of `requests` requests to `url`, one at a time, after `warmup`. On a
    machine shared with other work the CPU time moves much less than the clock's."""
    import statistics

    times, cpu = [], []
    for number in range(warmup + requests):
        started, started_cpu = time.perf_counter(), cpu_ms(worker)
        with urlopen(url, timeout=60) as response:
            response.read()
        if number >= warmup:
            times.append((time.perf_counter() - started) * 1000)
            cpu.append(cpu_ms(worker) - started_cpu)
    return statistics.median(times), statistics.median(cpu)


def growth_point(posts, args):
    """{page: (median ms, median worker CPU ms)} and the worker's memory (MB) for a blog of
    `posts` posts, served by one gunicorn worker with production settings and the page cache off."""
    from broadsheet.embedded_db import database_url

    env = bench_environment(database_url(f"bench_{posts}"), args.port, page_cache=False)
    # A cache of its own, empty: the caches' keys do not name the database they were read from.
    cache = WORK / f"cache-{posts}"
    shutil.rmtree(cache, ignore_errors=True)
    env.update(WEB_CONCURRENCY="1", CACHE_DIR=str(cache))
    seed(env, posts, args.comments_per_post)
    manage(env, "collectstatic", "--noinput", "-v0")
    times = {}
    process = start_gunicorn(env, args.port)
    try:
        (worker,) = workers(process)
        for name, url in page_urls(env, posts):
            log(f"growth, {posts} posts: {url}")
            address = f"http://127.0.0.1:{args.port}{url}"
            times[growth_label(name)] = single_request_ms(address, args.requests, worker)
        memory = max(worker_rss_mb(process))
    finally:
        stop(process)
    return times, memory


def growth_table(points):
    """The growth curve as markdown: each page's median single-request ms on the clock and of the
    worker's CPU at each blog size, how much each grew from the smallest blog to the largest,
    and the worker's memory."""
    sizes = sorted(points)
    lines = [
        "| Page | " + " | ".join(f"{size:,} posts: ms, CPU ms" for size in sizes) + " | growth: ms, CPU |",
        "|---|" + "---:|" * (len(sizes) + 1),
    ]
    first, last = points[sizes[0]][0], points[sizes[-1]][0]
    for page in first:
        figures = " | ".join("{:.1f}, {:.1f}".format(*points[size][0][page]) for size in sizes)
        grew = ", ".join(
            f"{after / before - 1:+.0%}" for before, after in zip(first[page], last[page], strict=True)
        )
        lines.append(f"| {page} | {figures} | {grew} |")
    memory = " | ".join(f"{points[size][1]:.0f} MB" for size in sizes)
    lines.append(f"| worker memory | {memory} | |")
    return "\n".join(lines)


def growth_rounds(rounds):
    """One growth point per size from the points of several rounds ({size: (times, memory)}
    each): each page's median clock and CPU figures over the rounds, and the most memory."""
    import statistics

    points = {}
    for size in rounds[0]:
        measured = [each[size] for each in rounds]
        times = {
            page: tuple(
                statistics.median(figures) for figures in zip(*(m[0][page] for m in measured), strict=True)
            )
            for page in measured[0][0]
        }
        points[size] = (times, max(m[1] for m in measured))
    return points


def growth(args):
    """Print and keep the growth curve for the blog sizes in `args.growth`, measured in
    `args.growth_rounds` rounds (the sizes in turn, forwards then backwards, so that a busy
    spell of the shared machine falls on every size rather than on one)."""
    sizes = sorted({int(size.replace("_", "")) for size in args.growth.split(",")})
    rounds = []
    for number in range(args.growth_rounds):
        order = sizes if number % 2 == 0 else sizes[::-1]
        rounds.append({size: growth_point(size, args) for size in order})
    points = growth_rounds(rounds)
    report = [
        f"### Growth: one gunicorn worker, page cache off, median of {args.requests} requests one at a time "
        f"(on the clock, and of the worker's CPU), median of {args.growth_rounds} rounds",
        "",
        growth_table(points),
        "",
    ]
    print("\n".join(report))
    (WORK / f"growth-{'-'.join(map(str, sizes))}.md").write_text("\n".join(report))


def table(title, rows, ceiling):
    lines = [
        f"#### {title}",
        "",
        "| Page | URL | req/s | p50 ms | p99 ms | errors | SQL queries | of ceiling |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, url, result, queries in rows:
        ratio = f"{result['rps'] / ceiling:.0%}" if ceiling else ""
        lines.append(
            f"| {name} | `{url}` | {result['rps']:.0f} | {result['p50']:.1f} | {result['p99']:.1f} | "
            f"{result['errors']} | {queries} | {ratio} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=int(os.environ.get("BENCH_POSTS", 10_000)))
    parser.add_argument("--comments-per-post", type=int, default=int(os.environ.get("BENCH_COMMENTS", 5)))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_SECONDS", 8)))
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8400)))
    cache_default = os.environ.get("BENCH_CACHE", "both")
    parser.add_argument("--cache", choices=["off", "on", "both"], default=cache_default)
    parser.add_argument(
        "--import-posts",
        type=int,
        default=int(os.environ.get("BENCH_IMPORT_POSTS", 10_000)),
        help="posts in the generated Blogger and WordPress exports to time, with 5 comments each (0: skip)",
    )
    parser.add_argument(
        "--export",
        type=int,
        default=int(os.environ.get("BENCH_EXPORT", 1)),
        help="time export_site on the bench database (0: skip)",
    )
    parser.add_argument(
        "--growth",
        metavar="POSTS,POSTS,…",
        default=os.environ.get("BENCH_GROWTH", ""),
        help="instead of the load test: each page's median single-request time, and the worker's "
        "memory, on blogs of these sizes (e.g. 1000,10000,100000; each seeded once)",
    )
    parser.add_argument("--requests", type=int, default=30, help="requests per page for --growth")
    parser.add_argument(
        "--growth-rounds",
        type=int,
        default=int(os.environ.get("BENCH_GROWTH_ROUNDS", 3)),
        help="rounds for --growth",
    )
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from broadsheet.embedded_db import database_url

    WORK.mkdir(parents=True, exist_ok=True)
    if args.growth:
        growth(args)
        return
    wrk = ensure_wrk()
    env = bench_environment(database_url(f"bench_{args.posts}"), args.port, page_cache=False)
    seeded, posts = seed(env, args.posts, args.comments_per_post)
    manage(env, "collectstatic", "--noinput", "-v0")
    urls = page_urls(env, posts)
    report = [f"### {posts:,} posts ({args.comments_per_post} comments each, one post with 50)", ""]
    if seeded:
        report += [f"Seeding: {seeded[1]}", ""]

    uncached_counts = query_counts(env, urls)
    post_url = urls[3][1]
    size = uncached_counts[post_url][2]
    ceiling_port = args.port + 1

    memory = {}
    with ExitStack() as servers:
        for mode in ["off", "on"] if args.cache == "both" else [args.cache]:
            env = bench_environment(env["DATABASE_URL"], args.port, page_cache=mode == "on")
            counts = uncached_counts if mode == "off" else query_counts(env, urls)
            process = start_gunicorn(env, args.port)
            try:
                if not memory:
                    page = save_page(f"http://127.0.0.1:{args.port}{post_url}", WORK / "post.html")
                    size = page.stat().st_size
                    servers.callback(stop, start_ceiling(page, ceiling_port))
                # The ceiling first: a slow page's backlog must not eat into its measurement.
                log(f"wrk {mode}: the ceiling")
                static = run_wrk(wrk, f"http://127.0.0.1:{ceiling_port}/", args.duration, args.warmup)
                rows = []
                for name, url in urls:
                    log(f"wrk {mode}: {url}")
                    result = run_wrk(wrk, f"http://127.0.0.1:{args.port}{url}", args.duration, args.warmup)
                    rows.append((name, url, result, counts.get(url, [0])[0]))
                rows.append(("same-size page, trivial WSGI app (ceiling)", post_url, static, 0))
                memory[mode] = worker_rss_mb(process)
            finally:
                stop(process)
            ceiling = rows[-1][2]["rps"]
            report += [table(f"Page cache {mode}", rows, ceiling), ""]
    log("Timing the admin listings…")
    report += [admin_table(admin_listing_times(env)), ""]
    report += [
        f"Post page: {size / 1024:.0f} KB. Gunicorn worker memory after the run: "
        + "; ".join(f"cache {m}: " + ", ".join(f"{v:.0f} MB" for v in sizes) for m, sizes in memory.items()),
        "",
    ]
    if args.export:
        log("Timing the WordPress export of the bench database…")
        seconds, cpu, memory, size, counts = export_rate(env)
        measured = f" ({cpu:.0f} s of CPU), {memory:.0f} MB of memory at most" if cpu is not None else ""
        report.append(
            f"WordPress export (export_site) of this blog: {seconds:.0f} s{measured}, "
            f"a {size:.0f} MB file ({counts})."
        )
        report.append("")
    for kind, name in IMPORTS.items():
        if not args.import_posts:
            break
        log(f"Timing the import of a generated {args.import_posts}-post {name} export…")
        seconds, cpu, memory = import_rate(env, kind, args.import_posts)
        report.append(
            f"{name} import into an empty install: {args.import_posts:,} posts and "
            f"{args.import_posts * 5:,} comments in {seconds:.0f} s ({cpu:.0f} s of CPU, "
            f"{args.import_posts / seconds:.1f} posts/s), {memory:.0f} MB of memory at most."
        )
    print("\n".join(report))
    (WORK / f"results-{posts}.md").write_text("\n".join(report) + "\n")


if __name__ == "__main__":
    main()
