"""The ceiling of `make bench` and `make bench-peer`: a WSGI app that returns one saved page.

    STATIC_PAGE=post.html gunicorn --workers 2 --chdir bench static_page:application

Whatever the path, it answers the file's bytes: what any Python page costs under gunicorn
beyond this is the site's own work. With STATIC_HEADERS (a JSON file of [name, value] pairs),
it sends those headers instead of a Content-Type alone (bench/hit_rate.py gives it those of a
stored page, to tell what the page's own headers cost gunicorn).
"""

import json
import os
from pathlib import Path

BODY = Path(os.environ["STATIC_PAGE"]).read_bytes()
GIVEN = os.environ.get("STATIC_HEADERS")
NAMED = json.loads(Path(GIVEN).read_text()) if GIVEN else [["Content-Type", "text/html; charset=utf-8"]]
HEADERS = [*map(tuple, NAMED), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
