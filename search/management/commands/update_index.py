"""Wagtail's `update_index`, followed by a new freshness token.

Search pages, match counts and label counts are cached per version of the site's content; a
rebuilt index can answer differently, so they must not outlive it.
"""

from wagtail.search.management.commands.update_index import Command as WagtailUpdateIndex

from broadsheet import freshness


class Command(WagtailUpdateIndex):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        freshness.bump()
