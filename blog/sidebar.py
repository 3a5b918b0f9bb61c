"""The blog sidebar (archive by month, labels with counts): two aggregate queries, cached."""

from collections import OrderedDict
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncMonth

VERSION_KEY = "blog-sidebar-version"


def clear_sidebar_cache():
    """Forget every cached sidebar; called whenever a post is published, unpublished or moved."""
    cache.delete(VERSION_KEY)


def get_sidebar(blog_index):
    """Archive years and months and the tags of `blog_index`'s live posts, with their counts."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = date.today().isoformat() + str(id(object()))
        cache.set(VERSION_KEY, version, None)
    key = f"blog-sidebar:{blog_index.pk}:{version}"
    sidebar = cache.get(key)
    if sidebar is None:
        sidebar = build_sidebar(blog_index)
        cache.set(key, sidebar, settings.BLOG_SIDEBAR_CACHE_SECONDS)
    return sidebar


def build_sidebar(blog_index):
    from .models import BlogPostPage, BlogPostTag

    posts = BlogPostPage.objects.live().public().child_of(blog_index)
    months = (
        posts.order_by()
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by("-month")
    )
    years = OrderedDict()
    for row in months:
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        year = years.setdefault(month.year, {"year": month.year, "count": 0, "months": []})
        year["count"] += row["count"]
        year["months"].append({"date": month, "count": row["count"]})
    tags = list(
        BlogPostTag.objects.filter(content_object__in=posts.values("pk"))
        .values("tag__name", "tag__slug")
        .annotate(count=Count("content_object", distinct=True))
        .order_by("tag__name")
    )
    return {
        "years": list(years.values()),
        "tags": [{"name": t["tag__name"], "slug": t["tag__slug"], "count": t["count"]} for t in tags],
    }
