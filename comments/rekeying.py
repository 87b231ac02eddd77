"""Giving every commenter the key their nic has under today's `nic_key`, when that definition or its Unicode data
changes (a data migration, and `manage.py rekey_nics` after an upgrade of the confusables data).

Two nics that now share a key were two commenters who may each have posted: neither is renamed or merged. The one
who posted first keeps the key; the other keeps their nic, comments and page contents under a key no typed nic can
produce, and the run reports the pair so the editors can decide (the later commenter's next post under that nic is
refused as another browser's, and they pick another).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from .nics import MAX_KEY_LENGTH, nic_key

# No key made by nic_key holds a control character: a set-aside key cannot be typed.
SET_ASIDE = "\x1f"


def set_aside_key(key: str, pk: int) -> str:
    """A key no typed nic produces, unique by the commenter's id, within the key column (a key near its limit with
    the id after it would not fit, and PostgreSQL refuses what does not fit)."""
    suffix = f"{SET_ASIDE}{pk}"
    return key[: MAX_KEY_LENGTH - len(suffix)] + suffix


def rekey(commenter_model, *, report: Callable[[str], None]) -> list[tuple[int, int]]:
    """Re-key every commenter; returns the (kept, set aside) pairs of ids whose nics now share a key."""
    collisions = []
    with transaction.atomic():
        rows = list(commenter_model.objects.order_by("first_seen", "pk").values_list("pk", "nic", "key"))
        taken: dict[str, tuple[int, str]] = {}
        new_keys = {}
        for pk, nic, old_key in rows:
            key = nic_key(nic)
            if key in taken:
                kept_pk, kept_nic = taken[key]
                collisions.append((kept_pk, pk))
                report(
                    f"Nics now alike: “{kept_nic}” (commenter {kept_pk}) keeps its key; “{nic}” (commenter {pk}) "
                    "is set aside: its owner must choose another nic to post again."
                )
                key = set_aside_key(key, pk)
            else:
                taken[key] = (pk, nic)
            if key != old_key:
                new_keys[pk] = key
        # Through temporary keys first, so that no update meets a key another row still holds.
        for pk in new_keys:
            commenter_model.objects.filter(pk=pk).update(key=set_aside_key(f"{SET_ASIDE}rekeying", pk))
        for pk, key in new_keys.items():
            commenter_model.objects.filter(pk=pk).update(key=key)
    return collisions
