"""The comment form's defences: each a small check that names its reason. The view calls them in order.

Limits are settings (see docs/security.md); counters live in their own cache (`rantboard.counters`), which is Redis
when REDIS_URL is set, so a limit reached through one app server holds on every other.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache

from rantboard import counters, pagecache
from rantboard.client_ip import rate_scope

from .nics import clean_nic, nic_key

STAMP_SALT = "rantboard.comment-form.v2"


def new_stamp(story_pk: int, *, now: float | None = None) -> str:
    """What a form shown now for this story carries: the story, the time, and a one-time token, signed."""
    shown_ms = int((time.time() if now is None else now) * 1000)  # (rounded down: never "shown" in the future)
    return signing.Signer(salt=STAMP_SALT).sign(f"{story_pk}:{shown_ms}:{secrets.token_urlsafe(18)}")


def read_stamp(stamp: str, story_pk: int) -> tuple[float, str] | None:
    """(when the form was shown, its one-time token), if the stamp is genuine and for this story."""
    try:
        value = signing.Signer(salt=STAMP_SALT).unsign(stamp or "")
        pk, shown_ms, token = value.split(":")
        return (int(shown_ms) / 1000, token) if int(pk) == story_pk else None
    except (signing.BadSignature, ValueError):
        return None


@dataclass(frozen=True)
class Refusal:
    message: str
    status: int = 400
    retry_after: int | None = None


# Rate limits: fixed windows counted in the cache.


def _window_key(scope: str, ident: str, window: int, start: int) -> str:
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]  # nics hold spaces and any script
    return f"rl:{scope}:{window}:{start}:{digest}"


def _count(windows: list[tuple[str, int]]) -> list[int]:
    """Add one to each (key, seconds to live) counter; return the new counts."""
    return [counters.hit(key, seconds=timeout) for key, timeout in windows]


def check_rate(*, ip: str | None, nic_key: str, now: float | None = None) -> Refusal | None:
    """Count this attempt in every window, per address (an IPv6 /64) and per nic; refuse when any is over its limit."""
    now = time.time() if now is None else now
    windows = []
    for scope, ident in (("ip", rate_scope(ip) if ip else "unknown"), ("nic", nic_key)):
        for limit, window in settings.COMMENT_RATE_LIMITS:
            start = int(now // window) * window
            windows.append((_window_key(scope, ident, window, start), window + 5, limit, start + window))
    counts = _count([(key, timeout) for key, timeout, _, _ in windows])
    over = [ends for (_, _, limit, ends), count in zip(windows, counts, strict=True) if count > limit]
    waits = [max(1, math.ceil(ends - now)) for ends in over]
    if waits:
        wait = max(waits)
        return Refusal(
            f"You are posting faster than the board allows. Wait {wait} seconds and post again; "
            "your text is kept below.",
            status=429,
            retry_after=wait,
        )
    return None


def check_flag_rate(*, ip: str | None, now: float | None = None) -> Refusal | None:
    """Flags per address (an IPv6 /64), so that one visitor cannot bury the queue."""
    now = time.time() if now is None else now
    limit, window = settings.COMMENT_FLAG_LIMIT
    start = int(now // window) * window
    if (
        counters.hit(_window_key("flag", rate_scope(ip) if ip else "unknown", window, start), seconds=window + 5)
        > limit
    ):
        wait = max(1, math.ceil(start + window - now))
        return Refusal(f"You have flagged many comments in a short time. Wait {wait} seconds.", 429, wait)
    return None


# Links: counted in what the renderer makes of the text, so a link is one link however it was typed.


def count_links(body_html: str) -> int:
    """Links out of the board: a quote's link to the comment it quotes (#cN, on the same page) is not one."""
    return body_html.count("<a ") - body_html.count('<a href="#c')


# Nics that imitate staff: compared as skeletons. The base is the nic's own key (UTS #39, comments/nics.py), so
# look-alike letters from any script, styled and compatibility forms, invisible fillers and l/I/i make no
# difference; on top of it, digits and signs written for letters, and spacing and punctuation make none either.

LETTERS_FOR_SIGNS = str.maketrans(
    {"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "|": "l", "!": "i"}
)
STAFF_CACHE_KEY = "comments:staff-skeletons:v2"
RESERVED_NAMES = ("admin", "administrator", "moderator", "editor", "staff", "webmaster", "sysop")


def skeleton(text: str) -> str:
    folded = nic_key(clean_nic(text).translate(LETTERS_FOR_SIGNS)).casefold()
    return "".join(ch for ch in folded if ch.isalpha())


@dataclass(frozen=True)
class StaffNames:
    exact: frozenset[str]  # a nic whose skeleton is one of these imitates staff
    within: frozenset[str]  # ... and so does one whose skeleton contains one of these (full names, 8+ letters)


def staff_changed() -> None:
    """Someone became or stopped being staff, or a staff member was renamed: the names are read again at once."""
    pagecache.forget(STAFF_CACHE_KEY)


def staff_names() -> StaffNames:
    cached = cache.get(STAFF_CACHE_KEY)
    if cached is not None:
        return cached
    exact, within = {skeleton(settings.SITE_NAME)}, set()
    for user in get_user_model().objects.filter(is_staff=True).only("username", "first_name", "last_name"):
        exact.add(skeleton(user.get_username()))
        full = skeleton(user.get_full_name())
        exact.add(full)
        if len(full) >= 8:
            within.add(full)
    names = StaffNames(frozenset(s for s in exact if len(s) >= 3), frozenset(within))
    cache.set(STAFF_CACHE_KEY, names, 300)
    return names


def imitates_staff(nic: str, *, own: set[str] = frozenset()) -> bool:
    """Whether a nic passes for an editor or an official role. `own`: the poster's own names, if they are staff."""
    whole = skeleton(nic)
    if whole in own:
        return False
    words = {skeleton(word) for word in re.split(r"[\s\W_]+", clean_nic(nic)) if word}
    reserved = {skeleton(name) for name in RESERVED_NAMES}
    if whole in reserved or words & reserved:
        return True
    names = staff_names()
    return whole in names.exact or any(name in whole for name in names.within)


def own_skeletons(user) -> set[str]:
    """A staff member may comment under their own name."""
    if not (user.is_authenticated and user.is_staff):
        return set()
    return {skeleton(user.get_username()), skeleton(user.get_full_name())} - {""}


def link_limit_message(body_html: str) -> str | None:
    """Refuse too many links, given the comment as the renderer made it."""
    links = count_links(body_html)
    limit = settings.COMMENT_MAX_LINKS
    if links > limit:
        return f"A comment can hold at most {limit} links; yours has {links}. Remove some and post again."
    return None
