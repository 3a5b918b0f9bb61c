"""What each change forgets: the one place that turns changes into cache scopes and CDN purges.

Scopes (broadsheet/caching/scopes.py): a comment forgets its post's page and the comment counts
on listings; publishing, unpublishing, moving or deleting a post forgets the listings, its page
and the post pages whose previous/next links change (blog/changes.py); renaming or deleting an
author or a label forgets the listings and the pages of the posts that show it, and any change
to an author their own page; an embed the worker has looked up forgets the pages of the posts
that show it; once Wagtail's reference index has recorded a post's links, the pages it links to
and those listing it (their "Cited by") are forgotten; editing an image forgets the share cards
kept of it; anything else a reader sees on every page (sites, private sections, moves, the home
page and blog indexes, comment rules, share card settings) forgets everything.
"""

import json

import django_comments
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django_tasks import TaskResultStatus
from django_tasks.signals import task_finished
from taggit.models import Tag
from wagtail.contrib.frontend_cache.utils import PurgeBatch
from wagtail.embeds.models import Embed
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, ReferenceIndex, Site
from wagtail.signals import page_published, page_unpublished, post_page_move
from wagtail.tasks import update_reference_index_task

from broadsheet import caching

from .changes import PostChange
from .models import Author, BlogPostPage, CommentReview, CommentSettings, ShareSettings

Comment = django_comments.get_model()


def post_changed(change):
    caching.forget(*change.scopes())
    if settings.WAGTAILFRONTENDCACHE:
        urls = change.urls()
        transaction.on_commit(lambda: PurgeBatch(urls).purge())


@receiver(page_published)
@receiver(page_unpublished)
def page_changed(sender, instance, **kwargs):
    if isinstance(instance, BlogPostPage):
        post_changed(PostChange(instance, listed=True))
    else:
        # The home page and blog indexes show in every page's navigation, titles and intros.
        caching.forget(caching.SITE)


@receiver(post_delete, sender=BlogPostPage)
def post_deleted(sender, instance, **kwargs):
    # The pages that linked to it depend on its post_link scope; nothing links to it now.
    caching.forget(caching.LISTINGS, caching.post(instance.pk), caching.post_link(instance.pk))


@receiver(post_delete, sender=Page)
def page_deleted(sender, instance, **kwargs):
    if instance.specific_class is not BlogPostPage:  # a post's own delete signal says what it touched
        caching.forget(caching.SITE)


@receiver(post_page_move)
@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
@receiver(post_save, sender=CommentSettings)
@receiver(post_save, sender=ShareSettings)
def site_changed(sender, **kwargs):
    # Moves carry pages into or out of private sections and change their URLs; private sections,
    # host names and site roots decide what each request is served; comment rules are on every
    # post, and share cards on every page.
    caching.forget(caching.SITE)


@receiver(post_save, sender=get_image_model())
@receiver(post_delete, sender=get_image_model())
def image_changed(sender, instance, **kwargs):
    # A new file or focal point means new renditions; share cards keep their addresses.
    caching.forget(caching.image(instance.pk))


@receiver(post_save, sender=Comment)
@receiver(post_delete, sender=Comment)
@receiver(post_save, sender=CommentReview)
def comment_changed(sender, instance, **kwargs):
    comment = instance.comment if isinstance(instance, CommentReview) else instance
    if (
        comment.content_type_id != ContentType.objects.get_for_model(BlogPostPage).pk
        or not str(comment.object_pk).isdigit()
    ):
        return  # not a comment on a post
    post = BlogPostPage(pk=int(comment.object_pk))
    if settings.WAGTAILFRONTENDCACHE:
        post = BlogPostPage.objects.live().filter(pk=post.pk).first()
        if post is None:
            return
    post_changed(PostChange(post, listed=False))


@receiver(pre_save, sender=Embed)
def remember_embed_html(sender, instance, **kwargs):
    """Keep the HTML the stored embed had as `_html_before_save` (None for a new one)."""
    instance._html_before_save = (
        sender.objects.filter(pk=instance.pk).values_list("html", flat=True).first() if instance.pk else None
    )


@receiver(post_save, sender=Embed)
def embed_stored(sender, instance, **kwargs):
    """A looked-up embed (blog/embeds.py) replaces the link the posts that show it showed meanwhile.

    Only when what the posts show changes: Wagtail saves a looked-up embed twice (the second
    time for its look-up time alone), and each forgetting searches every post's body."""
    if getattr(instance, "_html_before_save", None) == instance.html:
        return
    quoted = json.dumps(instance.url)[1:-1]  # as the URL is spelled inside the body's JSON
    posts = BlogPostPage.objects.live().annotate(text=Cast("body", TextField())).filter(text__contains=quoted)
    for post in posts.defer_streamfields():
        post_changed(PostChange(post, listed=False))


@receiver(pre_save, sender=Author)
@receiver(pre_save, sender=Tag)
def remember_old_name(sender, instance, **kwargs):
    """Keep the name and slug being replaced as `_name_before_save` and `_slug_before_save`
    (search/signals.py reindexes by the name too)."""
    row = sender.objects.filter(pk=instance.pk).values_list("name", "slug").first() if instance.pk else None
    instance._name_before_save, instance._slug_before_save = row or (None, None)


@receiver(post_save, sender=Author)
@receiver(post_save, sender=Tag)
def name_changed(sender, instance, created, **kwargs):
    """Bylines, label lists, feeds and search facets show the name and link to the slug; an
    author's own page shows their photo and bio as well."""
    if created:
        return
    if sender is Author:
        caching.forget(caching.author(instance.pk))
    before = getattr(instance, "_name_before_save", None), getattr(instance, "_slug_before_save", None)
    if before[0] is None or before == (instance.name, instance.slug):
        return
    forget_posts_showing(sender, instance)


@receiver(pre_delete, sender=Author)
def author_deleted(sender, instance, **kwargs):
    # Read before the delete takes the author's links to their posts with it.
    caching.forget(caching.author(instance.pk))
    forget_posts_showing(sender, instance)


@receiver(pre_delete, sender=Tag)
def label_deleted(sender, instance, **kwargs):
    # Read before the delete takes the label off its posts; its own page is a listing.
    forget_posts_showing(sender, instance)


def forget_posts_showing(sender, instance):
    """Forget the listings and the pages of the posts whose byline or labels show `instance`."""
    relation = "post_authors__author" if sender is Author else "tags"
    posts = BlogPostPage.objects.filter(**{relation: instance}).values_list("pk", flat=True)
    caching.forget(caching.LISTINGS, *(caching.post(pk) for pk in posts))


@receiver(task_finished)
def references_indexed(sender, task_result, **kwargs):
    """Wagtail records a saved page's links in its reference index in a task, which the worker may
    run after the publish's own forgetting; a post's "Cited by" is read from that index.

    The pages listing the post (which depend on its post_link scope) may have lost a link, and
    the pages it links to now may have gained one.
    """
    if (
        task_result.task.module_path != update_reference_index_task.module_path
        or task_result.status != TaskResultStatus.SUCCESSFUL
        or tuple(task_result.args[:2]) != (BlogPostPage._meta.app_label, BlogPostPage._meta.model_name)
    ):
        return
    post_id = task_result.args[2]
    page_type = ContentType.objects.get_for_model(Page)
    cited = ReferenceIndex.objects.filter(
        base_content_type=page_type,
        object_id=post_id,
        to_content_type=page_type,
        model_path__startswith="body.",
    ).values_list("to_object_id", flat=True)
    caching.forget(caching.post_link(int(post_id)), *(caching.post(int(pk)) for pk in set(cited)))
