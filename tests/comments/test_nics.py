"""Nics: one key for "Fred", "fred" and "Fred "; invisible characters gone; Pic-a-Nic never repeats a nic."""

import re

import pytest

from comments.nics import clean_nic, nic_key, random_nic


@pytest.mark.parametrize(
    "typed", ["Fred", "fred", "Fred ", "  FRED", "\uff26\uff52\uff45\uff44", "Fr\u200bed", "\u202eFred"]
)
def test_variants_of_a_nic_share_one_key(typed):
    assert nic_key(typed) == "fred"


def test_spaces_inside_a_nic_are_collapsed_in_the_nic_and_left_out_of_its_key():
    assert clean_nic("  Old   Salt \t 1971 ") == "Old Salt 1971"
    assert nic_key("Old Salt") == nic_key("OldSalt") == nic_key("old_salt")
    assert nic_key("...") == "..." and nic_key("-_-") == "-_-"  # a nic of separators alone keeps them


def test_bidi_overrides_and_zero_width_characters_are_removed():
    assert clean_nic("admin\u202e\u2066\u200d") == "admin"


def test_random_nic_is_first_name_surname_and_four_digits():
    assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+ \d{4}", random_nic(lambda key: False))


def test_random_nic_skips_nics_in_use():
    seen = []

    def taken(key):
        seen.append(key)
        return len(seen) < 5

    nic = random_nic(taken)
    assert len(seen) == 5
    assert nic_key(nic) == seen[-1]
