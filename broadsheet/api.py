"""The read API: Wagtail's API v2 at /api/v2/ (pages, images, documents), read-only.

It answers with what any reader may see, whoever asks: live pages outside every private section,
and images and documents outside every private collection. A password or login a reader has
given on the site unlocks nothing here (the API reads no session). Each address may make
API_RATE_LIMIT requests (`client.client_ip`, behind trusted proxies only), a listing holds at
most WAGTAILAPI_LIMIT_MAX items, and its search is off (WAGTAILAPI_SEARCH_ENABLED); the site's
own search page is /search/. Responses are never kept by the page cache (`caching.pages`).
"""

from django.conf import settings
from django.db.models import Q
from rest_framework.throttling import SimpleRateThrottle
from wagtail.api import APIField
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.fields import ImageRenditionField
from wagtail.images.api.v2.views import ImagesAPIViewSet
from wagtail.models import Collection, CollectionViewRestriction

from .client import client_ip

# The sizes the images endpoint offers; the original files (which may carry their camera's
# metadata, a location among it) are not handed out.
THUMBNAIL = "fill-400x300"
LARGE = "max-1600x1600"


class ReaderRateThrottle(SimpleRateThrottle):
    """At most settings.API_RATE_LIMIT requests ("120/minute") from one reader's address."""

    scope = "api"

    def get_rate(self):
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}


def private_collections():
    """The collections under a view restriction, and the collections inside them."""
    private = Q(pk__in=[])
    for path in CollectionViewRestriction.objects.values_list("collection__path", flat=True):
        private |= Q(path__startswith=path)
    return Collection.objects.filter(private)


class ReadOnlyPublicAPI:
    """What every endpoint here shares: no session or login read, the rate limit."""

    authentication_classes = []
    throttle_classes = [ReaderRateThrottle]


class PublicPagesAPIViewSet(ReadOnlyPublicAPI, PagesAPIViewSet):
    """Live pages outside every private section (Wagtail's own filter lets a reader's session in)."""

    def get_base_queryset(self):
        # Asked for several times a request (the listing, its filters, the serializer); each
        # answer reads the view restrictions, so the first is kept.
        if not hasattr(self, "_public_pages"):
            self._public_pages = super().get_base_queryset().public()
        return self._public_pages

    def get_queryset(self):
        queryset = super().get_queryset()
        # A page type's queryset may fetch what its API fields show in the same query.
        for_api = getattr(queryset, "for_api", None)
        return for_api() if for_api else queryset


class PublicImagesAPIViewSet(ReadOnlyPublicAPI, ImagesAPIViewSet):
    """Images outside every private collection: their title, size and tags, and two renditions."""

    body_fields = [
        *ImagesAPIViewSet.body_fields,
        APIField("thumbnail", serializer=ImageRenditionField(THUMBNAIL, source="*")),
        APIField("large", serializer=ImageRenditionField(LARGE, source="*")),
    ]
    meta_fields = [field for field in ImagesAPIViewSet.meta_fields if field != "download_url"]
    listing_default_fields = [
        *(field for field in ImagesAPIViewSet.listing_default_fields if field != "download_url"),
        "thumbnail",
    ]
    nested_default_fields = [
        *(field for field in ImagesAPIViewSet.nested_default_fields if field != "download_url"),
        "thumbnail",
    ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .exclude(collection__in=private_collections())
            .prefetch_renditions(THUMBNAIL, LARGE)
        )


class PublicDocumentsAPIViewSet(ReadOnlyPublicAPI, DocumentsAPIViewSet):
    """Documents outside every private collection; their download_url is Wagtail's serve view."""

    def get_queryset(self):
        return super().get_queryset().exclude(collection__in=private_collections())


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PublicPagesAPIViewSet)
api_router.register_endpoint("images", PublicImagesAPIViewSet)
api_router.register_endpoint("documents", PublicDocumentsAPIViewSet)
