"""The blog: an index page, its posts, their tags and authors."""

import calendar
import functools
import re
import unicodedata
from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.aggregates import JSONBAgg
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce, JSONObject
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import cached_property
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageManager, Site
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from broadsheet import caching
from broadsheet.pagination import paginate

from .blocks import BodyBlock
from .comments.status import public_comments
from .privacy import CachedRestrictionsMixin, PublicPageQuerySet

# Path segments the index serves itself; a post with one of these slugs could never be reached.
RESERVED_SLUGS = {"tag", "feed"}
SENTENCE_ENDS = ".!?…:;\"'”’)"
BARE_URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)


@register_snippet
class Author(index.Indexed, models.Model):
    """A person who writes posts."""

    name = models.CharField(max_length=255, unique=True)
    bio = models.TextField("short bio", blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    panels = [FieldPanel("name"), FieldPanel("bio"), FieldPanel("photo")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class BlogPostTag(TaggedItemBase):
    """Links a post to one of its tags (labels)."""

    content_object = ParentalKey("blog.BlogPostPage", related_name="tagged_items", on_delete=models.CASCADE)


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

    def route(self, request, path_components):
        # Wagtail finds a child by slug and then loads its specific row: two queries. A post is
        # the only child type, so look it up as a post at once, after the index's own routes.
        if self.live and path_components:
            try:
                self.resolve_subpage("/" + "/".join(path_components) + "/")
            except Http404:
                posts = BlogPostPage.objects.with_byline().child_of(self)
                post = posts.filter(slug=path_components[0]).first()
                if post is not None:
                    # A post loaded for this request only; its parent is this index.
                    post._cached_parent_obj = self
                    return post.route(request, path_components[1:])
        return super().route(request, path_components)

    def get_posts(self):
        """Live, public posts of this blog, newest first, ready to render as cards."""
        return BlogPostPage.objects.readable().child_of(self).as_cards().order_by("-date", "-pk")

    def render_listing(self, request, posts, listing, template=None, **context):
        """A page of `posts`; `listing` names which of this blog's listings they are (its order is kept)."""
        page = paginate(request, posts, settings.BLOG_POSTS_PER_PAGE, listing=(self.pk, *listing))
        return self.render(
            request,
            template=template or self.get_template(request),
            context_overrides={"posts": page, **context},
        )

    @path("")
    def index_view(self, request):
        return self.render_listing(request, self.get_posts(), listing=("index",))

    @path("tag/<str:tag>/")
    def tag_view(self, request, tag):
        tag = get_object_or_404(Tag, slug=tag)
        posts = self.get_posts().filter(tags=tag)
        return self.render_listing(
            request, posts, ("tag", tag.pk), template="blog/blog_tag_page.html", tag=tag, noun=tag.name
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

    @path("feed/")
    def rss_view(self, request):
        from .feeds import RssFeed

        caching.depends_on(request, caching.LISTINGS)  # feeds show no comment counts
        return RssFeed(self)(request)

    @path("feed/atom/")
    def atom_view(self, request):
        from .feeds import AtomFeed

        caching.depends_on(request, caching.LISTINGS)
        return AtomFeed(self)(request)

    @path("feed/comments/")
    def comments_feed_view(self, request):
        from .feeds import CommentsFeed

        # New, moderated and removed comments forget comment-counts; retitled posts, listings.
        caching.depends_on(request, caching.LISTINGS, caching.COMMENT_COUNTS)
        return CommentsFeed(self)(request)


def neighbour_scopes(neighbours):
    """The scopes of what a post page shows of its previous and next posts."""
    return [caching.post_link(link["pk"]) for link in neighbours.values() if link]


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
        BlogPostPage.authors.through.objects.filter(blogpostpage_id=OuterRef("pk"))
        .order_by()
        .values("blogpostpage_id")
        .annotate(items=JSONBAgg(JSONObject(name="author__name"), order_by="author__name"))
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

    def as_cards(self):
        """Each post with all its card shows (byline, comment count), without its body."""
        return self.defer_streamfields().with_byline().with_comment_counts()


def validate_post_slug(slug):
    if slug in RESERVED_SLUGS or slug.isdigit():
        raise ValidationError(
            f"“{slug}” is used by the blog's own pages (tags, feeds or archives); choose another slug."
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


class BlogPostPage(CachedRestrictionsMixin, Page):
    """One post; always the child of a BlogIndexPage."""

    date = models.DateTimeField("post date", default=timezone.now, db_index=True)
    intro = models.TextField(
        blank=True, help_text="A short summary, shown on listings and as the page description."
    )
    authors = ParentalManyToManyField("blog.Author", related_name="posts")
    tags = ClusterTaggableManager(through=BlogPostTag, blank=True)
    feed_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comments_open = models.BooleanField(default=True, help_text="Readers may add comments to this post.")
    body = StreamField(BodyBlock())
    # Set by `import_blogger`: the post's id in the Blogger export and the time Blogger last changed
    # it, so a second import finds the page again and leaves it alone unless the export is newer.
    blogger_id = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    blogger_updated = models.DateTimeField(null=True, blank=True, editable=False)

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("date"), FieldPanel("authors"), FieldPanel("tags")], heading="About"),
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
        index.RelatedFields("authors", [index.SearchField("name")]),
        index.FilterField("date"),
    ]
    parent_page_types = ["blog.BlogIndexPage"]
    subpage_types = []

    objects = PageManager.from_queryset(BlogPostQuerySet)()

    class Meta:
        indexes = [models.Index(fields=["-date"], name="blog_post_date_desc")]

    def clean(self):
        super().clean()
        try:
            validate_post_slug(self.slug)
        except ValidationError as error:
            raise ValidationError({"slug": error}) from error
        validate_one_line_title(self.title)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["blog_index"] = self.get_parent().specific
        context["neighbours"] = neighbours = self.cached_neighbours(request)
        # The sidebar's counts are left out on purpose: publishing a post elsewhere forgets only the
        # post pages whose previous/next links change, and other post pages' sidebars catch up
        # when they expire (PAGE_CACHE_SECONDS).
        caching.depends_on(request, caching.post(self.pk), *neighbour_scopes(neighbours))
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
        """The post's authors as {"name"} dicts, by name."""
        return [{"name": author.name} for author in self.authors.all()]

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
            found[side] = {"pk": post.pk, "title": post.title, "url": post.get_url(request)}
        return found

    def get_meta_description(self):
        return self.search_description or self.intro

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

    def structured_data(self, request=None):
        """The post as schema.org BlogPosting, for search engines (rendered as JSON-LD)."""
        url = self.get_full_url(request)
        data = {
            "@context": "https://schema.org",
            "@type": "BlogPosting",
            "headline": self.seo_title or self.title,
            "url": url,
            "mainEntityOfPage": url,
            "datePublished": self.date.isoformat(),
            "author": [{"@type": "Person", "name": author["name"]} for author in self.author_list],
            "publisher": {"@type": "Organization", "name": settings.WAGTAIL_SITE_NAME},
            "keywords": [tag["name"] for tag in self.label_list],
        }
        if self.last_published_at:
            data["dateModified"] = self.last_published_at.isoformat()
        if description := self.get_meta_description():
            data["description"] = description
        if self.feed_image:
            data["image"] = self.feed_image.get_rendition("fill-1200x630").full_url
        return data


class StaticPage(CachedRestrictionsMixin, Page):
    """A page outside the blog's stream of posts ("About", "Contact"), like a Blogger page."""

    body = StreamField(BodyBlock(), blank=True)
    # Set by `import_blogger`, as on BlogPostPage.
    blogger_id = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    blogger_updated = models.DateTimeField(null=True, blank=True, editable=False)

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


class BloggerComment(models.Model):
    """Remembers which reader comment a Blogger comment was imported as, so it is imported once."""

    blogger_id = models.CharField(max_length=64, unique=True)
    comment = models.OneToOneField(
        "django_comments_xtd.XtdComment", on_delete=models.CASCADE, related_name="blogger_source"
    )

    def __str__(self):
        return f"Blogger comment {self.blogger_id}"


@register_setting(icon="comment")
class CommentSettings(BaseSiteSetting):
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

    @classmethod
    def for_site(cls, site):
        """The site's settings, or the defaults (unsaved) when they were never saved; kept until
        the site scope changes (saving them does), as every post page reads them."""
        site_id = getattr(site, "pk", site)
        return caching.cached(
            "comment-settings",
            lambda: cls.objects.filter(site_id=site_id).first() or cls(site_id=site_id),
            scopes=[caching.SITE],
            vary=site_id,
        )


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


class BloggerImport(models.Model):
    """One Blogger export on its way into a site: checked by a dry run, then imported by a task."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    # None: the site has no blog yet, and the import creates its home page and blog.
    blog_index = models.ForeignKey(
        "blog.BlogIndexPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.CHECKING)
    stage = models.CharField(max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    # Where the upload is kept (in the default storage's private blogger-imports/ folder); "" for a
    # file named on the command line, or once the file is removed.
    file = models.CharField(max_length=255, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    size = models.BigIntegerField(default=0)
    fetch_images = models.BooleanField(default=False)
    from_command_line = models.BooleanField(default=False)
    check_summary = models.JSONField(null=True, blank=True)
    summary = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    # The old blog's address as the export gives it, for `blogger_exit_theme`.
    blog_url = models.URLField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["site"],
                condition=Q(status__in=ACTIVE_IMPORT_STATUSES),
                name="blog_one_blogger_import_at_a_time",
            )
        ]
        permissions = [("import_blogger", "Can import a Blogger export")]

    def __str__(self):
        return f"Blogger import {self.pk} ({self.get_status_display()})"
