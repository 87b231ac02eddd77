"""Moderation as an editor in the Editors group (not a superuser) does it in the admin."""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Ban, Comment, Commenter, ModerationAction
from comments.nics import nic_key
from comments.services import comment_create
from tests.comments.conftest import form_stamp
from tests.comments.test_defences import _post_from

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:comments_comment_changelist")


def say(article, nic="Troll Face", body="Something nasty.", ip="203.0.113.66", **extra):
    return comment_create(
        article_id=article.pk, nic=nic, body=body, owner_token=f"t-{nic.lower()}", ip=ip, **extra
    ).comment


def change(client, comment, **fields):
    """Post the comment's change form as the browser would: its hidden inline fields, plus what the editor typed."""
    url = reverse("admin:comments_comment_change", args=[comment.pk])
    page = client.get(url).content.decode()
    data = dict(re.findall(r'<input type="hidden" name="((?:audit|flags|revisions)-[^"]+)" value="([^"]*)"', page))
    data.update({"redaction_note": "", "edit_note": "", "body": comment.body, **fields})
    return client.post(url, data)


def action(client, name, comments, **form):
    data = {"action": name, "_selected_action": [c.pk for c in comments], **form}
    if form:
        data["apply"] = "1"
    return client.post(CHANGELIST, data, follow=True)


def test_editor_sees_comments_with_story_nic_excerpt_time_ip_and_state(editor_client, story, editor):
    say(story, body="A perfectly nasty remark about shipping.")
    assert not editor.is_superuser
    html = editor_client.get(CHANGELIST).content.decode()
    for text in ["Cutters sail south", "Troll Face", "A perfectly nasty remark", "203.0.113.66", "shown"]:
        assert text in html


@pytest.mark.parametrize(
    "query,present,absent",
    [
        ({"q": "nasty"}, "nasty one", "kind one"),
        ({"q": "NASTIES"}, "nasty one", "kind one"),  # words as the site's search finds them: stems, any case
        ({"q": "soul"}, "kind one", "nasty one"),  # a word of the nic
        ({"q": "198.51.100.1"}, "kind one", "nasty one"),  # an address, exactly
        ({"q": "kind@mail.example"}, "kind one", "nasty one"),
        ({"q": "@MAIL.example"}, "kind one", "nasty one"),  # an e-mail's domain
        ({"q": "Kind S"}, "kind one", "nasty one"),  # the start of a nic
        ({"q": "203.0.113."}, "nasty one", "kind one"),  # the start of an address
        ({"state": "redacted"}, "kind one", "nasty one"),
    ],
)
def test_editor_filters_and_searches(editor_client, story, query, present, absent):
    say(story, body="nasty one", ip="203.0.113.10")
    kind = say(story, nic="Kind Soul", body="kind one", ip="198.51.100.1", email="kind@mail.example")
    Comment.objects.filter(pk=kind.pk).update(redacted=True)
    html = editor_client.get(CHANGELIST, query).content.decode()
    assert present in html and absent not in html


def test_an_address_search_is_exact_and_the_start_of_one_finds_its_network(editor_client, story):
    say(story, body="From dot one.", ip="198.51.100.1")
    say(story, nic="Other Nic", body="From dot ten.", ip="198.51.100.10")
    exact = editor_client.get(CHANGELIST, {"q": "198.51.100.1"}).content.decode()
    assert "From dot one." in exact and "From dot ten." not in exact
    network = editor_client.get(CHANGELIST, {"q": "198.51.100."}).content.decode()
    assert "From dot one." in network and "From dot ten." in network


@pytest.mark.parametrize("typed", ["2001:db8:1:2::", "2001:db8:1:2::/64", "2001:db8:1:2:", "2001:DB8:1:2::"])
def test_editor_finds_an_ipv6_households_comments_by_its_network(editor_client, story, typed):
    say(story, body="From the household.", ip="2001:db8:1:2::15")
    say(story, nic="Other Nic", body="From next door.", ip="2001:db8:1:3::15")
    html = editor_client.get(CHANGELIST, {"q": typed}).content.decode()
    assert "From the household." in html and "From next door." not in html


def test_editor_finds_an_ipv4_networks_comments_written_as_a_network(editor_client, story):
    say(story, body="In the network.", ip="203.0.113.9")
    say(story, nic="Other Nic", body="Outside it.", ip="203.0.114.9")
    html = editor_client.get(CHANGELIST, {"q": "203.0.113.0/24"}).content.decode()
    assert "In the network." in html and "Outside it." not in html
    one = editor_client.get(CHANGELIST, {"q": "203.0.114.9/32"}).content.decode()  # a network of one address
    assert "Outside it." in one and "In the network." not in one


def test_redacting_a_comment_redacted_already_writes_nothing_again(editor_client, story):
    comment = say(story)
    action(editor_client, "redact", [comment], note="Removed: off topic")
    again = action(editor_client, "redact", [comment], note="Removed: off topic").content.decode()
    assert "Redacted 0 comment(s). 1 already were, with that note." in again
    assert ModerationAction.objects.filter(action="redact").count() == 1
    action(editor_client, "redact", [comment], note="Removed: a phone number")  # a new note is a change
    assert ModerationAction.objects.filter(action="redact").count() == 2


def test_editor_finds_a_removed_comment_by_its_words(editor_client, story, editor):
    from comments.moderation import comments_remove

    gone = say(story, body="Buy cheap watches here.")
    comments_remove(comments=Comment.objects.filter(pk=gone.pk), moderator=editor, reason="spam")
    html = editor_client.get(CHANGELIST, {"q": "watches"}).content.decode()
    assert "Buy cheap watches here." in html


def test_editor_finds_the_comments_quoting_words_not_found(editor_client, story):
    say(story, nic="Kind Soul", body="Ferries first.", ip="198.51.100.1")
    say(story, body="[quote=Kind Soul#1]Scrap the ferries.[/quote]\nSee, forged one.")
    say(story, nic="Honest Abe", body="[quote=Kind Soul#1]Ferries first.[/quote]\nTrue one.", ip="198.51.100.2")
    html = editor_client.get(CHANGELIST, {"state": "misquoting"}).content.decode()
    assert "Quoting words not found" in html
    assert "forged one" in html and "True one" not in html and "Ferries first." not in html


def test_the_misquoting_list_follows_the_text_as_it_is_edited(editor_client, story):
    from comments.services import comment_edit_by_author, render

    say(story, nic="Kind Soul", body="Ferries first.", ip="198.51.100.1")
    honest = say(story, nic="Honest Abe", body="[quote=Kind Soul#1]Ferries first.[/quote]\nAgreed.", ip="198.51.100.2")
    forged = "[quote=Kind Soul#1]Scrap the ferries.[/quote]\nAgreed."
    comment_edit_by_author(
        comment_id=honest.pk, owner_token="t-honest abe", body=forged, body_html=render(forged, story=story.pk)
    )
    assert "Agreed." in editor_client.get(CHANGELIST, {"state": "misquoting"}).content.decode()

    # An editor puts the true words back: off the list.
    assert (
        change(
            editor_client,
            Comment.objects.get(pk=honest.pk),
            body="[quote=Kind Soul#1]Ferries first.[/quote]\nAgreed.",
            edit_note="Quote mended.",
        ).status_code
        == 302
    )
    assert "Agreed." not in editor_client.get(CHANGELIST, {"state": "misquoting"}).content.decode()


def test_editor_filters_by_story_and_by_nic(editor_client, story, make_article):
    other = make_article(title="Other story")
    say(story, body="on the first")
    say(other, nic="Kind Soul", body="on the second", ip="198.51.100.1")
    by_story = editor_client.get(CHANGELIST, {"story": other.pk}).content.decode()
    assert "on the second" in by_story and "on the first" not in by_story
    troll = Commenter.objects.get(key=nic_key("Troll Face"))
    by_nic = editor_client.get(CHANGELIST, {"commenter": troll.pk}).content.decode()
    assert "on the first" in by_nic and "on the second" not in by_nic


def test_redact_with_a_note_hides_the_text_keeps_the_count_and_the_nic_may_post_again(editor_client, story, client):
    comment = say(story)
    form = editor_client.post(CHANGELIST, {"action": "redact", "_selected_action": [comment.pk]})
    assert "Redact comments" in form.content.decode()  # the intermediate form asks for the note
    action(editor_client, "redact", [comment], note="Removed: personal attack.")
    comment.refresh_from_db()
    assert comment.redacted and comment.redaction_note == "Removed: personal attack."
    html = Client().get(story.get_absolute_url()).content.decode()
    assert "Removed: personal attack." in html and "Something nasty." not in html
    story.refresh_from_db()
    assert story.comment_count == 1
    audit = ModerationAction.objects.get(action="redact")
    assert audit.moderator.username == "mara" and audit.before == "Something nasty."
    say(story, body="I am still here.")
    assert Comment.objects.count() == 2


def test_ban_a_nic_with_an_expiry(editor_client, story, post):
    comment = say(story, nic="Brief Troll")
    action(editor_client, "ban_nics", [comment], reason="cool off", expires_in_days=1)
    ban = Ban.objects.get()
    assert (ban.kind, ban.value, ban.reason) == ("nic", "Brief Troll", "cool off")
    assert dt.timedelta(hours=23) < ban.expires_at - timezone.now() <= dt.timedelta(days=1)
    assert ModerationAction.objects.filter(action="ban", ban=ban).exists()


def test_ban_the_network_around_an_address(editor_client, story):
    comment = say(story)
    action(editor_client, "ban_ips", [comment], reason="spam run", ipv4_prefix=24)
    assert Ban.objects.get().value == "203.0.113.0/24"


def test_remove_and_ban_removes_recent_comments_fixes_counts_and_bans(editor_client, make_article):
    # Both stories were out (and open) ten days ago, when the old comment was posted.
    long_ago = timezone.now() - dt.timedelta(days=11)
    story = make_article(published_at=long_ago, comments_close_at=timezone.now() + dt.timedelta(days=1))
    other = make_article(published_at=long_ago, comments_close_at=timezone.now() + dt.timedelta(days=1))
    with time_machine.travel(timezone.now() - dt.timedelta(days=10)):
        old = say(story, body="an old one")
    recent = [say(story, body="recent 1"), say(other, body="recent 2")]
    bystander = say(story, nic="Kind Soul", body="kind words", ip="198.51.100.1")
    action(editor_client, "remove_and_ban", [recent[0]], reason="troll", days=7, by_nic="on", by_ip="on")
    assert set(Comment.objects.filter(removed=True)) == set(recent)
    old.refresh_from_db()
    assert not old.removed
    story.refresh_from_db()
    other.refresh_from_db()
    assert (story.comment_count, story.last_comment_nic) == (2, "Kind Soul")
    assert story.last_comment_number == 3  # numbers are never reused
    assert other.comment_count == 0 and other.last_comment_at is None
    assert Commenter.objects.get(key=nic_key("Troll Face")).comment_count == 1
    assert sorted(Ban.objects.values_list("kind", flat=True)) == ["ip", "nic"]
    html = Client().get(story.get_absolute_url()).content.decode()
    assert "recent 1" not in html and "kind words" in html and "an old one" in html
    assert bystander.pk in Comment.objects.shown().values_list("pk", flat=True)


def test_remove_and_ban_takes_an_ipv6_addresss_whole_network(editor_client, story):
    troll = say(story, body="Troll words.", ip="2001:db8:1:2::15")
    again = say(story, body="More troll words.", ip="2001:db8:1:2::16")
    say(story, nic="Polite Pauline", body="Same household, new nic.", ip="2001:db8:1:2::99")
    say(story, nic="Kind Soul", body="Next door.", ip="2001:db8:1:3::15")
    # Two of its comments selected, from two addresses of one household: one ban on the network, not two.
    response = action(editor_client, "remove_and_ban", [troll, again], reason="troll", days=7, by_nic="on", by_ip="on")
    assert "made 2 ban(s): Troll Face, 2001:db8:1:2::/64" in response.content.decode()
    assert set(Comment.objects.filter(removed=True).values_list("body", flat=True)) == {
        "Troll words.",
        "More troll words.",
        "Same household, new nic.",
    }
    assert sorted(Ban.objects.values_list("value", flat=True)) == ["2001:db8:1:2::/64", "Troll Face"]
    # The next nic from that network is refused, with its text kept.
    page = Client(REMOTE_ADDR="2001:db8:1:2::77").get(story.get_absolute_url()).content.decode()
    retry = Client(REMOTE_ADDR="2001:db8:1:2::77").post(
        reverse("comments:post", args=[story.pk]),
        {"nic": "Rexy Again", "body": "Back again.", "stamp": form_stamp(page), "post": "1"},
    )
    assert retry.status_code == 403 and "Back again.</textarea>" in retry.content.decode()


def test_restore_puts_a_removed_comment_and_its_count_back(editor_client, story):
    comment = say(story)
    action(editor_client, "remove", [comment], reason="mistake?")
    story.refresh_from_db()
    assert story.comment_count == 0
    action(editor_client, "restore", [comment])
    story.refresh_from_db()
    assert story.comment_count == 1


def test_edit_leaves_a_visible_note_and_keeps_the_original_in_the_audit(editor_client, story):
    comment = say(story, body="Call 555-0100 for a good time.")
    url = reverse("admin:comments_comment_change", args=[comment.pk])
    response = change(editor_client, comment, body="Call [number removed].", edit_note="phone number removed")
    assert response.status_code == 302, response.content.decode()[:3000]
    comment.refresh_from_db()
    assert comment.body == "Call [number removed]."
    assert comment.moderator_note == "Edited by Mara Editor: phone number removed"
    html = Client().get(story.get_absolute_url()).content.decode()
    assert '<p class="moderator-note">Edited by Mara Editor: phone number removed</p>' in html
    audit = ModerationAction.objects.get(action="edit")
    assert audit.before == "Call 555-0100 for a good time." and audit.after == "Call [number removed]."
    assert "555-0100" in editor_client.get(url).content.decode()  # the audit trail on the comment's page


def test_an_edit_without_a_reason_is_refused(editor_client, story):
    comment = say(story, body="Original.")
    response = change(editor_client, comment, body="Silently changed.")
    assert "never a silent edit" in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Original."


def test_the_write_function_itself_refuses_an_edit_without_a_note(story, editor):
    from comments.moderation import comment_edit

    comment = say(story, body="Original.")
    with pytest.raises(ValueError, match="needs a note"):
        comment_edit(comment=comment, moderator=editor, body="Silently changed.", note="  ")
    comment.refresh_from_db()
    assert comment.body == "Original." and not ModerationAction.objects.filter(action="edit").exists()


def test_the_audit_trail_is_viewable_and_read_only(editor_client, story):
    comment = say(story)
    action(editor_client, "remove", [comment], reason="spam")
    html = editor_client.get(reverse("admin:comments_moderationaction_changelist")).content.decode()
    assert "Removed" in html and "spam" in html and "mara" in html
    assert "#1 by Troll Face</a> on Cutters sail south" in html  # numbers are per story: the story is named
    assert editor_client.get(reverse("admin:comments_moderationaction_add")).status_code == 403


def test_bans_are_added_in_the_admin_with_a_checked_value(editor_client, editor):
    add = reverse("admin:comments_ban_add")
    bad = editor_client.post(add, {"kind": "network", "value": "10.0.0.0/4", "reason": "x"})
    assert "too wide" in bad.content.decode()
    bad = editor_client.post(add, {"kind": "ip", "value": "not-an-ip", "reason": "x"})
    assert "does not appear to be an IPv4 or IPv6 address" in bad.content.decode()
    ok = editor_client.post(add, {"kind": "network", "value": "198.51.100.17/24", "reason": "spam"})
    assert ok.status_code == 302
    assert Ban.objects.get().value == "198.51.100.0/24"
    assert ModerationAction.objects.get(action="ban").moderator == editor


def test_lifting_a_ban_ends_it_and_is_recorded(editor_client, editor):
    from comments.moderation import ban_create

    ban = ban_create(kind="nic", value="Somebody", reason="x", moderator=editor)
    editor_client.post(reverse("admin:comments_ban_changelist"), {"action": "lift", "_selected_action": [ban.pk]})
    ban.refresh_from_db()
    assert not ban.is_active
    assert ModerationAction.objects.filter(action="unban", ban=ban).exists()
    ended_at = ban.expires_at
    again = editor_client.post(
        reverse("admin:comments_ban_changelist"), {"action": "lift", "_selected_action": [ban.pk]}, follow=True
    )
    assert "Lifted 0 bans. 1 had already ended: left as they were, their end kept." in again.content.decode()
    ban.refresh_from_db()
    assert ban.expires_at == ended_at  # the trail keeps when it really ended
    assert ModerationAction.objects.filter(action="unban", ban=ban).count() == 1


def test_releasing_a_nic_lets_another_browser_claim_it(editor_client, story, post):
    say(story, nic="Lost Cookie")
    commenter = Commenter.objects.get(nic="Lost Cookie")
    editor_client.post(
        reverse("admin:comments_commenter_changelist"), {"action": "release", "_selected_action": [commenter.pk]}
    )
    assert post(story, nic="Lost Cookie", body="It's me again.").status_code == 302


def test_staff_see_email_and_ip_in_the_admin(editor_client, story):
    comment = say(story, email="pat.secret@mail.example")
    html = editor_client.get(reverse("admin:comments_comment_change", args=[comment.pk])).content.decode()
    assert "pat.secret@mail.example" in html and "203.0.113.66" in html


def test_changelist_queries_do_not_grow_with_comments(editor_client, story, django_assert_max_num_queries):
    say(story)
    editor_client.get(CHANGELIST)
    with django_assert_max_num_queries(14) as one:
        editor_client.get(CHANGELIST)
    for n in range(20):
        say(story, nic=f"Nic {n}", body=f"remark {n}")
    with django_assert_max_num_queries(14) as many:
        editor_client.get(CHANGELIST)
    assert len(one) == len(many)


def _change_ban(client, ban, *, reason, expires_at):
    return client.post(
        reverse("admin:comments_ban_change", args=[ban.pk]),
        {"reason": reason, "expires_at_0": f"{expires_at:%Y-%m-%d}", "expires_at_1": f"{expires_at:%H:%M:%S}"},
    )


def test_editing_a_ban_is_audited_and_applies_at_once(editor_client, editor, story, django_capture_on_commit_callbacks):
    from comments.moderation import ban_create

    ban = ban_create(kind="nic", value="Brief Troll", reason="cool off", moderator=editor,
                     expires_at=timezone.now() + dt.timedelta(days=7))  # fmt: skip
    assert _post_from("198.51.100.5", story, "Brief Troll", "Still here?").status_code == 403  # bans now cached
    ended = timezone.localtime() - dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = _change_ban(editor_client, ban, reason="cooled off sooner", expires_at=ended)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _post_from("198.51.100.5", story, "Brief Troll", "Still here?").status_code == 302
    audit = ModerationAction.objects.get(action="change_ban", ban=ban)
    assert audit.moderator == editor and audit.reason == "cooled off sooner"
    assert "(cool off)" in audit.before and "(cooled off sooner)" in audit.after


def test_extending_an_ended_ban_in_the_admin_refuses_posts_at_once(
    editor_client, editor, story, django_capture_on_commit_callbacks
):
    from comments.moderation import ban_create

    ban = ban_create(kind="nic", value="Back Again", reason="x", moderator=editor,
                     expires_at=timezone.now() - dt.timedelta(minutes=1))  # fmt: skip
    assert _post_from("198.51.100.5", story, "Back Again", "Hello again.").status_code == 302  # bans now cached
    with django_capture_on_commit_callbacks(execute=True):
        _change_ban(editor_client, ban, reason="back to it", expires_at=timezone.localtime() + dt.timedelta(days=1))
    assert _post_from("198.51.100.5", story, "Back Again", "And again.").status_code == 403
    assert ModerationAction.objects.filter(action="change_ban", ban=ban).count() == 1


@pytest.mark.parametrize(
    "ip,form,error",
    [
        ("203.0.113.66", {"ipv4_prefix": 33}, "less than or equal to 32"),
        ("203.0.113.66", {"ipv4_prefix": 64}, "less than or equal to 32"),
        ("203.0.113.66", {"ipv4_prefix": 4}, "greater than or equal to 8"),
        ("2001:db8::66", {"ipv6_prefix": 16}, "greater than or equal to 32"),
        ("2001:db8::66", {"ipv6_prefix": 129}, "less than or equal to 128"),
    ],
)
def test_a_ban_prefix_out_of_range_is_a_form_error(editor_client, story, ip, form, error):
    comment = say(story, ip=ip)
    response = action(editor_client, "ban_ips", [comment], reason="spam run", **form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ban IP addresses" in html and error in html
    assert not Ban.objects.exists() and not ModerationAction.objects.exists()


def test_bans_cannot_be_deleted_in_the_admin_even_by_a_superuser(client, make_editor, story):
    from comments.moderation import ban_create

    boss = make_editor("boss", superuser=True)
    client.force_login(boss)
    ban = ban_create(kind="nic", value="Somebody", reason="x", moderator=boss)
    assert client.post(reverse("admin:comments_ban_delete", args=[ban.pk]), {"post": "yes"}).status_code == 403
    changelist = reverse("admin:comments_ban_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [ban.pk], "post": "yes"})
    assert Ban.objects.filter(pk=ban.pk).exists()


def test_banning_nics_leaves_out_a_set_aside_look_alike_whose_ban_would_hold_the_owner(editor_client, story):
    from comments.nics import nic_key

    say(story, nic="Alice Tester", body="The real one.")
    troll = say(story, nic="Tr0ll Face", body="Rude.")
    Comment.objects.filter(pk=troll.pk).update(nic="AIice Tester")  # as it was posted before the fold
    Commenter.objects.filter(pk=troll.commenter_id).update(nic="AIice Tester", key=nic_key("Alice Tester") + "\x1f9")
    response = action(editor_client, "ban_nics", [troll], reason="rude", expires_in_days=1)
    assert "look like other commenters" in response.content.decode().replace("&#x27;", "'")
    assert not Ban.objects.exists()


@pytest.mark.parametrize("verb, form", [("redact", {"note": "Doxxing."}), ("remove", {"reason": "Doxxing."})])
def test_hiding_a_comment_names_the_replies_whose_quotes_still_show_its_words(editor_client, story, verb, form):
    troll = say(story, body="SECRETWORD lives at 12 Elm Street.")
    quoter = say(story, nic="Quoting Quinn", body="[quote=Troll Face#1]SECRETWORD lives at 12 Elm Street.[/quote] Wow.")
    say(story, nic="Bystander", body="Nothing quoted here.")
    # From the list filtered to shown comments, which no longer holds the troll's once it is hidden.
    data = {"action": verb, "_selected_action": [troll.pk], "apply": "1", **form}
    html = editor_client.post(f"{CHANGELIST}?state=shown", data, follow=True).content.decode()
    assert ("Redacted 1 comment(s)." if verb == "redact" else "Removed 1 comment(s).") in html
    change_url = reverse("admin:comments_comment_change", args=[quoter.pk])
    warning = re.search(r"Still quoted in (.*?): those replies", html).group(1)
    assert warning == f'<a href="{change_url}">#2</a>'  # not #3, which quotes nobody
