"""The blog: an index page, its posts, their tags and authors."""

import calendar
import functools
import re
import unicodedata
from datetime import date, timedelta
from html import unescape
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.aggregates import JSONBAgg
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import BigIntegerField, Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce, JSONObject
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.text import slugify
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from rest_framework.fields import ListField
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, MultipleChooserPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.images.models import SourceImageIOError
from wagtail.models import Orderable, Page, PageManager, ReferenceIndex, Site
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from broadsheet import caching
from broadsheet.pagination import paginate

from .blocks import BodyBlock, minutes_to_read
from .comments.status import public_comments
from .privacy import CachedRestrictionsMixin, PublicPageQuerySet

# Path segments the index serves itself; a post with one of these slugs could never be reached.
RESERVED_SLUGS = {"tag", "feed", "author"}
# How many posts a post's "Related reading" and "Cited by" lists show at most.
RELATED_POSTS = 4
CITED_BY_POSTS = 10
SENTENCE_ENDS = ".!?…:;\"'”’)"
BARE_URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)


@register_snippet
class Author(index.Indexed, models.Model):
    """A person who writes posts."""

    name = models.CharField(max_length=255, unique=True)
    slug = models.SlugField(
        max_length=255,
        unique=True,
        blank=True,
        help_text="The end of the author page's address (/blog/author/<slug>/); made from the name if empty.",
    )
    bio = models.TextField("short bio", blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("bio"), FieldPanel("photo")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.free_slug()
        super().save(*args, **kwargs)

    def free_slug(self):
        """A slug made from the name that no other author has ("ada-writer", else "ada-writer-2", ...)."""
        base = slugify(self.name)[:240].strip("-") or "author"
        taken = set(
            Author.objects.exclude(pk=self.pk).filter(slug__startswith=base).values_list("slug", flat=True)
        )
        slug, number = base, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        return slug


class BlogPostTag(TaggedItemBase):
    """Links a post to one of its tags (labels)."""

    content_object = ParentalKey("blog.BlogPostPage", related_name="tagged_items", on_delete=models.CASCADE)


class BlogPostAuthor(Orderable):
    """Links a post to one of its authors, in the order its byline names them."""

    post = ParentalKey("blog.BlogPostPage", related_name="post_authors", on_delete=models.CASCADE)
    author = models.ForeignKey(Author, related_name="post_links", on_delete=models.CASCADE)

    panels = [FieldPanel("author")]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["post", "author"], name="blog_post_author_once")]

    def __str__(self):
        return f"{self.author} on post {self.post_id}"


class NoPostAt(Exception):
    """No post of the blog has the slug looked up (BlogIndexPage.post_at)."""


class BlogIndexPage(CachedRestrictionsMixin, RoutablePageMixin, Page):
    """The blog's front page, and home of its tag, archive and feed routes."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    subpage_types = ["blog.BlogPostPage"]

    objects = PageManager.from_queryset(PublicPageQuerySet)()

    @classmethod
    def for_site(cls, site):
        """The blog of `site` (a Site, or None): its first live, public blog index in tree order,
        or None; kept in each process until the site scope changes. Nav, feeds links, the home
        page and search all link to this one; a post's own blog is its parent."""
        if site is None:
            return None
        return caching.remembered(
            ("site-blog", site.pk),
            lambda: cls.objects.readable().descendant_of(site.root_page, inclusive=True).first(),
        )

    @classmethod
    def for_request(cls, request):
        """The blog of the site `request` is for (see `for_site`)."""
        return cls.for_site(Site.find_for_request(request))

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["blog_index"] = self
        return context

    def get_meta_description(self):
        return self.search_description or plain_text(self.intro)

    def route(self, request, path_components):
        # Wagtail finds a child by slug and then loads its specific row: two queries. A post is
        # the only child type, so look it up as a post at once, after the index's own routes.
        if self.live and path_components:
            try:
                self.resolve_subpage("/" + "/".join(path_components) + "/")
            except Http404:
                post = self.post_at(path_components[0])
                if post is not None:
                    # A post loaded for this request only; its parent is this index.
                    post._cached_parent_obj = self
                    return post.route(request, path_components[1:])
        return super().route(request, path_components)

    def post_at(self, slug):
        """This blog's post at `slug`, with its byline, or None; live or not (Page.route refuses
        a draft). Kept until listings or the post change (publishing, unpublishing, a new slug,
        a label or author renamed): routing to a post reads one kept value instead of compiling
        and running the post's query, which cost a third of a post page."""

        def find():
            post = BlogPostPage.objects.with_byline().child_of(self).filter(slug=slug).first()
            if post is None:
                raise NoPostAt  # nothing is kept for an address that finds nothing
            return post

        try:
            return caching.cached(
                "post-at",
                find,
                scopes=[caching.LISTINGS],
                vary=(self.pk, slug),
                more_scopes=lambda post: [caching.post(post.pk)],
            )
        except NoPostAt:
            return None

    def get_posts(self):
        """Live, public posts of this blog, newest first, ready to render as cards."""
        return BlogPostPage.objects.as_cards().readable().child_of(self).order_by("-date", "-pk")

    def get_feed_posts(self):
        """Live, public posts of this blog, newest first, with their bodies and bylines (for feeds)."""
        return BlogPostPage.objects.with_byline().readable().child_of(self).order_by("-date", "-pk")

    def render_listing(self, request, posts, listing, template=None, **context):
        """A page of `posts`; `listing` names which of this blog's listings they are (its order and
        each page's cards are kept)."""
        listing = (self.pk, *listing)
        # The cards are kept (blog.cards.listing_cards): the page's rows are loaded only to make them.
        page = paginate(request, posts, settings.BLOG_POSTS_PER_PAGE, listing=listing, defer_rows=True)
        listing_page = (*listing, page.paginator.per_page, page.number)
        return self.render(
            request,
            template=template or self.get_template(request),
            context_overrides={"posts": page, "listing_page": listing_page, **context},
        )

    @staticmethod
    def tag_or_404(slug):
        """The label at `slug`, kept until listings change (a label renamed or deleted); else a 404."""
        return caching.cached(
            "label-by-slug", lambda: get_object_or_404(Tag, slug=slug), scopes=[caching.LISTINGS], vary=slug
        )

    @staticmethod
    def author_or_404(slug):
        """The author at `slug` with their photo, kept until they or the photo change; else a 404."""
        return caching.cached(
            "author-by-slug",
            lambda: get_object_or_404(Author.objects.select_related("photo"), slug=slug),
            scopes=[],
            vary=slug,
            more_scopes=author_scopes,
        )

    @path("")
    def index_view(self, request):
        return self.render_listing(request, self.get_posts(), listing=("index",))

    @path("tag/<str:tag>/")
    def tag_view(self, request, tag):
        tag = self.tag_or_404(tag)
        posts = self.get_posts().filter(tags=tag)
        return self.render_listing(
            request, posts, ("tag", tag.pk), template="blog/blog_tag_page.html", tag=tag, feed_subject=tag
        )

    @path("author/<str:slug>/")
    def author_view(self, request, slug):
        author = self.author_or_404(slug)
        # The page shows the author's name, photo and bio as well as the cards of their posts.
        caching.depends_on(request, caching.LISTINGS, caching.COMMENT_COUNTS, caching.author(author.pk))
        posts = self.get_posts().filter(post_authors__author=author)
        return self.render_listing(
            request,
            posts,
            ("author", author.pk),
            template="blog/blog_author_page.html",
            author=author,
            feed_subject=author,
            canonical_url=self.author_url(author.slug, request),
        )

    @re_path(r"^(?P<year>\d{4})/$")
    def year_view(self, request, year):
        year = int(year)
        posts = self.get_posts().filter(date__year=year)
        return self.render_listing(
            request, posts, ("year", year), template="blog/blog_archive_page.html", year=year, month=None
        )

    @re_path(r"^(?P<year>\d{4})/(?P<month>\d{2})/$")
    def month_view(self, request, year, month):
        year, month = int(year), int(month)
        if not 1 <= month <= 12:
            raise Http404("No such month")
        posts = self.get_posts().filter(date__year=year, date__month=month)
        return self.render_listing(
            request,
            posts,
            ("month", year, month),
            template="blog/blog_archive_page.html",
            year=year,
            month=date(year, month, 1),
            month_name=calendar.month_name[month],
        )

    def serve_feed(self, request, kind, subject=None):
        """The `kind` feed ("rss", "atom" or "json") of this blog, or of one label or author."""
        from . import feeds

        caching.depends_on(request, caching.LISTINGS)  # feeds show no comment counts
        return feeds.serve(request, kind, feeds.listing(self, subject))

    @path("feed/")
    def rss_view(self, request):
        return self.serve_feed(request, "rss")

    @path("feed/atom/")
    def atom_view(self, request):
        return self.serve_feed(request, "atom")

    @path("feed/json/")
    def json_view(self, request):
        return self.serve_feed(request, "json")

    @path("tag/<str:tag>/feed/")
    def tag_rss_view(self, request, tag):
        return self.serve_feed(request, "rss", self.tag_or_404(tag))

    @path("tag/<str:tag>/feed/atom/")
    def tag_atom_view(self, request, tag):
        return self.serve_feed(request, "atom", self.tag_or_404(tag))

    @path("author/<str:slug>/feed/")
    def author_rss_view(self, request, slug):
        return self.serve_feed(request, "rss", self.author_or_404(slug))

    @path("author/<str:slug>/feed/atom/")
    def author_atom_view(self, request, slug):
        return self.serve_feed(request, "atom", self.author_or_404(slug))

    def author_url(self, slug, request=None):
        """The full address of this blog's page for the author `slug`."""
        return self.get_full_url(request) + self.reverse_subpage("author_view", args=[slug])

    @path("feed/comments/")
    def comments_feed_view(self, request):
        from .comment_feed import CommentsFeed

        # New, moderated and removed comments forget comment-counts; retitled posts, listings.
        caching.depends_on(request, caching.LISTINGS, caching.COMMENT_COUNTS)
        return CommentsFeed(self)(request)


def author_scopes(author):
    """What an author's own page shows of them: their name, bio and photo."""
    return [caching.author(author.pk), *([caching.image(author.photo_id)] if author.photo_id else [])]


def link_to(post, request=None):
    """What a post page shows of another post it links to, as plain values (it is cached)."""
    return {"pk": post.pk, "title": post.title, "date": post.date, "url": post.get_url(request)}


def link_scopes(links):
    """The scopes of what a post page shows of the posts it links to (`link_to` dicts)."""
    return [caching.post_link(link["pk"]) for link in links]


def neighbour_scopes(neighbours):
    """The scopes of what a post page shows of its previous and next posts."""
    return link_scopes(link for link in neighbours.values() if link)


# Building these subquery expressions costs more than running them, so each process builds them
# once. They are never resolved themselves: `annotate` resolves a copy for each queryset.
@functools.cache
def byline_annotations():
    """A post's labels and authors, as the byline shows them, as JSON lists from correlated
    subqueries (far cheaper than prefetching them as model instances); `BlogPostPage.label_list`
    and `author_list` read them."""
    labels = (
        BlogPostTag.objects.filter(content_object_id=OuterRef("pk"))
        .order_by()
        .values("content_object_id")
        .annotate(items=JSONBAgg(JSONObject(name="tag__name", slug="tag__slug"), order_by="tag__name"))
        .values("items")
    )
    authors = (
        BlogPostAuthor.objects.filter(post_id=OuterRef("pk"))
        .order_by()
        .values("post_id")
        .annotate(
            items=JSONBAgg(
                JSONObject(name="author__name", slug="author__slug"), order_by=("sort_order", "pk")
            )
        )
        .values("items")
    )
    empty = Value([], output_field=models.JSONField())
    return {
        "label_list": Coalesce(Subquery(labels, output_field=models.JSONField()), empty),
        "author_list": Coalesce(Subquery(authors, output_field=models.JSONField()), empty),
    }


@functools.cache
def comment_count_annotations():
    """`comment_count`: how many comments readers see on a post, from a correlated subquery."""
    counts = (
        public_comments()
        .filter(
            content_type=ContentType.objects.get_for_model(BlogPostPage),
            object_pk=Cast(OuterRef("pk"), output_field=models.CharField()),
        )
        .values("object_pk")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return {"comment_count": Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))}


class BlogPostQuerySet(PublicPageQuerySet):
    """Posts, with what listings and post pages show of them fetched in the same query."""

    def with_byline(self):
        """Each post with `label_list` and `author_list` (see `byline_annotations`)."""
        return self.annotate(**byline_annotations())

    def with_comment_counts(self):
        """Each post with `comment_count`, how many comments readers see on it."""
        return self.annotate(**comment_count_annotations())

    def for_api(self):
        """Each post with what the read API shows beyond its own columns (its byline)."""
        return self.with_byline()

    def as_cards(self):
        """Each post with all its card shows (byline, comment count), without its body."""
        return self.defer_streamfields().with_byline().with_comment_counts()


class BlogPostManager(PageManager.from_queryset(BlogPostQuerySet)):
    """Posts. Resolving the byline's and comment count's subqueries against a queryset costs
    more than running them, so `with_byline()` and `as_cards()` called on the manager start
    from a queryset annotated once per process; each call narrows a copy of it."""

    def with_byline(self):
        return self.annotated("with_byline")

    def as_cards(self):
        return self.annotated("as_cards")

    def annotated(self, method):
        """A copy of all posts annotated by the queryset method `method`, annotated once."""
        kept = self.__dict__.setdefault("_annotated", {})
        if method not in kept:
            kept[method] = getattr(self.get_queryset(), method)()
        return kept[method].all()  # never the kept queryset itself: it must never hold rows


def validate_post_slug(slug):
    if slug in RESERVED_SLUGS or slug.isdigit():
        raise ValidationError(
            f"“{slug}” is used by the blog's own pages (labels, authors, feeds or archives); "
            "choose another slug."
        )


def validate_one_line_title(title):
    """A title is one line of text: it goes into email subjects, feeds and the page's <title>."""
    for position, character in enumerate(title or "", start=1):
        if unicodedata.category(character) in {"Cc", "Zl", "Zp"}:
            raise ValidationError(
                {
                    "title": f"The title must be one line: remove the line break or control character "
                    f"at position {position} (U+{ord(character):04X})."
                }
            )


class BlogPostForm(WagtailAdminPageForm):
    """The post editor's form: a post goes out under at least one author's name."""

    def clean(self):
        cleaned_data = super().clean()
        links = self.formsets.get("post_authors")
        if links is not None and links.is_valid():
            deleted = links.deleted_forms
            chosen = [f for f in links.forms if f not in deleted and f.cleaned_data.get("author")]
            if not chosen:
                self.add_error(None, "Choose at least one author for the post (Add author, under Authors).")
        return cleaned_data


class BlogPostPage(CachedRestrictionsMixin, Page):
    """One post; always the child of a BlogIndexPage."""

    date = models.DateTimeField("post date", default=timezone.now, db_index=True)
    intro = models.TextField(
        blank=True, help_text="A short summary, shown on listings and as the page description."
    )
    tags = ClusterTaggableManager(through=BlogPostTag, blank=True)
    feed_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comments_open = models.BooleanField(default=True, help_text="Readers may add comments to this post.")
    body = StreamField(BodyBlock())
    # Worked out from the body whenever it is cleaned or saved (`set_derived_fields`), so each
    # revision carries its own and listings read it as a column.
    reading_minutes = models.PositiveIntegerField("reading time (minutes)", default=1, editable=False)
    # Set by `import_blogger`: the post's id in the Blogger export and the time Blogger last changed
    # it, so a second import finds the page again and leaves it alone unless the export is newer.
    blogger_id = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    blogger_updated = models.DateTimeField(null=True, blank=True, editable=False)
    # Set by `import_wordpress`: the post's id in WordPress and a digest of what the export said
    # of it, so a second import finds the page again and leaves it alone unless the export changed it.
    wordpress_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True, editable=False)
    wordpress_digest = models.CharField(max_length=64, blank=True, editable=False)

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("date"), FieldPanel("tags")], heading="About"),
        # No min_num: it would start the list with an empty author that the chooser leaves
        # empty; BlogPostForm asks for at least one instead.
        MultipleChooserPanel("post_authors", chooser_field_name="author", heading="Authors", label="Author"),
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("feed_image"),
    ]
    settings_panels = Page.settings_panels + [FieldPanel("comments_open")]
    # Page.search_fields already holds the title with boost=2, which the PostgreSQL backend
    # keeps in its own vector: a title match outranks any number of body matches.
    search_fields = Page.search_fields + [
        index.SearchField("intro", boost=1.5),
        index.SearchField("search_body"),
        index.RelatedFields("tags", [index.SearchField("name", boost=1.5)]),
        index.RelatedFields("post_authors", [index.RelatedFields("author", [index.SearchField("name")])]),
        index.FilterField("date"),
    ]
    # What the read API (/api/v2/pages/) shows of a post; labels and authors as the byline has them.
    api_fields = [
        APIField("date"),
        APIField("intro"),
        APIField("body"),
        APIField("labels", serializer=ListField(source="label_list", read_only=True)),
        APIField("authors", serializer=ListField(source="api_authors", read_only=True)),
        APIField("reading_minutes"),
    ]
    parent_page_types = ["blog.BlogIndexPage"]
    subpage_types = []

    objects = BlogPostManager()
    base_form_class = BlogPostForm

    class Meta:
        indexes = [models.Index(fields=["-date"], name="blog_post_date_desc")]

    def clean(self):
        super().clean()
        try:
            validate_post_slug(self.slug)
        except ValidationError as error:
            raise ValidationError({"slug": error}) from error
        validate_one_line_title(self.title)
        # The editor's form and save_revision() clean the page: previews and revisions show it.
        self.set_derived_fields()

    def set_derived_fields(self):
        """Set what the post works out from its content: the reading time. Called by clean(),
        save() and blog.bulk's writer, which saves no page one at a time."""
        self.reading_minutes = minutes_to_read(self.body.raw_data)

    def save(self, *args, **kwargs):
        # Publishing a revision saves the whole page; saves of a few other fields leave it.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            self.set_derived_fields()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "reading_minutes"}
        return super().save(*args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["blog_index"] = self.get_parent().specific
        context["neighbours"] = neighbours = self.cached_neighbours(request)
        context["related_posts"] = related = self.cached_related_posts(request, neighbours)
        context["cited_by"] = cited_by = self.cached_cited_by(request)
        # The sidebar's counts and the choice of related posts are left out on purpose: publishing a
        # post elsewhere forgets only the post pages that link to it, and other post pages' sidebars
        # and related posts catch up when they expire (PAGE_CACHE_SECONDS).
        caching.depends_on(
            request,
            caching.post(self.pk),
            *neighbour_scopes(neighbours),
            *link_scopes(related),
            *link_scopes(cited_by),
        )
        context["page_structured_data"] = self.structured_data(request)
        return context

    # Queries that list posts fill these in themselves (`BlogPostQuerySet.with_byline`); a post
    # loaded another way (the admin's preview, a revision) reads its own tags and authors.
    @cached_property
    def label_list(self):
        """The post's labels as {"name", "slug"} dicts, by name."""
        return [{"name": tag.name, "slug": tag.slug} for tag in sorted(self.tags.all(), key=lambda t: t.name)]

    @cached_property
    def author_list(self):
        """The post's authors as {"name", "slug"} dicts, in the byline's order."""
        return [{"name": author.name, "slug": author.slug} for author in self.authors]

    @property
    def authors(self):
        """The post's authors in the byline's order (from the links held in memory, if any)."""
        return [link.author for link in self.post_authors.all()]

    def set_authors(self, authors):
        """Make `authors` the post's authors, in this order (saved with the page, as its other relations)."""
        self.post_authors = [BlogPostAuthor(author=author, sort_order=n) for n, author in enumerate(authors)]

    @property
    def api_authors(self):
        """The post's authors for the read API, as {"name", "slug"} dicts in byline order (as
        labels are given; the slug is the author's page and feed address)."""
        return [{"name": author["name"], "slug": author["slug"]} for author in self.author_list]

    def get_absolute_url(self):
        # django-comments-xtd redirects a reader back to the comment through this URL.
        return self.get_full_url()

    def comments_closed(self, request=None):
        """True when readers may no longer comment: switched off, or older than the site allows."""
        if not self.comments_open:
            return True
        if request is not None:
            days = CommentSettings.for_request(request).close_after_days
        else:
            days = CommentSettings.for_site(self.get_site()).close_after_days
        return bool(days) and self.date + timedelta(days=days) < timezone.now()

    def cached_neighbours(self, request):
        """`neighbours`, kept until this post or either neighbour is published, unpublished or moved."""
        host = request.get_host() if request else ""
        return caching.cached(
            "post-neighbours",
            lambda: self.neighbours(request),
            scopes=[caching.post(self.pk)],
            vary=(self.pk, host),
            timeout=settings.BLOG_SIDEBAR_CACHE_SECONDS,
            more_scopes=neighbour_scopes,
        )

    def neighbours(self, request=None):
        """The posts just before and just after this one in the same blog: {"previous", "next"},
        each None or a {"pk", "title", "url"} dict (it is cached, so plain values), in one query."""
        siblings = BlogPostPage.objects.readable().sibling_of(self, inclusive=False).defer_streamfields()
        # The bare date bound lets PostgreSQL start its index scan at this post's date; the rest
        # breaks ties between posts of the same date.
        earlier = Q(date__lte=self.date) & (Q(date__lt=self.date) | Q(date=self.date, pk__lt=self.pk))
        later = Q(date__gte=self.date) & (Q(date__gt=self.date) | Q(date=self.date, pk__gt=self.pk))
        rows = (
            siblings.filter(earlier)
            .order_by("-date", "-pk")[:1]
            .union(siblings.filter(later).order_by("date", "pk")[:1], all=True)
        )
        found = {"previous": None, "next": None}
        for post in rows:
            side = "previous" if (post.date, post.pk) < (self.date, self.pk) else "next"
            found[side] = link_to(post, request)
        return found

    def cached_related_posts(self, request, neighbours):
        """`related_posts` leaving out `neighbours`, kept until listings change (a post published,
        unpublished, re-dated or relabelled anywhere)."""
        excluded = sorted(link["pk"] for link in neighbours.values() if link)
        return caching.cached(
            "post-related",
            lambda: self.related_posts(request, excluded=excluded),
            scopes=[caching.LISTINGS],
            vary=(self.pk, request.get_host() if request else "", excluded),
            timeout=settings.BLOG_SIDEBAR_CACHE_SECONDS,
        )

    def related_posts(self, request=None, excluded=()):
        """Up to RELATED_POSTS other readable posts of this blog sharing labels with this one, as
        `link_to` dicts, in one query: the most labels in common first, then the newest. Never
        this post, nor the posts in `excluded` (its previous and next, linked already)."""
        if not self.label_list:
            return []
        own_labels = BlogPostTag.objects.filter(content_object_id=self.pk).values("tag_id")
        posts = (
            BlogPostPage.objects.readable()
            .sibling_of(self, inclusive=False)
            .exclude(pk__in=excluded)
            .filter(tagged_items__tag_id__in=own_labels)
            .annotate(shared_labels=Count("tagged_items"))
            .defer_streamfields()
            .order_by("-shared_labels", "-date", "-pk")[:RELATED_POSTS]
        )
        return [link_to(post, request) for post in posts]

    def cached_cited_by(self, request):
        """`cited_by`, kept until this post changes, one of the posts listed is published,
        unpublished or deleted, or Wagtail's reference index records new links to this post
        (blog/signals.py)."""
        return caching.cached(
            "post-cited-by",
            lambda: self.cited_by(request),
            scopes=[caching.post(self.pk)],
            vary=(self.pk, request.get_host() if request else ""),
            timeout=settings.BLOG_SIDEBAR_CACHE_SECONDS,
            more_scopes=link_scopes,
        )

    def cited_by(self, request=None):
        """Up to CITED_BY_POSTS readable posts dated after this one whose body links to it, newest
        first, as `link_to` dicts, in one query. The links are those Wagtail's reference index
        holds: page links in rich text, as the editor and the Blogger import write them."""
        page_type = ContentType.objects.get_for_model(Page)
        citing = (
            ReferenceIndex.objects.filter(
                base_content_type=page_type,
                to_content_type=page_type,
                to_object_id=str(self.pk),
                model_path__startswith="body.",
            )
            .annotate(citing_id=Cast("object_id", output_field=BigIntegerField()))
            .values("citing_id")
        )
        posts = (
            BlogPostPage.objects.readable()
            .filter(pk__in=citing, date__gt=self.date)
            .defer_streamfields()
            .order_by("-date", "-pk")[:CITED_BY_POSTS]
        )
        return [link_to(post, request) for post in posts]

    def get_meta_description(self):
        return self.search_description or " ".join(self.intro.split())

    def search_body(self):
        """The body's words for the search index and its snippets, one block after another."""
        # The search backend asks once for each vector it builds: work them out once per body.
        memo = self.__dict__.get("_search_body_memo")
        if memo is not None and memo[0] is self.body:
            return memo[1]
        text = self.body_words()
        self.__dict__["_search_body_memo"] = (self.body, text)
        return text

    def body_words(self):
        parts = (" ".join(part.split()) for part in self.body.stream_block.get_searchable_content(self.body))
        # Addresses (a quotation's source URL, an image's link) are not prose a reader searches for.
        parts = [part for part in parts if part and not BARE_URL.fullmatch(part)]
        # A heading or a quotation's source has no full stop; give it one so a snippet reads as prose.
        return " ".join(part if part[-1] in SENTENCE_ENDS else f"{part}." for part in parts)

    def share_image(self, root_url):
        """The image this post's share card shows (as `image_card` gives it): its feed image, else
        the first image in its body; {} when it has neither."""
        if self.feed_image_id:
            return image_card(self.feed_image_id, SHARE_IMAGE_SPEC, root_url)
        for block in self.body.raw_data:
            if block["type"] == "image" and block["value"].get("image"):
                value = block["value"]
                return image_card(value["image"], SHARE_IMAGE_SPEC, root_url, value.get("alt_text") or "")
        return {}

    def structured_data(self, request):
        """The post as schema.org BlogPosting, for search engines (rendered as JSON-LD)."""
        defaults = share_defaults(request)
        image = self.share_image(defaults["root_url"]) or defaults["image"]
        logo = defaults["logo"]
        url = self.get_full_url(request)
        blog = self.get_parent().specific
        data = {
            "@context": "https://schema.org",
            "@type": "BlogPosting",
            "headline": self.seo_title or self.title,
            "url": url,
            "mainEntityOfPage": url,
            "datePublished": self.date.isoformat(),
            "author": [
                {"@type": "Person", "name": author["name"], "url": blog.author_url(author["slug"], request)}
                for author in self.author_list
            ],
            "image": [image_object(image)],
            "publisher": {
                "@type": "Organization",
                "name": settings.WAGTAIL_SITE_NAME,
                "url": f"{defaults['root_url']}/",
                "logo": image_object(logo),
            },
            "keywords": [tag["name"] for tag in self.label_list],
        }
        if self.last_published_at:
            data["dateModified"] = self.last_published_at.isoformat()
        if description := self.get_meta_description():
            data["description"] = description
        return data


class StaticPage(CachedRestrictionsMixin, Page):
    """A page outside the blog's stream of posts ("About", "Contact"), like a Blogger page."""

    body = StreamField(BodyBlock(), blank=True)
    # Set by `import_blogger` and `import_wordpress`, as on BlogPostPage.
    blogger_id = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    blogger_updated = models.DateTimeField(null=True, blank=True, editable=False)
    wordpress_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True, editable=False)
    wordpress_digest = models.CharField(max_length=64, blank=True, editable=False)

    content_panels = Page.content_panels + [FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("body")]
    subpage_types = []

    objects = PageManager.from_queryset(PublicPageQuerySet)()

    @classmethod
    def menu_for_site(cls, site):
        """The pages of `site` shown in its main navigation, as {"title", "url"} dicts: its root's
        live, public static pages marked "show in menus", in tree order; kept in each process until
        the site scope changes (publishing or moving a page does)."""
        if site is None:
            return []

        def load():
            pages = cls.objects.readable().child_of(site.root_page).filter(show_in_menus=True)
            return [{"title": page.title, "url": page.get_url(current_site=site)} for page in pages]

        return caching.remembered(("site-menu", site.pk), load)

    def get_meta_description(self):
        return self.search_description


def image_object(card):
    """An image as `image_card` gives it, as a schema.org ImageObject."""
    return {"@type": "ImageObject", "url": card["url"], "width": card["width"], "height": card["height"]}


class BloggerComment(models.Model):
    """Remembers which reader comment a Blogger comment was imported as, so it is imported once."""

    blogger_id = models.CharField(max_length=64, unique=True)
    comment = models.OneToOneField(
        "django_comments_xtd.XtdComment", on_delete=models.CASCADE, related_name="blogger_source"
    )

    def __str__(self):
        return f"Blogger comment {self.blogger_id}"


class WordPressComment(models.Model):
    """Remembers which reader comment a WordPress comment was imported as, so it is imported once.
    WordPress numbers comments per site: the id is kept with the site's address, "host/id"."""

    wordpress_id = models.CharField(max_length=255, unique=True)
    comment = models.OneToOneField(
        "django_comments_xtd.XtdComment", on_delete=models.CASCADE, related_name="wordpress_source"
    )

    def __str__(self):
        return f"WordPress comment {self.wordpress_id}"


class CachedSiteSetting(BaseSiteSetting):
    """A site setting every page reads, so read from the value cache; saving it forgets the
    site scope (blog/signals.py)."""

    class Meta:
        abstract = True

    @classmethod
    def for_site(cls, site):
        """The site's settings, or the defaults (unsaved) when they were never saved; kept until
        the site scope changes."""
        site_id = getattr(site, "pk", site)
        return caching.cached(
            cls._meta.model_name,
            lambda: cls.objects.filter(site_id=site_id).first() or cls(site_id=site_id),
            scopes=[caching.SITE],
            vary=site_id,
        )


@register_setting(icon="comment")
class CommentSettings(CachedSiteSetting):
    """How reader comments are closed, held for moderation and checked for spam on one site."""

    close_after_days = models.PositiveIntegerField(
        "close comments after (days)",
        default=0,
        help_text="Posts older than this stop taking comments; 0 keeps them open for ever.",
    )
    hold_first_comments = models.BooleanField(
        "hold first-time commenters",
        default=True,
        help_text="Hold a comment for moderation unless its email address already has an approved comment.",
    )
    max_links = models.PositiveIntegerField(
        "links allowed before holding",
        default=2,
        help_text="A comment with more links than this waits for moderation.",
    )
    notify_moderators = models.BooleanField(
        "email moderators about held comments",
        default=True,
        help_text="Moderators are the active users with an email address allowed to change comments.",
    )

    panels = [
        FieldPanel("close_after_days"),
        FieldPanel("hold_first_comments"),
        FieldPanel("max_links"),
        FieldPanel("notify_moderators"),
    ]

    class Meta:
        verbose_name = "comment settings"


# The images Broadsheet ships (broadsheet/static/img/), for a site that has chosen none.
BUILT_IN_SHARE_IMAGE = {"path": "img/share.png", "width": 1200, "height": 630}
BUILT_IN_LOGO = {"path": "img/logo.png", "width": 512, "height": 512}
SHARE_IMAGE_SPEC = "fill-1200x630"
LOGO_SPEC = "max-600x600"
SOCIAL_HANDLE = re.compile(r"@?[A-Za-z0-9_]{1,15}")


def optional_image(help_text):
    """A choice of one image that may be left empty (and is emptied when the image is deleted)."""
    return models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=help_text,
    )


@register_setting(icon="image")
class ShareSettings(CachedSiteSetting):
    """What share cards and search engines show of the site: its default image, logo and X account."""

    default_image = optional_image(
        "Shown when a page is shared and has no image of its own (a post's feed image, else the first "
        "image in its body), cropped to 1200×630. Left empty, Broadsheet's own is used."
    )
    logo = optional_image(
        "The publisher's logo that search engines show with posts. Left empty, Broadsheet's mark is used."
    )
    social_handle = models.CharField(
        "X (Twitter) account",
        max_length=16,
        blank=True,
        help_text="The site's account, e.g. @harbourledger, named on share cards. Left empty, none is named.",
    )

    panels = [FieldPanel("default_image"), FieldPanel("logo"), FieldPanel("social_handle")]

    class Meta:
        verbose_name = "share cards"

    def clean(self):
        super().clean()
        handle = self.social_handle.strip()
        if handle and not SOCIAL_HANDLE.fullmatch(handle):
            message = "An account name is 1 to 15 letters, digits or underscores, with or without an @."
            raise ValidationError({"social_handle": message})
        self.social_handle = f"@{handle.lstrip('@')}" if handle else ""

    def defaults(self, site, root_url):
        """What a page without its own takes from the site: {"root_url", "description", "image",
        "logo", "handle"}, the images as `image_card` gives them."""
        name = settings.WAGTAIL_SITE_NAME
        built_in_alt = f"The {name} mark, a letter B on a dark square"
        image = self.default_image_id and image_card(self.default_image_id, SHARE_IMAGE_SPEC, root_url)
        logo = self.logo_id and image_card(self.logo_id, LOGO_SPEC, root_url, alt=f"{name} logo")
        description = caching.remembered(
            ("site-description", getattr(site, "pk", None)), lambda: site_description(site)
        )
        return {
            "root_url": root_url,
            "description": description,
            "image": image or built_in_card(BUILT_IN_SHARE_IMAGE, root_url, built_in_alt),
            "logo": logo or built_in_card(BUILT_IN_LOGO, root_url, f"{name} logo"),
            "handle": self.social_handle,
        }


def share_defaults(request):
    """`ShareSettings.defaults` for the site `request` is for, worked out once per request."""
    found = getattr(request, "_share_defaults", None)
    if found is None:
        site = Site.find_for_request(request)
        root_url = site.root_url if site is not None else request.build_absolute_uri("/").rstrip("/")
        found = request._share_defaults = ShareSettings.for_request(request).defaults(site, root_url)
    return found


def site_description(site):
    """The description of a page that has none: the home page's search description, else the
    blog's; else the home page's intro, else the blog's."""
    if site is None:
        return ""
    pages = [page for page in (site.root_page.specific, BlogIndexPage.for_site(site)) if page is not None]
    texts = [page.search_description for page in pages]
    texts += [plain_text(getattr(page, "intro", "")) for page in pages]
    return next((text for text in texts if text), "")


def plain_text(html):
    """Rich text as one line of plain text."""
    return " ".join(unescape(strip_tags(html or "")).split())


def absolute_url(root_url, url):
    """`url` (a path, or an address a storage gave) made absolute on the site at `root_url`."""
    return urljoin(f"{root_url}/", url)


def image_card(image_id, spec, root_url, alt=""):
    """Image `image_id` as a share card shows it: {"url", "width", "height", "alt"} of its `spec`
    rendition at an absolute address, or {} when the image or its file is gone. Kept until the
    image changes."""

    def compute():
        image = get_image_model().objects.filter(pk=image_id).first()
        if image is None:
            return {}
        try:
            rendition = image.get_rendition(spec)
        except SourceImageIOError:
            return {}
        return {
            "url": absolute_url(root_url, rendition.url),
            "width": rendition.width,
            "height": rendition.height,
            "alt": alt or image.default_alt_text,
        }

    return caching.cached(
        "share-image", compute, scopes=[caching.image(image_id)], vary=(image_id, spec, root_url, alt)
    )


def built_in_card(image, root_url, alt):
    # Not cached: a static file's address changes with each release (hashed names).
    return {
        "url": absolute_url(root_url, static(image["path"])),
        "width": image["width"],
        "height": image["height"],
        "alt": alt,
    }


class CommentReview(models.Model):
    """Moderation facts about one comment that XtdComment has no field for: spam, and why it was held."""

    comment = models.OneToOneField(
        "django_comments_xtd.XtdComment", primary_key=True, on_delete=models.CASCADE, related_name="review"
    )
    spam = models.BooleanField(default=False, db_index=True)
    held_because = models.CharField(max_length=255, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # What the reader's browser sent with the comment, kept (when Akismet checks comments) so a
    # moderator's verdict reaches Akismet with what it was told when the comment was checked.
    user_agent = models.CharField(max_length=512, blank=True)
    referrer = models.CharField(max_length=512, blank=True)

    def __str__(self):
        return f"Review of comment {self.comment_id}"


class ImportStatus(models.TextChoices):
    """Where an export uploaded in the admin is on its way in."""

    CHECKING = "checking", "Checking"
    CHECKED = "checked", "Ready to import"
    IMPORTING = "importing", "Importing"
    FINISHED = "finished", "Imported"
    FAILED = "failed", "Failed"
    DISCARDED = "discarded", "Discarded"


# A site has at most one import in one of these states (BloggerImport's constraint).
ACTIVE_IMPORT_STATUSES = [ImportStatus.CHECKING, ImportStatus.IMPORTING]


class BackgroundJob(models.Model):
    """What an import and an export run by a task both keep: where it is (its stage and percent,
    written by blog.progress.ProgressRecorder), its file, who asked, and when it last reported."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    # Where the file is kept in the default storage's private folder; "" when there is none.
    file = models.CharField(max_length=255, blank=True)
    size = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def finish(self, status, **fields):
        """Save the job as ended with `status`, setting `fields` too."""
        self.status = status
        self.updated_at = self.finished_at = timezone.now()
        for name, value in fields.items():
            setattr(self, name, value)
        self.save()


class BloggerImport(BackgroundJob):
    """One export (Blogger's or WordPress's) on its way into a site: checked by a dry run, then
    imported by a task. Its file is an upload (in blogger-imports/), "" for a file named on the
    command line or once the file is removed."""

    # None: the site has no blog yet, and the import creates its home page and blog.
    blog_index = models.ForeignKey(
        "blog.BlogIndexPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.CHECKING)
    original_name = models.CharField(max_length=255, blank=True)
    fetch_images = models.BooleanField(default=False)
    from_command_line = models.BooleanField(default=False)
    check_summary = models.JSONField(null=True, blank=True)
    summary = models.JSONField(null=True, blank=True)
    # The old blog's address as the export gives it, for `blogger_exit_theme`.
    blog_url = models.URLField(max_length=255, blank=True)

    class Meta(BackgroundJob.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["site"],
                condition=Q(status__in=ACTIVE_IMPORT_STATUSES),
                name="blog_one_blogger_import_at_a_time",
            )
        ]
        permissions = [("import_blogger", "Can import a Blogger or WordPress export")]

    def __str__(self):
        return f"Import {self.pk} ({self.get_status_display()})"


class ExportStatus(models.TextChoices):
    """Where an export asked for in the admin is."""

    QUEUED = "queued", "Waiting for the worker"
    RUNNING = "running", "Being written"
    FINISHED = "finished", "Ready to download"
    FAILED = "failed", "Failed"


class SiteExport(BackgroundJob):
    """One export of a whole site as a WordPress file (WXR), written by a task for download. Its
    file is in site-exports/, "" until written."""

    status = models.CharField(max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    counts = models.JSONField(null=True, blank=True)

    class Meta(BackgroundJob.Meta):
        permissions = [("export_site", "Can export the whole site, commenters' addresses included")]

    def __str__(self):
        return f"Site export {self.pk} ({self.get_status_display()})"
