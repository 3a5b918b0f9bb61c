from django.apps import AppConfig


class SearchConfig(AppConfig):
    """The search page, and keeping the search index in step with what is published."""

    name = "search"

    def ready(self):
        from . import signals  # noqa: F401
