"""Write the whole site as a WordPress export (WXR 1.2): posts, pages, labels, authors, images,
comment threads and redirects, for WordPress, other importers, or another Broadsheet."""

import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from blog.export.site import NoSite, export_site, site_to_export


class Command(BaseCommand):
    help = (
        "Write the site as a WordPress export file (WXR): posts (published, drafts, scheduled, private), "
        "static pages, labels, authors, images, comments with their threads and status, and redirects. "
        "WordPress imports it (Tools → Import → WordPress), and so does Broadsheet's import_wordpress."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="The file to write (e.g. site.xml), or - for standard output")
        parser.add_argument("--site", help="The host name of the site to export (default: the default site)")
        parser.add_argument("--no-progress", action="store_true", help="Do not show the progress bar.")

    def handle(self, *args, out, site, no_progress, **options):
        try:
            chosen = site_to_export(site)
        except NoSite as error:
            raise CommandError(str(error)) from None
        show = not no_progress and sys.stderr.isatty()
        bar = tqdm(total=100, unit="%", file=sys.stderr, disable=not show, bar_format="{l_bar}{bar}| {desc}")

        def progress(fraction, stage):
            bar.update(round(fraction * 100) - bar.n)
            bar.set_description_str(stage, refresh=False)

        try:
            if out == "-":
                sys.stdout.flush()
                counts = export_site(sys.stdout.buffer, chosen, progress)
                sys.stdout.buffer.flush()
            else:
                counts = self.write_file(Path(out), chosen, progress)
        finally:
            bar.close()
        report = self.stderr if out == "-" else self.stdout
        if options["verbosity"]:
            report.write(f"Exported {chosen.root_url} to {out}:")
            for name, count in sorted(counts.items()):
                report.write(f"  {name}: {count:,}")

    @staticmethod
    def write_file(path, site, progress):
        """Write to a file beside `path` and put it in place at the end: a failed export leaves
        no half-written file, and an earlier one is kept until the new one is whole."""
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder")
        # Readable by its owner only (mkstemp's mode): the file holds commenters' email addresses.
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        try:
            with os.fdopen(handle, "wb") as stream:
                counts = export_site(stream, site, progress)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return counts
