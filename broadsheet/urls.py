from django.conf import settings
from django.contrib.contenttypes import views as contenttype_views
from django.urls import include, path
from django_comments_xtd import views as xtd_views
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from blog import views as blog_views
from broadsheet import sitemaps
from broadsheet.views import healthz, robots_txt
from search import views as search_views

# Only the comment views readers use; moderation happens in the Wagtail admin.
comment_urls = [
    path("post/", blog_views.post_comment, name="comments-post-comment"),
    path("form/<int:post_id>/", blog_views.comment_form, name="comment-form"),
    path("posted/", xtd_views.sent, name="comments-comment-done"),
    path("sent/", xtd_views.sent, name="comments-xtd-sent"),
    path("reply/<int:cid>/", blog_views.reply, name="comments-xtd-reply"),
    # Our own signed-JSON links; django-comments-xtd's mute and confirm views unpickle their keys.
    path("mute/<str:key>/", blog_views.mute, name="comments-xtd-mute"),
    path(
        "cr/<int:content_type_id>/<str:object_id>/",
        contenttype_views.shortcut,
        name="comments-url-redirect",
    ),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", search_views.search, name="search"),
    path("comments/", include(comment_urls)),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.section, name="sitemap-section"),
    path("robots.txt", robots_txt, name="robots-txt"),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
elif getattr(settings, "SERVE_MEDIA", False):
    # Production with media on local disk and no web server in front to serve it.
    from django.urls import re_path
    from django.views.static import serve

    prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [re_path(rf"^{prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]

urlpatterns += [path("", include(wagtail_urls))]
