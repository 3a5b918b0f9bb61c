"""Old addresses that say what they lead to in their query string, such as WordPress's `/?p=12`,
`/?page_id=7`, `/?cat=3` and `/?m=201903`: their path is a page of the new site (its home page),
so Wagtail's redirects, which answer only what would be a 404, never see them. The page is
asked first whether the full address has a redirect."""

from django.http import HttpResponsePermanentRedirect, HttpResponseRedirect
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Site

# The query parameters an old address names its target with; others never cost a lookup.
QUERY_KEYS = frozenset({"p", "page_id", "cat", "tag", "m", "feed"})


def redirect_for_query(request):
    """The redirect of the request's full address, when it carries one of QUERY_KEYS and the site
    has a redirect for it; else None."""
    if request.method not in ("GET", "HEAD") or not QUERY_KEYS.intersection(request.GET):
        return None
    site = Site.find_for_request(request)
    if site is None:
        return None
    old_path = Redirect.normalise_path(request.get_full_path())
    redirect = Redirect.get_for_site(site).filter(old_path=old_path).select_related("redirect_page").first()
    link = redirect.link if redirect is not None else None
    if not link:
        return None
    return (HttpResponsePermanentRedirect if redirect.is_permanent else HttpResponseRedirect)(link)
