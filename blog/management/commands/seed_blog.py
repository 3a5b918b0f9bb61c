"""Fill a blog with generated posts and threaded comments, fast enough for ten thousand posts."""

import time

from django.core.management.base import BaseCommand, CommandError

from blog.models import BlogIndexPage
from blog.seeding import Seeder


class Command(BaseCommand):
    help = "Add N generated posts (with tags, authors and threaded comments) to a blog, in bulk."

    def add_arguments(self, parser):
        parser.add_argument("--posts", type=int, default=1000, help="how many posts to add")
        parser.add_argument("--comments-per-post", type=int, default=5, help="comments on each post")
        parser.add_argument(
            "--busy-post-comments",
            type=int,
            default=50,
            help="comments on the newest post, to show a long thread (0: like the others)",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed: same seed, same blog")
        parser.add_argument("--blog", default=None, help="slug of the blog index (default: the first blog)")

    def handle(self, *args, **options):
        if options["posts"] < 0 or options["comments_per_post"] < 0 or options["busy_post_comments"] < 0:
            raise CommandError("Counts must be zero or more.")
        blogs = BlogIndexPage.objects.order_by("path")
        if options["blog"]:
            blogs = blogs.filter(slug=options["blog"])
        blog_index = blogs.first()
        if blog_index is None:
            raise CommandError("No blog index page: run `python manage.py load_demo` or add one first.")
        started = time.perf_counter()
        counts = Seeder(blog_index, seed=options["seed"]).run(
            options["posts"], options["comments_per_post"], options["busy_post_comments"]
        )
        elapsed = time.perf_counter() - started
        rows = counts["posts"] * 2 + counts["comments"] * 2 + counts["tags"]
        self.stdout.write(
            f"Added {counts['posts']} posts, {counts['tags']} tag links and {counts['comments']} comments "
            f"to “{blog_index.title}” in {elapsed:.1f} s "
            f"({counts['posts'] / max(elapsed, 1e-9):.0f} posts/s, {rows / max(elapsed, 1e-9):.0f} rows/s)."
        )
