"""The comment form, with the board's classic labels, and the checks a browser's post must pass to be read at all.

Like django-contrib-comments' security form, the form carries its own defences as fields: a honeypot that people
never see, and a signed stamp bound to the story, saying when the form was shown and carrying its one-time token (so
a double click or a reload posts once). Bans and nic ownership need the database or the cache: they are rules of the
write path (comments.services). Rate limits count a browser's tries, so the view asks them (comments.defences).
"""

from __future__ import annotations

import time

from django import forms
from django.conf import settings

from . import bbcode, defences, services
from .defences import read_stamp
from .nics import MAX_KEY_LENGTH, MAX_NIC_LENGTH, clean_nic, nic_key

MAX_COMMENT_CHARS = 10_000
MAX_EMAIL_CHARS = 254


class CommentForm(forms.Form):
    """The fields, labels, help texts and limits of the form on every story page (templates/comments/_form.html)."""

    nic = forms.CharField(
        label="Your Name",
        max_length=200,  # longer nics get clean_nic's clearer message
        error_messages={"required": "Type a nic: the name your comment appears under."},
    )
    email = forms.EmailField(
        label="Your e-mail (optional)",
        required=False,
        max_length=MAX_EMAIL_CHARS,
        help_text="Never shown to anyone but the editors.",
    )
    website = forms.URLField(
        label="Website (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
    )
    body = forms.CharField(
        label="Comment",
        strip=False,
        error_messages={"required": "The comment is empty: type what you want to say."},
        widget=forms.Textarea,
    )
    # Rendered afresh each time the form is shown (comments/_form.html), so a refused post is sent again as new.
    stamp = forms.CharField(widget=forms.HiddenInput, required=False)
    # The honeypot: hidden from people by the stylesheet and from screen readers; robots fill it in.
    homepage = forms.CharField(label="Leave this empty", required=False)

    def __init__(self, *args, story_pk: int | None, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.story_pk = story_pk
        self.user = user
        self.body_html = ""  # the body rendered once by clean_body: its links counted, then stored as posted
        self.submission_token = ""  # the stamp's one-time token, once the stamp is checked

    def clean_nic(self) -> str:
        nic = clean_nic(self.cleaned_data["nic"])
        key = nic_key(nic)
        if not nic or not key:
            raise forms.ValidationError("Type a nic: the name your comment appears under.")
        if nic in (".", ".."):  # a nic's page is /nic/<nic>/, and browsers read these two as "here" and "up"
            raise forms.ValidationError(
                "A nic of one or two dots alone cannot have its page: web addresses read them as directions. "
                "Add a letter or a sign."
            )
        if len(nic) > MAX_NIC_LENGTH:
            raise forms.ValidationError(f"A nic can be at most {MAX_NIC_LENGTH} characters; yours is {len(nic)}.")
        if len(key) > MAX_KEY_LENGTH:
            raise forms.ValidationError(
                "That nic holds characters that each stand for a whole word or phrase, which makes it too long to "
                "tell apart from others. Choose a shorter nic or plainer characters."
            )
        if defences.imitates_staff(nic, own=defences.own_skeletons(self.user) if self.user else set()):
            raise forms.ValidationError(
                "That nic could pass for the board's staff: an editor's name, or a word such as editor, moderator or "
                "admin. Choose another (Pic-a-Nic suggests one)."
            )
        return nic

    def clean_website(self) -> str:
        website = self.cleaned_data["website"]
        if website and bbcode.clean_url(website) is None:
            raise forms.ValidationError(
                "The website must be a whole http:// or https:// address, without spaces, quotes, backslashes "
                "or angle brackets."
            )
        return website

    def clean_body(self) -> str:
        body = bbcode.normalise_source(self.cleaned_data["body"])
        if not body.strip():
            raise forms.ValidationError("The comment is empty: type what you want to say.")
        if len(body) > MAX_COMMENT_CHARS:
            raise forms.ValidationError(
                f"A comment can be at most {MAX_COMMENT_CHARS:,} characters; yours is {len(body):,}. "
                "Shorten it and post again."
            )
        self.body_html = services.render(body, story=self.story_pk)
        if not bbcode.shows_anything(self.body_html):
            raise forms.ValidationError(
                "The comment shows nothing: only markup, or characters that draw nothing. Type what you want to say."
            )
        if message := defences.link_limit_message(self.body_html):
            raise forms.ValidationError(message)
        return body

    def check_for_posting(self) -> None:
        """The checks that only a post (not a preview) must pass: the honeypot and the stamp. Adds a form error
        saying why, with the text kept."""
        if self.cleaned_data.get("homepage"):
            self.add_error(None, "Your comment looked automated and was not posted. If you are a person, post again.")
            return
        found = read_stamp(self.cleaned_data.get("stamp", ""), self.story_pk)
        if found is None:
            self.add_error(None, "The form could not be checked. Reload the page and post again; your text is kept.")
            return
        shown_at, self.submission_token = found
        age = time.time() - shown_at
        if age < settings.COMMENT_MIN_SECONDS:
            self.add_error(
                None, "That was faster than anyone can type. Wait a few seconds and post again; your text is kept."
            )
        elif age > settings.COMMENT_FORM_MAX_AGE:
            hours = settings.COMMENT_FORM_MAX_AGE / 3600
            self.add_error(
                None,
                f"This form is more than {hours:g} hours old. Post again from this refreshed form; your text is kept.",
            )
