"""oEmbed look-ups away from readers' requests.

A page shows an embed from Wagtail's own table of looked-up embeds (`wagtailembeds_embed`). One
that is not there yet is shown as a link to its source while a task asks the provider; when the
worker has stored it, `blog/signals.py` forgets the pages of the posts that show it. A failed
look-up is tried again after FAILURE_SECONDS, when a reader next shows the post.
"""

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.timezone import now
from django_tasks import task
from wagtail.embeds import embeds
from wagtail.embeds.exceptions import EmbedException
from wagtail.embeds.models import Embed

FAILURE_SECONDS = 600


def stored_html(url, max_width=None, max_height=None):
    """The embed's HTML if it has been looked up, else "" (and a look-up is queued, once a while)."""
    embed_hash = embeds.get_embed_hash(url, max_width, max_height)
    embed = Embed.objects.exclude(cache_until__lte=now()).filter(hash=embed_hash).first()
    if embed is not None:
        return render_to_string("wagtailembeds/embed_frontend.html", {"embed": embed})
    if cache.add(f"embed-lookup:{embed_hash}", True, FAILURE_SECONDS):
        look_up.enqueue(url, max_width, max_height)
    return ""


@task()
def look_up(url, max_width=None, max_height=None):
    """Ask the provider for the embed and store it; False when it has none (or cannot be reached)."""
    try:
        embeds.get_embed(url, max_width, max_height)
    except EmbedException:
        return False
    return True
