"""A commenter edits their own comment for a while: from the browser that posted it, within COMMENT_EDIT_MINUTES,
while the story is open and before any editor steps in. Readers see that it was edited and what it said before."""

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, CommentRevision
from comments.moderation import ban_create, comment_redact
from comments.services import comment_create, comment_edit_by_author
from tests.comments.conftest import form_stamp
from tests.comments.test_moderation_admin import change

pytestmark = pytest.mark.django_db


def post(browser, story, body="Ferries first.", nic="Fred Bloggs"):
    page = browser.get(story.get_absolute_url()).content.decode()
    data = {"nic": nic, "body": body, "email": "", "website": "", "post": "1", "stamp": form_stamp(page)}
    assert browser.post(reverse("comments:post", args=[story.pk]), data).status_code == 302
    return Comment.objects.get(body=body)


def edit(browser, comment, body):
    return browser.post(reverse("comments:edit", args=[comment.article_id, comment.number]), {"body": body})


def test_the_author_edits_and_readers_see_the_change_and_the_history(story):
    fred = Client()
    comment = post(fred, story)
    page = fred.get(story.get_absolute_url()).content.decode()
    assert f'href="{reverse("comments:edit", args=[story.pk, 1])}">Edit your comment #1</a>' in page
    assert "Edit your comment" not in Client().get(story.get_absolute_url()).content.decode()

    form = fred.get(reverse("comments:edit", args=[story.pk, 1])).content.decode()
    assert "Ferries first.</textarea>" in form
    assert edit(fred, comment, "Trains first, on second thoughts.").status_code == 302

    reader_page = Client().get(story.get_absolute_url()).content.decode()
    assert "Trains first, on second thoughts." in reader_page and "Ferries first." not in reader_page
    history_url = reverse("comments:history", args=[story.pk, 1])
    assert f'class="edited" href="{history_url}">edited ' in reader_page
    history = Client().get(history_url).content.decode()
    assert "Ferries first." in history and "Trains first, on second thoughts." in history
    assert CommentRevision.objects.get(comment=comment).body == "Ferries first."


def test_a_never_edited_comments_history_says_only_that_it_was_not_edited(story):
    post(Client(), story)
    response = Client().get(reverse("comments:history", args=[story.pk, 1]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "It has not been edited: this is the text it was posted with." in html
    assert "Ferries first." in html
    assert "edited it" not in html and "what it said before" not in html


def test_an_edited_comments_history_says_when_and_not_that_it_was_never_edited(story):
    fred = Client()
    comment = post(fred, story)
    assert edit(fred, comment, "Trains first.").status_code == 302
    html = Client().get(reverse("comments:history", args=[story.pk, 1])).content.decode()
    assert "Its author edited it, last at" in html
    assert "not been edited" not in html


def test_another_browser_cannot_edit_and_keeps_its_text(story):
    comment = post(Client(), story)
    response = edit(Client(), comment, "Hijacked words")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Only the browser that posted a comment can edit it." in html
    assert "Hijacked words</textarea>" in html
    assert Comment.objects.get(pk=comment.pk).body == "Ferries first."


def test_an_edit_after_the_window_is_refused_with_the_text_kept(story, settings):
    settings.COMMENT_EDIT_MINUTES = 10
    fred = Client()
    comment = post(fred, story)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        response = edit(fred, comment, "Too late now")
        assert "Edit your comment" not in fred.get(story.get_absolute_url()).content.decode()
    assert response.status_code == 403
    assert "can be edited for 10 minutes" in response.content.decode()
    assert "Too late now</textarea>" in response.content.decode()
    assert not CommentRevision.objects.exists()


def test_another_browser_is_told_before_typing_that_it_cannot_edit(story):
    post(Client(), story)
    response = Client().get(reverse("comments:edit", args=[story.pk, 1]))
    html = response.content.decode()
    assert response.status_code == 403
    assert "Only the browser that posted a comment can edit it." in html
    assert "Edit your comment" not in html and "Save the change" not in html
    assert "<textarea" not in html and "Ferries first." not in html  # no box to type into, nothing to copy


def test_after_the_edit_time_the_refusal_offers_the_comment_form_and_no_save_button(story, settings):
    settings.COMMENT_EDIT_MINUTES = 10
    fred = Client()
    comment = post(fred, story)
    post_new = f'href="{story.get_absolute_url()}#comment-form">'
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        asked = fred.get(reverse("comments:edit", args=[story.pk, 1]))
        sent = edit(fred, comment, "Too late now")
    assert asked.status_code == 403
    assert f"{post_new}Post a new comment</a>" in asked.content.decode()
    assert "Save the change" not in asked.content.decode() and "<textarea" not in asked.content.decode()
    html = sent.content.decode()
    assert sent.status_code == 403
    assert "Too late now</textarea>" in html  # kept, to copy
    assert f"{post_new}Copy your text from the box above, then post it as a new comment</a>" in html
    assert "Save the change" not in html


def test_a_refusal_on_a_closed_story_keeps_the_text_but_offers_no_comment_form(story):
    fred = Client()
    comment = post(fred, story)
    story.comments_closed = True
    story.save()
    html = edit(fred, comment, "Closing words").content.decode()
    assert "Closing words</textarea>" in html
    assert "#comment-form" not in html and "Save the change" not in html


def test_an_editors_redaction_or_a_closed_story_ends_the_editing(story):
    fred = Client()
    comment = post(fred, story)
    Comment.objects.filter(pk=comment.pk).update(redacted=True)
    assert "An editor has stepped in" in edit(fred, comment, "Sneaky").content.decode()
    Comment.objects.filter(pk=comment.pk).update(redacted=False)
    story.comments_closed = True
    story.save()
    assert "Comments have been closed" in edit(fred, comment, "Sneaky").content.decode()


def test_an_empty_or_overlong_edit_gets_the_forms_reason(story):
    fred = Client()
    comment = post(fred, story)
    response = edit(fred, comment, "   ")
    assert response.status_code == 400
    assert "The comment is empty" in unescape(response.content.decode())
    blank = edit(fred, comment, "[b][/b]\u200b")
    assert blank.status_code == 400 and "The comment shows nothing" in unescape(blank.content.decode())
    long = edit(fred, comment, "x" * 10_001)
    assert long.status_code == 400 and re.search(r"at most 10,000 characters", long.content.decode())


def test_editors_see_the_earlier_texts_in_the_admin(story, editor_client):
    fred = Client()
    comment = post(fred, story)
    edit(fred, comment, "Second version.")
    html = editor_client.get(reverse("admin:comments_comment_change", args=[comment.pk])).content.decode()
    assert "Earlier texts (edited by the author)" in html and "Ferries first." in html
    assert "The text until " in html and f"#{comment.pk} before" not in html  # named by time, not by database id


def test_a_comment_only_an_editor_changed_is_not_called_unedited_on_its_history(story, editor):
    from comments.moderation import comment_edit

    comment = post(Client(), story)
    comment_edit(comment=comment, moderator=editor, body="Ferries first (trimmed).", note="Trimmed a link.")
    html = Client().get(reverse("comments:history", args=[story.pk, 1])).content.decode()
    assert "An editor has stepped in" in html and "It has not been edited" not in html


# Once an editor steps in, readers see the comment as the editor left it, never the author's earlier texts.

PHONE = "Ring me on 0161 496 0733, in the evenin."


def test_after_an_editors_edit_readers_see_none_of_the_authors_earlier_texts(story, editor_client):
    fred = Client()
    comment = post(fred, story, body=PHONE)
    assert edit(fred, comment, PHONE.replace("evenin", "evening")).status_code == 302
    response = change(
        editor_client, Comment.objects.get(pk=comment.pk), body="Ring me [number removed by the editors].",
        edit_note="phone number removed",
    )  # fmt: skip
    assert response.status_code == 302

    history_url = reverse("comments:history", args=[story.pk, 1])
    reader_page = Client().get(story.get_absolute_url()).content.decode()
    assert "Ring me [number removed by the editors]." in reader_page
    assert "0161 496 0733" not in reader_page and history_url not in reader_page
    # The author's mark says whose edit it dates, beside the editors' own line, which is later.
    assert re.search(r'<span class="edited">edited by its author \d\d:\d\d', reader_page)
    history = Client().get(history_url)
    assert history.status_code == 200
    html = history.content.decode()
    assert "0161 496 0733" not in html and "Until " not in html
    assert "An editor has stepped in on this comment" in html
    assert "Ring me [number removed by the editors]." in html
    # The editors keep every text in the admin.
    admin = editor_client.get(reverse("admin:comments_comment_change", args=[comment.pk])).content.decode()
    assert "Earlier texts (edited by the author)" in admin and PHONE in admin


def test_after_a_redaction_readers_get_no_history_and_no_link_to_it(story, editor):
    fred = Client()
    comment = post(fred, story, body=PHONE)
    edit(fred, comment, PHONE.replace("evenin", "evening"))
    comment_redact(comment=Comment.objects.get(pk=comment.pk), moderator=editor, note="Removed: a phone number.")
    history_url = reverse("comments:history", args=[story.pk, 1])
    reader_page = Client().get(story.get_absolute_url()).content.decode()
    assert "Removed: a phone number." in reader_page
    assert "0161 496 0733" not in reader_page and history_url not in reader_page
    assert Client().get(history_url).status_code == 404


# Bans hold edits as they hold posts.


@pytest.mark.parametrize("kind,value", [("nic", "FRED  bloggs"), ("ip", "127.0.0.1"), ("network", "127.0.0.0/8")])
def test_a_banned_nic_or_address_cannot_edit_and_keeps_its_text(
    story, editor, kind, value, django_capture_on_commit_callbacks
):
    fred = Client()
    comment = post(fred, story)
    with django_capture_on_commit_callbacks(execute=True):  # the ban forgets the cached bans once it commits
        ban_create(kind=kind, value=value, reason="spam", moderator=editor)
    asked = fred.get(reverse("comments:edit", args=[story.pk, 1]))
    assert asked.status_code == 403 and "suspended by the editors" in asked.content.decode()
    assert "Save the change" not in asked.content.decode()
    response = edit(fred, comment, "Rewritten after the ban")
    html = response.content.decode()
    assert response.status_code == 403
    assert "suspended by the editors" in html
    assert "Rewritten after the ban</textarea>" in html
    assert "#comment-form" not in html  # no offer to post it anew: that would be refused too
    assert Comment.objects.get(pk=comment.pk).body == "Ferries first."
    assert not CommentRevision.objects.exists()


def test_an_edit_whose_address_cannot_be_read_is_refused_with_the_text_kept(story):
    fred = Client()
    comment = post(fred, story)
    response = fred.post(reverse("comments:edit", args=[story.pk, 1]), {"body": "From nowhere"}, REMOTE_ADDR="")
    html = response.content.decode()
    assert response.status_code == 400
    assert "could not tell which address this came from" in html and "From nowhere</textarea>" in html
    assert Comment.objects.get(pk=comment.pk).body == "Ferries first."


# Edits count against the same limits as posts.


def test_edits_faster_than_the_limit_are_refused_with_retry_after_and_the_text_kept(story, settings):
    settings.COMMENT_RATE_LIMITS = [(3, 60)]
    fred = Client()
    with time_machine.travel(timezone.now().replace(second=5, microsecond=0), tick=False) as clock:
        comment = post(fred, story)  # the post counts: one
        assert edit(fred, comment, "Second.").status_code == 302
        assert edit(fred, comment, "Third.").status_code == 302
        response = edit(fred, comment, "Fourth.")
        html = response.content.decode()
        assert response.status_code == 429 and response["Retry-After"] == "55"
        assert "faster than the board allows" in html and "Wait 55 seconds" in html
        assert "Fourth.</textarea>" in html and "Save the change" in html  # the form again, to save after the wait
        assert Comment.objects.get(pk=comment.pk).body == "Third."
        assert CommentRevision.objects.count() == 2
        clock.shift(dt.timedelta(seconds=60))
        assert edit(fred, comment, "Fourth.").status_code == 302


@override_settings(COMMENT_RATE_LIMITS=[(3, 60), (10, 3600)])
def test_refused_edits_from_another_browser_never_count_against_the_author(story):
    fred = Client()
    comment = post(fred, story)
    impostor = Client(REMOTE_ADDR="198.51.100.7")
    for attempt in range(15):
        assert edit(impostor, comment, f"Hijack {attempt}").status_code == 403, attempt
    assert edit(fred, comment, "Still mine.").status_code == 302


# Saving the text as it was changes nothing.


def test_saving_the_same_text_again_is_not_an_edit(story):
    fred = Client()
    comment = post(fred, story, body="Line one.\nLine two.")
    response = edit(fred, comment, "Line one.\r\nLine two.")  # as a browser sends the untouched box
    assert response.status_code == 302 and response["Location"] == comment.get_absolute_url()
    comment.refresh_from_db()
    assert comment.edited_at is None and not CommentRevision.objects.exists()
    assert 'class="edited"' not in Client().get(story.get_absolute_url()).content.decode()


def test_the_write_itself_saves_nothing_for_the_text_as_it_was(story):
    # The view compares first; the write compares again with the comment locked, for whoever calls it.
    comment = comment_create(article_id=story.pk, nic="Fred Bloggs", body="Same.\nWords.", owner_token="t").comment
    comment_edit_by_author(comment_id=comment.pk, owner_token="t", body="Same.\r\nWords.", body_html="unused")
    comment.refresh_from_db()
    assert comment.edited_at is None and not CommentRevision.objects.exists()


def test_an_editors_change_made_from_a_stale_form_keeps_the_authors_edit_in_the_audit(story, editor):
    from comments.models import ModerationAction
    from comments.moderation import comment_edit

    fred = Client()
    comment = post(fred, story)
    as_the_editor_read_it = Comment.objects.get(pk=comment.pk)
    assert edit(fred, comment, "Second version.").status_code == 302  # while the editor's form was open
    comment_edit(comment=as_the_editor_read_it, moderator=editor, body="Trimmed.", note="Trimmed.")
    audit = ModerationAction.objects.get(comment=comment, action=ModerationAction.Action.EDIT)
    assert (audit.before, audit.after) == ("Second version.", "Trimmed.")
    assert list(CommentRevision.objects.filter(comment=comment).values_list("body", flat=True)) == ["Ferries first."]
    stale_again = Comment.objects.get(pk=comment.pk)
    Comment.objects.filter(pk=comment.pk).update(body="Changed meanwhile.")
    comment_redact(comment=stale_again, moderator=editor, note="Gone.")
    assert ModerationAction.objects.get(comment=comment, action=ModerationAction.Action.REDACT).before == (
        "Changed meanwhile."
    )


def test_the_edit_offer_goes_once_an_editor_steps_in_or_the_comment_is_removed(story, editor):
    from comments.moderation import comment_edit, comments_remove

    fred = Client()
    comment = post(fred, story)
    offer = "Edit your comment #1"
    assert offer in fred.get(story.get_absolute_url()).content.decode()
    comment_edit(comment=comment, moderator=editor, body="Ferries first (trimmed).", note="Trimmed a link.")
    assert offer not in fred.get(story.get_absolute_url()).content.decode()

    second = post(fred, story, body="Trains second.")
    assert "Edit your comment #2" in fred.get(story.get_absolute_url()).content.decode()
    comments_remove(comments=Comment.objects.filter(pk=second.pk), moderator=editor)
    assert "Edit your comment #2" not in fred.get(story.get_absolute_url()).content.decode()
    for response in (fred.get(reverse("comments:edit", args=[story.pk, 2])), edit(fred, second, "Trains third.")):
        assert response.status_code == 404
        html = unescape(response.content.decode())
        assert "That comment is no longer on the board." in html and f'href="{story.get_absolute_url()}"' in html
    assert "Trains third." in unescape(edit(fred, second, "Trains third.").content.decode())  # the text kept
