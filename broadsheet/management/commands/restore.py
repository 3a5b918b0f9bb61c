import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from broadsheet.backups import run_pg


def is_safe(member):
    """A backup holds only regular files and folders, named relative to the archive's top."""
    path = PurePosixPath(member.name)
    return (
        (member.isfile() or member.isdir())
        and member.name == member.name.strip()
        and not path.is_absolute()
        and ".." not in path.parts
        and "\\" not in member.name
        and all(part.isprintable() for part in path.parts)
    )


class Command(BaseCommand):
    help = "Replace the database and the media folder with those in an archive made by `backup`."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="A .tar.gz archive written by `manage.py backup`.")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="Do not ask to confirm."
        )

    def handle(self, *args, archive, interactive=True, **options):
        archive = Path(archive)
        if not archive.is_file():
            raise CommandError(f"{archive} does not exist.")
        try:
            with tarfile.open(archive, "r:gz") as tar:
                members = tar.getmembers()
                if "database.dump" not in {member.name for member in members}:
                    raise CommandError(f"{archive} is not a Broadsheet backup (it has no database.dump).")
                unsafe = next((member for member in members if not is_safe(member)), None)
                if unsafe is not None:
                    raise CommandError(
                        f"{archive} holds {unsafe.name!r}, which is not a plain file or folder with a "
                        "relative name; nothing was restored."
                    )
                folder = Path(tempfile.mkdtemp(prefix="broadsheet-restore-"))
                tar.extractall(folder, members=members, filter="data")
        except (tarfile.TarError, OSError, EOFError) as error:
            raise CommandError(f"{archive} is not a readable .tar.gz archive ({error}).") from error
        try:
            database = connection.settings_dict["NAME"]
            media_root = Path(settings.MEDIA_ROOT)
            if interactive:
                answer = input(
                    f"This replaces everything in the database {database!r} and in {media_root} "
                    f"with the contents of {archive}. Type 'yes' to go on: "
                )
                if answer.strip().lower() != "yes":
                    raise CommandError("Restore cancelled; nothing was changed.")
            # One transaction: if anything in the dump fails, the database is left as it was.
            run_pg(
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={database}",
                str(folder / "database.dump"),
            )
            restored_media = folder / "media"
            if media_root.exists():
                shutil.rmtree(media_root)
            if restored_media.is_dir():
                shutil.copytree(restored_media, media_root)
            else:
                media_root.mkdir(parents=True, exist_ok=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        self.stdout.write(f"Restored the database {database!r} and the media folder from {archive}")
