"""The reader comment form."""

from django import forms
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django_comments_xtd.forms import XtdCommentForm
from django_comments_xtd.models import max_thread_level_for_content_type

from .comments.status import public_comments

RELOAD = "Reload the post and reply again, or write a new comment."


class CommentForm(XtdCommentForm):
    """django-comments-xtd's form with the labels and limits Broadsheet's readers see."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["name"].label = "Name"
        fields["name"].widget.attrs.update(placeholder="", autocomplete="name", maxlength=50)
        fields["email"].label = "Email"
        fields["email"].help_text = "Never shown; used only to tell you about replies if you ask."
        fields["email"].widget.input_type = "email"
        fields["email"].widget.attrs.update(placeholder="", autocomplete="email")
        fields["url"].label = "Website (optional)"
        # A text box with the URL keyboard: "example.org" is taken (the form adds the scheme)
        # where a url box would refuse it, and autocomplete="url" is valid on it for every checker.
        fields["url"].widget.input_type = "text"
        fields["url"].widget.attrs.update(placeholder="https://", autocomplete="url", inputmode="url")
        fields["comment"].label = "Comment"
        fields["comment"].help_text = f"Plain text, up to {settings.COMMENT_MAX_LENGTH:,} characters."
        fields["comment"].widget.attrs.update(placeholder="", maxlength=settings.COMMENT_MAX_LENGTH, rows=8)
        fields["comment"].error_messages["max_length"] = (
            f"Comments are limited to {settings.COMMENT_MAX_LENGTH:,} characters; "
            "this one has %(show_value)d. Please shorten it."
        )
        fields["followup"].label = "Email me when someone replies on this post"
        fields["reply_to"].error_messages.update(
            required=f"This form does not say which comment it answers. {RELOAD}",
            invalid=f"This form does not say which comment it answers. {RELOAD}",
        )
        for field in ("name", "email", "url", "comment"):
            fields[field].widget.attrs.pop("class", None)

    def clean_reply_to(self):
        """0 (a new comment), or a comment readers can see on this post that may still be answered."""
        reply_to = self.cleaned_data["reply_to"]
        if reply_to == 0:
            return 0
        content_type = ContentType.objects.get_for_model(self.target_object)
        parent = (
            public_comments()
            .filter(pk=reply_to, content_type=content_type, object_pk=str(self.target_object.pk))
            .first()
        )
        if parent is None:
            raise forms.ValidationError(
                f"The comment you are replying to is not shown on this post. {RELOAD}"
            )
        if parent.level >= max_thread_level_for_content_type(content_type):
            raise forms.ValidationError(
                "The comment you are replying to is nested as deep as conversations go here; "
                "reply to one higher up, or write a new comment."
            )
        return reply_to
