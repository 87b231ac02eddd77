"""Moderation: redact, edit with a visible note, remove, ban, and the audit trail that records each of them.

Every function here is one transaction that changes the comments, keeps the counts right and writes the audit rows.
The admin calls them; so do the tests.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.models import Article
from rantboard import pagecache
from rantboard.client_ip import rate_scope

from . import services
from .bans import BANS_CACHE_KEY
from .models import Ban, Comment, Commenter, Flag, ModerationAction
from .nics import clean_nic, nic_key
from .services import comment_row, count_cache_key


def _moderator_name(moderator) -> str:
    return moderator.get_full_name() or moderator.get_username()


def recount(*, article_ids: Iterable[int] = (), commenter_ids: Iterable[int] = ()) -> None:
    """Set the stories' and commenters' figures from the comments that are shown. Numbers are left alone."""
    article_ids = set(article_ids)
    for article_id in article_ids:
        shown = Comment.objects.shown().filter(article_id=article_id)
        latest = shown.order_by("-number").values("created_at", "nic").first()
        Article.objects.filter(pk=article_id).update(
            comment_count=shown.count(),
            last_comment_at=latest["created_at"] if latest else None,
            last_comment_nic=latest["nic"] if latest else "",
        )
    commenters = Commenter.objects.filter(pk__in=set(commenter_ids))
    # One statement for any number of commenters: unpublishing a long thread recounts everyone in it.
    theirs = Comment.objects.filter(commenter=OuterRef("pk")).order_by().values("commenter")
    commenters.update(
        comment_count=Coalesce(Subquery(theirs.counted().annotate(n=Count("id")).values("n")), 0),
        last_seen=Coalesce(Subquery(theirs.shown().annotate(last=Max("created_at")).values("last")), F("last_seen")),
    )
    keys = commenters.values_list("key", flat=True)
    pagecache.changed(stories=article_ids, forget=[services.STATS_CACHE_KEY, *(count_cache_key(key) for key in keys)])


def _commenters_under(article_ids: Iterable[int]) -> set[int]:
    theirs = Comment.objects.filter(article_id__in=article_ids).order_by()
    return set(theirs.values_list("commenter_id", flat=True).distinct())


def recount_after_publication(sender, *, changes, **kwargs) -> None:
    """A story published or withdrawn moves the figures of everyone who commented under it
    (articles.signals.stories_changed_by_editor)."""
    stories = {change.article.pk for change in changes if change.action in ("publish", "unpublish")}
    if stories:
        recount(commenter_ids=_commenters_under(stories))


def _locked(comment: Comment) -> None:
    """Lock the comment's row for the transaction and read its text again: its author may have edited it since the
    editor's form was read, and the audit's "before" must be the text the editor's change replaced."""
    fresh = (
        Comment.objects.select_for_update()
        .values("body", "body_html", "edited_at", "redacted", "redaction_note")
        .get(pk=comment.pk)
    )
    for field, value in fresh.items():
        setattr(comment, field, value)


@transaction.atomic
def comment_redact(*, comment: Comment, moderator, note: str = "") -> bool:
    """Hide one comment's text, showing the note (or a standard line) in its place. The nic may go on posting.
    False, and nothing written, when it is redacted with this note already (a second editor, a second click)."""
    _locked(comment)
    if comment.redacted and comment.redaction_note == note.strip()[:300]:
        _resolve_flags(Flag.objects.filter(comment=comment))  # a flag that came in meanwhile is answered all the same
        return False
    comment.redacted = True
    comment.redaction_note = note.strip()[:300]
    comment.row_html = comment_row(comment)
    comment.save(update_fields=["redacted", "redaction_note", "row_html"])
    pagecache.changed(stories=[comment.article_id])
    ModerationAction.objects.create(
        action=ModerationAction.Action.REDACT, moderator=moderator, comment=comment, commenter_id=comment.commenter_id,
        reason=note, before=comment.body,
    )  # fmt: skip
    _resolve_flags(Flag.objects.filter(comment=comment))
    return True


def quoting(comments) -> list[Comment]:
    """The shown comments whose checked quotes link to any of `comments` (their stored HTML names it: `#cN`): hiding a
    comment leaves its words in those quotes, which only an editor's edit of each can take out."""
    found = Q()
    for comment in comments:
        found |= Q(article_id=comment.article_id, body_html__contains=f'href="#{comment.anchor}"')
    if not found:
        return []
    return list(Comment.objects.shown().filter(found, redacted=False).only("id", "article_id", "number").order_by("id"))


@transaction.atomic
def comment_unredact(*, comment: Comment, moderator) -> None:
    comment.redacted = False
    comment.row_html = comment_row(comment)
    comment.save(update_fields=["redacted", "row_html"])
    pagecache.changed(stories=[comment.article_id])
    ModerationAction.objects.create(
        action=ModerationAction.Action.UNREDACT, moderator=moderator, comment=comment, commenter_id=comment.commenter_id
    )


def edit_note_prefix(moderator) -> str:
    """How an editor's change to a comment's text begins, under the comment."""
    return f"Edited by {_moderator_name(moderator)}:"


@transaction.atomic
def comment_edit(*, comment: Comment, moderator, body: str, note: str) -> None:
    """Change a comment's text. Never silent: the note is shown under it, and the original stays in the audit. The
    admin's form asks for the note with a message; a caller without one is a mistake in the program."""
    if not note.strip():
        raise ValueError("An editor's change to a comment's text needs a note: readers are shown it.")
    _locked(comment)
    original = comment.body
    comment.body = services.bbcode.normalise_source(body)
    comment.moderator_note = f"{edit_note_prefix(moderator)} {note.strip()}"[:400]
    services.render_again(comment)
    comment.save(update_fields=["body", "moderator_note", *services.RENDERED_FIELDS])
    pagecache.changed(stories=[comment.article_id])
    ModerationAction.objects.create(
        action=ModerationAction.Action.EDIT, moderator=moderator, comment=comment, commenter_id=comment.commenter_id,
        reason=note, before=original, after=comment.body,
    )  # fmt: skip


@transaction.atomic
def comments_remove(*, comments, moderator, reason: str = "") -> int:
    """Take comments out of their threads (kept, for the audit), and put the counts right."""
    # Locked through a plain query over the same comments: the caller's may be grouped (the moderation queue counts
    # each comment's flags), and PostgreSQL locks no rows of a grouped query.
    ids = list(comments.values_list("pk", flat=True))
    targets = list(Comment.objects.filter(pk__in=ids, removed=False).select_for_update())
    if not targets:
        return 0
    Comment.objects.filter(pk__in=[c.pk for c in targets]).update(removed=True)
    ModerationAction.objects.bulk_create(
        ModerationAction(
            action=ModerationAction.Action.REMOVE, moderator=moderator, comment=c, commenter_id=c.commenter_id,
            reason=reason, before=c.body,
        )
        for c in targets
    )  # fmt: skip
    recount(article_ids=[c.article_id for c in targets], commenter_ids=[c.commenter_id for c in targets])
    _resolve_flags(Flag.objects.filter(comment__in=targets))
    return len(targets)


@transaction.atomic
def comments_restore(*, comments, moderator) -> int:
    targets = list(comments.filter(removed=True))
    Comment.objects.filter(pk__in=[c.pk for c in targets]).update(removed=False)
    ModerationAction.objects.bulk_create(
        ModerationAction(
            action=ModerationAction.Action.RESTORE, moderator=moderator, comment=c, commenter_id=c.commenter_id
        )
        for c in targets
    )
    recount(article_ids=[c.article_id for c in targets], commenter_ids=[c.commenter_id for c in targets])
    return len(targets)


def normalise_ban_value(kind: str, value: str) -> str:
    """The canonical form of what a ban names; raises ValueError for an address or network that is not one."""
    value = value.strip()
    if kind == Ban.Kind.NIC:
        if not nic_key(value):
            raise ValueError("Name the nic to ban.")
        return clean_nic(value)
    if kind == Ban.Kind.IP:
        address = ipaddress.ip_address(value)
        return str(address.ipv4_mapped or address) if address.version == 6 else str(address)
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise ValueError(
            f"{value!r} is not a network. Write an address and a prefix: 203.0.113.0/24 (IPv4 prefixes run from "
            "/8 to /32) or 2001:db8:1:2::/64 (IPv6, /32 to /128)."
        ) from exc
    widest = 8 if network.version == 4 else 32
    if network.prefixlen < widest:
        raise ValueError("That network is too wide to ban (at most a /8 for IPv4, a /32 for IPv6).")
    return str(network)


def bans_changed() -> None:
    """A ban was made, changed, lifted or shortened: the list `banned` reads is stale (no page shows bans)."""
    pagecache.forget(BANS_CACHE_KEY)


@transaction.atomic
def ban_create(*, kind: str, value: str, reason: str, moderator, expires_at: dt.datetime | None = None) -> Ban:
    ban = Ban.objects.create(
        kind=kind, value=normalise_ban_value(kind, value), reason=reason, expires_at=expires_at, created_by=moderator
    )
    commenter = Commenter.objects.filter(key=nic_key(ban.value)).first() if kind == Ban.Kind.NIC else None
    ModerationAction.objects.create(
        action=ModerationAction.Action.BAN, moderator=moderator, ban=ban, commenter=commenter, reason=reason,
        after=str(ban),
    )  # fmt: skip
    if commenter is not None:
        _resolve_flags(Flag.objects.filter(comment__commenter=commenter))  # the nic's flagged comments are handled
    bans_changed()
    return ban


@transaction.atomic
def ban_addresses(
    *,
    addresses: Iterable[str],
    reason: str,
    moderator,
    ipv4_prefix: int | None = None,
    ipv6_prefix: int | None = None,
    expires_at: dt.datetime | None = None,
) -> list[Ban]:
    """Ban each address, or the network of the given prefix around it (by IP version), once per network.

    Every value is checked before any ban is made: a ValueError (a prefix out of range) leaves nothing behind.
    """
    targets = {}
    for text in addresses:
        address = ipaddress.ip_address(text)
        prefix = ipv4_prefix if address.version == 4 else ipv6_prefix
        kind, value = (Ban.Kind.NETWORK, f"{address}/{prefix}") if prefix else (Ban.Kind.IP, str(address))
        targets[(kind, normalise_ban_value(kind, value))] = None
    return [
        ban_create(kind=kind, value=value, reason=reason, moderator=moderator, expires_at=expires_at)
        for kind, value in targets
    ]


def _described(ban: Ban) -> str:
    return f"{ban} ({ban.reason})"


@transaction.atomic
def ban_change(*, ban: Ban, moderator, reason: str, expires_at: dt.datetime | None) -> Ban:
    """Change why a ban was made or when it ends (what it names stays: that is a new ban). The audit keeps both."""
    current = Ban.objects.select_for_update().get(pk=ban.pk)
    if (current.reason, current.expires_at) == (reason, expires_at):
        return current
    before = _described(current)
    current.reason, current.expires_at = reason, expires_at
    current.save(update_fields=["reason", "expires_at"])
    ModerationAction.objects.create(
        action=ModerationAction.Action.CHANGE_BAN, moderator=moderator, ban=current, reason=reason, before=before,
        after=_described(current),
    )  # fmt: skip
    bans_changed()
    return current


@transaction.atomic
def ban_lift(*, ban: Ban, moderator) -> bool:
    """End a ban now; False, and nothing written, for one that has already ended (its end stays in the trail)."""
    before = str(ban)
    if not Ban.objects.active().filter(pk=ban.pk).update(expires_at=timezone.now()):
        return False
    ModerationAction.objects.create(action=ModerationAction.Action.UNBAN, moderator=moderator, ban=ban, before=before)
    bans_changed()
    return True


@transaction.atomic
def remove_and_ban(
    *,
    moderator,
    reason: str,
    days: int,
    nic: str = "",
    ip: str = "",
    expires_at: dt.datetime | None = None,
) -> tuple[int, list[Ban]]:
    """The one-step troll-dump: remove everything by this nic and/or IP in the last N days, and ban them (an IPv6
    address's /64)."""
    since = timezone.now() - dt.timedelta(days=days)
    bans = []
    removed = 0
    if nic:
        commenter = Commenter.objects.filter(key=nic_key(nic)).first()
        if commenter:
            removed += comments_remove(
                comments=Comment.objects.filter(commenter=commenter, created_at__gte=since),
                moderator=moderator,
                reason=reason,
            )
        bans.append(ban_create(kind=Ban.Kind.NIC, value=nic, reason=reason, moderator=moderator, expires_at=expires_at))
    if ip:
        # One visitor, as the rate limits count them: an IPv4 address, or an IPv6 address's /64, in which a household
        # or machine picks addresses at will (banning the address alone stops nobody; "Ban the IP addresses" offers
        # the same network by default).
        place = rate_scope(normalise_ban_value(Ban.Kind.IP, ip))
        recent = Comment.objects.filter(created_at__gte=since)
        if "/" in place:
            network = ipaddress.ip_network(place)
            found = recent.filter(ip__contains=":").values_list("pk", "ip")  # the window's IPv6 comments, tested here
            comments = Comment.objects.filter(pk__in=[pk for pk, at in found if ipaddress.ip_address(at) in network])
            kind = Ban.Kind.NETWORK
        else:
            comments, kind = recent.filter(ip=place), Ban.Kind.IP
        removed += comments_remove(comments=comments, moderator=moderator, reason=reason)
        bans.append(ban_create(kind=kind, value=place, reason=reason, moderator=moderator, expires_at=expires_at))
    return removed, bans


@transaction.atomic
def release_nic(*, commenter: Commenter, moderator) -> None:
    """Let the next browser to post under this nic claim it (for a commenter who lost their cookie)."""
    Commenter.objects.filter(pk=commenter.pk).update(owner_token_hash="")
    ModerationAction.objects.create(
        action=ModerationAction.Action.RELEASE_NIC, moderator=moderator, commenter=commenter
    )


def address_bans(addresses: Iterable[str], *, now: dt.datetime | None = None) -> list[Ban]:
    """The IP and network bans in force that cover any of these addresses (for an editor's eyes: `banned` is what
    posting asks)."""
    parsed = set()
    for text in addresses:
        try:
            parsed.add(ipaddress.ip_address(text))
        except ValueError:
            continue  # an address already shortened, or none
    if not parsed:
        return []
    found = []
    for ban in Ban.objects.active(now).exclude(kind=Ban.Kind.NIC):
        if ban.kind == Ban.Kind.IP:
            hit = ipaddress.ip_address(ban.value) in parsed
        else:
            network = ipaddress.ip_network(ban.value)
            hit = any(address.version == network.version and address in network for address in parsed)
        if hit:
            found.append(ban)
    return found


def record_story_changes(sender, *, editor, changes, **kwargs) -> None:
    """The audit trail's rows for what editors did to stories (articles.signals.stories_changed_by_editor)."""
    ModerationAction.objects.bulk_create(
        ModerationAction(
            action=change.action, moderator=editor, article=change.article, before=change.before, after=change.after
        )
        for change in changes
    )


# Readers' flags: resolved when an editor acts on the comment (redacts, removes, bans its nic) or dismisses them.


def _resolve_flags(flags) -> int:
    return flags.filter(resolved_at=None).update(resolved_at=timezone.now())


def open_flag_counts(comment: Comment) -> dict[str, int]:
    """How many open flags the comment has, by reason (only the reasons it has)."""
    rows = Flag.objects.filter(comment=comment, resolved_at=None).values("reason").annotate(n=Count("id"))
    return {row["reason"]: row["n"] for row in rows}


def weighed_reasons(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Reasons by how many flags gave them; a tie goes to the one listed first (spam, abuse, off-topic), so the
    answer never wobbles."""
    order = list(Flag.Reason.values)
    return sorted(((r, n) for r, n in counts.items() if n), key=lambda item: (-item[1], order.index(item[0])))


def note_from_flags(counts: dict[str, int]) -> str:
    """What readers see in place of a comment redacted from the queue: the reason most readers gave."""
    weighed = weighed_reasons(counts)
    if not weighed:
        return ""  # comment_redact's standard line
    return f"Removed by the editors: {Flag.Reason(weighed[0][0]).label.lower()}."


def reason_from_flags(counts: dict[str, int]) -> str:
    """The audit trail's (and a ban's) reason for an action taken from the queue: every reason readers gave."""
    weighed = weighed_reasons(counts)
    return "Flagged by readers: " + ", ".join(f"{Flag.Reason(r).label.lower()} ({n})" for r, n in weighed)


@transaction.atomic
def flags_dismiss(*, comments, moderator) -> int:
    """The editors looked and the comments stay as they are: their open flags are closed, and the trail says so."""
    flagged = list(comments.filter(flags__resolved_at=None).distinct())
    for comment in flagged:
        open_flags = _resolve_flags(Flag.objects.filter(comment=comment))
        flags = "1 flag" if open_flags == 1 else f"{open_flags} flags"
        ModerationAction.objects.create(
            action=ModerationAction.Action.DISMISS_FLAGS, moderator=moderator, comment=comment,
            commenter_id=comment.commenter_id, reason=f"{flags} dismissed",
        )  # fmt: skip
    return len(flagged)
