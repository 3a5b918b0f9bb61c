"""The reader comment form."""

from django.conf import settings
from django_comments_xtd.forms import XtdCommentForm


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
        fields["url"].widget.input_type = "url"
        fields["url"].widget.attrs.update(placeholder="https://", autocomplete="url")
        fields["comment"].label = "Comment"
        fields["comment"].help_text = f"Plain text, up to {settings.COMMENT_MAX_LENGTH:,} characters."
        fields["comment"].widget.attrs.update(placeholder="", maxlength=settings.COMMENT_MAX_LENGTH, rows=8)
        fields["comment"].error_messages["max_length"] = (
            f"Comments are limited to {settings.COMMENT_MAX_LENGTH:,} characters; "
            "this one has %(show_value)d. Please shorten it."
        )
        fields["followup"].label = "Email me when someone replies on this post"
        for field in ("name", "email", "url", "comment"):
            fields[field].widget.attrs.pop("class", None)
