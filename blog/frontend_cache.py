"""The public URLs a CDN or caching proxy (wagtail.contrib.frontend_cache) holds for a post.

Wagtail itself purges a page's own URL when it is published or unpublished. A post also
appears on its blog's index, feeds, archives, label and author pages (and their feeds) and on
the home page, and its
comments change the post page and the comment counts on those listings (blog/changes.py says
which change purges what).
"""

from wagtail.contrib.frontend_cache.utils import PurgeBatch


def post_urls(post):
    """Every public URL that shows `post` or its comment count."""
    batch = PurgeBatch()
    batch.add_page(post)
    index = post.get_parent().specific
    index_url = index.get_full_url(batch)
    if index_url is None:
        return batch.urls
    batch.add_page(index)
    routes = [("rss_view", ()), ("atom_view", ()), ("json_view", ())]
    for tag in post.tags.all():
        routes += [(name, (tag.slug,)) for name in ("tag_view", "tag_rss_view", "tag_atom_view")]
    for author in post.authors:
        routes += [(name, (author.slug,)) for name in ("author_view", "author_rss_view", "author_atom_view")]
    if post.date:
        year, month = f"{post.date:%Y}", f"{post.date:%m}"
        routes += [("year_view", (year,)), ("month_view", (year, month))]
    for name, args in routes:
        batch.add_url(index_url + index.reverse_subpage(name, args=args))
    home = index.get_parent()
    if not home.is_root():
        batch.add_page(home)
    return batch.urls
