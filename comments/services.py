"""Writes with rules in them: posting a comment. Called by the view, the demo command and the tests alike."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone

from articles.models import PICTURES_CACHE_KEY, Article, Picture
from rantboard import pagecache

from . import bbcode
from .bans import banned
from .models import Comment, Commenter, CommentRevision, Flag
from .nics import clean_nic, nic_key

BANNED_MESSAGE = (
    "Posting under this nic or from this address has been suspended by the editors. Your text is kept below."
)
CLOSED_MESSAGE = "Sorry. Comments have been closed on this article."
FORM_USED_MESSAGE = (
    "This form has already posted comment #{number}, and a form posts one comment (was the story open in two tabs?). "
    "Your text is below in a new form: press Post comment to post it."
)
STATS_CACHE_KEY = "comments:stats:v1"
COUNT_CACHE_PREFIX = "comments:nic-count:"
# How far a quote's check looks: a nic's latest comments on the story, and each one's latest earlier texts.
QUOTED_NICS_LATEST = 20
QUOTED_REVISIONS = 5


class CommentRefused(Exception):  # noqa: N818 (a refusal, not an error in the program)
    """A comment that must not be saved, with the reason the commenter is shown."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


@dataclass(frozen=True)
class Posted:
    comment: Comment
    duplicate: bool  # True when the same form was submitted again and the first comment is returned


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest() if token else ""


def count_cache_key(key: str) -> str:
    """Where a nic's comment count is cached for the greeting; forgotten by every write that changes it."""
    return COUNT_CACHE_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:32]


def picture_library() -> dict[str, bbcode.Picture]:
    """The picture library as the renderer needs it, cached until a picture changes (articles.services)."""
    pictures = cache.get(PICTURES_CACHE_KEY)
    if pictures is None:
        pictures = {
            p.name: bbcode.Picture(url=p.get_absolute_url(), alt=p.alt_text, width=p.width, height=p.height)
            for p in Picture.objects.all()
        }
        cache.set(PICTURES_CACHE_KEY, pictures, 60 * 60)
    return pictures


def render(body: str, *, story: int | None) -> str:
    """A comment's text as readers see it, its quotes checked against the comments of `story` they name (None: a
    preview that names no story, its quotes shown as typed)."""
    quotes = partial(quoted_comments, story) if story is not None else None
    return bbcode.render_comment(body, pictures=picture_library(), quotes=quotes)


def quoted_comments(story: int, numbers: set[int], nics: set[str]) -> list[bbcode.QuotedComment]:
    """The comments of a story that quotes giving these numbers, or naming these nics without a number, may be of,
    with the texts readers have seen them show: none for a redacted or removed comment, and an author's earlier
    texts only until an editor steps in (as its history shows them). A nic's latest QUOTED_NICS_LATEST comments are
    looked in, and each comment's latest QUOTED_REVISIONS earlier texts: a long reply full of quotes of a prolific
    nic must not cost the board seconds."""
    # A nic with a bracket a quote tag cannot hold is quoted with round ones (bbcode.quote_option): look for it as
    # both, so "[quote=Bob (NYC]" finds Bob [NYC's comments.
    spellings = {*nics, *(nic.replace("(", "[").replace(")", "]") for nic in nics)}
    keys = {key for nic in spellings if (key := nic_key(nic))}
    rows = Comment.objects.under_visible_stories().filter(article_id=story)
    latest_of_nics = rows.filter(commenter__key__in=keys).order_by("-number").values("pk")[:QUOTED_NICS_LATEST]
    found = (
        rows.filter(Q(number__in=sorted(numbers)[: bbcode.MAX_CHECKED_QUOTES]) | Q(pk__in=latest_of_nics))
        .only("number", "nic", "body_html", "redacted", "removed", "moderator_note")
        .prefetch_related(
            Prefetch("revisions", queryset=CommentRevision.objects.only("comment_id", "body_html").order_by("-id"))
        )
    )
    return [
        bbcode.QuotedComment(number=comment.number, nic=comment.nic, shown=_texts_readers_saw(comment))
        for comment in found
    ]


def _texts_readers_saw(comment: Comment) -> tuple[str, ...]:
    if comment.removed or comment.redacted:
        return ()
    earlier = () if comment.editors_stepped_in else comment.revisions.all()[:QUOTED_REVISIONS]
    return (comment.body_html, *(revision.body_html for revision in earlier))


def comment_row(comment: Comment) -> str:
    """The comment as its thread shows it, stored with it: a thread is its stored rows joined."""
    return render_to_string("comments/_comment.html", {"comment": comment})


def nic_is_taken(key: str) -> bool:
    return Commenter.objects.filter(key=key).exists()


def _claim_commenter(*, nic: str, owner_token: str, now) -> Commenter:
    """The commenter behind the nic, locked until the transaction ends: made for a new nic, claimed by this browser
    if nobody has claimed it, and refused if another browser owns it."""
    owner = token_hash(owner_token)
    commenter, created = Commenter.objects.select_for_update().get_or_create(
        key=nic_key(nic), defaults={"nic": nic, "owner_token_hash": owner, "first_seen": now, "last_seen": now}
    )
    if created:
        return commenter
    if not commenter.owner_token_hash:
        commenter.owner_token_hash = owner
        commenter.save(update_fields=["owner_token_hash"])
    elif commenter.owner_token_hash != owner:
        raise CommentRefused(_nic_taken_message(commenter), field="nic")
    return commenter


def nic_claimed_by_another(nic: str, owner_token: str) -> CommentRefused | None:
    """The refusal, if another browser owns this nic: checked before the post counts against any rate limit, so
    that tries under someone else's nic never use up the owner's allowance. (The write path checks again, under
    its lock.)"""
    commenter = Commenter.objects.filter(key=nic_key(nic)).only("nic", "owner_token_hash").first()
    if commenter is None or not commenter.owner_token_hash or commenter.owner_token_hash == token_hash(owner_token):
        return None
    return CommentRefused(_nic_taken_message(commenter), field="nic")


def _nic_taken_message(commenter: Commenter) -> str:
    return (
        f"The nic “{commenter.nic}” belongs to another commenter. Choose another nic (Pic-a-Nic suggests one), "
        "or post from the browser where you first used it."
    )


def _already_posted(submission_token: str | None, body: str, owner_token: str) -> Posted | None:
    """The comment this form posted already, when it is the same form sent again by the same browser (a double
    click, a reload, an answer that never arrived). Raises CommentRefused when the form's stamp posted a comment
    that is not this: other words (two tabs of a page the browser kept), so that the text comes back rather than
    vanishing behind the first comment; or another browser (a stamp someone planted, then replayed), which must not
    be answered with the first comment and its author's cookies."""
    if not submission_token:
        return None
    earlier = Comment.objects.filter(submission_token=submission_token)
    # Asked of every post and almost always answered no: exists() answers without reading a comment and its story.
    if not earlier.exists():
        return None
    comment = earlier.select_related("article", "commenter").first()
    if comment is None:
        return None
    same_words = body == comment.body or comment.revisions.filter(body=body).exists()  # its author may have edited it
    if not same_words or comment.commenter.owner_token_hash != token_hash(owner_token):
        raise CommentRefused(FORM_USED_MESSAGE.format(number=comment.number), status=409)
    # The first answer may never have reached the poster, nor its change the cache: retire the pages again.
    pagecache.changed(stories=[comment.article_id])
    return Posted(comment, duplicate=True)


def comment_create(
    *,
    article_id: int,
    nic: str,
    body: str,
    owner_token: str,
    email: str = "",
    website: str = "",
    ip: str | None = None,
    submission_token: str | None = None,
    body_html: str | None = None,
) -> Posted:
    """Post a comment: number, counts and row land together in one transaction, or not at all.

    Raises Article.DoesNotExist when readers cannot see the story, CommentRefused when it is closed, the nic or the
    address is banned, the nic is another browser's or the form posted other words already. `body_html` is the body
    as `render` made it, when the caller (the form) already rendered it.
    """
    nic = clean_nic(nic)
    body = bbcode.normalise_source(body)
    if found := _already_posted(submission_token, body, owner_token):
        return found
    if banned(nic=nic, ip=ip):
        raise CommentRefused(BANNED_MESSAGE)
    if body_html is None:
        body_html = render(body, story=article_id)
    try:
        with transaction.atomic():
            now = timezone.now()
            # Locking the story row queues posts to one story, so numbers stay unique and gapless. (SQLite has no
            # row locks; its IMMEDIATE transactions take the database's write lock instead.)
            article = Article.objects.visible().select_for_update().get(pk=article_id)
            if not article.comments_open(now):
                raise CommentRefused(CLOSED_MESSAGE)
            commenter = _claim_commenter(nic=nic, owner_token=owner_token, now=now)
            repeat = (
                Comment.objects.shown()
                .filter(
                    article=article,
                    commenter=commenter,
                    body=body,
                    created_at__gte=now - dt.timedelta(seconds=settings.COMMENT_DUPLICATE_WINDOW),
                )
                .order_by("id")
                .first()
            )
            if repeat is not None:
                # The same words from the same nic a moment ago (a second tab, a resent form): posted once. The
                # first post's change may never have reached the cache: retire the story's pages again, as a resend
                # of the same form does.
                pagecache.changed(stories=[article.pk])
                return Posted(repeat, duplicate=True)
            number = article.last_comment_number + 1
            comment = Comment(
                article=article,
                commenter=commenter,
                number=number,
                nic=nic,
                email=email,
                website=website,
                body=body,
                created_at=now,
                ip=ip,
                submission_token=submission_token or None,
            )
            _store_rendered(comment, body_html)
            comment.save(force_insert=True)
            Article.objects.filter(pk=article.pk).update(
                last_comment_number=number,
                comment_count=F("comment_count") + 1,
                last_comment_at=now,
                last_comment_nic=nic,
            )
            Commenter.objects.filter(pk=commenter.pk).update(comment_count=F("comment_count") + 1, last_seen=now)
            pagecache.changed(stories=[article.pk], forget=[STATS_CACHE_KEY, count_cache_key(commenter.key)])
    except IntegrityError:
        # The same form posted twice at the same moment: the first one won; show it.
        if found := _already_posted(submission_token, body, owner_token):
            return found
        raise
    return Posted(comment, duplicate=False)


RENDERED_FIELDS = ["body_html", "misquotes", "renderer_version", "row_html"]


def _store_rendered(comment: Comment, body_html: str) -> None:
    """Fill what is kept of a comment's rendering (`RENDERED_FIELDS`) from its text's HTML; the caller saves it."""
    comment.body_html = body_html
    comment.misquotes = bbcode.UNMATCHED_CITE in body_html
    comment.renderer_version = bbcode.RENDERER_VERSION
    comment.row_html = comment_row(comment)


def render_again(comment: Comment) -> None:
    """Render a comment's text anew, with the current renderer and row template; the caller saves
    `RENDERED_FIELDS`. Its story is read for the row: select_related("article")."""
    _store_rendered(comment, render(comment.body, story=comment.article_id))


def rerender_showing_pictures(*, names, **kwargs) -> None:
    """Render again the comments that show a library picture by one of these names (`articles.signals.
    pictures_changed`, in the library's transaction), so none points at a picture that is gone or renamed. Found by
    the picture's address in their stored HTML: only the comments that show it, whatever their [foto] said. The
    library's write function has retired every page already (articles.services.filing_save)."""
    found = Q()
    for name in names:
        found |= Q(body_html__contains=f'src="{html.escape(Picture(name=name).get_absolute_url(), quote=True)}"')
    if not found:
        return
    comments = list(Comment.objects.filter(found).select_related("article"))
    for comment in comments:
        render_again(comment)
    Comment.objects.bulk_update(comments, RENDERED_FIELDS)


def comments_rerendered() -> None:
    """Stored rows were rebuilt in bulk (`manage.py rerender_comments`): every page that shows them is stale."""
    pagecache.changed()


def nics_rekeyed() -> None:
    """Commenters were given new keys (`manage.py rekey_nics`): nic pages and the forms' owner checks read them."""
    pagecache.changed()


def flagged_already(*, comment: Comment, flagger_token: str) -> bool:
    """Whether this browser has flagged this comment: asked before the rate limit, so a repeat costs nothing."""
    return bool(flagger_token) and Flag.objects.filter(comment=comment, flagger=token_hash(flagger_token)).exists()


def flag_create(*, comment: Comment, reason: str, flagger_token: str) -> bool:
    """A reader flags a comment; False when this browser had flagged it already (one flag per browser)."""
    flagger = token_hash(flagger_token)
    try:
        with transaction.atomic():
            Flag.objects.create(comment=comment, reason=reason, flagger=flagger)
    except IntegrityError:
        return False
    return True


REMOVED_MESSAGE = "That comment is no longer on the board."
EDIT_BANNED_MESSAGE = "Posting and editing under this nic or from this address have been suspended by the editors."


def edit_deadline(comment: Comment) -> dt.datetime:
    return comment.created_at + dt.timedelta(minutes=settings.COMMENT_EDIT_MINUTES)


def edit_refusal(*, comment: Comment, owner_token: str, now: dt.datetime | None = None) -> str | None:
    """Why this browser may not edit this comment now, or None if it may."""
    now = now or timezone.now()
    if comment.removed:
        return REMOVED_MESSAGE
    if not owner_token or comment.commenter.owner_token_hash != token_hash(owner_token):
        return "Only the browser that posted a comment can edit it."
    if comment.editors_stepped_in:
        return "An editor has stepped in on this comment, so it can no longer be edited."
    if not comment.article.comments_open(now):
        return CLOSED_MESSAGE
    if now > edit_deadline(comment):
        return (
            f"A comment can be edited for {settings.COMMENT_EDIT_MINUTES} minutes after it is posted; that time is "
            "over."
        )  # the edit page offers the story's comment form instead (and the text, if any was sent)
    return None


def comment_edit_by_author(
    *, comment_id: int, owner_token: str, body: str, body_html: str, ip: str | None = None
) -> Comment:
    """The commenter changes their own comment's text: from the browser that owns the nic, within
    COMMENT_EDIT_MINUTES of posting, while the story is open, neither the nic nor the address `ip` is banned and
    before any editor has stepped in. The text it had is
    kept (CommentRevision) and readers see that it was edited. The text as it was is no edit: nothing is saved.
    Raises CommentRefused with the reason."""
    body = bbcode.normalise_source(body)
    with transaction.atomic():
        comment = (
            Comment.objects.visible().select_related("article", "commenter").select_for_update(of=("self",))
            .filter(pk=comment_id).first()
        )  # fmt: skip
        now = timezone.now()
        if comment is None:
            raise CommentRefused(REMOVED_MESSAGE)
        if banned(nic=comment.nic, ip=ip):
            raise CommentRefused(EDIT_BANNED_MESSAGE)
        if refusal := edit_refusal(comment=comment, owner_token=owner_token, now=now):
            raise CommentRefused(refusal)
        if body == comment.body:
            return comment
        CommentRevision.objects.create(comment=comment, body=comment.body, body_html=comment.body_html, replaced_at=now)
        comment.body, comment.edited_at = body, now
        _store_rendered(comment, body_html)
        comment.save(update_fields=["body", "edited_at", *RENDERED_FIELDS])
        pagecache.changed(stories=[comment.article_id])
    return comment
