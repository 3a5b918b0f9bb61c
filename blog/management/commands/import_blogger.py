"""Import a Blogger backup (classic Atom export, Takeout feed.atom or Takeout .zip) into a blog."""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from blog.blogger.feed import ExportError, ExportSource
from blog.blogger.importer import BloggerImporter
from blog.models import BlogIndexPage


class Command(BaseCommand):
    help = (
        "Import a Blogger backup: posts, drafts, labels, images, comments, links between posts and "
        "redirects from the old addresses. Safe to run again: only what is new or changed is written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "export", help="The backup: Blogger's .xml export, Takeout's feed.atom or its .zip"
        )
        parser.add_argument(
            "--blog-index",
            help="Slug or id of the blog to import into (needed only when the site has more than one).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be imported; write nothing."
        )
        parser.add_argument(
            "--old-host",
            action="append",
            default=[],
            help="Another address the blog was served at (e.g. a custom domain), for rewriting links "
            "between posts. Repeatable. The blog's own address is read from the export.",
        )
        parser.add_argument(
            "--fetch-images",
            action="store_true",
            help="Download images that are not beside the export from their old address "
            "(Blogger keeps serving them while the blog exists). Private, loopback and link-local "
            "addresses are refused, and each download is capped at 25 MB and 60 seconds.",
        )
        parser.add_argument(
            "--allow-private-hosts",
            action="store_true",
            help="With --fetch-images, also download from private and local network addresses.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not show the progress bar.")

    def handle(
        self,
        *args,
        export,
        blog_index,
        dry_run,
        old_host,
        fetch_images,
        allow_private_hosts,
        no_progress,
        **options,
    ):
        verbosity = options["verbosity"]
        index = self.find_index(blog_index)
        try:
            size = ExportSource(export).size
        except ExportError as error:
            raise CommandError(str(error)) from None
        show = verbosity > 0 and not no_progress and sys.stderr.isatty()
        with tqdm(total=size, unit="B", unit_scale=True, desc="Importing", disable=not show) as bar:
            importer = BloggerImporter(
                export,
                index,
                dry_run=dry_run,
                old_hosts=old_host,
                fetch_images=fetch_images,
                allow_private_hosts=allow_private_hosts,
                progress=bar.update,
            )
            try:
                report = importer.run()
            except ExportError as error:
                message = str(error) if str(export) in str(error) else f"{export}: {error}"
                raise CommandError(message) from None
        if verbosity > 0:
            self.summarise(report, index, dry_run)

    def find_index(self, wanted):
        indexes = BlogIndexPage.objects.all()
        if wanted:
            match = indexes.filter(pk=int(wanted)) if wanted.isdigit() else indexes.filter(slug=wanted)
            if not match:
                raise CommandError(f"no blog index with slug or id “{wanted}”")
            return match.first()
        count = indexes.count()
        if count == 0:
            raise CommandError(
                "there is no blog index page yet: create one in the admin (or run `make demo`) first"
            )
        if count > 1:
            slugs = ", ".join(indexes.values_list("slug", flat=True))
            raise CommandError(f"there are several blogs ({slugs}): choose one with --blog-index")
        return indexes.first()

    def summarise(self, report, index, dry_run):
        out = self.stdout.write
        heading = "Dry run: nothing was written. The import would give" if dry_run else "Imported"
        out(self.style.SUCCESS(f"{heading} ({report.format}) into “{index.title}”:"))
        lines = [
            (
                "posts",
                f"{report.posts_created} new, {report.posts_updated} updated, "
                f"{report.posts_unchanged} unchanged",
            ),
            ("drafts", report.drafts),
            ("posts skipped", report.posts_skipped),
            ("static pages skipped", report.pages_skipped),
            (
                "comments",
                f"{report.comments_created} new, {report.comments_updated} updated, "
                f"{report.comments_unchanged} unchanged",
            ),
            ("deleted comments skipped", report.comments_deleted),
            ("comments without a post", report.comments_orphaned),
            ("labels", len(report.labels)),
            ("authors created", report.authors_created),
            ("images imported", report.images_imported),
            ("images left at their external address", report.images_external),
            ("redirects created", report.redirects_created),
            ("internal links rewritten", report.links_rewritten),
        ]
        for name, value in lines:
            out(f"  {name + ':':40} {value}")
        if report.warnings:
            out(self.style.WARNING(f"{len(report.warnings)} warning(s):"))
            for warning in report.warnings:
                out(f"  - {warning}")
