"""make backup / make restore: the database and the media folder, there and back."""

import tarfile
from io import BytesIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from blog.models import BlogPostPage

from ..factories import make_post


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "documents").mkdir(parents=True)
    return settings.MEDIA_ROOT


def test_backup_and_restore_round_trip(transactional_db, blog_index, media_root, tmp_path, client):
    make_post(blog_index, "Kept in the archive", tags=["archive"])
    (media_root / "documents" / "minutes.txt").write_text("Minutes of the harbour meeting.")
    archive = tmp_path / "site.tar.gz"

    call_command("backup", output=str(archive))

    with tarfile.open(archive) as tar:
        assert {"database.dump", "manifest.json", "media/documents/minutes.txt"} <= set(tar.getnames())
    BlogPostPage.objects.get(title="Kept in the archive").delete()
    make_post(blog_index, "Written after the backup")
    (media_root / "documents" / "minutes.txt").unlink()

    call_command("restore", str(archive), interactive=False)

    assert list(BlogPostPage.objects.values_list("title", flat=True)) == ["Kept in the archive"]
    assert (media_root / "documents" / "minutes.txt").read_text() == "Minutes of the harbour meeting."
    response = client.get("/blog/kept-in-the-archive/")
    assert response.status_code == 200
    assert "Kept in the archive" in response.content.decode()


def test_restore_refuses_a_file_that_is_not_a_backup(db, blog_index, tmp_path):
    make_post(blog_index, "Still here")
    not_a_backup = tmp_path / "holiday.tar.gz"
    with tarfile.open(not_a_backup, "w:gz") as tar:
        notes = tmp_path / "notes.txt"
        notes.write_text("Packing list.")
        tar.add(notes, "notes.txt")
    (tmp_path / "garbage.tar.gz").write_bytes(b"not gzip at all")

    with pytest.raises(CommandError, match="is not a Broadsheet backup"):
        call_command("restore", str(not_a_backup), interactive=False)
    with pytest.raises(CommandError, match="is not a readable .tar.gz archive"):
        call_command("restore", str(tmp_path / "garbage.tar.gz"), interactive=False)
    assert BlogPostPage.objects.filter(title="Still here").exists()


def add_bytes(tar, name, data=b"", **fields):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for field, value in fields.items():
        setattr(info, field, value)
    tar.addfile(info, BytesIO(data))


@pytest.mark.parametrize(
    "member",
    [
        {"name": "../outside.txt"},
        {"name": "/etc/broadsheet.txt"},
        {"name": "media/documents/link", "type": tarfile.SYMTYPE, "linkname": "../../database.dump"},
        {"name": "media/documents/hard", "type": tarfile.LNKTYPE, "linkname": "database.dump"},
        {"name": "media/null", "type": tarfile.CHRTYPE, "devmajor": 1, "devminor": 3},
        {"name": "media/pipe", "type": tarfile.FIFOTYPE},
    ],
    ids=["parent", "absolute", "symlink", "hardlink", "device", "fifo"],
)
def test_restore_takes_only_plain_files_with_relative_names(db, blog_index, media_root, tmp_path, member):
    make_post(blog_index, "Still here")
    (media_root / "documents" / "minutes.txt").write_text("Kept.")
    archive = tmp_path / "crafted.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        add_bytes(tar, "database.dump", b"PGDMP")
        add_bytes(tar, **member)

    with pytest.raises(CommandError, match="not a plain file or folder with a relative name"):
        call_command("restore", str(archive), interactive=False)
    assert BlogPostPage.objects.filter(title="Still here").exists()
    assert (media_root / "documents" / "minutes.txt").read_text() == "Kept."
    assert not (tmp_path / "outside.txt").exists()
