"""The comment form, with the board's classic labels."""

from __future__ import annotations

import secrets

from django import forms

from . import bbcode, defences, services
from .nics import MAX_NIC_LENGTH, clean_nic, nic_key

MAX_COMMENT_CHARS = 10_000
MAX_EMAIL_CHARS = 254


def new_form_token() -> str:
    """The one-time token of a form shown: a double click or a reload of the same form posts once."""
    return secrets.token_urlsafe(24)


class CommentForm(forms.Form):
    nic = forms.CharField(
        label="Your Name",
        max_length=200,
        error_messages={
            "required": "Type a nic: the name your comment appears under."
        },  # checked after cleaning, with a clearer message, in clean_nic
        widget=forms.TextInput(attrs={"autocomplete": "nickname", "maxlength": MAX_NIC_LENGTH, "size": 30}),
    )
    email = forms.EmailField(
        label="Your e-mail (optional)",
        required=False,
        max_length=MAX_EMAIL_CHARS,
        help_text="Never shown to anyone but the editors.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "size": 30}),
    )
    website = forms.URLField(
        label="Website (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "url", "size": 30, "placeholder": "https://"}),
    )
    body = forms.CharField(
        label="Comment",
        strip=False,
        error_messages={"required": "The comment is empty: type something to post."},
        widget=forms.Textarea(attrs={"rows": 10, "cols": 70, "class": "comment-body"}),
    )
    # One per form shown: a double click or a reload of the same form posts once.
    token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.body_html = ""  # the body rendered once by clean_body: its links counted, then stored as posted
        if not self.is_bound:
            self.initial.setdefault("token", new_form_token())

    def clean_nic(self) -> str:
        nic = clean_nic(self.cleaned_data["nic"])
        if not nic or not nic_key(nic):
            raise forms.ValidationError("Type a nic: the name your comment appears under.")
        if len(nic) > MAX_NIC_LENGTH:
            raise forms.ValidationError(f"A nic can be at most {MAX_NIC_LENGTH} characters; yours is {len(nic)}.")
        if defences.imitates_staff(nic, own=defences.own_skeletons(self.user) if self.user else set()):
            raise forms.ValidationError(
                "That nic looks like the name of one of the board's editors. Choose another (Pic-a-Nic suggests one)."
            )
        return nic

    def clean_website(self) -> str:
        website = self.cleaned_data["website"]
        if website and bbcode.clean_url(website) is None:
            raise forms.ValidationError("The website must be an http:// or https:// address.")
        return website

    def clean_body(self) -> str:
        body = bbcode.normalise_source(self.cleaned_data["body"])
        if not body.strip():
            raise forms.ValidationError("The comment is empty: type something to post.")
        if len(body) > MAX_COMMENT_CHARS:
            raise forms.ValidationError(
                f"A comment can be at most {MAX_COMMENT_CHARS:,} characters; yours is {len(body):,}. "
                "Shorten it and post again."
            )
        self.body_html = services.render(body)
        if message := defences.link_limit_message(self.body_html):
            raise forms.ValidationError(message)
        return body

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        return token if token and token.replace("-", "").replace("_", "").isalnum() else ""
