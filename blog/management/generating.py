"""What the commands that write a made-up export share."""

from django.core.management.base import BaseCommand


class GenerateExportCommand(BaseCommand):
    """A `generate_<format>_export` command; `write(path, posts=, comments_per_post=)` writes the file
    and returns (posts, comments) written."""

    write = None
    comments_per_post = 3

    def add_arguments(self, parser):
        parser.add_argument("output", help="Where to write the .xml file")
        parser.add_argument("--posts", type=int, default=2000)
        parser.add_argument("--comments-per-post", type=int, default=self.comments_per_post)

    def handle(self, *args, output, posts, comments_per_post, **options):
        posts, comments = type(self).write(output, posts=posts, comments_per_post=comments_per_post)
        self.stdout.write(f"Wrote {output}: {posts} posts, {comments} comments.")
