"""Nics a reader cannot tell apart are one nic (keyed by their UTS #39 skeleton), and a nic whose key would outgrow
its column is refused with a reason."""

import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, Commenter
from comments.nics import nic_key
from comments.rekeying import SET_ASIDE, rekey
from tests.comments.conftest import form_stamp

pytestmark = pytest.mark.django_db

LOOKALIKES_OF_ALICE = [
    "\u0410lice Tester",  # Cyrillic capital A
    "Alice Tester\u3164",  # Hangul filler after it
    "Alice\u2800Tester",  # Braille blank for the space
    "Alice\u3164Tester",  # Hangul filler for the space
    "\U0001d5a0\U0001d5c5\U0001d5c2\U0001d5bc\U0001d5be Tester",  # mathematical sans-serif
    "ALICE TESTER",
    "Alice  Tester ",
    "A\u200blice Tester",  # zero-width space
    "Al\u0456ce Tester",  # Cyrillic small i
    "\uff21lice Tester",  # fullwidth A
    "AIice Tester",  # an ASCII capital I for the small l
    "AIICE TESTER",
    "A1ice Tester",
    "A|ice Tester",
    "A\u04c0ice Tester",  # Cyrillic palochka
]


def post_from(browser, story, nic, body):
    page = browser.get(story.get_absolute_url()).content.decode()
    return browser.post(
        reverse("comments:post", args=[story.pk]), {"nic": nic, "body": body, "stamp": form_stamp(page)}
    )


@pytest.mark.parametrize("lookalike", LOOKALIKES_OF_ALICE)
def test_a_lookalike_of_someone_elses_nic_is_refused(story, lookalike):
    assert post_from(Client(), story, "Alice Tester", "The real Alice.").status_code == 302
    response = post_from(Client(), story, lookalike, "Also Alice, honest.")
    html = response.content.decode()
    assert response.status_code == 400
    assert "belongs to another commenter" in html
    assert "Also Alice, honest.</textarea>" in html
    assert Comment.objects.count() == 1


LOOKALIKES_OF_OLD_SALT = [
    "0ld Salt 1971",  # the digit zero, whose prototype is a capital O
    "0LD SALT 1971",
    "\u0b20ld Salt 1971",  # Oriya letter ttha, also a capital O's look-alike
    "Old \ua4e2alt 1971",  # Lisu letter sa, whose prototype is a capital S
    "Old S\uab7alt 1971",  # Cherokee small letter go, a capital A's look-alike
    "Old SaIt 1971",  # a capital I for the small l
    "Old Salt I97I",
]


@pytest.mark.parametrize("lookalike", LOOKALIKES_OF_OLD_SALT)
def test_a_character_whose_prototype_is_a_capital_meets_its_small_letter(story, lookalike):
    assert post_from(Client(), story, "Old Salt 1971", "Ahoy.").status_code == 302
    response = post_from(Client(), story, lookalike, "Ahoy, impostor.")
    assert response.status_code == 400
    assert "belongs to another commenter" in response.content.decode()
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("other", ["P\u00e9lagic Pete", "Pelagic Pete!!", "5elagic Pete", "Pelagic Petes"])
def test_accents_and_signs_that_a_reader_can_see_make_another_nic(story, other):
    assert post_from(Client(), story, "Pelagic Pete", "First.").status_code == 302
    assert post_from(Client(), story, other, "Second.").status_code == 302
    assert Commenter.objects.count() == 2


@pytest.mark.parametrize(
    "copy",
    ["Pelagic_Pete", "Pelagic-Pete", "Pelagic Pete.", "Pelagic.Pete", "PelagicPete", "Pelagic\u200bPete",
     "Pelagic\u2019Pete", "Pelagic \u2013 Pete", "Pelagic\u2014Pete", "Pelagic\u2009Pete"],
)  # fmt: skip
def test_separators_a_reader_hardly_notices_do_not_make_another_nic(story, copy):
    assert post_from(Client(), story, "Pelagic Pete", "First.").status_code == 302
    response = post_from(Client(), story, copy, "Second.")
    assert response.status_code == 400
    assert "belongs to another commenter" in response.content.decode()
    assert Commenter.objects.count() == 1


def test_the_owner_may_type_their_nic_in_any_of_its_lookalike_forms(story):
    alice = Client()
    assert post_from(alice, story, "Alice Tester", "First.").status_code == 302
    assert post_from(alice, story, "\u0410LICE TESTER", "Second.").status_code == 302
    assert Commenter.objects.count() == 1


@pytest.mark.parametrize(
    "pair",
    [("Ali", "Al"), ("Fred", "Fried"), ("Old Salt", "Old Salts"), ("Anna", "\u0410nn\u0430 \u0411"), ("...", "..")],
)
def test_nics_that_look_different_stay_different(pair):
    assert nic_key(pair[0]) != nic_key(pair[1])


def test_i_and_l_are_one_letter_in_every_case_so_some_nics_that_differ_share_a_key(story):
    # Case-folding makes I and i one letter, and I looks like l: so i and l are one letter too. "All" after "Ali"
    # is the price: its owner chooses another nic (comments/nics.py, docs/security.md).
    assert post_from(Client(), story, "Ali", "First.").status_code == 302
    response = post_from(Client(), story, "All", "Second.")
    assert response.status_code == 400 and "belongs to another commenter" in response.content.decode()


@pytest.mark.parametrize(
    "nic", ["\U0001d5ac\U0001d5ba\U0001d5cb\U0001d5ba", "M\u0251ra", "Adm\u0131n", "ch\u0131ef", "\u041cara"]
)
def test_lookalikes_of_staff_names_are_refused(story, post, editor, make_editor, nic):
    make_editor("chief")
    response = post(story, nic=nic, body="Official notice")
    assert response.status_code == 400
    assert "could pass for the board" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_user_made_staff_in_the_admin_cannot_be_imitated_from_then_on(story, post, make_editor, django_user_model):
    boss = make_editor("boss", superuser=True)
    user = django_user_model.objects.create_user("tobias", first_name="Tobias", last_name="Quartermain")
    assert post(story, nic="Paul", body="Before.").status_code == 302  # the staff names are read, and kept
    admin = Client()
    admin.force_login(boss)
    joined = timezone.localtime(user.date_joined)
    form = {
        "username": "tobias", "first_name": "Tobias", "last_name": "Quartermain", "email": "", "is_active": "on",
        "is_staff": "on", "date_joined_0": f"{joined:%Y-%m-%d}", "date_joined_1": f"{joined:%H:%M:%S}",
    }  # fmt: skip
    assert admin.post(reverse("admin:auth_user_change", args=[user.pk]), form).status_code == 302
    response = post(story, nic="Tobias Quartermain", body="Official notice")
    assert response.status_code == 400 and "could pass for the board" in response.content.decode()


def test_a_nic_that_grows_too_long_when_spelled_out_is_refused_with_a_reason(story, post):
    response = post(story, nic="\ufdfa" * 40, body="Words of blessing.")  # 18 characters each, spelled out
    html = response.content.decode()
    assert response.status_code == 400
    assert "too long to tell apart" in html
    assert "Words of blessing.</textarea>" in html
    assert not Comment.objects.exists()


def test_a_nic_of_ligatures_fits_once_spelled_out(story, post):
    assert post(story, nic="\ufb03" * 40, body="Ligatures.").status_code == 302  # "ffi" x 40: 120 characters


def test_a_long_hangul_nic_is_accepted(story, post):
    nic = "\uae40\ucca0\uc218" * 13 + "\uae40"  # 40 syllables, 103 characters spelled out
    assert post(story, nic=nic, body="안녕하세요").status_code == 302


def test_rekeying_sets_aside_a_lookalike_and_reports_it(make_article):
    # Keys as the earlier definition (NFKC, case-folded) made them: these two were different nics then.
    first = Commenter.objects.create(nic="Alice Tester", key="alice tester")
    second = Commenter.objects.create(nic="\u0410lice Tester", key="\u0430lice tester")
    plain = Commenter.objects.create(nic="Mara Fan", key="mara fan")
    report = []
    assert rekey(Commenter, report=report.append) == [(first.pk, second.pk)]
    first.refresh_from_db(), second.refresh_from_db(), plain.refresh_from_db()
    assert first.key == nic_key("Alice Tester")
    assert second.key == f"{nic_key('Alice Tester')}{SET_ASIDE}{second.pk}"
    assert second.nic == "\u0410lice Tester"  # neither is renamed
    assert plain.key == nic_key("Mara Fan")
    assert len(report) == 1 and "\u0410lice Tester" in report[0] and "set aside" in report[0]


def test_a_set_aside_key_stays_within_the_key_column():
    long = "\ufdfa" * 16 + "bcdefghjknopAl"  # 240 characters spelled out (spaces left out), and 14 letters: 254
    first = Commenter.objects.create(nic=long, key="old one")
    second = Commenter.objects.create(nic=long[:-1] + "I", key="old two")  # a capital I for the l
    out = io.StringIO()
    call_command("rekey_nics", stdout=out)
    assert "1 pair(s)" in out.getvalue()
    first.refresh_from_db(), second.refresh_from_db()
    limit = Commenter._meta.get_field("key").max_length
    assert len(nic_key(long)) == 254 and first.key == nic_key(long)
    assert len(second.key) <= limit and second.key.endswith(f"{SET_ASIDE}{second.pk}")
    assert second.nic == long[:-1] + "I"


# Each re-keying migration, with the keys the definition before it made: "AIice Tester" (a capital I) was a nic of
# its own before the i/l fold; "0ld Salt 1971" (the zero's prototype stayed a capital O) before case was folded after
# the skeleton too; "Pelagic_Pete" before separators were left out. (Each migration re-keys with today's definition.)
@pytest.mark.parametrize(
    "migration, first_nic, first_old_key, second_nic, second_old_key, key",
    [
        ("0019_nic_keys_fold_i_and_l", "Alice Tester", "alice tester", "AIice Tester", "aiice tester", "allcetester"),
        ("0020_nic_keys_fold_case_after_the_skeleton", "Old Salt 1971", "old salt l97l", "0ld Salt 1971",
         "Old salt l97l", "oldsaltl97l"),
        ("0021_nic_keys_leave_out_separators", "Pelagic Pete", "pelaglc pete", "Pelagic_Pete", "pelaglc_pete",
         "pelaglcpete"),
    ],
)  # fmt: skip
def test_a_rekeying_migration_reports_nics_that_now_share_a_key(
    capsys, migration, first_nic, first_old_key, second_nic, second_old_key, key
):
    first = Commenter.objects.create(nic=first_nic, key=first_old_key)
    second = Commenter.objects.create(nic=second_nic, key=second_old_key)
    importlib.import_module(f"comments.migrations.{migration}").rekey(django_apps, None)
    assert f"“{second_nic}” (commenter" in capsys.readouterr().out
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.nic, first.key) == (first_nic, key)
    assert (second.nic, second.key) == (second_nic, f"{key}{SET_ASIDE}{second.pk}")


def test_rekey_nics_command_reports_what_it_did():
    Commenter.objects.create(nic="Bob", key="bob")
    out = io.StringIO()
    call_command("rekey_nics", stdout=out)
    assert "0 pair(s)" in out.getvalue()


def test_rekey_nics_retires_the_cached_pages(client, story):
    # Which commenter a nic page shows, and whose a post may be, changed: no page kept from before may be served.
    tag = client.get("/")["ETag"]
    assert client.get("/", HTTP_IF_NONE_MATCH=tag).status_code == 304
    call_command("rekey_nics", stdout=io.StringIO())
    assert client.get("/", HTTP_IF_NONE_MATCH=tag).status_code == 200
