"""What a cached page or value depends on, named so that a change can forget just what it touches.

Every entry depends on SITE. A change names the scopes it touches; each scope has a generation
(broadsheet/caching/generations.py) and an entry is good while the generations it recorded are
still current.
"""

# Host names, site roots, private sections, moves, the home page and the blog indexes, comment
# rules: everything.
SITE = "site"
# What lists posts: indexes, label, archive and author pages, feeds, sitemaps, the sidebar,
# search results, their counts and facets.
LISTINGS = "listings"
# The comment counts that listings show next to each post.
COMMENT_COUNTS = "comment-counts"
# Changed by any forget: lets a writer notice that something changed while it computed.
ANY = "any"


def post(pk):
    """One post's own page: its text, byline, comments and previous/next links."""
    return f"post:{pk}"


def post_link(pk):
    """What other posts' pages show of post `pk` (their previous/next links, related reading and
    "Cited by": its title, date and address)."""
    return f"post-link:{pk}"


def author(pk):
    """One author's own page: their name, photo and bio (the posts it lists are LISTINGS)."""
    return f"author:{pk}"


def image(pk):
    """What is kept of image `pk` by address (its renditions on share cards): its file, crop or text."""
    return f"image:{pk}"
