"""Puput's side of `make bench-peer`: seed its blog from shape.py, and report what it holds.

Run from this folder with Puput's virtual environment and PUPUT_DATABASE_URL (bench/peer.py does):

    python seed_puput.py seed --posts 2000   # on a migrated, empty database
    python seed_puput.py report              # JSON: counts and the paths to measure

Posts are added as Puput's editors add them: the blog from Puput's own `puput_initial_data`,
then each post created, saved as a revision and published (what the admin's "Publish" does),
and its comments saved one by one through XtdComment.save(), as the comment form does.
"""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "puput_site.settings")

import django

django.setup()

import shape  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.contrib.sites.models import Site as DjangoSite  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django_comments_xtd.models import XtdComment  # noqa: E402
from puput.models import BlogPage, EntryPage, Tag, TagEntryPage  # noqa: E402


def seed(count):
    if not BlogPage.objects.exists():
        call_command("puput_initial_data")
    blog = BlogPage.objects.get()
    blog.description = "Notes from a river-mouth town: its council, its harbour and its weather."
    blog.display_comments = True
    blog.save_revision().publish()
    DjangoSite.objects.filter(pk=settings.SITE_ID).update(domain="127.0.0.1", name="Puput blog")
    users = {}
    for name in shape.AUTHORS:
        first, last = name.split(" ", 1)
        users[name] = get_user_model().objects.get_or_create(
            username=first.lower() + last.lower(), defaults={"first_name": first, "last_name": last}
        )[0]
    tags = {
        name: Tag.objects.get_or_create(slug=shape.slugify(name), defaults={"name": name})[0]
        for name in shape.labels(shape.LABELS)
    }
    content_type = ContentType.objects.get_for_model(EntryPage)
    for number, post in enumerate(shape.blog(count), start=1):
        with transaction.atomic():
            entry = EntryPage(
                title=post.title,
                slug=post.slug,
                body=post.html(),
                excerpt=f"<p>{post.intro}</p>",
                date=post.date,
                owner=users[post.author],
                live=False,
            )
            entry.tags.add(*(tags[label] for label in post.labels))
            blog.add_child(instance=entry)
            entry.save_revision(user=entry.owner).publish()
            EntryPage.objects.filter(pk=entry.pk).update(
                first_published_at=post.date, last_published_at=post.date, num_comments=len(post.comments)
            )
            for comment in post.comments:
                XtdComment(
                    content_type=content_type,
                    object_pk=str(entry.pk),
                    site_id=settings.SITE_ID,
                    user_name=comment.name,
                    user_email=comment.email,
                    comment=comment.text,
                    submit_date=comment.submitted,
                    is_public=True,
                ).save()
        if number % 200 == 0:
            print(f"Puput: {number} of {count} posts", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def report():
    blog = BlogPage.objects.get()
    content_type = ContentType.objects.get_for_model(EntryPage)

    def urls(post):
        # Puput's own address for a post, as its templates link it.
        post_url = f"{blog.url}{post.date:%Y/%m/%d}/{post.slug}/"
        return blog.url, post_url, f"{blog.url}{post.date:%Y/%m}/", f"{blog.url}search/", f"{blog.url}feed/"

    return shape.report(
        EntryPage.objects.live().child_of(blog),
        Tag.objects.all(),
        "puput_tagentrypage_items",
        XtdComment.objects.filter(content_type=content_type, is_public=True),
        TagEntryPage.objects.all(),
        urls,
    )


if __name__ == "__main__":
    shape.command_line(__doc__.splitlines()[0], seed, report)
