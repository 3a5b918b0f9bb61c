"""Readers' pages: subscribing, confirming, unsubscribing, and what is kept about them.

The subscribe form sits on cached pages, which cannot carry a per-reader CSRF token; the views
are CSRF-exempt, as the comment form is for anonymous readers. A forged cross-site subscribe
can do no more than anyone can with the form (it only sends a confirmation, at most once per
SUBSCRIPTIONS_RESEND_MINUTES per address); the confirm and unsubscribe links carry their own
signed key, and mail clients send the one-click unsubscribe (RFC 8058) without a token. A
honeypot field and a rate limit per reader address (broadsheet.client) keep robots out.
"""

from django.conf import settings
from django.core import signing
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from taggit.models import Tag
from wagtail.models import Site

from blog.models import BlogIndexPage
from blog.sidebar import build_sidebar
from broadsheet import caching
from broadsheet.limits import over_limit

from .confirmation import ask_to_subscribe, confirm, unsubscribe
from .forms import SubscribeForm
from .models import Subscriber, SubscriberStatus
from .tokens import read_confirm_key, read_unsubscribe_key

BAD_LINK = (
    "This link is not valid: it may be incomplete. "
    "Copy the whole link from the email, or use the latest email."
)


def problem(request, status, message, heading="This did not work"):
    return TemplateResponse(
        request, "subscriptions/problem.html", {"message": message, "heading": heading}, status=status
    )


def blog_labels(request):
    """The labels of the site's blog, for the full subscribe form."""
    blog = BlogIndexPage.for_request(request)
    return build_sidebar(blog)["tags"] if blog else []


def safe_next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if allowed and target.startswith("/") else "/"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def subscribe(request):
    """GET: the full form (every label). POST: ask to subscribe; everyone gets the same answer."""
    if request.method == "GET":
        caching.depends_on(request, caching.LISTINGS)
        return TemplateResponse(request, "subscriptions/subscribe.html", {"labels": blog_labels(request)})
    form = SubscribeForm(request.POST)
    if form.is_robot():
        return problem(request, 400, "Your request could not be accepted. Reload the page and try again.")
    if over_limit(
        request, "subscribe", settings.SUBSCRIPTIONS_RATE_LIMIT, settings.SUBSCRIPTIONS_RATE_PERIOD
    ):
        return problem(
            request, 429, "Several subscriptions came from your address in a short time; please wait a while."
        )
    if not form.is_valid():
        response = TemplateResponse(
            request,
            "subscriptions/subscribe.html",
            {
                "form": form,
                "labels": blog_labels(request),
                "chosen": request.POST.getlist("label"),
                "next": safe_next(request),
            },
            status=400,
        )
        response["Cache-Control"] = "private, no-store"
        return response
    ask_to_subscribe(
        form.cleaned_data["email"], form.cleaned_data["label"], site=Site.find_for_request(request)
    )
    response = TemplateResponse(
        request,
        "subscriptions/check_inbox.html",
        {
            "email": form.cleaned_data["email"],
            "labels": form.cleaned_data["label"],
            "next": safe_next(request),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


def read_confirmation(request, key):
    """(subscriber, choice) for a confirmation key, or (None, the error page)."""
    try:
        choice = read_confirm_key(key)
    except signing.SignatureExpired:
        return None, problem(
            request,
            400,
            f"This confirmation link has expired (they work for {settings.SUBSCRIPTIONS_CONFIRM_DAYS} days). "
            "Subscribe again with the form below to get a new one.",
            heading="This link has expired",
        )
    except signing.BadSignature:
        return None, problem(request, 400, BAD_LINK, heading="This link does not work")
    subscriber = Subscriber.objects.filter(pk=choice["s"]).first()
    if subscriber is None:
        return None, problem(
            request,
            404,
            "This address is no longer on our list. Subscribe again with the form below.",
            heading="This link does not work",
        )
    return (subscriber, choice), None


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def confirm_view(request, key):
    """The link in a confirmation email: GET asks (mail scanners open links), POST confirms."""
    found, refusal = read_confirmation(request, key)
    if refusal:
        return refusal
    subscriber, choice = found
    labels = Tag.objects.filter(pk__in=choice.get("labels", []))
    context = {"subscriber": subscriber, "choice": choice, "labels": list(labels.order_by("name"))}
    if request.method == "GET":
        return TemplateResponse(request, "subscriptions/confirm.html", context)
    confirm(subscriber, choice)
    return TemplateResponse(request, "subscriptions/confirmed.html", context)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request, key):
    """The link in every post's email: GET asks, POST (a button, or a mail client's one-click
    unsubscribe) stops the posts at once."""
    try:
        subscriber_id = read_unsubscribe_key(key)
    except signing.BadSignature:
        return problem(request, 400, BAD_LINK, heading="This link does not work")
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        # Erased, or never there: either way nothing will be sent to it.
        return TemplateResponse(request, "subscriptions/unsubscribed.html", {"subscriber": None})
    if request.method == "GET":
        done = subscriber.status == SubscriberStatus.UNSUBSCRIBED
        template = "subscriptions/unsubscribed.html" if done else "subscriptions/unsubscribe.html"
        return TemplateResponse(request, template, {"subscriber": subscriber})
    unsubscribe(subscriber)
    return TemplateResponse(request, "subscriptions/unsubscribed.html", {"subscriber": subscriber})


@require_GET
def about_your_data(request):
    """What the site keeps about readers who comment or subscribe, and how to have it back or gone."""
    context = {
        "retention_days": settings.COMMENT_IP_RETENTION_DAYS,
        "contact": settings.PRIVACY_CONTACT_EMAIL,
    }
    return TemplateResponse(request, "subscriptions/about_your_data.html", context)
