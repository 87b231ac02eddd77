"""The comment section under a story, built in Python: the thread's stored rows, then the form or the closed notice.

The section is on every story page, and through Django's template engine its form alone cost about a third of a
millisecond (several microseconds per variable, and it has dozens). Like the rows (comments.rows) and the story
lists (articles.rows), it is built with f-strings instead; every value that a visitor or the database supplies is
escaped here, except the renderer's own output (the rows, the preview) and the markers of cached pages' slots.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from rantboard.markup import escape

TOOLBAR_BUTTONS = (
    # (tag, title, label, face)
    ("b", "Bold (Ctrl+B)", "Bold", "<b>B</b>"),
    ("i", "Italic (Ctrl+I)", "Italic", "<i>I</i>"),
    ("u", "Underline (Ctrl+U)", "Underline", "<u>U</u>"),
    ("s", "Strike", "Strike", "<s>S</s>"),
    ("*", "Bullet", "Bullet", "• Bullet"),
    ("quote", "Blockquote", "Blockquote", "Blockquote"),
    ("small", "Small", "Small", "<small>Small</small>"),
    ("big", "Big", "Big", "<big>Big</big>"),
    ("url", "Link (Ctrl+K)", "Link", "Link"),
    ("squish", "Squish a long link to its host", "Squish", "Squish"),
    ("foto", "A picture from the site's library", "Foto", "Foto"),
    ("img", "Link to an outside picture", "Photo", "Photo"),
)


@dataclass
class Section:
    """What the section shows. `csrf`, `stamp` and `greeting` are the visitor's own values, or a cached page's
    slot markers; `greeting` is HTML (escaped where it is made), the others are text."""

    article: object
    rows: str  # the stored rows, joined
    values: dict[str, str]  # what the form's fields hold: as typed, or to start with
    posted: bool  # whether the values came from a post (so are the visitor's own text)
    comments_open: bool
    pictures: list[str]
    csrf: str
    stamp: str
    greeting: str = ""
    comment_error: str | None = None
    comment_preview: str | None = None  # the renderer's output
    nic_note: str | None = None
    errors: dict = field(default_factory=dict)  # a refused form's errors, by field name
    non_field_errors: str = ""  # ... and the HTML of those about the whole form


def form_values(form) -> dict[str, str]:
    """What a form's fields hold, as the section shows them."""
    values = {name: form[name].value() for name in ("nic", "email", "website", "body", "token")}
    return {name: "" if value is None else str(value) for name, value in values.items()}


@functools.cache
def _fixed_urls() -> dict[str, str]:
    return {
        "preview": reverse("comments:preview"),
        "pick_nic": reverse("comments:pick_nic"),
        "script": static("js/comments.js"),
    }


@functools.lru_cache(maxsize=4096)
def _story_urls(pk: int) -> tuple[str, str, str]:
    return (
        reverse("comments:post", args=[pk]),
        reverse("comments:feed_story_rss", args=[pk]),
        reverse("comments:feed_story_atom", args=[pk]),
    )


def _invalid(section: Section, name: str) -> tuple[str, str]:
    """The field's aria attributes and its error paragraph, when it has errors."""
    errors = section.errors.get(name)
    if not errors:
        return "", ""
    attrs = f' aria-invalid="true" aria-describedby="{name}-error"'
    message = " ".join(escape(error) for error in errors)
    return attrs, f'<p class="field-error" id="{name}-error" role="alert">{message}</p>'


def comment_section(section: Section) -> str:
    article = section.article
    count = article.comment_count
    _, rss, atom = _story_urls(article.pk)
    return (
        f'<section id="comments" class="comments" aria-labelledby="comments-heading">\n'
        f'  <h2 id="comments-heading">{count} comment{"" if count == 1 else "s"}</h2>\n'
        f'  <p class="feeds">Follow this story\'s comments: <a href="{rss}">RSS</a> · <a href="{atom}">Atom</a></p>\n'
        f"  {section.rows}\n"
        f"{_closing_part(section)}"
        f"</section>\n"
    )


def _closing_part(section: Section) -> str:
    """The form, or why there is none."""
    article = section.article
    if not article.is_published:
        return '  <p class="comments-closed">Comments open when the story is published.</p>\n'
    if not section.comments_open:
        closed = '  <p class="comments-closed" role="alert">Sorry. Comments have been closed on this article.</p>\n'
        typed = section.values.get("body") if section.posted else None
        if typed:
            closed += (
                f'  <div class="refused-text">\n'
                f'    <label for="refused-body">Your comment was not posted. Here it is, to copy if you want to keep'
                f" it:</label>\n"
                f'    <textarea id="refused-body" readonly rows="6">{escape(typed)}</textarea>\n'
                f"  </div>\n"
            )
        return closed
    closes = timezone.localtime(article.closes_at)
    preview = ""
    if section.comment_preview:
        preview = (
            f'  <section class="comment-preview" aria-labelledby="preview-heading">\n'
            f'    <h3 id="preview-heading">Preview</h3>\n'
            f'    <div class="comment-body">{section.comment_preview}</div>\n'
            f"  </section>\n"
        )
    return (
        f'  <p class="closing-time">Comments close <time datetime="{closes.isoformat()}">'
        f"{closes:%Y-%m-%d %H:%M}</time>.</p>\n"
        f"{preview}"
        f"{_form(section)}"
        f'  <script src="{_fixed_urls()["script"]}" defer></script>\n'
    )


def _form(section: Section) -> str:
    urls = _fixed_urls()
    values = {name: escape(value) for name, value in section.values.items()}
    post_url = _story_urls(section.article.pk)[0]
    notes = ""
    if section.comment_error:
        notes += f'    <p class="form-error" role="alert">{escape(section.comment_error)}</p>\n'
    if section.nic_note:
        notes += f'    <p class="form-error" role="status">{escape(section.nic_note)}</p>\n'
    if section.greeting:
        notes += f"    {section.greeting}\n"
    if section.non_field_errors:
        notes += f'    <div class="form-error" role="alert">{section.non_field_errors}</div>\n'
    nic_attrs, nic_error = _invalid(section, "nic")
    email_attrs, email_error = _invalid(section, "email")
    website_attrs, website_error = _invalid(section, "website")
    body_attrs, body_error = _invalid(section, "body")
    buttons = "".join(
        f'        <button type="button" data-tag="{tag}" title="{title}" aria-label="{label}">{face}</button>\n'
        for tag, title, label, face in TOOLBAR_BUTTONS
    )
    pictures = [escape(name) for name in section.pictures]
    options = "".join(f'<option value="{name}">{name}</option>' for name in pictures)
    library = f": {', '.join(pictures)}" if pictures else ""
    # The linter reads "<select ... from the library" below as SQL.
    return (
        f'  <form class="comment-form" method="post" action="{post_url}#comment-form"'  # noqa: S608
        f' id="comment-form" novalidate\n'
        f'        data-preview-url="{urls["preview"]}" data-pick-nic-url="{urls["pick_nic"]}">\n'
        f'    <input type="hidden" name="csrfmiddlewaretoken" value="{escape(section.csrf)}">\n'
        f"    <h3>Add a comment</h3>\n"
        f"{notes}"
        f'    <input type="hidden" name="token" value="{values["token"]}">\n'
        f'    <input type="hidden" name="stamp" value="{escape(section.stamp)}">\n'
        f'    <div class="hp" aria-hidden="true">\n'
        f'      <label for="id_homepage">Leave this empty</label>\n'
        f'      <input type="text" id="id_homepage" name="homepage" value="" tabindex="-1" autocomplete="off">\n'
        f"    </div>\n"
        f'    <div class="field field-nic">\n'
        f'      <label for="id_nic">Your Name</label>\n'
        f'      <input type="text" name="nic" id="id_nic" value="{values["nic"]}" maxlength="40" size="30"'
        f' autocomplete="nickname" required{nic_attrs}>\n'
        f'      <button type="submit" name="original_nic" value="1" class="nic-button" data-action="original-nic">'
        f"My Original Nic</button>\n"
        f'      <button type="submit" name="picanic" value="1" class="nic-button" data-action="pick-nic">'
        f"Pic-a-Nic</button>\n"
        f"      {nic_error}\n"
        f"    </div>\n"
        f'    <div class="field">\n'
        f'      <label for="id_email">Your e-mail (optional)</label>\n'
        f'      <input type="email" name="email" id="id_email" value="{values["email"]}" maxlength="254"'
        f' size="30" autocomplete="email"{email_attrs}> <span class="help">Never shown to anyone but the editors.'
        f"</span>\n"
        f"      {email_error}\n"
        f"    </div>\n"
        f'    <div class="field">\n'
        f'      <label for="id_website">Website (optional)</label>\n'
        f'      <input type="url" name="website" id="id_website" value="{values["website"]}" maxlength="500"'
        f' size="30" autocomplete="url" placeholder="https://"{website_attrs}>\n'
        f"      {website_error}\n"
        f"    </div>\n"
        f'    <div class="field field-body">\n'
        f'      <label for="id_body">Comment</label>\n'
        f'      <div class="toolbar" role="toolbar" aria-label="Formatting" aria-controls="id_body" hidden>\n'
        f"{buttons}"
        f"      </div>\n"
        f'      <div class="foto-picker" hidden>\n'
        f'        <label for="foto-choice">Picture from the library</label>\n'
        f'        <select id="foto-choice">{options}</select>\n'
        f'        <button type="button" data-action="insert-foto">Insert</button>\n'
        f'        <button type="button" data-action="cancel-foto">Cancel</button>\n'
        f"      </div>\n"
        f'      <textarea name="body" id="id_body" rows="10" cols="70" class="comment-body" required{body_attrs}>\n'
        f"{values['body']}</textarea>\n"
        f"      {body_error}\n"
        f'      <details class="markup-help">\n'
        f"        <summary>Formatting tags</summary>\n"
        f"        <p>[b]bold[/b] [i]italic[/i] [u]underline[/u] [s]strike[/s] [small]small[/small] [big]big[/big];\n"
        f"          a line starting with [*] is a bullet; [quote]…[/quote] or [quote=Nic]…[/quote];\n"
        f"          [url=https://…]text[/url]; [squish]long link[/squish]; [img]https://…[/img] (shown as a link);\n"
        f"          [foto]name[/foto] for a picture from the library{library}.</p>\n"
        f"      </details>\n"
        f"    </div>\n"
        f'    <div class="form-actions">\n'
        f'      <button type="submit" name="preview" value="1" class="preview-button">Preview</button>\n'
        f'      <button type="submit" name="post" value="1" class="post-button">Post comment</button>\n'
        f"    </div>\n"
        f'    <div class="live-preview comment-body" aria-live="polite" hidden></div>\n'
        f"  </form>\n"
    )
