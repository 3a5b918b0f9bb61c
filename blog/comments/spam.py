"""Spam: Akismet's verdict on a new comment, moderators' verdicts sent back to it, links counted.

Akismet is asked through the ``akismet`` package. The package always addresses Akismet's own
host; ``AKISMET_API_URL`` (its 1.1 API) may name another one, so requests are sent there by
the HTTP client's transport. Without ``AKISMET_API_KEY`` nothing is asked or reported.
"""

import logging
import re
from urllib.parse import urljoin

import akismet
import httpx
from django.conf import settings
from django.utils import timezone

from broadsheet.client import client_ip

logger = logging.getLogger(__name__)

LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
# Where the package sends its 1.1 calls; the part after it names the call ("comment-check").
PACKAGE_API_URL = "https://rest.akismet.com/1.1/"
CHECK_TIMEOUT_SECONDS = 5
# The longest user agent and referrer kept for reporting a comment to Akismet later.
KEPT_HEADER_LENGTH = 512


def count_links(text):
    return len(LINK.findall(text or ""))


class AkismetTransport(httpx.HTTPTransport):
    """Sends the package's calls to ``AKISMET_API_URL`` instead of Akismet's own host."""

    def handle_request(self, request):
        url = str(request.url)
        if url.startswith(PACKAGE_API_URL) and settings.AKISMET_API_URL != PACKAGE_API_URL:
            request.url = httpx.URL(urljoin(settings.AKISMET_API_URL, url.removeprefix(PACKAGE_API_URL)))
            request.headers["Host"] = request.url.netloc.decode()
        return super().handle_request(request)


def akismet_client(site_url, http_client):
    """An Akismet client for the site at `site_url` (not validated: that would cost a call)."""
    return akismet.SyncClient(
        config=akismet.Config(key=settings.AKISMET_API_KEY, url=site_url), http_client=http_client
    )


def http_client():
    return httpx.Client(
        transport=AkismetTransport(),
        headers={"User-Agent": akismet.USER_AGENT},
        timeout=CHECK_TIMEOUT_SECONDS,
    )


def kept_headers(request):
    """What Akismet wants to hear again when a moderator reports the comment: user agent, referrer."""
    return {
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:KEPT_HEADER_LENGTH],
        "referrer": request.META.get("HTTP_REFERER", "")[:KEPT_HEADER_LENGTH],
    }


def akismet_says_spam(comment, post, request):
    """Ask Akismet about a new comment (xtd's dict); None when it is not configured or could not answer."""
    if not settings.AKISMET_API_KEY:
        return None
    arguments = {
        **kept_headers(request),
        "permalink": post.get_full_url(request),
        "comment_type": "reply" if comment.get("parent_id") else "comment",
        "comment_author": comment["user_name"],
        "comment_author_email": comment["user_email"],
        "comment_author_url": comment["user_url"],
        "comment_content": comment["comment"],
        "comment_date_gmt": timezone.now().isoformat(),
        "blog_lang": "en",
    }
    try:
        with http_client() as http:
            verdict = akismet_client(post.get_site().root_url, http).comment_check(
                client_ip(request), **arguments
            )
    except akismet.AkismetError as error:
        logger.warning("Akismet gave no verdict: %s", error)
        return None
    return bool(verdict)


def report(comment, post, review, spam):
    """Tell Akismet a moderator found the stored `comment` spam (`spam`) or not, with what it was
    told when the comment was posted; raises akismet.AkismetError when Akismet did not take it."""
    arguments = {
        "user_agent": review.user_agent if review else "",
        "referrer": review.referrer if review else "",
        "permalink": post.get_full_url(),
        "comment_type": "comment" if comment.parent_id == comment.pk else "reply",
        "comment_author": comment.user_name,
        "comment_author_email": comment.user_email,
        "comment_author_url": comment.user_url,
        "comment_content": comment.comment,
        "comment_date_gmt": comment.submit_date.isoformat(),
        "blog_lang": "en",
    }
    with http_client() as http:
        client = akismet_client(post.get_site().root_url, http)
        submit = client.submit_spam if spam else client.submit_ham
        return submit(comment.ip_address or "", **arguments)
