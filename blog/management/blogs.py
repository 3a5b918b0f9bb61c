"""Which blog a command works on, from its --blog-index option."""

from django.core.management.base import CommandError

from blog.models import BlogIndexPage


def chosen_blog(wanted, none_ok=False):
    """The blog index with slug or id `wanted`, or, without one, the only blog there is (None
    when there is none and `none_ok`); a CommandError saying what to do otherwise."""
    indexes = BlogIndexPage.objects.all()
    if wanted:
        match = indexes.filter(pk=int(wanted)) if wanted.isdigit() else indexes.filter(slug=wanted)
        if not match:
            raise CommandError(f"no blog index with slug or id “{wanted}”")
        return match.first()
    count = indexes.count()
    if count == 0:
        if none_ok:
            return None
        raise CommandError("there is no blog yet")
    if count > 1:
        slugs = ", ".join(indexes.values_list("slug", flat=True))
        raise CommandError(f"there are several blogs ({slugs}): choose one with --blog-index")
    return indexes.first()
