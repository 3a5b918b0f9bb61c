"""Write a made-up WordPress export, for measuring how fast `import_wordpress` runs."""

from django.core.management.base import BaseCommand

from blog.wordpress.synthetic import write_synthetic_export


class Command(BaseCommand):
    help = "Write a synthetic WordPress export (WXR: posts, categories, tags, links, threaded comments)."

    def add_arguments(self, parser):
        parser.add_argument("output", help="Where to write the .xml file")
        parser.add_argument("--posts", type=int, default=2000)
        parser.add_argument("--comments-per-post", type=int, default=5)

    def handle(self, *args, output, posts, comments_per_post, **options):
        posts, comments = write_synthetic_export(output, posts=posts, comments_per_post=comments_per_post)
        self.stdout.write(f"Wrote {output}: {posts} posts, {comments} comments.")
