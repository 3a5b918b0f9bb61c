"""The "Readers" area of the Wagtail admin: subscribers, each post's sends, test emails of a
draft, CSV import and export, and readers' data (registered by wagtail_hooks).

Who may do what: subscribers, their import and export and the list of all sends need the
Subscriber model's permissions (superusers have them; an administrator grants them to a group
under Settings → Groups). A post's own send counts and the test email of its draft are for
whoever may edit the post; the addresses a send failed for need the subscriber permissions too.
Readers' data (export and erase for one address) needs "Can export and erase everything stored
about an address".
"""

import functools
import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db.models import Count, Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from taggit.models import Tag
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.models import Page, Site

from blog.models import BlogPostPage
from broadsheet.admin_listings import (
    ChoiceFilter,
    Column,
    DateColumn,
    EstimatedCountPaginator,
    ModelChoiceFilter,
    Table,
    TitleColumn,
    estimated_counts,
)

from . import csv_io, readers
from .confirmation import site_root
from .models import Delivery, DeliveryStatus, Mailing, Subscriber, SubscriberLabel, SubscriberStatus
from .rendering import render_post

SUBSCRIBER_ACTIONS = ["add", "change", "delete", "view"]
READER_DATA_PERMISSION = "subscriptions.manage_reader_data"
MAX_UPLOAD_BYTES = 20 * 2**20


def can_manage_subscribers(user, actions=SUBSCRIBER_ACTIONS):
    return user.is_active and any(user.has_perm(f"subscriptions.{action}_subscriber") for action in actions)


def can_see_addresses(user):
    return can_manage_subscribers(user, ["view", "change"])


def follows_label(subscriber):
    if subscriber.whole_blog:
        return "Every post"
    names = sorted(tag.name for tag in subscriber.labels.all())
    return ", ".join(names) if names else "Reply notifications only"


class SubscriberFilterSet(WagtailFilterSet):
    status = ChoiceFilter(label="Status", choices=SubscriberStatus.choices, empty_label="Any status")
    label = ModelChoiceFilter(
        label="Follows the label",
        queryset=Tag.objects.filter(pk__in=SubscriberLabel.objects.values("tag_id")).order_by("name"),
        method="filter_label",
    )
    follows = ChoiceFilter(
        label="Follows",
        choices=[("all", "Every post"), ("labels", "Some labels"), ("replies", "Reply notifications only")],
        method="filter_follows",
        empty_label="Anything",
    )

    class Meta:
        model = Subscriber
        fields = ["status"]

    def filter_label(self, queryset, name, value):
        return queryset.filter(followed_labels__tag=value) if value else queryset

    def filter_follows(self, queryset, name, value):
        with_labels = Q(pk__in=SubscriberLabel.objects.values("subscriber_id"))
        if value == "all":
            return queryset.filter(whole_blog=True)
        if value == "labels":
            return queryset.filter(with_labels, whole_blog=False)
        if value == "replies":
            return queryset.filter(whole_blog=False).exclude(with_labels)
        return queryset


class SubscriberIndexView(IndexView):
    """Subscribers, with how many there are in each status above the list."""

    template_name = "subscriptions/admin/subscriber_index.html"
    paginator_class = EstimatedCountPaginator
    table_class = Table

    def get_base_queryset(self):
        return super().get_base_queryset().prefetch_related("labels")

    @property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        user = self.request.user
        if can_manage_subscribers(user, ["add"]):
            buttons.append(HeaderButton("Import CSV", url=reverse("subscribers:import"), icon_name="upload"))
        if can_see_addresses(user):
            buttons.append(
                HeaderButton("Export CSV", url=reverse("subscribers:export"), icon_name="download")
            )
        return buttons

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        # Each status counted exactly up to a limit, and estimated past it, as the pages are.
        subscribers = Subscriber.objects.all()
        statuses = list(SubscriberStatus)
        counts = estimated_counts([subscribers.filter(status=status) for status in statuses])
        counts = dict(zip(statuses, counts, strict=True))
        estimated = {status: n > EstimatedCountPaginator.EXACT_UP_TO for status, n in counts.items()}
        context["status_counts"] = [
            {"status": status, "label": status.label, "count": counts[status], "estimated": estimated[status]}
            for status in SubscriberStatus
        ]
        context["total_count"] = sum(counts.values())
        context["total_estimated"] = any(estimated.values())
        return context


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file", help_text="FeedBurner's or Blogger's export, or this site's own."
    )
    confirmed = forms.TypedChoiceField(
        label="These readers",
        choices=[
            ("yes", "confirmed their address already (FeedBurner asked them): send them posts"),
            ("no", "must confirm first: email each a confirmation link"),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="yes",
    )
    skip_bad = forms.BooleanField(
        label="Import the good rows and skip the bad ones",
        required=False,
        help_text="Without this, a file with a bad row imports nothing, and the bad rows are listed.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // 2**20} MB.")
        return upload


class SubscriberViewSet(ModelViewSet):
    model = Subscriber
    icon = "mail"
    name = "subscribers"
    menu_label = "Subscribers"
    menu_order = 100
    index_view_class = SubscriberIndexView
    filterset_class = SubscriberFilterSet
    search_fields = ["email"]
    inspect_view_enabled = True
    copy_view_enabled = False
    list_per_page = 50
    form_fields = ["email", "status", "whole_blog", "labels"]
    list_display = [
        TitleColumn("email", label="Email", url_name="subscribers:edit"),
        Column("status", label="Status", accessor="get_status_display"),
        Column("follows", label="Follows", accessor=follows_label),
        DateColumn("subscribed_at", label="Subscribed"),
        DateColumn("confirmed_at", label="Confirmed"),
        Column("bounces", label="Refused in a row"),
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("import/", import_view, name="import"),
            path("export/", export_view, name="export"),
        ]


@require_http_methods(["GET", "POST"])
def import_view(request):
    if not can_manage_subscribers(request.user, ["add"]):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                report = csv_io.import_subscribers(
                    form.cleaned_data["file"].read(),
                    confirmed=form.cleaned_data["confirmed"],
                    skip_bad=form.cleaned_data["skip_bad"],
                    site=Site.find_for_request(request),
                )
            except csv_io.UnreadableFile as error:
                form.add_error("file", str(error))
                status = 400
            else:
                status = 200 if report.written else 400
                if report.written:
                    messages.success(request, f"{report.created} subscribers imported.")
        else:
            status = 400
    return TemplateResponse(
        request, "subscriptions/admin/import.html", {"form": form, "report": report}, status=status
    )


def export_view(request):
    if not can_see_addresses(request.user):
        raise PermissionDenied
    subscribers = Subscriber.objects.all()
    status = request.GET.get("status", "")
    if status in SubscriberStatus.values:
        subscribers = subscribers.filter(status=status)
    response = StreamingHttpResponse(csv_io.export_lines(subscribers), content_type="text/csv; charset=utf-8")
    name = f"subscribers-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def delivery_counts(mailings):
    """Each mailing with queued, sent, failed, interrupted and skipped counts, in one query."""

    def count(*statuses):
        return Count("deliveries", filter=Q(deliveries__status__in=statuses))

    return mailings.annotate(
        queued=count(DeliveryStatus.QUEUED, DeliveryStatus.CLAIMED, DeliveryStatus.SENDING),
        sent=count(DeliveryStatus.SENT),
        failed=count(DeliveryStatus.FAILED),
        interrupted=count(DeliveryStatus.INTERRUPTED),
        skipped=count(DeliveryStatus.SKIPPED),
    )


def editable_post(request, page_id):
    post = get_object_or_404(BlogPostPage, pk=page_id)
    if not post.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return post


def sends_index(request):
    """Every post's send, newest first."""
    if not can_manage_subscribers(request.user):
        raise PermissionDenied
    mailings = delivery_counts(Mailing.objects.select_related("post").order_by("-created_at", "-pk"))[:200]
    return TemplateResponse(request, "subscriptions/admin/sends_index.html", {"mailings": mailings})


def post_sends(request, page_id):
    """One post's send: how many are queued, sent and failed, and which addresses failed."""
    post = editable_post(request, page_id)
    mailing = delivery_counts(Mailing.objects.filter(post=post)).first()
    problems = []
    if mailing is not None and can_see_addresses(request.user):
        problems = (
            Delivery.objects.filter(
                mailing=mailing,
                status__in=[DeliveryStatus.FAILED, DeliveryStatus.INTERRUPTED, DeliveryStatus.QUEUED],
            )
            .exclude(error="")
            .select_related("subscriber")
            .order_by("pk")[:200]
        )
    context = {
        "post": post,
        "mailing": mailing,
        "problems": problems,
        "followers": Subscriber.objects.following(post).count() if mailing is None else None,
    }
    return TemplateResponse(request, "subscriptions/admin/post_sends.html", context)


@require_http_methods(["GET", "POST"])
def test_email(request, page_id):
    """Email the post's latest saved draft, as followers would get it, to the editor alone."""
    post = editable_post(request, page_id)
    revision = post.get_latest_revision()
    draft = revision.as_object() if revision else post
    context = {"post": post, "draft": draft, "revision": revision, "address": request.user.email}
    if request.method == "GET":
        return TemplateResponse(request, "subscriptions/admin/test_email.html", context)
    if not request.user.email:
        return TemplateResponse(
            request,
            "subscriptions/admin/test_email.html",
            {**context, "error": "Your account has no email address; add one under Account settings."},
            status=400,
        )
    site = post.get_site() or Site.find_for_request(request)
    content = render_post(draft, site, test=True)
    home = site_root(site) + reverse("subscriptions:subscribe")
    message = EmailMultiAlternatives(
        f"[Test] {content['subject']}",
        content["text"].replace(Mailing.UNSUBSCRIBE_MARK, home),
        settings.SUBSCRIPTIONS_FROM_EMAIL,
        [request.user.email],
    )
    message.attach_alternative(content["html"].replace(Mailing.UNSUBSCRIBE_MARK, home), "text/html")
    message.send()
    messages.success(request, f"A test email of “{draft.title}” is on its way to {request.user.email}.")
    return redirect("wagtailadmin_pages:edit", post.pk)


class PermittedMenuItem(MenuItem):
    """A menu item shown to the users `allowed` says yes to."""

    def __init__(self, *args, allowed, **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed = allowed

    def is_shown(self, request):
        return self.allowed(request.user)


class PermittedViewSet(ViewSet):
    """A viewset whose menu item shows only to the users `allowed` says yes to."""

    @staticmethod
    def allowed(user):
        raise NotImplementedError

    def get_menu_item(self, order=None):
        return PermittedMenuItem(
            self.menu_label, self.menu_url, icon_name=self.icon, order=order or self.menu_order,
            allowed=self.allowed,
        )  # fmt: skip


class SendsViewSet(PermittedViewSet):
    """All posts' sends, and each post's own (with its test email)."""

    allowed = staticmethod(can_manage_subscribers)

    name = "sends"
    icon = "mail"
    menu_label = "Sends"
    menu_order = 200

    def get_urlpatterns(self):
        return [
            path("", sends_index, name="index"),
            path("post/<int:page_id>/", post_sends, name="post"),
            path("post/<int:page_id>/test/", test_email, name="test"),
        ]


class LookupForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)


class EraseForm(LookupForm):
    comments = forms.ChoiceField(
        label="Their comments",
        choices=[
            ("anonymise", "Keep the text, shown as by “Anonymous”: drop name, email, website, IP address"),
            ("delete", "Delete them (replies by others to them no longer show either)"),
        ],
        widget=forms.RadioSelect,
        initial="anonymise",
    )
    sure = forms.BooleanField(label="Yes, erase everything stored about this address", required=True)


def may_handle_reader_data(user):
    return user.is_active and user.has_perm(READER_DATA_PERMISSION)


def for_reader_data(view):
    """Refuse (403) users without the readers' data permission."""

    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        if not may_handle_reader_data(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked


@for_reader_data
def reader_data(request):
    """Look up one address: what is stored about it, with its export and erase buttons."""
    form = LookupForm(request.GET or None)
    found = readers.summary(form.cleaned_data["email"]) if form.is_valid() else None
    status = 400 if request.GET and not form.is_valid() else 200
    erase_form = EraseForm(initial={"email": found["email"]}) if found else None
    return TemplateResponse(
        request,
        "subscriptions/admin/reader_data.html",
        {"form": form, "found": found, "erase_form": erase_form},
        status=status,
    )


@for_reader_data
def reader_data_export(request):
    form = LookupForm(request.GET)
    if not form.is_valid():
        return HttpResponse("Give a valid email address.", status=400, content_type="text/plain")
    email = form.cleaned_data["email"]
    body = json.dumps(readers.export(email), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="reader-data.json"'
    return response


@for_reader_data
@require_http_methods(["POST"])
def reader_data_erase(request):
    form = EraseForm(request.POST)
    if not form.is_valid():
        found = readers.summary(request.POST.get("email", "")) if request.POST.get("email") else None
        return TemplateResponse(
            request,
            "subscriptions/admin/reader_data.html",
            {"form": LookupForm(initial={"email": request.POST.get("email", "")}), "found": found,
             "erase_form": form},
            status=400,
        )  # fmt: skip
    delete = form.cleaned_data["comments"] == "delete"
    done = readers.erase(form.cleaned_data["email"], delete_comments=delete)
    messages.success(
        request,
        f"Erased {form.cleaned_data['email']}: {done['subscriptions']} subscription, "
        f"{done['comments']} comments {'deleted' if delete else 'anonymised'}, {done['tasks']} emails.",
    )
    return redirect("reader_data:index")


class ReaderDataViewSet(PermittedViewSet):
    """Everything stored about one email address: export it, or erase it."""

    allowed = staticmethod(may_handle_reader_data)

    name = "reader_data"
    url_prefix = "reader-data"
    icon = "user"
    menu_label = "Readers' data"
    menu_order = 300

    def get_urlpatterns(self):
        return [
            path("", reader_data, name="index"),
            path("export/", reader_data_export, name="export"),
            path("erase/", reader_data_erase, name="erase"),
        ]


class ReadersGroup(ViewSetGroup):
    menu_label = "Readers"
    menu_icon = "group"
    menu_order = 260
    items = (SubscriberViewSet, SendsViewSet, ReaderDataViewSet)


class PostMenuItem(PageMenuItem):
    """An entry of a post's "more" menu in the editor, for those who may edit it."""

    def is_shown(self, user):
        is_post = issubclass(self.page.specific_class or Page, BlogPostPage)
        return is_post and self.page.permissions_for_user(user).can_edit()


class TestEmailMenuItem(PostMenuItem):
    label = "Send a test email to me"
    icon_name = "mail"
    url_name = "sends:test"


class PostSendsMenuItem(PostMenuItem):
    label = "Email sends"
    icon_name = "doc-full"
    url_name = "sends:post"


def post_header_buttons(page, user, view_name, next_url=None):
    yield TestEmailMenuItem(page=page, priority=80)
    yield PostSendsMenuItem(page=page, priority=81)
