"""Quoting a comment in a reply: the Quote link fills the form with [quote=Nic#N] (without JavaScript too), and the
posted quote names the nic and links to the quoted comment."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.test import Client

from comments.models import Comment, CommentRevision
from comments.services import comment_create, comment_edit_by_author, render

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


# --- Nobody puts words in a commenter's mouth: quotes of the story's commenters are checked ----------------------


def reply(story, body, nic="Greta"):
    return comment_create(article_id=story.pk, nic=nic, body=body, owner_token=f"t-{nic}").comment


def cite_of(comment) -> str:
    return re.search(r"<cite[^>]*>.*?</cite>", comment.body_html).group(0)


MATCHED = '<cite><bdi>Fred Bloggs</bdi> (<a href="#c1">#1</a>) said:</cite>'
NOT_SAID = (
    '<cite class="unmatched">Quoted as <bdi>Fred Bloggs</bdi> (<a href="#c1">#1</a>), but that comment does not say '
    "this:</cite>"
)


def test_a_quote_with_words_its_comment_never_said_says_so_on_the_page(client, story):
    say(story)
    forged = reply(story, "[quote=Fred Bloggs#1]Trains should be scrapped.[/quote]\nSee, even Fred agrees.")
    assert cite_of(forged) == NOT_SAID
    page = client.get(story.get_absolute_url()).content.decode()
    assert NOT_SAID in page
    assert "Trains should be scrapped." in page  # the quoter's words stay, under the board's warning


@pytest.mark.parametrize(
    "quoted",
    [
        "Ferries first, then trains.",  # all of it, as the page shows it
        "FERRIES FIRST,\n then   trains",  # case, lines and spacing as copied
        "Ferries first, [b]then[/b] trains.",  # as typed, markup and all
        "first, then",  # a part
        "Ferries … trains",  # the quoter's own cut
        "Ferries [...] trains.",
        "Ferries...trains",
    ],
)
def test_the_words_of_the_quoted_comment_are_found_however_they_were_copied(story, quoted):
    say(story)
    assert cite_of(reply(story, f"[quote=Fred Bloggs#1]{quoted}[/quote]\nNo.")) == MATCHED


@pytest.mark.parametrize(
    "quoted",
    [
        "Ferries first, then planes.",
        "trains … Ferries",  # the cut parts, out of their order
        "Ferries first, then trains. And scrap the buses.",
        "Ferries first then trains",  # punctuation counts: "5%" is not "-5%"
        "rries first, the",  # a quote starts and ends at words: "true" is not in "untrue"
        "Ferries first, then trains. \U0001f92e",  # an emoji counts too
        "…",  # nothing but a cut: nothing Fred said
        "",
    ],
)
def test_words_added_changed_or_reordered_are_not_the_comment(story, quoted):
    say(story)
    assert cite_of(reply(story, f"[quote=Fred Bloggs#1]{quoted}[/quote]\nNo.")) == NOT_SAID


def test_a_quote_must_name_whoever_wrote_the_comment_it_gives(story):
    say(story)  # #1, Fred's
    say(story, nic="Tess", body="Something else entirely.")  # #2
    assert cite_of(reply(story, "[quote=Tess#1]Ferries first[/quote]\nx")) == (
        '<cite class="unmatched">Quoted as <bdi>Tess</bdi> (<a href="#c1">#1</a>), but that comment does not say '
        "this:</cite>"
    )
    assert cite_of(reply(story, "[quote=Fred Bloggs#9]Ferries first[/quote]\nx")).startswith(
        '<cite class="unmatched">Quoted as <bdi>Fred Bloggs</bdi> (<a href="#c9">#9</a>)'
    )


def test_a_quote_naming_a_commenter_without_a_number_finds_their_comment_or_says_it_cannot(story):
    say(story, nic="Tess", body="Nothing to add.")  # #1
    say(story)  # #2, Fred's
    say(story, body="Buses last.")  # #3, Fred again
    found = reply(story, "[quote=fred bloggs]buses last[/quote]\nWhy?")
    assert cite_of(found) == '<cite><bdi>fred bloggs</bdi> (<a href="#c3">#3</a>) said:</cite>'
    made_up = reply(story, "[quote=Fred Bloggs]Scrap the ferries.[/quote]\nWhy?")
    assert cite_of(made_up) == (
        '<cite class="unmatched">Quoted as <bdi>Fred Bloggs</bdi>, but none of their comments here says this:</cite>'
    )


def test_a_nic_with_a_lone_bracket_is_found_without_a_number_too(story):
    say(story, nic="Bob [NYC", body="Hello there.")
    assert cite_of(reply(story, "[quote=Bob (NYC]Hello there[/quote]\nHi.")) == (
        '<cite><bdi>Bob (NYC</bdi> (<a href="#c1">#1</a>) said:</cite>'
    )
    assert 'class="unmatched"' in cite_of(reply(story, "[quote=Bob (NYC]Goodbye[/quote]\nHi.", nic="Tess"))


def test_a_name_nobody_in_the_story_goes_by_is_shown_as_typed(story):
    say(story)
    outside = reply(story, "[quote=The Minister]We will build the bridge.[/quote]\nThey said that in 2019.")
    assert cite_of(outside) == "<cite>Quoted from <bdi>The Minister</bdi>:</cite>"
    # worded apart from a checked quote, so that no name can pass for one
    mimic = reply(story, "[quote=Fred Bloggs (#l)]Scrap the trains.[/quote]\nSee?", nic="Tess")
    assert cite_of(mimic) == "<cite>Quoted from <bdi>Fred Bloggs (#l)</bdi>:</cite>"
    assert cite_of(reply(story, "[quote=Fred Bloggs#1 or so]x[/quote]\nx", nic="Tess")).startswith("<cite>Quoted from")


def test_a_redacted_or_removed_comment_vouches_for_no_quote(story):
    first, second = say(story), say(story, nic="Tess", body="Mine to take back.")
    Comment.objects.filter(pk=first.pk).update(redacted=True)
    Comment.objects.filter(pk=second.pk).update(removed=True)
    assert cite_of(reply(story, "[quote=Fred Bloggs#1]Ferries first[/quote]\nx")) == NOT_SAID
    assert 'class="unmatched"' in cite_of(reply(story, "[quote=Tess#2]Mine to take back.[/quote]\nx"))


def test_an_authors_earlier_text_counts_until_an_editor_steps_in(story):
    first = say(story, body="Ferries first.")
    CommentRevision.objects.create(comment=first, body="Trains first.", body_html="<p>Trains first.</p>")
    assert cite_of(reply(story, "[quote=Fred Bloggs#1]Trains first.[/quote]\nYou changed it.")) == MATCHED
    Comment.objects.filter(pk=first.pk).update(moderator_note="Edited by the editors: a name taken out.")
    assert cite_of(reply(story, "[quote=Fred Bloggs#1]Trains first.[/quote]\nYou changed it.", nic="Tess")) == NOT_SAID


def test_nested_quotes_are_each_checked(story):
    say(story)  # #1
    honest = reply(story, "[quote=Fred Bloggs#1]Ferries first[/quote]\nAgreed.", nic="Tess")  # #2
    nested = reply(story, "[quote=Tess#2][quote=Fred Bloggs#1]Ferries first[/quote]Agreed.[/quote]\nMe too.")
    assert '<cite><bdi>Tess</bdi> (<a href="#c2">#2</a>) said:</cite>' in nested.body_html
    assert MATCHED in nested.body_html and "unmatched" not in nested.body_html
    assert MATCHED in honest.body_html


def test_a_quote_checked_costs_posting_one_query_and_no_quote_none(story, django_assert_max_num_queries):
    say(story)
    with django_assert_max_num_queries(0):
        render("No quotes here, [b]bold[/b] only.", story=story.pk)
    with django_assert_max_num_queries(2):  # the comments, and their earlier texts
        render("[quote=Fred Bloggs#1]Ferries first[/quote]\n[quote=Fred Bloggs]trains[/quote]", story=story.pk)


def test_the_preview_checks_quotes_against_its_story_and_the_posted_form_says_the_same(client, story, post):
    say(story)
    form = client.get(story.get_absolute_url()).content.decode()
    preview_url = unescape(re.search(r'data-preview-url="([^"]+)"', form).group(1))
    assert preview_url == f"/comments/preview/?story={story.pk}"
    body = "[quote=Fred Bloggs#1]Scrap the trains.[/quote]\nSee?"
    previewed = client.post(preview_url, {"body": body}).json()["html"]
    assert NOT_SAID in previewed
    assert MATCHED in client.post(preview_url, {"body": "[quote=Fred Bloggs#1]then trains[/quote]"}).json()["html"]
    # no story named (an old page's script): quotes as typed, and nothing else read
    assert MATCHED in client.post("/comments/preview/?story=x", {"body": body}).json()["html"]
    no_js = post(story, nic="Greta", body=body, preview="1").content.decode()
    assert NOT_SAID in no_js and "Scrap the trains." in no_js
    post(story, nic="Greta", body=body)
    assert NOT_SAID in client.get(story.get_absolute_url()).content.decode()


def test_an_author_edit_checks_its_quotes_too(client, story):
    say(story)
    edited = reply(story, "[quote=Fred Bloggs#1]Ferries first[/quote]\nYes.")
    body = "[quote=Fred Bloggs#1]Ferries never.[/quote]\nYes."
    comment_edit_by_author(
        comment_id=edited.pk, owner_token="t-Greta", body=body, body_html=render(body, story=story.pk)
    )
    assert NOT_SAID in client.get(story.get_absolute_url()).content.decode()


def test_a_redacted_or_removed_commenter_is_still_one_of_the_story(story):
    fred = say(story, body="The mayor takes bribes.")
    Comment.objects.filter(pk=fred.pk).update(redacted=True, moderator_note="Redacted by the editors.")
    assert 'class="unmatched"' in cite_of(reply(story, "[quote=Fred Bloggs]The mayor takes bribes.[/quote]\nx"))
    tess = say(story, nic="Tess", body="Gone soon.")
    Comment.objects.filter(pk=tess.pk).update(removed=True)
    assert 'class="unmatched"' in cite_of(reply(story, "[quote=Tess]Gone soon.[/quote]\nx"))


def test_characters_that_reorder_words_keep_a_quote_from_being_checked(story):
    say(story, body="Dogs bite men")
    reordered = "\u202e\u202dDogs\u202c \u202dbite\u202c \u202dmen\u202c\u202c"  # shown as "men bite Dogs"
    assert 'class="unmatched"' in cite_of(reply(story, f"[quote=Fred Bloggs#1]{reordered}[/quote]\nx"))
    hidden_space = reply(story, "[quote=Fred Bloggs#1]Dogs\u200b bite men[/quote]\nx", nic="Tess")
    assert cite_of(hidden_space) == MATCHED  # a zero-width space reorders nothing


@pytest.mark.parametrize(
    ("said", "quoted"),
    [
        ("CO[small]2[/small] emissions rose.", "CO2 emissions rose."),  # markup inside a word, copied from the page
        ("你们好吗我很好", "我很好"),  # part of a sentence written without spaces
        ("Tax up 5%", "tax up 5%"),
    ],
)
def test_a_genuine_quote_copied_from_the_page_is_checked_as_fred_said_it(story, said, quoted):
    say(story, body=said)
    assert 'class="unmatched"' not in cite_of(reply(story, f"[quote=Fred Bloggs#1]{quoted}[/quote]\nYes."))


def test_the_quote_buttons_text_of_a_comment_with_a_quote_in_it_passes_after_a_namesake_posts(client, story):
    say(story, body="[quote=The Minister]We will build the bridge.[/quote]\nThey said that in 2019.")  # #1
    say(story, nic="The Minister", body="Hello all.")  # #2: someone takes the name on this story
    button = form_body(client.get(f"{story.get_absolute_url()}?quote=1").content.decode())
    posted = reply(story, button + "Quite.")
    assert '<cite><bdi>Fred Bloggs</bdi> (<a href="#c1">#1</a>) said:</cite>' in posted.body_html
    # the quote inside it is checked on its own: the namesake never said it here
    assert "Quoted as <bdi>The Minister</bdi>, but none of their comments here says this:" in posted.body_html


def test_a_prolific_nic_is_looked_for_in_their_latest_comments_and_texts(story, django_assert_max_num_queries):
    for n in range(55):
        say(story, body=f"Point number {n}.")
    assert 'class="unmatched"' not in cite_of(reply(story, "[quote=Fred Bloggs]Point number 54.[/quote]\nx"))
    # the 20 latest are looked in: #1 is not (numbered quotes of it are checked, below)
    assert 'class="unmatched"' in cite_of(reply(story, "[quote=Fred Bloggs]Point number 0.[/quote]\nx", nic="Tess"))
    assert 'class="unmatched"' not in cite_of(reply(story, "[quote=Fred Bloggs#1]Point number 0.[/quote]\nx"))
    body = "".join(f"[quote=Fred Bloggs#{n}]Point number {n - 1}.[/quote]\n" for n in range(1, 56))
    with django_assert_max_num_queries(2):
        html = render(body, story=story.pk)
    assert html.count("said:</cite>") == 50  # the first 50 different quotes are checked
    assert html.count("not checked (too many quotes):</cite>") == 5


def test_a_checked_quote_links_only_where_the_comment_links(client, story):
    say(
        story,
        body="Read [url=https://example.com/report]the report[/url] and https://example.org/a/long/address/for/squishing/x",
    )
    button = form_body(client.get(f"{story.get_absolute_url()}?quote=1").content.decode())
    assert 'class="unmatched"' not in cite_of(reply(story, button + "Read it."))  # the Quote button's copy
    assert 'class="unmatched"' not in cite_of(reply(story, "[quote=Fred Bloggs#1]Read the report[/quote]\nx", "Tess"))
    forged = reply(story, "[quote=Fred Bloggs#1]Read [url=https://evil.example/]the report[/url][/quote]\nx", "Uma")
    assert cite_of(forged).startswith('<cite class="unmatched">')
