"""Views that are not pages: posting a comment, stopping follow-up emails."""

from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_comments.views.comments import post_comment as package_post_comment
from django_comments_xtd.models import MaxThreadLevelExceededException, XtdComment
from wagtail.models import Page

from broadsheet.client import client_ip

from .comments.limits import rate_limited
from .comments.notifications import read_mute_key
from .comments.status import CommentStatus, status_of, with_status
from .models import BlogPostPage
from .privacy import public_q


def refuse(request, status, message, post=None, heading=None):
    return TemplateResponse(
        request,
        "comments/refused.html",
        {"message": message, "post": post, "heading": heading},
        status=status,
    )


def readable_post(pk):
    """The live, public post with this id, or None: the only posts a reader's lookup may reach."""
    if not str(pk).isdigit():
        return None
    return BlogPostPage.objects.readable().filter(pk=pk).first()


def post_of(comment):
    """The readable post a comment belongs to, or None."""
    if comment is None or comment.content_type_id != ContentType.objects.get_for_model(BlogPostPage).pk:
        return None
    return readable_post(comment.object_pk)


def csrf_failed(request):
    """Run Django's CSRF check on this request; True when it fails (the failure is logged)."""
    return CsrfViewMiddleware(lambda request: None).process_view(request, None, (), {}) is not None


# Post pages are served to anonymous readers from the page cache, which cannot carry a
# per-reader CSRF token. For them the form is still signed (django-comments' security hash over
# the post and a timestamp) and guarded by the honeypot and the rate limit; a forged cross-site
# post could do no more than a reader can, as commenting needs no login. A logged-in user's
# comment carries their name and skips moderation when they are a moderator, so it must carry a
# CSRF token: their pages are never served from the cache and the form holds one.
@csrf_exempt
@require_POST
def post_comment(request):
    """django-contrib-comments' view, with reasons a reader can read when a comment is refused."""
    if request.user.is_authenticated and csrf_failed(request):
        return refuse(
            request,
            403,
            "Your comment was not sent with this site's security token (it expires when you log "
            "out or in). Reload the post and send your comment again.",
        )
    if request.POST.get("content_type") != "blog.blogpostpage":
        return refuse(request, 400, "This form does not belong to a post.")
    post = readable_post(request.POST.get("object_pk", ""))
    if post is None:
        return refuse(request, 404, "The post you are answering does not exist or is no longer published.")
    if post.comments_closed(request):
        return refuse(request, 403, "Comments on this post are closed.", post)
    if rate_limited(request):
        return refuse(
            request, 429, "You have posted several comments in a short time; please wait a while.", post
        )
    # django-comments stores REMOTE_ADDR as the comment's ip_address; behind a proxy that is the
    # proxy. From here on, in this view only, it is the reader's address.
    request.META["REMOTE_ADDR"] = client_ip(request)
    if not request.user.is_authenticated:
        # django-comments' own view is csrf_protect-ed too; tell it this post is exempt (see above).
        request._dont_enforce_csrf_checks = True
    try:
        # xtd saves a reply before it finds the comment answered; all or nothing.
        with transaction.atomic():
            response = package_post_comment(request)
    except (XtdComment.DoesNotExist, MaxThreadLevelExceededException):
        # The comment answered went away, or deeper than allowed, after the form was checked.
        return refuse(
            request,
            400,
            "The comment you are replying to can no longer be answered. "
            "Reload the post to see the conversation as it is now.",
            post,
        )
    if isinstance(response, HttpResponseBadRequest):
        # A stale or tampered form, a filled honeypot, or a moderation rule refused the comment.
        return refuse(
            request,
            400,
            "Your comment could not be accepted. The form may have been open too long: "
            "reload the post and try again.",
            post,
        )
    if response.status_code == 200:
        # The form came back with its errors (and the reader's text).
        response.status_code = 400
    return response


@never_cache
def comment_sent(request):
    """Where a reader lands after posting: their comment in the thread, or a note that it awaits
    moderation. Only for comments on live, public posts, so no comment id leads to anything else."""
    cid = request.GET.get("c", "")
    comment = XtdComment.objects.filter(pk=cid).first() if cid.isdigit() else None
    post = post_of(comment)
    if post is None:
        return refuse(request, 404, "There is no such comment.")
    if status_of(comment) is CommentStatus.PUBLIC:
        return redirect(comment)  # through page_redirect, to the post, at the comment
    return TemplateResponse(request, "django_comments_xtd/moderated.html", {"comment": comment, "post": post})


def page_redirect(request, content_type_id, object_id):
    """The address of a live, public page by content type and id (django-comments' link from a
    comment to what it is about); 404 for anything else, so drafts and private pages stay unknown."""
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist:
        model = None
    page = None
    if model is not None and issubclass(model, Page) and object_id.isdigit():
        page = model.objects.live().filter(public_q()).filter(pk=object_id).first()
    url = page and page.get_full_url(request)
    if not url:
        raise Http404("No such page.")
    return redirect(url)


def reply(request, cid):
    """The reply form for readers without JavaScript, for comments that can still be answered."""
    from django_comments_xtd.views import reply as package_reply

    comment = with_status(XtdComment.norel_objects.filter(pk=cid), CommentStatus.PUBLIC).first()
    post = post_of(comment)
    if post is None:
        return refuse(request, 404, "There is no such comment to reply to.")
    if post.comments_closed(request):
        return refuse(request, 403, "Comments on this post are closed.", post)
    if not comment.allow_thread():
        return refuse(request, 403, "This conversation is nested as deep as it goes; reply higher up.", post)
    return package_reply(request, cid)


@never_cache
def comment_form(request, post_id):
    """A fresh comment form for a post (a new timestamp, and a CSRF token for a logged-in user),
    for pages served from a cache."""
    from django_comments_xtd import get_form

    post = readable_post(post_id)
    if post is None:
        return refuse(request, 404, "There is no such post.")
    if post.comments_closed(request):
        return refuse(request, 403, "Comments on this post are closed.", post)
    return TemplateResponse(request, "comments/form.html", {"form": get_form()(post)})


# The key is the secret: a mail client's one-click POST (RFC 8058) carries no CSRF token, and a
# forged one could only stop emails its sender already holds the link to.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def mute(request, key):
    """The link in a follow-up email: GET asks (link scanners open links), POST stops the emails,
    also when a mail client sends it as the message's one-click unsubscribe.

    The key is signed JSON (blog.comments.notifications.mute_key) and is only ever parsed as
    JSON; links in django-comments-xtd's own format, or altered or expired ones, are refused
    with a 400.
    """

    heading = "This link does not work"
    try:
        comment_id = read_mute_key(key)
    except signing.SignatureExpired:
        return refuse(
            request,
            400,
            "This link has expired. The next email about the post brings a fresh one.",
            heading=heading,
        )
    except signing.BadSignature:
        return refuse(
            request,
            400,
            "This link is not valid: it may be incomplete, or come from an older email. "
            "Use the link in the latest email about the post.",
            heading=heading,
        )
    comment = XtdComment.norel_objects.filter(pk=comment_id).first()
    post = comment and BlogPostPage.objects.filter(pk=comment.object_pk).first()
    if post is None:
        return refuse(
            request, 404, "The comment or post this link was for no longer exists.", heading=heading
        )
    if request.method == "GET":
        return TemplateResponse(request, "comments/mute.html", {"post": post})
    XtdComment.norel_objects.filter(
        content_type_id=comment.content_type_id,
        object_pk=comment.object_pk,
        user_email__iexact=comment.user_email,
        followup=True,
    ).update(followup=False)
    return TemplateResponse(request, "django_comments_xtd/muted.html", {"content_object": post})
