"""`python bench/comment_load.py`: does a warm post page stay cached while readers comment elsewhere?

Serves the bench database (seeded as `bench/run.py` does) with production settings and the
shared disk cache, warms one post page, then for `--duration` seconds drives it with wrk while a
loop posts one comment a second to other posts through the real comment form. A wrk script
counts the X-Page-Cache answers; the run prints hits, misses and requests per second, then the
requests per second of the same page with no comments arriving and no counting script.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import Request, urlopen

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, WORK, bench_environment, ensure_wrk, log, manage, seed, start_gunicorn, stop

COUNT_ANSWERS = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) hits, misses, other = 0, 0, 0 end
function response(status, headers, body)
  local answer = headers["X-Page-Cache"]
  if answer == "hit" then hits = hits + 1
  elseif answer == "miss" then misses = misses + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local h, m, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    h, m, o = h + thread:get("hits"), m + thread:get("misses"), o + thread:get("other")
  end
  io.write(string.format("answers hit=%d miss=%d other=%d\n", h, m, o))
end
"""
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def post_urls(env, count):
    script = (
        "import json; from blog.models import BlogPostPage; "
        f"print(json.dumps([p.url for p in BlogPostPage.objects.live().order_by('-date')[:{count}]]))"
    )
    return json.loads(manage(env, "shell", "-c", script, capture=True).strip().splitlines()[-1])


def comment(base, post_url, n):
    """Post a comment through the form of `post_url`, as a reader without a session does."""
    html = urlopen(base + post_url, timeout=10).read().decode()
    form = re.search(r'<form[^>]*id="comment-form".*?</form>', html, re.S).group(0)
    action = re.search(r'action="([^"]+)"', form).group(1)
    fields = dict(HIDDEN.findall(form))
    fields.update(name="Load Reader", email="load@example.org", url="", comment=f"Comment number {n}.")
    request = Request(base + action, data=urlencode(fields).encode(), method="POST")
    with urlopen(request, timeout=10) as response:
        return response.status


def requests_per_second(wrk_output):
    return float(re.search(r"Requests/sec:\s+([\d.]+)", wrk_output).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--port", type=int, default=8410)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from broadsheet.embedded_db import database_url

    WORK.mkdir(parents=True, exist_ok=True)
    wrk = ensure_wrk()
    env = bench_environment(database_url(f"bench_{args.posts}"), args.port, page_cache=True)
    env.update(COMMENTS_RATE_LIMIT="100000", CACHE_DIR=tempfile.mkdtemp(prefix="cache-", dir=WORK))
    seed(env, args.posts, 2)
    manage(env, "collectstatic", "--noinput", "-v0")
    target, *others = post_urls(env, 30)
    base = f"http://127.0.0.1:{args.port}"
    server = start_gunicorn(env, args.port)
    comments, statuses = [], []
    try:
        for _ in range(2):
            urlopen(base + target).read()
        stop_loop = threading.Event()

        def comment_every_second():
            started, n = time.monotonic(), 0
            while not stop_loop.wait(max(0.0, started + n + 1 - time.monotonic())):
                statuses.append(comment(base, others[n % len(others)], n))
                comments.append(others[n % len(others)])
                n += 1

        loop = threading.Thread(target=comment_every_second, daemon=True)
        script = WORK / "count-answers.lua"
        script.write_text(COUNT_ANSWERS)
        loop.start()
        command = [wrk, "-t2", "-c8", f"-d{args.duration}s", "-s", str(script), base + target]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        stop_loop.set()
        loop.join()
        # The control: the post commented on last is rendered again, then served from the cache.
        after = [urlopen(base + comments[-1]).headers["X-Page-Cache"] for _ in range(2)]
        # The same page with no comments arriving and no counting script: the hit path alone.
        command = [wrk, "-t2", "-c8", f"-d{args.duration // 2}s", base + target]
        quiet = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        stop(server)
        shutil.rmtree(env["CACHE_DIR"], ignore_errors=True)
    hits, misses, other = map(int, re.search(r"hit=(\d+) miss=(\d+) other=(\d+)", out).groups())
    rps = requests_per_second(out)
    log(out)
    total = hits + misses + other
    print(
        f"{len(comments)} comments on other posts (statuses {sorted(set(statuses))}); {target}: "
        f"{hits} hits, {misses} misses, {other} other of {total} ({100 * hits / total:.2f} % hits), "
        f"{rps:,.0f} requests/s; the last commented post answered {after}; "
        f"with no comments and no script: {requests_per_second(quiet):,.0f} requests/s"
    )


if __name__ == "__main__":
    main()
