from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = "Subscribers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from blog.comments.notifications import use_address_book

        from . import signals  # noqa: F401
        from .confirmation import ConfirmedAddresses

        # Reply notifications go only to addresses confirmed here.
        use_address_book(ConfirmedAddresses())
