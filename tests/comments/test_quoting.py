"""Quoting a comment in a reply: the Quote link fills the form with [quote=Nic#N] (without JavaScript too), and the
posted quote names the nic and links to the quoted comment."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.test import Client

from comments.models import Comment
from comments.services import comment_create

pytestmark = pytest.mark.django_db


def say(story, nic="Fred Bloggs", body="Ferries first, [b]then[/b] trains."):
    return comment_create(article_id=story.pk, nic=nic, body=body, owner_token=f"t-{nic}").comment


def form_body(html: str) -> str:
    return unescape(re.search(r'<textarea name="body"[^>]*>\n?(.*?)</textarea>', html, re.S).group(1))


def test_each_comment_has_a_quote_link_that_works_without_javascript(client, story):
    comment = say(story)
    page = client.get(story.get_absolute_url()).content.decode()
    assert f'href="?quote={comment.number}#comment-form"' in page
    quoted = client.get(f"{story.get_absolute_url()}?quote={comment.number}")
    assert quoted.status_code == 200
    assert form_body(quoted.content.decode()) == "[quote=Fred Bloggs#1]Ferries first, [b]then[/b] trains.[/quote]\n"


@pytest.mark.parametrize("number", ["2", "x", "", "99999999", "-1", "1.0", "%D9%A1"])
def test_quoting_a_comment_that_is_not_there_leads_to_the_story_with_the_form_empty(client, story, number):
    say(story)
    response = client.get(f"{story.get_absolute_url()}?quote={number}", follow=True)
    assert response.redirect_chain == [(story.get_absolute_url(), 301)]
    assert form_body(response.content.decode()) == ""


def test_a_redacted_comment_is_not_quoted(client, story):
    comment = say(story)
    Comment.objects.filter(pk=comment.pk).update(redacted=True)
    response = client.get(f"{story.get_absolute_url()}?quote=1", follow=True)
    assert response.redirect_chain == [(story.get_absolute_url(), 301)]
    assert form_body(response.content.decode()) == ""


def test_the_quote_link_on_the_short_story_address_keeps_its_quote(client, story):
    say(story)
    response = client.get(f"/story/{story.pk}/?quote=1", follow=True)
    assert response.redirect_chain == [(f"{story.get_absolute_url()}?quote=1", 301)]
    assert form_body(response.content.decode()).startswith("[quote=Fred Bloggs#1]")


def test_an_editor_sees_the_quote_in_the_form_too(editor_client, story):
    say(story)
    assert form_body(editor_client.get(f"{story.get_absolute_url()}?quote=1").content.decode()).startswith(
        "[quote=Fred Bloggs#1]"
    )


def test_a_quoted_text_is_escaped_in_the_form_whether_the_page_is_stored_or_not(client, editor_client, story):
    say(story, body="</textarea><script>alert(1)</script> & more")
    for browser in (client, client, editor_client):  # rendered and stored, from the stored page, never stored
        html = browser.get(f"{story.get_absolute_url()}?quote=1").content.decode()
        assert "<script>" not in html
        assert form_body(html) == "[quote=Fred Bloggs#1]</textarea><script>alert(1)</script> & more[/quote]\n"


def test_a_posted_quote_names_the_nic_and_links_to_the_comment(story):
    say(story)
    reply = comment_create(
        article_id=story.pk, nic="Greta", body="[quote=Fred Bloggs#1]Ferries first[/quote]\nNo.", owner_token="t-g"
    ).comment
    assert '<cite><bdi>Fred Bloggs</bdi> (<a href="#c1">#1</a>) said:</cite>' in reply.body_html
    assert '<a href="#c1">#1</a>' in Client().get(story.get_absolute_url()).content.decode()


def test_a_nic_with_brackets_is_quoted_and_named(client, story):
    say(story, nic="Bob [NYC]", body="Hello there.")
    quoted = form_body(client.get(f"{story.get_absolute_url()}?quote=1").content.decode())
    assert quoted == "[quote=Bob [NYC]#1]Hello there.[/quote]\n"
    reply = comment_create(article_id=story.pk, nic="Greta", body=quoted + "Hi.", owner_token="t-g").comment
    assert '<cite><bdi>Bob [NYC]</bdi> (<a href="#c1">#1</a>) said:</cite>' in reply.body_html
    assert "[quote=" not in reply.body_html


def test_a_quote_shown_away_from_its_thread_links_to_the_story_page(client, story):
    say(story)
    comment_create(
        article_id=story.pk, nic="Greta", body="[quote=Fred Bloggs#1]Ferries first[/quote]\nNo.", owner_token="t-g"
    )
    on_story = f'<a href="{story.get_absolute_url()}#c1">#1</a>'
    assert '<a href="#c1">#1</a>' in client.get(story.get_absolute_url()).content.decode()  # in the thread
    for page in ("/nic/Greta/", f"/story/{story.pk}/comments/2/history/", f"/story/{story.pk}/comments/2/flag/"):
        html = client.get(page).content.decode()
        assert on_story in html and 'href="#c1"' not in html, page
    feed = client.get(f"/story/{story.pk}/comments/rss/").content.decode()
    assert f'<a href="{settings.SITE_URL}{story.get_absolute_url()}#c1">#1</a>' in unescape(feed)


@pytest.mark.parametrize(
    ("nic", "as_quoted"), [("Bob [NYC", "Bob (NYC"), ("Bob NYC]", "Bob NYC)"), ("[[Bob]]", "((Bob))")]
)
def test_a_nic_whose_brackets_a_quote_cannot_hold_is_quoted_with_round_ones(client, story, nic, as_quoted):
    say(story, nic=nic, body="Hello there.")
    quoted = form_body(client.get(f"{story.get_absolute_url()}?quote=1").content.decode())
    assert quoted == f"[quote={as_quoted}#1]Hello there.[/quote]\n"
    reply = comment_create(article_id=story.pk, nic="Greta", body=quoted + "Hi.", owner_token="t-g").comment
    assert f'<cite><bdi>{as_quoted}</bdi> (<a href="#c1">#1</a>) said:</cite>' in reply.body_html
