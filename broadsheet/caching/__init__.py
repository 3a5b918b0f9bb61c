"""Everything Broadsheet caches, and the one way to forget it.

- Whole pages for anonymous readers (`pages.PageCacheMiddleware`; `front.PageCacheFront`, the
  WSGI application, answers stored ones before Django runs), with the Cache-Control that tells
  shared caches (a CDN, a proxy) the same thing;
- values and fragments pages are built from (`cached`);
- the top of the page tree, kept in each process (`remembered`).

Each entry records the scopes it depends on (broadsheet/caching/scopes.py) and their generations;
`forget(*scopes)` gives those scopes new generations, so only what depends on them is computed
again. Other modules name what they cache and what it depends on; they never build keys.
"""

from . import generations
from .local import remembered
from .pages import depends_on, uses
from .scopes import COMMENT_COUNTS, LISTINGS, SITE, author, image, post, post_link
from .values import cached

__all__ = [
    "COMMENT_COUNTS",
    "LISTINGS",
    "SITE",
    "author",
    "cached",
    "depends_on",
    "forget",
    "image",
    "post",
    "post_link",
    "remembered",
    "uses",
]


def forget(*scopes):
    """Forget, in every process, whatever depends on `scopes`: now, and again when the transaction
    commits, so that no request reading the old rows meanwhile can keep them."""
    generations.bump_now_and_after_commit(scopes)
