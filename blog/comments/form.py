"""The comment form under a post: rendered once per process, then given each request's values.

An unbound comment form differs from one post and one request to the next only in the post's
id, the timestamp and its signature (django-comments' security data) and, for a logged-in user,
the CSRF token. Rendering its widgets through Django's form templates cost more than a post's
comment thread, so comments/form.html is rendered once with a marker in each of those places and
each request puts its own values in.
"""

from types import SimpleNamespace

from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django_comments_xtd import get_form

from broadsheet import caching

SECURITY_FIELDS = ("object_pk", "timestamp", "security_hash")
CSRF_TOKEN = "csrf_token"
# Private-use characters: escaping leaves them as they are, and no value they stand for holds one.
MARKS = {name: f"\ue000{name}\ue001" for name in (*SECURITY_FIELDS, CSRF_TOKEN)}


def blank_form_html(post, signed_in):
    """comments/form.html for an unbound form on a post of `post`'s type, with markers for the
    values of one post and one request."""
    form = get_form()(post)
    form.initial.update({name: MARKS[name] for name in SECURITY_FIELDS})
    context = {
        "form": form,
        "user": SimpleNamespace(is_authenticated=signed_in),
        CSRF_TOKEN: MARKS[CSRF_TOKEN],
    }
    return render_to_string("comments/form.html", context)


def security_data(post):
    """django-comments' security data for a new form on `post` (its id, a timestamp, their signature).

    The form's own methods make it; they read only the target, so the form is not built (its
    __init__ copies every field and widget).
    """
    form_class = get_form()
    form = form_class.__new__(form_class)
    form.target_object = post
    return form.generate_security_data()


def comment_form_html(post, request):
    """The comment form for `post`, as comments/form.html renders a new form, for `request`."""
    signed_in = bool(request is not None and request.user.is_authenticated)
    key = ("comment-form", post._meta.label_lower, signed_in)
    html = caching.remembered(key, lambda: blank_form_html(post, signed_in))
    values = security_data(post)
    if signed_in:
        values[CSRF_TOKEN] = get_token(request)
    for name, mark in MARKS.items():
        if name in values:
            html = html.replace(mark, escape(values[name]))
    return mark_safe(html)  # noqa: S308 - the template's output, and escaped values in the markers' places
