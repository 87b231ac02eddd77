"""Nics: cleaning what a commenter typed, the key that makes "Fred", "fred" and "Fred " one nic, and Pic-a-Nic.

Pure functions, no database; the caller says which keys are taken.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable

MAX_NIC_LENGTH = 40

# Format and control characters (bidi overrides, zero-width joiners, ...) never belong in a nic: they reorder or
# hide text, which is how "Fred" is made to look like someone else.
_INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}
_SPACES = re.compile(r"\s+")


def clean_nic(typed: str) -> str:
    """The nic as it will be shown: NFC, invisible characters removed, runs of spaces made one, trimmed."""
    text = unicodedata.normalize("NFC", typed or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE)
    return _SPACES.sub(" ", text).strip()


def nic_key(typed: str) -> str:
    """The identity of a nic: compatibility-folded, case-folded, spaces ignored at the ends and collapsed within."""
    folded = unicodedata.normalize("NFKC", clean_nic(typed)).casefold()
    return _SPACES.sub(" ", folded).strip()


FIRST_NAMES = [
    "Agnes", "Barnaby", "Cosima", "Desmond", "Elspeth", "Fergus", "Ginevra", "Horatio", "Imelda", "Jasper",
    "Kasimir", "Leocadia", "Mortimer", "Nerys", "Octavia", "Percival", "Quentin", "Rosalind", "Sylvester",
    "Theodora", "Ulric", "Vesna", "Wendell", "Xanthe", "Yorick", "Zenobia", "Ambrose", "Berenice", "Clement",
    "Dorothea", "Evander", "Philippa",
]  # fmt: skip
SURNAMES = [
    "Applewhite", "Bramblecote", "Cattermole", "Dunnock", "Esterhuizen", "Fairweather", "Gallowglass",
    "Hollowell", "Inchbald", "Jellicoe", "Kettleby", "Lightfoot", "Marchbanks", "Nettlefold", "Oddington",
    "Pennywhistle", "Quarrington", "Rattenbury", "Shufflebottom", "Thistlewood", "Underhay", "Vavasour",
    "Wetherell", "Yelverton", "Zouche", "Blenkinsop", "Crabtree", "Dimmock",
]  # fmt: skip


def random_nic(is_taken: Callable[[str], bool], *, attempts: int = 20) -> str:
    """A made-up first name, surname and four digits that nobody uses yet."""
    rng = secrets.SystemRandom()
    for _ in range(attempts):
        nic = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {rng.randrange(1000, 10000)}"
        if not is_taken(nic_key(nic)):
            return nic
    # 32 x 28 x 9000 combinations: reaching this means the board is astonishingly busy; add more digits.
    while True:
        nic = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {rng.randrange(100000, 1000000)}"
        if not is_taken(nic_key(nic)):
            return nic
