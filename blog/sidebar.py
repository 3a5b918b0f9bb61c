"""The blog sidebar (archive by month, labels with counts): two aggregate queries."""

from collections import OrderedDict

from django.db.models import Count
from django.db.models.functions import TruncMonth


def build_sidebar(blog_index):
    """Archive years and months and the tags of `blog_index`'s live posts, with their counts
    (blog_tags.sidebar keeps the finished HTML until listings change)."""
    from .models import BlogPostPage, BlogPostTag

    posts = BlogPostPage.objects.readable().child_of(blog_index)
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
