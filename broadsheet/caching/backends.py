"""The disk cache every worker of a machine shares when there is no Redis."""

import mmap
import os
import shutil
from pathlib import Path

from diskcache import DjangoCache

# The file, in each cache's folder, that every write to that cache marks (see DiskCache).
WRITES_FILE = "writes"
# The folder, in the pages cache's, of the pages the front stores as files (front.PageFiles).
FRONT_FILES = "front"


def map_writes(path):
    """The first 8 bytes of the file at `path` (made if missing), mapped into this process's
    memory and shared with every process that maps it; None when that cannot be done."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            if os.fstat(fd).st_size < 8:
                os.ftruncate(fd, 8)
            return mmap.mmap(fd, 8)
        finally:
            os.close(fd)
    except (OSError, ValueError):
        return None


def marks_a_write(method):
    def write(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        finally:
            self.mark_write()

    write.__name__, write.__doc__ = method.__name__, method.__doc__
    return write


class DiskCache(DjangoCache):
    """diskcache's Django backend, keeping its SQLite connections from one request to the next,
    and telling readers whether anything was written since they last looked.

    Django closes every cache when a request finishes; diskcache's close() shuts its
    connections, and opening them again (with their PRAGMAs) cost more than the page lookup.
    Connections belong to their thread, so keeping them is safe.

    After each write (once SQLite has it), a fresh random token goes into a small file in the
    cache's folder that every process of the machine maps into memory (WRITES_FILE): while a
    process finds there the token it read before it last read a value, nothing can have
    written that value since, and it may use what it read without asking SQLite
    (broadsheet/caching/generations.py does, for ANY's generation). Only processes of one
    machine share the mapping, as they share the cache itself.
    """

    def __init__(self, directory, params):
        super().__init__(directory, params)
        self._writes = map_writes(Path(self.directory) / WRITES_FILE)

    def last_write(self):
        """The token of the latest write to this cache by any process; None if not known."""
        return None if self._writes is None else self._writes[:8]

    def mark_write(self):
        if self._writes is not None:
            self._writes[:8] = os.urandom(8)

    add = marks_a_write(DjangoCache.add)
    set = marks_a_write(DjangoCache.set)
    touch = marks_a_write(DjangoCache.touch)
    pop = marks_a_write(DjangoCache.pop)
    delete = marks_a_write(DjangoCache.delete)
    incr = marks_a_write(DjangoCache.incr)
    decr = marks_a_write(DjangoCache.decr)
    expire = marks_a_write(DjangoCache.expire)
    evict = marks_a_write(DjangoCache.evict)
    cull = marks_a_write(DjangoCache.cull)

    @marks_a_write
    def clear(self, *args, **kwargs):
        """Remove every entry, and the files the front keeps of pages (FRONT_FILES) if any."""
        removed = DjangoCache.clear(self, *args, **kwargs)
        shutil.rmtree(Path(self.directory) / FRONT_FILES, ignore_errors=True)
        return removed

    def close(self, **kwargs):
        pass
