"""Readers flag comments for the editors (one flag per browser, with a reason, without JavaScript); the flags land in
the moderation queue, where an editor in the Editors group acts on them through the moderation functions."""

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.models import Ban, Comment, Flag, ModerationAction
from comments.services import comment_create

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:comments_flaggedcomment_changelist")


def say(story, nic="Loud Larry", body="Buy cheap watches here."):
    return comment_create(article_id=story.pk, nic=nic, body=body, owner_token=f"t-{nic}").comment


def flag(browser, comment, reason="spam"):
    url = reverse("comments:flag", args=[comment.article_id, comment.number])
    page = browser.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    return browser.post(url, {"reason": reason, **({"csrfmiddlewaretoken": token.group(1)} if token else {})})


def test_each_comment_has_a_flag_link_that_leads_to_a_form_with_reasons(client, story):
    comment = say(story)
    page = client.get(story.get_absolute_url()).content.decode()
    assert (
        f'href="{reverse("comments:flag", args=[comment.article_id, comment.number])}" rel="nofollow">Flag</a>' in page
    )
    form = client.get(reverse("comments:flag", args=[comment.article_id, comment.number])).content.decode()
    for label in ("Spam or advertising", "Abuse or harassment", "Off-topic"):
        assert label in form
    assert "Buy cheap watches here." in form  # the reader sees what they are flagging


def test_a_flag_is_recorded_once_per_browser_and_never_shown_to_readers(client, story):
    comment = say(story)
    first = flag(client, comment)
    assert first.status_code == 200 and "the editors will look at it" in first.content.decode()
    again = flag(client, comment, reason="abuse")
    assert "flagged this comment already" in again.content.decode()
    # Opening the flag page again from that browser says so, with no form that would add nothing.
    reopened = client.get(reverse("comments:flag", args=[comment.article_id, comment.number])).content.decode()
    assert "flagged this comment already" in reopened and 'name="reason"' not in reopened
    assert flag(Client(), comment, reason="off_topic").status_code == 200
    assert Flag.objects.filter(comment=comment).count() == 2
    page = Client().get(story.get_absolute_url()).content.decode()
    assert "flagged" not in page.lower() and Flag.objects.first().flagger not in page


def test_a_flag_without_a_reason_is_refused_with_one(client, story):
    comment = say(story)
    response = client.post(reverse("comments:flag", args=[comment.article_id, comment.number]), {})
    assert response.status_code == 400
    assert "Choose a reason" in response.content.decode()
    assert not Flag.objects.exists()


def test_flags_are_rate_limited_per_address(client, story, settings):
    settings.COMMENT_FLAG_LIMIT = (2, 3600)
    comments = [say(story, nic=f"Nic {n}", body=f"Text {n}") for n in range(3)]
    assert [flag(client, c).status_code for c in comments] == [200, 200, 429]
    assert Flag.objects.count() == 2


def test_redacted_removed_or_hidden_comments_cannot_be_flagged(client, story, make_article, editor):
    from articles.models import Article

    redacted = say(story, nic="A", body="a")
    Comment.objects.filter(pk=redacted.pk).update(redacted=True)
    draft = make_article(title="Draft", status=Article.Status.DRAFT)
    hidden = say(story, nic="B", body="b")
    Comment.objects.filter(pk=hidden.pk).update(article=draft)
    for comment in (redacted, hidden):
        assert client.get(reverse("comments:flag", args=[comment.article_id, comment.number])).status_code == 404


def test_the_queue_lists_flagged_comments_most_flagged_then_newest_without_flaggers(editor_client, story):
    once, twice = say(story, nic="Once", body="one"), say(story, nic="Twice", body="two")
    say(story, nic="No", body="unflagged")
    flag(Client(), once)
    flag(Client(), twice, "abuse")
    flag(Client(), twice, "spam")
    html = editor_client.get(QUEUE).content.decode()
    assert html.index(">Twice<") < html.index(">Once<")
    assert ">No<" not in html
    assert "Spam or advertising (1), Abuse or harassment (1)" in html
    for f in Flag.objects.all():
        assert f.flagger not in html


def test_dismissing_closes_the_flags_and_is_audited(editor_client, editor, story):
    comment = say(story)
    flag(Client(), comment)
    editor_client.post(QUEUE, {"action": "dismiss_flags", "_selected_action": [comment.pk]}, follow=True)
    assert not Flag.objects.filter(resolved_at=None).exists()
    assert ModerationAction.objects.filter(action="dismiss_flags", comment=comment, moderator=editor).exists()
    assert ">Loud Larry<" not in editor_client.get(QUEUE).content.decode()
    assert Comment.objects.get(pk=comment.pk).redacted is False


def test_redacting_from_the_queue_resolves_the_flags(editor_client, story):
    comment = say(story)
    flag(Client(), comment)
    response = editor_client.post(
        QUEUE, {"action": "redact", "_selected_action": [comment.pk], "apply": "1", "note": "Spam."}, follow=True
    )
    assert response.status_code == 200
    comment.refresh_from_db()
    assert comment.redacted and not Flag.objects.filter(resolved_at=None).exists()
    assert ModerationAction.objects.filter(action="redact", comment=comment).exists()


def test_banning_the_nic_from_the_queue_resolves_its_flags_and_is_audited(editor_client, editor, story):
    comment = say(story)
    flag(Client(), comment)
    data = {"action": "ban_nics", "_selected_action": [comment.pk], "apply": "1", "reason": "spam"}
    editor_client.post(QUEUE, {**data, "expires_in_days": ""}, follow=True)
    ban = Ban.objects.get(kind="nic", value="Loud Larry")
    assert not Flag.objects.filter(resolved_at=None).exists()
    row = ModerationAction.objects.get(action="ban")
    assert (row.ban, row.moderator, row.commenter_id, row.reason) == (ban, editor, comment.commenter_id, "spam")


def test_removing_from_the_queue_removes_closes_the_flags_and_is_audited(editor_client, editor, story):
    comment = say(story)
    flag(Client(), comment)
    data = {"action": "remove", "_selected_action": [comment.pk], "apply": "1", "reason": "Spam."}
    assert editor_client.post(QUEUE, data, follow=True).status_code == 200
    comment.refresh_from_db()
    assert comment.removed and not Flag.objects.filter(resolved_at=None).exists()
    row = ModerationAction.objects.get(action="remove")
    assert (row.comment, row.moderator, row.reason) == (comment, editor, "Spam.")
    assert ">Loud Larry<" not in editor_client.get(QUEUE).content.decode()


def test_with_as_many_flags_the_most_recently_flagged_comment_comes_first(editor_client, story):
    older, newer = say(story, nic="Older", body="first"), say(story, nic="Newer", body="second")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5), tick=False):
        flag(Client(), newer)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10), tick=False):
        flag(Client(), older)  # the older comment, flagged last: the newest business
    html = editor_client.get(QUEUE).content.decode()
    assert html.index(">Older<") < html.index(">Newer<")
    flag(Client(), newer, "abuse")  # now it has more flags, and more flags come first whatever the time
    html = editor_client.get(QUEUE).content.decode()
    assert html.index(">Newer<") < html.index(">Older<")


def test_a_comments_page_shows_the_flags_on_all_its_nics_comments_and_the_bans_on_the_nic(editor_client, editor, story):
    from comments.moderation import ban_create, flags_dismiss

    this, other = say(story, body="This one."), say(story, body="Another of theirs.")
    nic_ban = ban_create(kind="nic", value="LOUD larry", reason="Spam, every day.", moderator=editor)
    ban_create(kind="nic", value="Loud Larry", reason="an old ban", moderator=editor,
               expires_at=timezone.now() - dt.timedelta(days=1))  # fmt: skip
    ban_create(kind="nic", value="Someone Else", reason="not theirs", moderator=editor)
    flag(Client(), this, "spam")
    flag(Client(), this, "spam")
    flag(Client(), other, "abuse")
    flags_dismiss(comments=Comment.objects.filter(pk=other.pk), moderator=editor)

    html = unescape(editor_client.get(reverse("admin:comments_comment_change", args=[this.pk])).content.decode())
    record = html[html.index('class="nic-record"') :]
    record = record[: record.index("</ul>")]
    assert "3 flags from readers on 2 of its comments, 2 open" in record  # the other comment's flag counts too
    assert "spam or advertising (2), abuse or harassment (1)." in record
    assert f'{QUEUE}?commenter={this.commenter_id}">in the queue' in record
    ban_link = reverse("admin:comments_ban_change", args=[nic_ban.pk])
    assert f'Bans on the nic: <a href="{ban_link}">Nic LOUD larry</a> (Spam, every day.).' in record
    assert "an old ban" not in record and "not theirs" not in record
    assert "Readers' flags" in html


def test_a_comments_page_shows_the_bans_on_the_addresses_its_nic_wrote_from(editor_client, editor, story):
    from comments.moderation import ban_create

    comment_create(article_id=story.pk, nic="Loud Larry", body="From home.", owner_token="t", ip="203.0.113.9")
    comment = comment_create(article_id=story.pk, nic="Loud Larry", body="From work.", owner_token="t",
                             ip="2001:db8:1:2::5").comment  # fmt: skip
    network = ban_create(kind="network", value="203.0.113.0/24", reason="a spam farm", moderator=editor)
    address = ban_create(kind="ip", value="2001:db8:1:2::5", reason="the office", moderator=editor)
    ban_create(kind="ip", value="198.51.100.7", reason="somebody else", moderator=editor)

    html = unescape(editor_client.get(reverse("admin:comments_comment_change", args=[comment.pk])).content.decode())
    record = html[html.index('class="nic-record"') : html.index("</ul>", html.index('class="nic-record"'))]
    assert "No flags from readers on its comments." in record and "Bans on the nic: none." in record
    line = record[record.index("Bans on the addresses it wrote from in the last 30 days:") :]
    for ban in (network, address):
        assert f'<a href="{reverse("admin:comments_ban_change", args=[ban.pk])}">{ban}</a> ({ban.reason})' in line
    assert "somebody else" not in line


def test_a_prolific_nics_page_shows_the_ban_on_an_address_it_wrote_from_once(editor_client, editor, story):
    """Two hundred comments from home and one from a banned café: the café's ban is on the record."""
    from comments.moderation import ban_create

    first = comment_create(article_id=story.pk, nic="Loud Larry", body="From home.", owner_token="t", ip="203.0.113.9")
    Comment.objects.bulk_create(
        Comment(article=story, commenter_id=first.comment.commenter_id, number=n, nic="Loud Larry",
                body=f"Home {n}.", body_html=f"<p>Home {n}.</p>", ip="203.0.113.9")
        for n in range(2, 202)
    )  # fmt: skip
    Article.objects.filter(pk=story.pk).update(last_comment_number=201)
    cafe = comment_create(article_id=story.pk, nic="Loud Larry", body="From the café.", owner_token="t",
                          ip="198.51.100.20").comment  # fmt: skip
    ban = ban_create(kind="ip", value="198.51.100.20", reason="the café's spam", moderator=editor)
    html = unescape(
        editor_client.get(reverse("admin:comments_comment_change", args=[first.comment.pk])).content.decode()
    )
    record = html[html.index('class="nic-record"') : html.index("</ul>", html.index('class="nic-record"'))]
    assert f"{ban}</a> ({ban.reason})" in record, cafe.number


def test_flagging_the_same_comment_again_does_not_use_up_the_addresss_limit(client, story, settings):
    settings.COMMENT_FLAG_LIMIT = (2, 3600)
    first, second, third = (say(story, nic=f"Nic {n}", body=f"Text {n}") for n in range(3))
    assert flag(client, first).status_code == 200
    for _ in range(3):  # reloads and second clicks
        again = flag(client, first, reason="abuse")
        assert again.status_code == 200 and "flagged this comment already" in again.content.decode()
    assert flag(client, second).status_code == 200  # the second of two allowed, not refused
    assert flag(client, third).status_code == 429
    assert Flag.objects.filter(comment=first).count() == 1 and Flag.objects.count() == 2


def filter_choices(html: str, title: str) -> list[str]:
    """The choices under one of the list's filters ("By story", "By nic"), as the editor reads them."""
    section = html[html.index(f"By {title}") :]
    section = section[: section.index("</ul>")]
    return [unescape(text).strip() for text in re.findall(r'<a href="[^"]*"[^>]*>([^<]*)</a>', section)]


def test_the_queues_story_and_nic_filters_offer_and_count_only_flagged_comments(editor_client, story, make_article):
    quiet = make_article(title="Harbour dues go up")
    for n in range(3):
        say(quiet, nic=f"Calm Carol {n}", body="Fair enough.")
    flagged = say(story)
    say(story, nic="Quiet Quentin", body="Not flagged.")
    flag(Client(), flagged)
    html = editor_client.get(QUEUE).content.decode()
    assert filter_choices(html, "story") == ["All", "Cutters sail south (1)"]
    assert filter_choices(html, "nic") == ["All", "Loud Larry (1)"]


def test_an_empty_queue_offers_no_story_or_nic_to_filter_by(editor_client, story):
    flag(Client(), say(story))
    editor_client.post(QUEUE, {"action": "dismiss_flags", "_selected_action": [Comment.objects.get().pk]})
    html = editor_client.get(QUEUE).content.decode()
    assert "Cutters sail south" not in html and "Loud Larry" not in html
    assert "By story" not in html and "By nic" not in html  # a filter with nothing to offer is not shown


@pytest.mark.parametrize("flags", [1, 2])
def test_the_trail_counts_dismissed_flags_in_plain_english(editor_client, story, flags):
    comment = say(story)
    for reason in ["spam", "abuse"][:flags]:
        flag(Client(), comment, reason)
    assert Flag.objects.filter(comment=comment).count() == flags
    editor_client.post(QUEUE, {"action": "dismiss_flags", "_selected_action": [comment.pk]})
    reason = ModerationAction.objects.get(action="dismiss_flags").reason
    assert reason == ("1 flag dismissed" if flags == 1 else "2 flags dismissed")


def test_a_comments_admin_page_lists_its_flags_by_reason_and_time(editor_client, story):
    comment = say(story)
    with time_machine.travel(timezone.now().replace(hour=9, minute=30), tick=False):
        flag(Client(), comment, "off_topic")
    page = editor_client.get(reverse("admin:comments_comment_change", args=[comment.pk])).content.decode()
    assert "Off-topic, " in page and ":30 " in page
    assert f"Off-topic on {comment.pk}" not in page  # not the database id, which reads as the comment's number
