"""Import a Blogger backup (classic Atom export, Takeout feed.atom or Takeout .zip) into a blog,
or, on an empty install, into a new site made for it."""

from blog.blogger.feed import ExportSource
from blog.blogger.importer import BloggerImporter
from blog.management.importing import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a Blogger backup: posts, static pages, drafts, labels, images, comments, links between "
        "posts and redirects from the old addresses. With no blog yet, the site's home page and blog are "
        "made, named after the blog. Safe to run again: only what is new or changed is written."
    )
    export_help = "The backup: Blogger's .xml export, Takeout's feed.atom or its .zip"
    fetch_help = (
        "Download images that are not beside the export from their old address "
        "(Blogger keeps serving them while the blog exists)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--old-host",
            action="append",
            default=[],
            help="Another address the blog was served at (e.g. a custom domain), for rewriting links "
            "between posts. Repeatable. The blog's own address is read from the export.",
        )

    def check_file(self, export):
        ExportSource(export).close()

    def importer(self, export, index, options, progress):
        return BloggerImporter(
            export,
            index,
            dry_run=options["dry_run"],
            old_hosts=options["old_host"],
            fetch_images=options["fetch_images"],
            allow_private_hosts=options["allow_private_hosts"],
            progress=progress,
        )
