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
    importer_class = BloggerImporter
    source_class = ExportSource
    export_help = "The backup: Blogger's .xml export, Takeout's feed.atom or its .zip"
    fetch_help = (
        "Download images that are not beside the export from their old address "
        "(Blogger keeps serving them while the blog exists)."
    )
