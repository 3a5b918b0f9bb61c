from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "blog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django_comments_xtd.moderation import moderator

        from . import signals  # noqa: F401
        from .comments import BlogPostModerator
        from .models import BlogPostPage

        moderator.register(BlogPostPage, BlogPostModerator)
