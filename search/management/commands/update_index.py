"""Wagtail's `update_index`, after which cached listings are forgotten.

Search pages, match counts and label counts are cached with the listings scope; a rebuilt
index can answer differently, so they must not outlive it.
"""

from wagtail.search.management.commands.update_index import Command as WagtailUpdateIndex

from broadsheet import caching


class Command(WagtailUpdateIndex):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        caching.forget(caching.LISTINGS)
