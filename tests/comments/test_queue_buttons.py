"""The moderation queue's one-click buttons: redact, remove, ban the nic or dismiss one flagged comment, each through
the moderation functions into the audit trail, with a note and reason made from the comment's flags."""

import re
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from comments.models import Ban, Comment, Flag, ModerationAction
from tests.comments.test_flags import QUEUE, flag, say

pytestmark = pytest.mark.django_db


def flagged(story, *reasons, nic="Loud Larry"):
    comment = say(story, nic=nic)
    for reason in reasons:
        flag(Client(), comment, reason)
    return comment


def button(html: str, label: str, comment: Comment) -> str:
    """The address the row's button posts to (its formaction)."""
    found = re.search(rf'<button type="submit" class="button" formaction="([^"]+)"[^>]*aria-label="{label} #'
                      rf'{comment.number}">', html)  # fmt: skip
    return unescape(found.group(1)) if found else ""


def click(browser, label: str, comment: Comment, queue: str = QUEUE):
    """What the browser does: load the queue, and post its form (and the CSRF token in it) to the button's address."""
    html = browser.get(queue).content.decode()
    form = html[html.index('id="changelist-form"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    return browser.post(button(html, label, comment), {"csrfmiddlewaretoken": token})


@pytest.fixture
def browser(editor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    return browser


def test_each_queued_comment_has_four_buttons_inside_the_lists_form(editor_client, story):
    comment = flagged(story, "spam")
    html = editor_client.get(QUEUE).content.decode()
    for label, verb in [("Redact", "redact"), ("Remove", "remove"), ("Ban nic", "ban"), ("Dismiss", "dismiss")]:
        assert button(html, label, comment) == reverse(f"admin:comments_flaggedcomment_{verb}", args=[comment.pk])
    assert html.index('id="changelist-form"') < html.index('aria-label="Redact #') < html.index("</form>", html.index(
        'id="changelist-form"'))  # fmt: skip
    assert "Readers see “Removed by the editors: spam or advertising.” in its place" in unescape(html)


def test_redact_in_one_click_shows_the_most_given_reason_and_is_audited(browser, editor, story):
    comment = flagged(story, "off_topic", "abuse", "abuse")
    response = click(browser, "Redact", comment)
    assert response.status_code == 302 and response["Location"] == QUEUE
    comment.refresh_from_db()
    assert comment.redacted and comment.redaction_note == "Removed by the editors: abuse or harassment."
    assert not Flag.objects.filter(resolved_at=None).exists()
    row = ModerationAction.objects.get(action="redact")
    assert (row.comment, row.moderator) == (comment, editor)
    page = browser.get(QUEUE).content.decode()
    assert "Redacted" in page and ">Loud Larry<" not in page


def test_a_tie_between_reasons_goes_to_the_first_listed(browser, story):
    comment = flagged(story, "off_topic", "spam")
    click(browser, "Redact", comment)
    comment.refresh_from_db()
    assert comment.redaction_note == "Removed by the editors: spam or advertising."


def test_remove_in_one_click_takes_it_out_and_records_the_readers_reasons(browser, editor, story):
    comment = flagged(story, "spam", "abuse", "spam")
    assert click(browser, "Remove", comment).status_code == 302
    comment.refresh_from_db()
    assert comment.removed and not Flag.objects.filter(resolved_at=None).exists()
    row = ModerationAction.objects.get(action="remove")
    assert (row.comment, row.moderator) == (comment, editor)
    assert row.reason == "Flagged by readers: spam or advertising (2), abuse or harassment (1)"
    assert comment.body not in browser.get(story.get_absolute_url()).content.decode()


def test_ban_in_one_click_bans_the_nic_for_good_and_is_audited(browser, editor, story):
    comment = flagged(story, "spam")
    other = say(story, body="Another of theirs.")
    flag(Client(), other, "abuse")
    click(browser, "Ban nic", comment)
    ban = Ban.objects.get()
    assert (ban.kind, ban.value, ban.expires_at) == ("nic", "Loud Larry", None)
    assert ban.reason == "Flagged by readers: spam or advertising (1)"
    row = ModerationAction.objects.get(action="ban")
    assert (row.ban, row.moderator, row.commenter_id) == (ban, editor, comment.commenter_id)
    assert not Flag.objects.filter(resolved_at=None).exists()  # the nic's other flagged comment too
    assert Comment.objects.get(pk=comment.pk).removed is False  # a ban stops the nic; the comment is another matter
    queue = browser.get(QUEUE).content.decode()
    assert reverse("admin:comments_ban_change", args=[ban.pk]) in queue
    assert "stays in its thread" in queue and reverse("admin:comments_comment_change", args=[comment.pk]) in queue


def test_dismiss_in_one_click_leaves_the_comment_and_is_audited(browser, editor, story):
    comment = flagged(story, "off_topic")
    click(browser, "Dismiss", comment)
    comment.refresh_from_db()
    assert not comment.redacted and not comment.removed
    row = ModerationAction.objects.get(action="dismiss_flags")
    assert (row.comment, row.moderator) == (comment, editor)
    assert not Flag.objects.filter(resolved_at=None).exists()


def test_a_second_click_does_nothing_more(editor_client, story):
    comment = flagged(story, "spam")
    url = reverse("admin:comments_flaggedcomment_ban", args=[comment.pk])
    editor_client.post(url)
    response = editor_client.post(url, follow=True)
    assert "has no open flags now: nothing done." in response.content.decode()
    assert Ban.objects.count() == 1 and ModerationAction.objects.filter(action="ban").count() == 1


def test_banning_a_nic_that_is_banned_already_makes_no_second_ban(editor_client, editor, story):
    from comments.moderation import ban_create

    comment = say(story, nic="Loud Larry")
    ban_create(kind="nic", value="Loud Larry", reason="earlier", moderator=editor)
    flag(Client(), comment, "spam")  # flagged after the ban
    response = editor_client.post(reverse("admin:comments_flaggedcomment_ban", args=[comment.pk]), follow=True)
    assert "is banned already" in response.content.decode()
    assert Ban.objects.count() == 1 and not Flag.objects.filter(resolved_at=None).exists()


def test_the_filters_in_use_survive_a_click(browser, story):
    comment = flagged(story, "spam")
    filtered = f"{QUEUE}?commenter={comment.commenter_id}"
    response = click(browser, "Dismiss", comment, queue=filtered)
    assert response["Location"] == filtered


def test_the_buttons_only_post(editor_client, story):
    comment = flagged(story, "spam")
    assert editor_client.get(reverse("admin:comments_flaggedcomment_remove", args=[comment.pk])).status_code == 405
    assert not Comment.objects.get(pk=comment.pk).removed


def logged_in_with(make_editor, username: str, *codenames: str) -> Client:
    """A browser logged in as an editor who has only these permissions (no group)."""
    user = make_editor(username)
    user.groups.clear()
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    browser = Client()
    browser.force_login(user)
    return browser


def test_an_editor_who_may_only_look_gets_no_buttons_and_the_admins_403(make_editor, story):
    browser = logged_in_with(make_editor, "vic", "view_flaggedcomment", "view_comment", "view_flag")
    comment = flagged(story, "spam")
    html = browser.get(QUEUE).content.decode()
    assert ">Loud Larry<" in html and 'aria-label="Redact #' not in html
    response = browser.post(reverse("admin:comments_flaggedcomment_redact", args=[comment.pk]))
    assert response.status_code == 403 and 'id="site-name"' in response.content.decode()
    assert not Comment.objects.get(pk=comment.pk).redacted and not ModerationAction.objects.exists()


def test_an_editor_who_may_not_ban_gets_no_ban_button(make_editor, story):
    browser = logged_in_with(make_editor, "mo", "view_flaggedcomment", "change_flaggedcomment", "view_flag")
    comment = flagged(story, "spam")
    html = browser.get(QUEUE).content.decode()
    assert 'aria-label="Redact #' in html and 'aria-label="Ban nic #' not in html
    assert browser.post(reverse("admin:comments_flaggedcomment_ban", args=[comment.pk])).status_code == 403
    assert not Ban.objects.exists()


def test_a_set_aside_look_alike_is_not_banned_by_nic_in_one_click(editor_client, story):
    """A commenter set aside when its nic became a look-alike of another's (the re-keying migrations): a nic ban
    would hold the nic's owner too, so one click does nothing and says why; the owner stays unbanned."""
    from comments.models import Commenter
    from comments.nics import nic_key

    owner = say(story, nic="Alice Tester", body="The real one.")
    troll = say(story, nic="Tr0ll Face", body="Buy cheap watches here.")
    Comment.objects.filter(pk=troll.pk).update(nic="AIice Tester")  # as it was posted before the fold
    Commenter.objects.filter(pk=troll.commenter_id).update(nic="AIice Tester", key=nic_key("Alice Tester") + "\x1f9")
    flag(Client(), troll, "spam")
    response = editor_client.post(reverse("admin:comments_flaggedcomment_ban", args=[troll.pk]), follow=True)
    assert "now looks like another commenter" in unescape(response.content.decode())
    assert not Ban.objects.exists() and not ModerationAction.objects.filter(action="ban").exists()
    assert Flag.objects.filter(comment=troll, resolved_at=None).exists()  # still in the queue for an editor to judge
    assert owner.commenter.key == nic_key("Alice Tester")
