"""What the import commands share: the blog to import into, the site's one import at a time
(shown in the admin meanwhile), the progress bar and the printed summary."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from blog.blogger import jobs
from blog.importing.base import MAX_STORED_WARNINGS, ExportError
from blog.management.blogs import chosen_blog
from blog.models import ImportStatus
from blog.progress import ProgressRecorder


class ImportCommand(BaseCommand):
    """An `import_<format>` command; a subclass names its importer and how the file is opened."""

    importer_class = None  # an Importer subclass
    source_class = None  # what opens the export, raising ExportError for a file it cannot take
    export_help = "The export file"
    fetch_help = "Download images the export does not hold from their old address."
    old_host_help = "Another address the blog was served at (e.g. a custom domain)"

    def add_arguments(self, parser):
        parser.add_argument("export", help=self.export_help)
        parser.add_argument(
            "--blog-index",
            help="Slug or id of the blog to import into (needed only when the site has more than one).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be imported; write nothing."
        )
        parser.add_argument(
            "--fetch-images",
            action="store_true",
            help=f"{self.fetch_help} Private, loopback and link-local addresses are refused, and each "
            "download is capped at 25 MB and 60 seconds.",
        )
        parser.add_argument(
            "--allow-private-hosts",
            action="store_true",
            help="With --fetch-images, also download from private and local network addresses.",
        )
        parser.add_argument(
            "--old-host",
            action="append",
            default=[],
            help=f"{self.old_host_help}, for rewriting links between posts. Repeatable. The blog's own "
            "address is read from the export.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not show the progress bar.")

    def format_options(self, options):
        """The importer's own options, beyond those every importer takes."""
        return {}

    def handle(self, *args, export, blog_index, dry_run, no_progress, **options):
        verbosity = options["verbosity"]
        # None on an empty install: the import makes the site's home page and blog.
        index = chosen_blog(blog_index, none_ok=True)
        try:
            self.source_class(export).close()
        except ExportError as error:
            raise CommandError(str(error)) from None
        # A real import holds the site's one import at a time, and shows in the admin meanwhile.
        job = None
        if not dry_run:
            try:
                job = jobs.create(
                    jobs.site_for(index),
                    blog_index=index,
                    status=ImportStatus.IMPORTING,
                    original_name=Path(export).name[:255],
                    from_command_line=True,
                )
            except jobs.ImportBusy as error:
                raise CommandError(str(error)) from None
        recorder = ProgressRecorder(job) if job else None
        show = verbosity > 0 and not no_progress and sys.stderr.isatty()
        with tqdm(total=100, unit="%", desc="Importing", disable=not show) as bar:

            def progress(fraction, stage):
                bar.set_description(stage, refresh=False)
                bar.update(round(fraction * 100, 1) - bar.n)
                if recorder:
                    recorder(fraction, stage)

            importer = self.importer_class(
                export,
                index,
                dry_run=dry_run,
                old_hosts=options["old_host"],
                fetch_images=options["fetch_images"],
                allow_private_hosts=options["allow_private_hosts"],
                progress=progress,
                **self.format_options(options),
            )
            try:
                report = importer.run()
            except ExportError as error:
                message = str(error) if str(export) in str(error) else f"{export}: {error}"
                if job:
                    jobs.finish(job, ImportStatus.FAILED, error=message)
                raise CommandError(message) from None
            except BaseException:
                if job:
                    jobs.finish(job, ImportStatus.FAILED, error="The import stopped on an unexpected error.")
                raise
            finally:
                if recorder:
                    recorder.close()
        if job:
            jobs.finish(
                job,
                ImportStatus.FINISHED,
                progress=100,
                stage="Done",
                summary=report.summary(dry_run, importer.index.title, max_warnings=MAX_STORED_WARNINGS),
                blog_index=importer.index,
                blog_url=importer.info.url[:255],
            )
        if verbosity > 0:
            self.summarise(report.summary(dry_run, importer.index.title))

    def summarise(self, summary):
        out = self.stdout.write
        out(self.style.SUCCESS(summary["heading"]))
        if summary["blog_created"]:
            out(f"  {'new blog for the site:':40} {summary['blog_created']}")
        for name, value in summary["lines"]:
            out(f"  {name + ':':40} {value}")
        if summary["warning_count"]:
            out(self.style.WARNING(f"{summary['warning_count']} warning(s):"))
            for warning in summary["warnings"]:
                out(f"  - {warning}")
