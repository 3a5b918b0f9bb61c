from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from subscriptions import csv_io


class Command(BaseCommand):
    help = (
        "Import email subscribers from a CSV file (FeedBurner's or Blogger's export, or this site's): "
        "as confirmed (--confirmed) or asked to confirm by email (--ask)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--confirmed", action="store_true", help="they confirmed already: send them posts")
        mode.add_argument("--ask", action="store_true", help="email each a confirmation link first")
        parser.add_argument("--skip-bad", action="store_true", help="import the good rows, skip the bad ones")

    def handle(self, *args, file, confirmed, ask, skip_bad, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from error
        try:
            report = csv_io.import_subscribers(data, confirmed=confirmed, skip_bad=skip_bad)
        except csv_io.UnreadableFile as error:
            raise CommandError(str(error)) from error
        for line, problem in report.bad:
            self.stderr.write(f"line {line}: {problem}")
        if not report.written:
            raise CommandError(f"{len(report.bad)} bad rows: nothing imported (--skip-bad imports the rest).")
        self.stdout.write(
            f"{report.created} imported ({report.confirmed} confirmed, {report.pending} asked to confirm, "
            f"{report.unsubscribed} unsubscribed or suspended); {report.already_known} already known, "
            f"{report.duplicates} repeated in the file, {len(report.bad)} bad rows skipped."
        )
