"""The disk cache every worker of a machine shares when there is no Redis."""

from diskcache import DjangoCache


class DiskCache(DjangoCache):
    """diskcache's Django backend, keeping its SQLite connections from one request to the next.

    Django closes every cache when a request finishes; diskcache's close() shuts its
    connections, and opening them again (with their PRAGMAs) cost more than the page lookup.
    Connections belong to their thread, so keeping them is safe.
    """

    def close(self, **kwargs):
        pass
