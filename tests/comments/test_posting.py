"""Posting a comment through the story page's form, and every way it can be refused."""

import copy
import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.forms import MAX_COMMENT_CHARS
from comments.models import Comment, Commenter
from comments.services import comment_create
from tests.comments.conftest import form_stamp

pytestmark = pytest.mark.django_db


def test_form_has_the_classic_labels_and_buttons(client, story):
    html = client.get(story.get_absolute_url()).content.decode()
    for text in ["Your Name", "Your e-mail (optional)", "Website (optional)", "My Original Nic", "Pic-a-Nic"]:
        assert text in html
    assert 'name="preview"' in html and 'name="post"' in html
    labels = ["Bold", "Italic", "Underline", "Strike", "Bullet", "Blockquote", "Small", "Big", "Link", "Squish",
              "Foto", "Photo"]  # fmt: skip
    positions = [html.index(f'aria-label="{label}"') for label in labels]
    assert positions == sorted(positions)


def test_posting_redirects_to_the_new_comments_anchor(client, story, post):
    response = post(story, body="[b]Six[/b] is more than four.")
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{story.get_absolute_url()}#c1"
    assert comment.number == 1
    assert comment.body_html == "<p><strong>Six</strong> is more than four.</p>"
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<article class="comment" id="c1"' in html
    assert "<strong>Six</strong> is more than four." in html


def test_counts_and_numbers_land_with_the_comment(story, post):
    post(story, nic="Fred")
    post(story, nic="Tess")
    post(story, nic="fred ", body="A second thought.")
    story.refresh_from_db()
    assert list(Comment.objects.values_list("number", flat=True)) == [1, 2, 3]
    assert (story.comment_count, story.last_comment_number, story.last_comment_nic) == (3, 3, "fred")
    fred = Commenter.objects.get(key="fred")
    assert fred.comment_count == 2
    assert fred.nic == "Fred"


def test_the_nic_is_remembered_and_the_greeting_counts_comments(client, story, post):
    post(story, nic="Fred Bloggs")
    assert client.cookies["rb_nic"].value == "Fred%20Bloggs"
    html = client.get(story.get_absolute_url()).content.decode()
    assert "You have commented 1 time on Rantboard." in html
    assert 'value="Fred Bloggs"' in html
    post(story, nic="Fred Bloggs", body="Again.")
    assert "You have commented 2 times on Rantboard." in client.get(story.get_absolute_url()).content.decode()


def test_a_new_reader_gets_no_greeting(client, story):
    assert "You have commented" not in client.get(story.get_absolute_url()).content.decode()


def test_a_double_click_or_reload_posts_once(client, story, post):
    token = "same-form-token-123"
    first = post(story, token=token)
    second = post(story, token=token)
    assert Comment.objects.count() == 1
    assert first["Location"] == second["Location"]
    story.refresh_from_db()
    assert story.comment_count == 1


def test_a_new_browsers_form_sent_twice_before_either_answer_arrives_posts_once_and_owns_its_nic(story):
    browser = Client()
    page = browser.get(story.get_absolute_url()).content.decode()
    form = {"nic": "Double Dan", "body": "Once, please.", "stamp": form_stamp(page), "post": "1"}
    address = reverse("comments:post", args=[story.pk])
    before = copy.deepcopy(browser.cookies)  # what the page set: its CSRF cookie
    first = browser.post(address, form)
    browser.cookies = before  # the second request left before the first one's cookies came back
    second = browser.post(address, form)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Comment.objects.count() == 1
    # Whichever answer the browser keeps, its cookie owns the nic: the next post under it goes through.
    assert first.cookies["rb_owner"].value == second.cookies["rb_owner"].value
    page = browser.get(story.get_absolute_url()).content.decode()
    again = browser.post(address, {**form, "body": "And again.", "stamp": form_stamp(page)})
    assert again.status_code == 302 and Comment.objects.count() == 2


def test_two_tabs_showing_one_copy_of_the_page_post_both_comments_or_say_why_not(story):
    """A browser that kept the page (a 304, a restored tab) shows the same stamp in two tabs. The second tab's words
    are not the first's: they are refused with the reason and come back in a form that posts them."""
    browser = Client(HTTP_USER_AGENT="Mozilla/5.0")
    stamp = form_stamp(browser.get(story.get_absolute_url()).content.decode())
    address = reverse("comments:post", args=[story.pk])
    tab = {"nic": "Double Dan", "email": "", "website": "", "stamp": stamp, "post": "1"}
    assert browser.post(address, {**tab, "body": "From the first tab."}).status_code == 302
    second = browser.post(address, {**tab, "body": "From the second tab."})
    html = second.content.decode()
    assert second.status_code == 409
    assert "This form has already posted comment #1" in html
    assert "From the second tab.</textarea>" in html
    assert form_stamp(html) != stamp
    again = browser.post(address, {**tab, "body": "From the second tab.", "stamp": form_stamp(html)})
    assert again.status_code == 302
    assert list(Comment.objects.order_by("number").values_list("body", flat=True)) == [
        "From the first tab.",
        "From the second tab.",
    ]


def test_a_nic_cannot_be_used_from_another_browser(story, post):
    post(story, nic="Fred Bloggs")
    impostor = Client()
    page = impostor.get(story.get_absolute_url()).content.decode()
    response = impostor.post(
        reverse("comments:post", args=[story.pk]),
        {"nic": "fred bloggs", "body": "I am Fred, honest.", "stamp": form_stamp(page)},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "belongs to another commenter" in html
    assert "I am Fred, honest.</textarea>" in html
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("old_key_kept, answer", [(True, 302), (False, 400)])
def test_a_new_secret_key_keeps_each_browsers_nic_while_the_old_one_is_a_fallback(
    story, post, settings, old_key_kept, answer
):
    assert post(story, nic="Fred Bloggs", body="Before the new key.").status_code == 302
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "k" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key] if old_key_kept else []
    response = post(story, nic="Fred Bloggs", body="After the new key.")
    assert response.status_code == answer  # without the old key the browser's cookie proves nothing
    assert Comment.objects.filter(body="After the new key.").exists() == old_key_kept


def _refused(response, message, text):
    html = response.content.decode()
    assert message in html
    assert text in html
    assert Comment.objects.count() == 0
    return html


def test_closed_story_refuses_a_post_with_the_sentence_and_saves_nothing(client, make_article, post):
    closed = make_article(comments_closed=True)
    response = post(closed, body="Too late?", token="t1")
    assert response.status_code == 403
    _refused(response, "Sorry. Comments have been closed on this article.", "Too late?</textarea>")
    assert 'class="comment-form"' not in response.content.decode()
    assert response.content.decode().count("Sorry. Comments have been closed on this article.") == 1
    closed.refresh_from_db()
    assert closed.comment_count == 0


def test_story_past_its_close_at_refuses_posts(make_article, post):
    past = make_article(comments_close_at=timezone.now() - dt.timedelta(seconds=1))
    assert post(past, token="t2").status_code == 403
    assert not Comment.objects.exists()


def test_closed_story_shows_no_form(client, make_article):
    html = client.get(make_article(comments_closed=True).get_absolute_url()).content.decode()
    assert "Sorry. Comments have been closed on this article." in html
    assert 'class="comment-form"' not in html


def test_empty_body_is_refused(story, post):
    response = post(story, body="   \n  ")
    assert response.status_code == 400
    _refused(response, "The comment is empty", "Fred Bloggs")


@pytest.mark.parametrize(
    "body",
    [
        "[b][/b]",
        "[quote][/quote]",
        "[quote=Ann Other][/quote]",  # its "Quoted from" line alone is the board's words, not the commenter's
        "[i] [u]\u200b[/u] [/i]",
        "\ufeff\u202e\u2060",
        "\u3164\u3164",  # Hangul fillers: letters to Unicode, drawn as nothing
        "\u2800 \u2800",  # a blank Braille cell
        "\ufe0f\u034f\U000e0100",  # variation selectors and the grapheme joiner, marks that attach to nothing
    ],
)
def test_a_body_that_would_show_nothing_is_refused_with_the_text_kept(story, post, body):
    response = post(story, body=body)
    assert response.status_code == 400
    _refused(response, "The comment shows nothing", "Fred Bloggs")
    assert f"\n{body}</textarea>" in response.content.decode()


@pytest.mark.parametrize(
    "body", ["[b]Yes[/b]", "[quote=Ann Other]Tea.[/quote]", "\u2800a", "🙂", "[img]https://example.com/a.png[/img]"]
)
def test_a_body_of_one_sign_a_quote_or_a_picture_is_posted(story, post, body):
    assert post(story, body=body).status_code == 302
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("nic", [".", ".."])
def test_a_nic_of_dots_whose_page_no_browser_could_open_is_refused(story, post, nic):
    response = post(story, nic=nic, body="Dots.")
    assert response.status_code == 400
    _refused(response, "A nic of one or two dots alone cannot have its page", "Dots.</textarea>")


def test_a_nic_of_three_dots_has_a_page(client, story, post):
    assert post(story, nic="...", body="Dots.").status_code == 302
    assert client.get(Comment.objects.get().nic_url).status_code == 200


def test_over_long_body_is_refused_with_the_limit_and_the_text_kept(story, post):
    body = "word " * (MAX_COMMENT_CHARS // 5) + "the end"
    response = post(story, body=body)
    _refused(response, f"A comment can be at most {MAX_COMMENT_CHARS:,} characters", "the end</textarea>")


def test_bad_website_is_refused_with_the_text_kept(story, post):
    response = post(story, body="Keep me.", website="javascript:alert(1)")
    _refused(response, "Enter a valid URL", "Keep me.</textarea>")
    response = post(story, body="Keep me too.", website="ftp://files.example.com/")
    _refused(response, "must be a whole http:// or https:// address", "Keep me too.</textarea>")
    response = post(story, body="And me.", website='https://ok.example/a?b="x"')  # a quote it cannot hold
    _refused(response, "without spaces, quotes, backslashes or angle brackets", "And me.</textarea>")


def test_bad_email_is_refused(story, post):
    _refused(post(story, body="Mail me.", email="not-an-address"), "Enter a valid email address", "Mail me.")


def test_missing_nic_is_refused(story, post):
    _refused(post(story, nic="\u200b  ", body="Who am I?"), "Type a nic", "Who am I?")


def test_over_long_nic_is_refused(story, post):
    _refused(post(story, nic="N" * 41, body="Long name."), "A nic can be at most 40 characters", "Long name.")


def test_hostile_body_is_stored_as_typed_and_shown_inert(client, story, post):
    post(story, body="<script>alert(1)</script>[url=javascript:alert(2)]x[/url]")
    comment = Comment.objects.get()
    assert comment.body == "<script>alert(1)</script>[url=javascript:alert(2)]x[/url]"
    html = client.get(story.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;[url=javascript:alert(2)]x[/url]" in html


def test_preview_without_javascript_shows_the_rendering_and_keeps_the_text(client, story, post):
    response = post(story, body="[i]Draft[/i] thoughts", preview="1", post="")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="comment-body"><p><em>Draft</em> thoughts</p></div>' in html
    assert "[i]Draft[/i] thoughts</textarea>" in html
    assert not Comment.objects.exists()


def test_preview_endpoint_uses_the_same_renderer(client, story):
    response = client.post(reverse("comments:preview"), {"body": "[b]x[/b] <b>y</b>"})
    assert response.json() == {"html": "<p><strong>x</strong> &lt;b&gt;y&lt;/b&gt;</p>"}


def test_preview_endpoint_explains_an_over_long_body(client, db):
    response = client.post(reverse("comments:preview"), {"body": "x" * (MAX_COMMENT_CHARS + 1)})
    assert response.status_code == 400
    assert "at most 10,000 characters" in response.json()["error"]


def test_pic_a_nic_without_javascript_fills_a_fresh_nic_and_keeps_the_text(story, post):
    response = post(story, nic="", body="Keep this.", picanic="1", post="")
    html = response.content.decode()
    assert "Keep this.</textarea>" in html
    assert not Comment.objects.exists()
    nic = re.search(r'name="nic" value="([^"]*)"', html).group(1)
    assert nic.count(" ") == 2 and nic[-4:].isdigit()


def test_pic_a_nic_endpoint_never_proposes_a_nic_in_use(client, story, monkeypatch):
    from comments import nics

    comment_create(article_id=story.pk, nic="Agnes Applewhite 1000", body="x", owner_token="a")
    choices = iter(["Agnes", "Agnes", "Agnes", "Barnaby"])
    monkeypatch.setattr(
        nics.secrets.SystemRandom,
        "choice",
        lambda self, seq: next(choices) if seq is nics.FIRST_NAMES else "Applewhite",
    )
    monkeypatch.setattr(nics.secrets.SystemRandom, "randrange", lambda self, a, b: 1000)
    assert client.get(reverse("comments:pick_nic")).json() == {"nic": "Barnaby Applewhite 1000"}


def test_my_original_nic_without_javascript_restores_the_remembered_nic(client, story, post):
    post(story, nic="Fred Bloggs")
    response = post(story, nic="Somebody Else", body="Hmm.", original_nic="1", post="")
    assert 'name="nic" value="Fred Bloggs"' in response.content.decode()
    assert Comment.objects.count() == 1


def test_drafts_take_no_comments(make_article, post):
    draft = make_article(status=Article.Status.DRAFT)
    assert post(draft, fresh_form=False, token="t3").status_code == 404
    assert not Comment.objects.exists()


def test_a_link_followed_from_a_refused_posts_page_leads_to_the_story(client, story, post):
    """Without JavaScript, a preview or a refused post stays at the post's address, and a comment's Quote link
    there (?quote=N, relative) asks that address for a page: it is sent to the story with the quote."""
    post(story, body="Quote me.")
    assert post(story, body="A preview.", preview="1", post="").status_code == 200
    response = client.get(reverse("comments:post", args=[story.pk]) + "?quote=1", follow=True)
    assert response.redirect_chain[0] == (f"{story.get_absolute_url()}?quote=1", 302)
    assert "[quote=Fred Bloggs#1]Quote me.[/quote]" in response.content.decode()
    assert client.get(reverse("comments:post", args=[story.pk])).url == story.get_absolute_url()


def test_the_nic_buttons_on_a_story_that_closed_meanwhile_give_the_text_back(story, post):
    Article.objects.filter(pk=story.pk).update(comments_closed=True)
    for button in ("picanic", "original_nic"):
        response = post(story, body="Typed while it closed.", fresh_form=False, post="", **{button: "1"})
        html = response.content.decode()
        assert response.status_code == 403
        assert "Comments have been closed" in html
        assert "Typed while it closed." in html
    assert not Comment.objects.exists()


def test_csrf_is_enforced(story):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("comments:post", args=[story.pk]), {"nic": "x", "body": "y"})
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_a_comment_sent_without_the_form_key_comes_back_whole_and_can_be_sent_again(story):
    """Cookies cleared while the page was open: the post is refused, the text comes back in view with a new key."""
    browser = Client(enforce_csrf_checks=True, HTTP_USER_AGENT="Mozilla/5.0")
    page = browser.get(story.get_absolute_url()).content.decode()
    stamp = form_stamp(page)
    browser.cookies.clear()
    typed = {"nic": "Fred Bloggs", "email": "fred@example.com", "website": "", "body": "Kept <b>safe</b>.",
             "stamp": stamp, "post": "1"}  # fmt: skip
    response = browser.post(reverse("comments:post", args=[story.pk]), typed)
    html = response.content.decode()
    assert response.status_code == 403
    assert "did not send this board&#39;s form key" in html or "did not send this board's form key" in html
    assert 'value="Fred Bloggs"' in html and 'value="fred@example.com"' in html
    assert "Kept &lt;b&gt;safe&lt;/b&gt;." in html and "<b>safe</b>" not in html
    labels = re.compile(r'<label for="id_(nic|email|website|body)">([^<]+)</label>')
    assert labels.findall(html) == labels.findall(page)  # the story form's fields, in the same words
    limits = re.compile(r'name="(nic|email|website)"[^>]* maxlength="(\d+)"')
    assert len(limits.findall(page)) == 3 and limits.findall(html) == limits.findall(page)  # and the same limits
    assert not Comment.objects.exists()
    again = {**typed, "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)}
    assert browser.post(reverse("comments:post", args=[story.pk]), again).status_code == 302
    assert Comment.objects.get().body == "Kept <b>safe</b>."


def test_a_stamp_planted_by_a_forged_post_does_not_let_its_planter_take_the_nic_posted_with_it(story):
    """The "not posted yet" page sends back the stamp a refused post carried, and a forged cross-site post chooses
    that stamp. The browser that then posts from the page owns its nic; whoever chose the stamp must not."""
    url = reverse("comments:post", args=[story.pk])
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    attacker = Client(enforce_csrf_checks=True, HTTP_USER_AGENT="Mozilla/5.0")
    planted = form_stamp(attacker.get(story.get_absolute_url()).content.decode())

    victim = Client(enforce_csrf_checks=True, HTTP_USER_AGENT="Mozilla/5.0")
    forged = victim.post(
        url, {"stamp": planted, "nic": "", "body": "Great article!"}, HTTP_ORIGIN="https://evil.example"
    )
    assert forged.status_code == 403 and planted in forged.content.decode()
    sent = {"stamp": planted, "nic": "Victoria Victim", "email": "", "website": "", "post": "1",
            "body": "My own words.", "csrfmiddlewaretoken": csrf.search(forged.content.decode()).group(1)}  # fmt: skip
    assert victim.post(url, sent).status_code == 302

    # The replay sends what the victim sent (her words are on the page for anyone to copy), with the attacker's key.
    page = attacker.get(story.get_absolute_url()).content.decode()
    replay = {**sent, "csrfmiddlewaretoken": csrf.search(page).group(1)}
    response = attacker.post(url, replay)
    assert response.status_code == 400 and "belongs to another commenter" in response.content.decode()
    assert "rb_owner" not in response.cookies and "rb_last" not in response.cookies
    # Under a nic of the attacker's own, the stamp is not taken for the victim's resend either: no cookies of hers.
    as_mallory = attacker.post(url, {**replay, "nic": "Mallory"})
    assert as_mallory.status_code == 409
    assert not {"rb_owner", "rb_last", "rb_nic"} & set(as_mallory.cookies)
    edit = attacker.post(reverse("comments:edit", args=[story.pk, 1]), {"body": "Rewritten."})
    assert edit.status_code == 403
    assert list(Comment.objects.values_list("nic", "body")) == [("Victoria Victim", "My own words.")]
    # The victim still owns the nic and its comment.
    form = victim.get(reverse("comments:edit", args=[story.pk, 1])).content.decode()
    mended = {"body": "Mine, edited.", "csrfmiddlewaretoken": csrf.search(form).group(1)}
    assert victim.post(reverse("comments:edit", args=[story.pk, 1]), mended).status_code == 302


def test_another_form_sent_without_the_key_says_so_and_shows_the_text(story):
    comment = comment_create(article_id=story.pk, nic="Fred Bloggs", body="Mine.", owner_token="t").comment
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("comments:edit", args=[story.pk, comment.number]), {"body": "Edited text."})
    assert response.status_code == 403
    assert "Nothing was saved" in response.content.decode() and "Edited text." in response.content.decode()


def test_my_original_nic_without_javascript_explains_when_there_is_none(story, post):
    response = post(story, nic="", body="Keep.", original_nic="1", post="")
    html = response.content.decode()
    assert "This browser has not posted a comment yet, so there is no nic to restore." in html
    assert "Keep.</textarea>" in html


def test_scheduled_stories_take_no_comments_until_they_appear(make_article, post):
    from django.utils import timezone

    later = make_article(published_at=timezone.now() + timezone.timedelta(hours=1))
    assert post(later, fresh_form=False, token="t4").status_code == 404
    assert not Comment.objects.exists()
