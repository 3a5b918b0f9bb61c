import json
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from broadsheet.backups import run_pg


class Command(BaseCommand):
    help = "Write the database (pg_dump) and the media folder to one .tar.gz archive."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", help="The archive to write (default backups/broadsheet-YYYYmmdd-HHMMSS.tar.gz)."
        )

    def handle(self, *args, output=None, **options):
        now = timezone.now()
        output = Path(output or settings.BASE_DIR / "backups" / f"broadsheet-{now:%Y%m%d-%H%M%S}.tar.gz")
        output.parent.mkdir(parents=True, exist_ok=True)
        media_root = Path(settings.MEDIA_ROOT)
        with tempfile.TemporaryDirectory() as folder:
            dump = Path(folder) / "database.dump"
            run_pg("pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}")
            media_files = [p for p in media_root.rglob("*") if p.is_file()] if media_root.is_dir() else []
            manifest = {
                "created": now.isoformat(),
                "database": connection.settings_dict["NAME"],
                "media_files": len(media_files),
            }
            partial = output.with_name(output.name + ".partial")
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(dump, "database.dump")
                if media_files:
                    archive.add(media_root, "media")
                manifest_file = Path(folder) / "manifest.json"
                manifest_file.write_text(json.dumps(manifest, indent=2))
                archive.add(manifest_file, "manifest.json")
            partial.rename(output)  # a half-written archive never carries the final name
        self.stdout.write(f"Backed up the database and {len(media_files)} media file(s) to {output}")
