"""Views that are not pages: posting a comment, stopping follow-up emails."""

from django.core import signing
from django.http import HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_comments.views.comments import post_comment as package_post_comment

from .comments import rate_limited, read_mute_key
from .models import BlogPostPage
from .privacy import public_q


def refuse(request, status, message, post=None, heading=None):
    return TemplateResponse(
        request,
        "comments/refused.html",
        {"message": message, "post": post, "heading": heading},
        status=status,
    )


# Post pages are served to anonymous readers from the page cache, which cannot carry a
# per-reader CSRF token. The form is still signed (django-comments' security hash over the post
# and a timestamp, valid two hours) and guarded by the honeypot and the rate limit; a forged
# cross-site post could do no more than a reader can, as commenting needs no login.
@csrf_exempt
@require_POST
def post_comment(request):
    """django-contrib-comments' view, with reasons a reader can read when a comment is refused."""
    if request.POST.get("content_type") != "blog.blogpostpage":
        return refuse(request, 400, "This form does not belong to a post.")
    object_pk = request.POST.get("object_pk", "")
    post = None
    if object_pk.isdigit():
        post = BlogPostPage.objects.live().filter(public_q()).filter(pk=object_pk).first()
    if post is None:
        return refuse(request, 404, "The post you are answering does not exist or is no longer published.")
    if post.comments_closed(request):
        return refuse(request, 403, "Comments on this post are closed.", post)
    if rate_limited(request):
        return refuse(
            request, 429, "You have posted several comments in a short time; please wait a while.", post
        )
    # django-comments' own view is csrf_protect-ed too; tell it this post is exempt (see above).
    request._dont_enforce_csrf_checks = True
    response = package_post_comment(request)
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


def reply(request, cid):
    """The reply form for readers without JavaScript, for comments that can still be answered."""
    from django_comments_xtd.models import XtdComment
    from django_comments_xtd.views import reply as package_reply

    comment = XtdComment.norel_objects.filter(pk=cid, is_public=True, is_removed=False).first()
    post = comment and BlogPostPage.objects.live().filter(public_q()).filter(pk=comment.object_pk).first()
    if post is None:
        return refuse(request, 404, "There is no such comment to reply to.")
    if post.comments_closed(request):
        return refuse(request, 403, "Comments on this post are closed.", post)
    if not comment.allow_thread():
        return refuse(request, 403, "This conversation is nested as deep as it goes; reply higher up.", post)
    return package_reply(request, cid)


@never_cache
def comment_form(request, post_id):
    """A fresh comment form for a post (its own CSRF token and timestamp), for pages served from a cache."""
    from django_comments_xtd import get_form

    post = BlogPostPage.objects.live().filter(public_q()).filter(pk=post_id).first()
    if post is None:
        return refuse(request, 404, "There is no such post.")
    if post.comments_closed(request):
        return refuse(request, 403, "Comments on this post are closed.", post)
    return TemplateResponse(request, "comments/form.html", {"form": get_form()(post)})


@never_cache
@require_http_methods(["GET", "POST"])
def mute(request, key):
    """The link in a follow-up email: GET asks (link scanners open links), POST stops the emails.

    The key is signed JSON (blog.comments.mute_key) and is only ever parsed as JSON; links in
    django-comments-xtd's own format, or altered or expired ones, are refused with a 400.
    """
    from django_comments_xtd.models import XtdComment

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
        user_email=comment.user_email,
        followup=True,
    ).update(followup=False)
    return TemplateResponse(request, "django_comments_xtd/muted.html", {"content_object": post})
