"""Nics: cleaning what a commenter typed, the key that makes look-alike nics one nic, and Pic-a-Nic.

Pure functions, no database; the caller says which keys are taken.

Two nics a reader cannot tell apart must be the same nic, so a nic's key is its confusables skeleton as Unicode
Technical Standard #39 defines it, from ICU's data (the `icu` module, PyICU; the Unicode version is
`CONFUSABLES_UNICODE_VERSION`): "Alice", "alice", "Alice" spelt with a Cyrillic capital A or in mathematical
sans-serif letters, "Alice" followed by a Hangul filler, "AIice" with a capital I, and "0ld Salt" beside "Old Salt"
share one key.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable

import icu

MAX_NIC_LENGTH = 40
# A key is at most this long. Normalisation can multiply a nic's length (U+FDFA alone spells out 18 characters), so a
# typed nic within MAX_NIC_LENGTH can still be refused for its key's length; ordinary nics in any script stay well
# inside it (a Hangul syllable spells out at most three characters).
MAX_KEY_LENGTH = 255
CONFUSABLES_UNICODE_VERSION = icu.UNICODE_VERSION

# Format and control characters (bidi overrides, zero-width joiners, ...) never belong in a nic: they reorder or
# hide text, which is how "Fred" is made to look like someone else; nor do the other default-ignorable characters
# (variation selectors, soft hyphens), which show as nothing. Fillers show as a blank, so they count as a space.
_INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}
_FILLERS = str.maketrans(dict.fromkeys("\u115f\u1160\u3164\uffa0\u2800", " "))  # Hangul fillers, Braille blank
_IGNORABLE = icu.UnicodeSet("[:Default_Ignorable_Code_Point:]")
_SPACES = re.compile(r"\s+")
# ICU's skeleton is the confusables mapping between two NFD normalisations; one checker serves every thread (its
# skeleton is a read-only lookup).
_SPOOF_CHECKER = icu.SpoofChecker()
# The one fold of our own on top of the skeleton. In a sans-serif font a capital I, a small l, the digit 1 and a
# bar | look alike, and the confusables data maps all four to l; but the key ignores case, and case-folding turns I
# into i before the data sees it, so "AIice" would not meet "Alice". Since I is i's capital, the small i joins them:
# i, I, l, L, 1, | (and whatever the data maps to any of them) are one letter. The cost is a few nics that a reader
# can tell apart sharing a key ("Ali" and "All"), which only means the second to come must choose another.
_I_AND_L = str.maketrans({"i": "l"})
# And the separators, which a reader barely tells apart or notices missing: spaces, underscores, hyphens and dashes,
# dots, apostrophes. "Pelagic Pete", "Pelagic_Pete", "Pelagic-Pete", "Pelagic.Pete", "PelagicPete" and "Pelagic Pete."
# are one nic ("Ann Lee" and "Annl Ee" too: the second to come chooses another). A nic of separators alone keeps them.
_SEPARATOR_CATEGORIES = {"Zs", "Pc", "Pd"}
_SEPARATOR_MARKS = frozenset(".'`\u00b7\u2018\u2019\u2024\u2027")


def visible(text: str) -> str:
    """The text without what draws nothing (`_INVISIBLE`, the default-ignorable characters), fillers read as spaces:
    what a reader sees of a nic, and whether a comment shows anything (comments.bbcode.shows_anything)."""
    text = text.translate(_FILLERS)
    return "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE and ch not in _IGNORABLE)


def clean_nic(typed: str) -> str:
    """The nic as it will be shown: NFC, invisible characters removed, runs of spaces made one, trimmed."""
    return _SPACES.sub(" ", visible(unicodedata.normalize("NFC", typed or ""))).strip()


def nic_key(typed: str) -> str:
    """The identity of a nic: its UTS #39 skeleton (NFKD, case-folded, mapped to the confusables' prototypes, NFKD
    again), then case-folded and mapped again until it settles, with i and l made one letter (`_I_AND_L`),
    invisible characters removed, and the separators left out (`_SEPARATOR_CATEGORIES`, `_SEPARATOR_MARKS`) unless
    they are all there is."""
    decomposed = unicodedata.normalize("NFKD", clean_nic(typed))
    folded = visible(_capitals_as_they_look(decomposed).casefold())
    # Separators go before the skeleton as well as after it: the data maps some dashes to letters (an em dash to the
    # Katakana prolonged sound mark), which would keep "Pelagic—Pete" apart from "Pelagic-Pete".
    skeleton = _skeleton(_without_separators(folded) or folded)
    # Some prototypes are capitals (the digit 0's is O; Cherokee and Lisu letters map to A, S, T...), which the fold
    # before the skeleton cannot reach (without more, "0ld Salt" would not meet "Old Salt"). Folding case again
    # makes them meet their small letters, and a folded letter or a digit the NFKD spelt out ("%" is "º/₀") may have
    # a prototype of its own, so fold and map again until nothing changes. A few passes suffice: a pair of
    # prototypes that fold into each other (Ꝺ, ꝺ) would never settle, and both already share a key.
    for _ in range(3):
        again = _skeleton(skeleton.casefold())
        if again == skeleton:
            break
        skeleton = again
    key = _SPACES.sub(" ", visible(skeleton.translate(_I_AND_L))).strip()
    return _without_separators(key) or key


def _without_separators(key: str) -> str:
    return "".join(
        ch for ch in key if unicodedata.category(ch) not in _SEPARATOR_CATEGORIES and ch not in _SEPARATOR_MARKS
    )


def _skeleton(folded: str) -> str:
    return unicodedata.normalize("NFKD", _SPOOF_CHECKER.getSkeleton(0, folded))


def _capitals_as_they_look(text: str) -> str:
    """Capitals outside ASCII that look like a Latin capital replaced by it, before case-folding.

    Case-folding first is what keeps "ADMIN" and "admin" one nic, but it loses look-alikes that only the capitals
    have: the Cyrillic capital em looks like M, while its small letter looks like a small capital M, not m. An
    I-like capital (Cyrillic or Greek) becomes I: the confusables data reads I as l only because it does not fold
    case. (So in Greek or Cyrillic a nic in capitals is another nic than the same word in small letters: they look
    different, too.)
    """
    if text.isascii():
        return text
    return "".join(_capital_prototype(ch) if not ch.isascii() and ch.isupper() else ch for ch in text)


def _capital_prototype(ch: str) -> str:
    prototype = _SPOOF_CHECKER.getSkeleton(0, ch)
    if prototype == "l":
        return "I"
    return prototype if prototype.isascii() and prototype.isalpha() else ch


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
