"""Writes with rules in them: posting a comment. Called by the view, the admin and the tests alike."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from articles.models import PICTURES_CACHE_KEY, Article, Picture
from articles.reads import story_for_posting
from rantboard import pagecache, prepared
from rantboard.cache import read

from . import bbcode
from .models import Comment, Commenter
from .nics import clean_nic, nic_key
from .rows import comment_row, latest_item
from .slots import count_cache_key

CLOSED_MESSAGE = "Sorry. Comments have been closed on this article."
STATS_CACHE_KEY = "comments:stats:v1"


class CommentRefused(Exception):  # noqa: N818 (a refusal, not an error in the program)
    """A comment that must not be saved, with the reason the commenter is shown."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Posted:
    comment: Comment
    duplicate: bool  # True when the same form was submitted again and the first comment is returned


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest() if token else ""


def picture_library() -> dict[str, bbcode.Picture]:
    """The picture library as the renderer needs it, cached until a picture changes."""
    pictures = read(PICTURES_CACHE_KEY)  # every post asks
    if pictures is None:
        pictures = {
            p.name: bbcode.Picture(url=p.get_absolute_url(), alt=p.alt_text, width=p.width, height=p.height)
            for p in Picture.objects.all()
        }
        cache.set(PICTURES_CACHE_KEY, pictures, 60 * 60)
    return pictures


def render(body: str) -> str:
    return bbcode.render_comment(body, pictures=picture_library())


def nic_is_taken(key: str) -> bool:
    return Commenter.objects.filter(key=key).exists()


def _claim_commenter(*, nic: str, owner_token: str, now) -> Commenter:
    key = nic_key(nic)
    owner = token_hash(owner_token)
    commenter = _locked_commenter(key)
    if commenter is None:  # a new nic (or one claimed this very moment by another post, which get_or_create handles)
        commenter, created = Commenter.objects.select_for_update().get_or_create(
            key=key, defaults={"nic": nic, "owner_token_hash": owner, "first_seen": now, "last_seen": now}
        )
        if created:
            return commenter
    if not commenter.owner_token_hash:
        commenter.owner_token_hash = owner
        commenter.save(update_fields=["owner_token_hash"])
    elif commenter.owner_token_hash != owner:
        raise CommentRefused(
            f"The nic “{commenter.nic}” belongs to another commenter. Choose another nic (Pic-a-Nic suggests one), "
            "or post from the browser where you first used it.",
            field="nic",
        )
    return commenter


COMMENTER_FIELDS = frozenset({"id", "nic", "key", "owner_token_hash"})


def _locked_commenter(key: str) -> Commenter | None:
    """The commenter under the nic `key`, locked until the transaction ends, or None: plain SQL, as on every post
    by a returning commenter; the ORM took longer to build the query than the database took to answer it."""
    columns = prepared.columns("c", Commenter, COMMENTER_FIELDS)
    sql = f"SELECT {columns} FROM {prepared.table(Commenter)} c WHERE c.key = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql + prepared.for_update(cursor.db), [key])
        row = cursor.fetchone()
        return None if row is None else prepared.load(Commenter, COMMENTER_FIELDS, row, cursor.db)


def _comment_id(where: str, params: list) -> int | None:
    """The first comment (by id) matching `where`: plain SQL, as these checks run on every post and almost never
    find one, and the ORM took longer to build each query than the database took to answer it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {prepared.table(Comment)} WHERE {where} ORDER BY id LIMIT 1", params)  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else None


def _posted(pk: int) -> Comment:
    return Comment.objects.select_related("article").get(pk=pk)


def comment_create(
    *,
    article: Article,
    nic: str,
    body: str,
    owner_token: str,
    email: str = "",
    website: str = "",
    ip: str | None = None,
    submission_token: str | None = None,
    body_html: str | None = None,
) -> Posted:
    """Post a comment: number, counts and rows land together in one transaction, or not at all.

    `body_html` is the body as `render` made it, when the caller (the form) has already rendered it.
    """
    nic = clean_nic(nic)
    body = bbcode.normalise_source(body)
    if submission_token:
        existing = _comment_id("submission_token = %s", [submission_token])
        if existing is not None:
            return Posted(_posted(existing), duplicate=True)
    if body_html is None:
        body_html = render(body)
    try:
        with transaction.atomic():
            now = timezone.now()
            # Locking the story row serialises posts to one story: numbers stay unique and gapless.
            locked = story_for_posting(article.pk, lock=True)
            if locked is None:
                raise Article.DoesNotExist("The story was deleted while the comment was being posted.")
            if not locked.comments_open(now):
                raise CommentRefused(CLOSED_MESSAGE)
            commenter = _claim_commenter(nic=nic, owner_token=owner_token, now=now)
            since = connection.ops.adapt_datetimefield_value(
                now - dt.timedelta(seconds=settings.COMMENT_DUPLICATE_WINDOW)
            )
            repeat = _comment_id(
                "article_id = %s AND commenter_id = %s AND body = %s AND created_at >= %s AND NOT removed",
                [locked.pk, commenter.pk, body, since],
            )
            if repeat is not None:
                # The same words from the same nic a moment ago (a second tab, a resent form): posted once.
                return Posted(_posted(repeat), duplicate=True)
            number = locked.last_comment_number + 1
            comment = Comment(
                article=locked,
                commenter=commenter,
                number=number,
                nic=nic,
                email=email,
                website=website,
                body=body,
                body_html=body_html,
                renderer_version=bbcode.RENDERER_VERSION,
                created_at=now,
                ip=ip,
                submission_token=submission_token or None,
            )
            comment.row_html = comment_row(comment)
            comment.latest_html = latest_item(comment)
            comment.save(force_insert=True)
            at = connection.ops.adapt_datetimefield_value(now)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {prepared.table(Article)} SET last_comment_number = %s, comment_count = comment_count + 1,"  # noqa: S608
                    " last_comment_at = %s, last_comment_nic = %s WHERE id = %s",
                    [number, at, nic, locked.pk],
                )
                cursor.execute(
                    f"UPDATE {prepared.table(Commenter)} SET comment_count = comment_count + 1, last_seen = %s"  # noqa: S608
                    " WHERE id = %s",
                    [at, commenter.pk],
                )
    except IntegrityError:
        # The same form posted twice at the same moment: the first one won; show it.
        existing = _comment_id("submission_token = %s", [submission_token]) if submission_token else None
        if existing is None:
            raise
        return Posted(_posted(existing), duplicate=True)
    pagecache.bump(stories=[locked.pk], forget=[STATS_CACHE_KEY, count_cache_key(commenter.key)])
    return Posted(comment, duplicate=False)
