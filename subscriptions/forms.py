"""The subscribe form: an email address and, optionally, the labels to follow."""

from django import forms
from taggit.models import Tag

MAX_LABELS = 50


class LabelsField(forms.Field):
    """Label slugs, as many checkboxes send them; checked against the blog's labels in the form."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else [value] if value else []
        return sorted({str(slug).strip() for slug in values if str(slug).strip()})


class SubscribeForm(forms.Form):
    """What a reader sends to follow the blog; nothing in it is about them but their address."""

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Type the email address the posts should go to.",
            "invalid": "That does not look like an email address; check it and try again.",
            "max_length": "That address is longer than email addresses can be.",
        },
    )
    label = LabelsField(required=False)
    # Left empty by people; filled in by robots that fill in every field.
    website = forms.CharField(required=False)

    def clean_label(self):
        slugs = self.cleaned_data["label"]
        if len(slugs) > MAX_LABELS:
            raise forms.ValidationError(f"Choose at most {MAX_LABELS} labels, or none for every post.")
        tags = list(Tag.objects.filter(slug__in=slugs)) if slugs else []
        if len(tags) != len(slugs):
            raise forms.ValidationError(
                "One of the labels you chose is no longer on the blog; choose again from the list."
            )
        return tags

    def is_robot(self):
        return bool(self.data.get("website"))
