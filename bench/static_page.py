"""The ceiling of `make bench` and `make bench-peer`: a WSGI app that returns one saved page.

    STATIC_PAGE=post.html gunicorn --workers 2 --chdir bench static_page:application

Whatever the path, it answers the file's bytes: what any Python page costs under gunicorn
beyond this is the site's own work.
"""

import os
from pathlib import Path

BODY = Path(os.environ["STATIC_PAGE"]).read_bytes()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
