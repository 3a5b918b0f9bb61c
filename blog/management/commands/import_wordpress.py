"""Import a WordPress export (WXR, from Tools → Export) into a blog, or, on an empty install,
into a new site made for it."""

from blog.management.importing import ImportCommand
from blog.wordpress.importer import WordPressImporter
from blog.wordpress.wxr import WxrSource


class Command(ImportCommand):
    help = (
        "Import a WordPress export (WXR): posts, pages, drafts, scheduled and private posts, categories "
        "and tags as labels, authors, images, comment threads, links between posts and redirects from "
        "the old addresses. With no blog yet, the site's home page and blog are made, named after the "
        "site. Safe to run again: only what is new or changed is written."
    )
    importer_class = WordPressImporter
    source_class = WxrSource
    export_help = "The export: the .xml file WordPress's Tools → Export gives"
    fetch_help = "Download images that are not in --media-dir from their address on the old site."
    old_host_help = "Another address the site was served at"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--media-dir",
            help="A copy of the site's wp-content/uploads folder (or of the folder holding wp-content): "
            "images the posts show are imported from it.",
        )

    def format_options(self, options):
        return {"media_dir": options["media_dir"]}
