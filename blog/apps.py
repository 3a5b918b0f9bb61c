from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "blog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django_comments.signals import comment_was_posted
        from django_comments_xtd import views as xtd_views
        from django_comments_xtd.models import TmpXtdComment
        from django_comments_xtd.moderation import moderator

        from . import signals  # noqa: F401
        from .comments.moderation import BlogPostModerator, store_posted_comment
        from .models import BlogPostPage

        moderator.register(BlogPostPage, BlogPostModerator)
        # django-comments-xtd's receiver emails followers inside the request, with pickled links.
        comment_was_posted.disconnect(xtd_views.on_comment_was_posted, sender=TmpXtdComment)
        comment_was_posted.connect(
            store_posted_comment, sender=TmpXtdComment, dispatch_uid="blog.store_posted_comment"
        )
