import re

from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from blog import sitemaps
from blog import views as blog_views
from broadsheet.api import api_router
from broadsheet.views import favicon, healthz, public_media, robots_txt
from search import views as search_views

# Only the comment views readers use; moderation happens in the Wagtail admin.
comment_urls = [
    path("post/", blog_views.post_comment, name="comments-post-comment"),
    path("form/<int:post_id>/", blog_views.comment_form, name="comment-form"),
    path("posted/", blog_views.comment_sent, name="comments-comment-done"),
    path("sent/", blog_views.comment_sent, name="comments-xtd-sent"),
    path("reply/<int:cid>/", blog_views.reply, name="comments-xtd-reply"),
    # Our own signed-JSON links; django-comments-xtd's mute and confirm views unpickle their keys.
    path("mute/<str:key>/", blog_views.mute, name="comments-xtd-mute"),
    path("cr/<int:content_type_id>/<str:object_id>/", blog_views.page_redirect, name="comments-url-redirect"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/", api_router.urls),
    path("search/", search_views.search, name="search"),
    path("comments/", include(comment_urls)),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.section, name="sitemap-section"),
    path("robots.txt", robots_txt, name="robots-txt"),
    path("favicon.ico", favicon, name="favicon"),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
if (settings.DEBUG or getattr(settings, "SERVE_MEDIA", False)) and settings.MEDIA_URL.startswith("/"):
    # Media on local disk with no web server in front to serve it: images only. Documents go
    # through /documents/ (Wagtail's view, which checks their collection's privacy).
    from django.urls import re_path

    prefix = re.escape(settings.MEDIA_URL.lstrip("/"))
    urlpatterns += [re_path(rf"^{prefix}(?P<path>.*)$", public_media, name="public-media")]

urlpatterns += [path("", include(wagtail_urls))]
