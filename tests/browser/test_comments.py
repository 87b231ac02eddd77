"""A commenter in Chromium: every toolbar button, the nic buttons, posting, and a closed story."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from PIL import Image
from playwright.sync_api import expect

from articles.models import Picture

pytestmark = pytest.mark.browser

OUTSIDE_URL = "https://www.example.com/a/rather/long/path/to/the/story.html"
PICTURE_URL = "https://pics.example.net/cat.jpg"


@pytest.fixture
def library(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "#2b3a4a").save(buffer, format="PNG")
    picture = Picture(name="harbour-map", alt_text="Map of the harbour", content_type="image/png")
    picture.image.save("harbour-map.png", ContentFile(buffer.getvalue()), save=False)
    picture.save()
    return picture


def open_story(page, live_server, article):
    page.goto(live_server.url + article.get_absolute_url())
    page.wait_for_selector(".toolbar:not([hidden])")


def type_and_select(page, text, start=None, end=None):
    body = page.locator("#id_body")
    body.fill(text)
    start = 0 if start is None else start
    end = len(text) if end is None else end
    body.evaluate("(el, range) => el.setSelectionRange(range[0], range[1])", [start, end])


def preview_html(page):
    page.locator(".preview-button").click()
    preview = page.locator(".live-preview")
    preview.locator("p, ul, blockquote").first.wait_for()
    return preview.inner_html()


# (button, selected text, answer to a prompt, expected source, expected piece of the preview)
BUTTONS = [
    ("Bold", "word", None, "[b]word[/b]", "<strong>word</strong>"),
    ("Italic", "word", None, "[i]word[/i]", "<em>word</em>"),
    ("Underline", "word", None, "[u]word[/u]", "<u>word</u>"),
    ("Strike", "word", None, "[s]word[/s]", "<s>word</s>"),
    ("Bullet", "word", None, "[*] word", "<ul><li>word</li></ul>"),
    ("Blockquote", "word", None, "[quote]word[/quote]", "<blockquote><p>word</p></blockquote>"),
    ("Small", "word", None, "[small]word[/small]", "<small>word</small>"),
    ("Big", "word", None, "[big]word[/big]", "<big>word</big>"),
    (
        "Link",
        "word",
        "https://example.com/page",
        "[url=https://example.com/page]word[/url]",
        '<a href="https://example.com/page" rel="nofollow ugc noopener">word</a>',
    ),
    (
        "Squish",
        OUTSIDE_URL,
        None,
        f"[squish]{OUTSIDE_URL}[/squish]",
        f'<a href="{OUTSIDE_URL}" rel="nofollow ugc noopener" class="squished">example.com</a>',
    ),
    (
        "Photo",
        PICTURE_URL,
        None,
        f"[img]{PICTURE_URL}[/img]",
        f'<a href="{PICTURE_URL}" rel="nofollow ugc noopener" class="outside-picture">'
        "[picture at pics.example.net]</a>",
    ),
]


@pytest.mark.parametrize(("label", "selected", "answer", "source", "rendered"), BUTTONS, ids=[b[0] for b in BUTTONS])
def test_toolbar_button_wraps_the_selection_and_previews(
    live_server, page, story, label, selected, answer, source, rendered
):
    open_story(page, live_server, story)
    if answer:
        page.once("dialog", lambda dialog: dialog.accept(answer))
    type_and_select(page, selected)
    page.get_by_role("button", name=label, exact=True).click()
    assert page.input_value("#id_body") == source
    assert page.evaluate("document.activeElement.id") == "id_body"
    assert rendered in preview_html(page)
    assert page.console_errors == []


def test_foto_button_offers_the_library_and_inserts_the_picture(live_server, page, story, library):
    open_story(page, live_server, story)
    type_and_select(page, "Here: ", 6, 6)
    page.get_by_role("button", name="Foto", exact=True).click()
    picker = page.locator(".foto-picker")
    assert picker.is_visible()
    assert page.locator("#foto-choice option").all_inner_texts() == ["harbour-map"]
    picker.get_by_role("button", name="Insert").click()
    assert page.input_value("#id_body") == "Here: [foto]harbour-map[/foto]"
    assert '<img class="foto" src="/pictures/harbour-map" alt="Map of the harbour"' in preview_html(page)
    assert page.console_errors == []


def test_photo_and_link_ask_for_an_address_when_nothing_is_selected(live_server, page, story):
    open_story(page, live_server, story)
    type_and_select(page, "", 0, 0)
    page.once("dialog", lambda dialog: dialog.accept(PICTURE_URL))
    page.get_by_role("button", name="Photo", exact=True).click()
    assert page.input_value("#id_body") == f"[img]{PICTURE_URL}[/img]"


def test_a_link_inserted_at_the_cursor_does_not_stick_to_the_word_before(live_server, page, story):
    open_story(page, live_server, story)
    type_and_select(page, "Read this", 9, 9)
    page.once("dialog", lambda dialog: dialog.accept("https://example.com/r"))
    page.get_by_role("button", name="Link", exact=True).click()
    assert page.input_value("#id_body") == "Read this [url=https://example.com/r]https://example.com/r[/url]"


def test_keyboard_shortcuts_apply_bold_italic_underline_and_link(live_server, page, story):
    open_story(page, live_server, story)
    for key, expected in [("b", "[b]x[/b]"), ("i", "[i]x[/i]"), ("u", "[u]x[/u]")]:
        type_and_select(page, "x")
        page.locator("#id_body").press(f"Control+{key}")
        assert page.input_value("#id_body") == expected
    type_and_select(page, "x")
    page.once("dialog", lambda dialog: dialog.accept("https://example.com/k"))
    page.locator("#id_body").press("Control+k")
    assert page.input_value("#id_body") == "[url=https://example.com/k]x[/url]"


def test_the_toolbar_is_one_tab_stop_with_arrow_keys_between_its_buttons(live_server, page, story):
    open_story(page, live_server, story)
    page.locator("#id_website").focus()
    page.keyboard.press("Tab")
    focused = "document.activeElement.getAttribute('aria-label')"
    assert page.evaluate(focused) == "Bold"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(focused) == "Underline"
    page.keyboard.press("End")
    assert page.evaluate(focused) == "Photo"
    page.keyboard.press("ArrowRight")
    assert page.evaluate(focused) == "Bold"  # round to the first
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") != "" and page.evaluate(focused) not in ("Italic", "Bold")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(focused) == "Photo"  # the toolbar's one stop is the button last used
    labels = page.locator(".toolbar button").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert labels == [
        "Bold", "Italic", "Underline", "Strike", "Bullet", "Blockquote", "Small", "Big", "Link", "Squish", "Foto",
        "Photo",
    ]  # fmt: skip


def test_my_original_nic_in_a_browser_that_never_posted_says_so_in_the_form(live_server, page, story):
    open_story(page, live_server, story)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="My Original Nic").click()
    status = page.locator(".nic-status")
    expect(status).to_be_visible()
    assert "has not posted a comment yet" in status.inner_text()
    assert dialogs == []
    assert page.console_errors == []


def test_the_no_nic_to_restore_message_goes_once_the_reader_types_a_nic(live_server, page, story):
    open_story(page, live_server, story)
    page.get_by_role("button", name="Pic-a-Nic").click()
    expect(page.locator("#id_nic")).not_to_have_value("")
    page.get_by_role("button", name="My Original Nic").click()
    status = page.locator(".nic-status")
    expect(status).to_contain_text("has not posted a comment yet")
    page.fill("#id_nic", "")
    page.locator("#id_nic").press_sequentially("Greta Garbo")
    expect(status).to_be_hidden()
    page.fill("#id_body", "Hello.")
    preview_html(page)
    expect(status).to_be_hidden()
    assert page.console_errors == []


def test_the_no_nic_to_restore_message_goes_once_pic_a_nic_fills_the_field(live_server, page, story):
    open_story(page, live_server, story)
    page.get_by_role("button", name="My Original Nic").click()
    status = page.locator(".nic-status")
    expect(status).to_be_visible()
    page.get_by_role("button", name="Pic-a-Nic").click()
    expect(page.locator("#id_nic")).not_to_have_value("")
    expect(status).to_be_hidden()
    assert page.console_errors == []


def test_a_link_that_is_not_http_is_refused_in_the_form_not_in_an_alert(live_server, page, story):
    open_story(page, live_server, story)
    page.once("dialog", lambda dialog: dialog.accept("javascript:alert(1)"))  # the prompt asking for the address
    page.get_by_role("button", name="Link").click()
    status = page.locator(".toolbar-status")
    expect(status).to_have_text("Links must start with http:// or https://")
    assert "javascript" not in page.input_value("#id_body")


def test_the_live_preview_has_a_heading_like_the_no_javascript_one(live_server, page, story):
    open_story(page, live_server, story)
    page.fill("#id_body", "Looks [b]right[/b]?")
    preview_html(page)
    heading = page.locator(".live-preview-box h3")
    expect(heading).to_have_text("Preview")
    assert page.locator(".live-preview-box").get_attribute("aria-labelledby") == heading.get_attribute("id")


def test_pic_a_nic_fills_a_fresh_nic_and_my_original_nic_restores_the_old_one(live_server, page, story):
    open_story(page, live_server, story)
    page.fill("#id_nic", "Fred Bloggs")
    page.fill("#id_body", "First post.")
    page.locator(".post-button").click()
    page.wait_for_url(re.compile(r"#c1$"))
    page.get_by_role("button", name="Pic-a-Nic").click()
    expect(page.locator("#id_nic")).not_to_have_value("Fred Bloggs")
    fresh = page.input_value("#id_nic")
    assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+ \d{4}", fresh)
    page.get_by_role("button", name="My Original Nic").click()
    assert page.input_value("#id_nic") == "Fred Bloggs"
    assert page.console_errors == []


def test_posted_comment_shows_at_its_anchor_and_the_greeting_counts_up(live_server, page, story, artifacts):
    open_story(page, live_server, story)
    page.fill("#id_nic", "Tess Tapwater")
    page.fill("#id_body", "First!")
    page.locator(".post-button").click()
    page.wait_for_url(re.compile(r"#c1$"))
    greeting = page.locator(".greeting")
    assert (
        greeting.inner_text() == "You have commented 1 time on Rantboard. Edit your comment #1 (for 10 more minutes)."
    )
    page.fill("#id_body", "[b]Second[/b], with feeling.")
    page.locator(".post-button").click()
    page.wait_for_url(re.compile(r"#c2$"))
    comment = page.locator("#c2")
    assert comment.is_visible()
    assert comment.locator(".comment-body strong").inner_text() == "Second"
    assert comment.locator(".nic").inner_text() == "Tess Tapwater"
    assert greeting.inner_text().startswith("You have commented 2 times on Rantboard. Edit your comment #2 ")
    page.screenshot(path=str(artifacts / "story-with-comments.png"), full_page=True)
    assert page.console_errors == []


def test_a_refused_post_moves_to_the_story_address_and_a_reload_puts_the_text_back(live_server, page, story):
    open_story(page, live_server, story)
    page.fill("#id_body", "A thought I typed [b]with care[/b].")
    page.locator(".post-button").click()  # no nic: refused
    expect(page.locator("#nic-error")).to_be_visible()
    story_address = live_server.url + story.get_absolute_url()
    assert page.url == story_address + "#comment-form"  # not the form's address, which a reload would post to again
    assert page.input_value("#id_body") == "A thought I typed [b]with care[/b]."

    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    page.reload()
    assert posts == []
    assert page.input_value("#id_body") == "A thought I typed [b]with care[/b]."
    note = page.get_by_role("status").filter(has_text="not posted")
    expect(note).to_contain_text("It is back in the form.")
    page.fill("#id_nic", "Patient Pat")
    page.locator(".post-button").click()
    page.wait_for_url(re.compile(r"#c1$"))
    page.goto(story_address)
    assert page.input_value("#id_body") == ""  # posted: nothing waits to be put back
    assert page.get_by_text("It is back in the form.").count() == 0
    assert [e for e in page.console_errors if "400" not in e] == []  # the refusal itself


def _long_thread(story, comments=30):
    from comments.services import comment_create

    for n in range(comments):
        comment_create(
            article_id=story.pk, nic=f"Reader {n}", body="A remark that runs on for a while. " * 12,
            owner_token=f"t{n}", ip=f"198.51.100.{n + 1}",
        )  # fmt: skip


def test_without_javascript_a_preview_opens_in_view_above_the_form(live_server, browser, story):
    _long_thread(story)
    page = browser.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=False).new_page()
    page.goto(live_server.url + story.get_absolute_url())
    page.fill("#id_nic", "Patient Pat")
    page.fill("#id_body", "A [b]previewed[/b] thought.")
    page.locator(".preview-button").click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview.locator("strong")).to_have_text("previewed")
    expect(preview).to_be_in_viewport()
    page.context.close()


def test_a_long_live_preview_is_brought_into_view(live_server, page, story):
    open_story(page, live_server, story)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.fill("#id_body", "\n\n".join(f"Paragraph {n} of a long and careful thought." for n in range(8)))
    page.locator(".preview-button").click()
    box = page.locator(".live-preview-box")
    expect(box.get_by_text("Paragraph 7 of a long")).to_be_attached()
    expect(box).to_be_in_viewport(ratio=0.99)  # the whole preview, its last paragraph too


@pytest.mark.parametrize("script", [True, False], ids=["javascript", "no-javascript"])
def test_a_story_closed_while_the_commenter_typed_says_so_in_view_with_the_text(
    live_server, browser, story, editor, script
):
    from articles.models import Article
    from articles.services import articles_close_comments

    _long_thread(story)
    page = browser.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=script).new_page()
    page.goto(live_server.url + story.get_absolute_url())
    page.fill("#id_nic", "Patient Pat")
    page.fill("#id_body", "Words typed while the editor closed the story.")
    articles_close_comments(articles=Article.objects.filter(pk=story.pk), editor=editor)
    page.locator(".post-button").click()
    expect(page.get_by_text("Sorry. Comments have been closed on this article.")).to_be_in_viewport()
    expect(page.locator("#refused-body")).to_have_value("Words typed while the editor closed the story.")
    page.context.close()


def test_closed_story_shows_no_form(live_server, page, make_article):
    closed = make_article(comments_closed=True)
    page.goto(live_server.url + closed.get_absolute_url())
    assert page.get_by_text("Sorry. Comments have been closed on this article.").is_visible()
    assert page.locator("#comment-form").count() == 0


def test_story_page_under_the_production_csp_has_no_violations_while_using_the_toolbar_and_posting(
    live_server, page, story, library
):
    # The test settings run with DEBUG off, so the policy is enforced exactly as in production.
    page.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push("
        "e.violatedDirective + ' ' + e.blockedURI));"
    )
    open_story(page, live_server, story)
    response_csp = page.evaluate("() => fetch(location.href).then(r => r.headers.get('content-security-policy'))")
    assert "script-src 'self'" in response_csp and "unsafe-inline" not in response_csp
    page.fill("#id_nic", "Careful Carl")
    for label in ["Bold", "Italic", "Underline", "Strike", "Bullet", "Blockquote", "Small", "Big"]:
        type_and_select(page, "word")
        page.get_by_role("button", name=label, exact=True).click()
    page.get_by_role("button", name="Foto", exact=True).click()
    page.locator(".foto-picker").get_by_role("button", name="Insert").click()
    preview_html(page)
    page.get_by_role("button", name="Pic-a-Nic").click()
    expect(page.locator("#id_nic")).not_to_have_value("Careful Carl")  # (no eval: the CSP would refuse it)
    page.locator(".post-button").click()
    page.wait_for_url(re.compile(r"#c1$"))
    page.locator("#c1 img.foto").wait_for()
    assert page.evaluate("window.__cspViolations") == []
    assert not [m for m in page.console_errors if "Content Security Policy" in m]
    assert page.console_errors == []


def test_quote_puts_the_comment_or_the_selected_part_into_the_form(live_server, page, story):
    from comments.services import comment_create

    comment_create(
        article_id=story.pk,
        nic="Fred Bloggs",
        body="Ferries first, then [b]trains[/b] via [url=https://example.com/t]the line[/url].",
        owner_token="t-fb",
    )
    open_story(page, live_server, story)
    page.locator("#c1 .quote-link").click()
    # The whole comment as typed, markup and link address included (not the text as shown, which would lose them).
    expect(page.locator("#id_body")).to_have_value(
        "[quote=Fred Bloggs#1]Ferries first, then [b]trains[/b] via "
        "[url=https://example.com/t]the line[/url].[/quote]\n"
    )
    assert page.evaluate("document.activeElement.id") == "id_body"
    page.fill("#id_body", "")
    page.locator("#c1 .comment-body p").evaluate(
        "p => { const r = document.createRange(); r.setStart(p.firstChild, 0); r.setEnd(p.firstChild, 14);"
        " getSelection().removeAllRanges(); getSelection().addRange(r); }"
    )
    page.locator("#c1 .quote-link").click()
    assert page.input_value("#id_body") == "[quote=Fred Bloggs#1]Ferries first,[/quote]\n"
    page.fill("#id_nic", "Greta")
    page.locator("#id_body").press("End")
    page.locator("#id_body").type("Trains first.")
    page.locator(".post-button").click()
    page.wait_for_url(re.compile(r"#c2$"))
    cite = page.locator("#c2 cite a")
    assert cite.get_attribute("href") == "#c1"
    expect(page.locator("#c2 cite")).to_have_text("Fred Bloggs (#1) said:")  # the selected words are Fred's
    assert page.console_errors == []


def test_a_selection_cut_inside_words_is_quoted_as_whole_words_and_passes_the_check(live_server, page, story):
    from comments.services import comment_create

    comment_create(article_id=story.pk, nic="Fred Bloggs", body="Eleven degrees and snow.", owner_token="t-fb")
    open_story(page, live_server, story)
    page.locator("#c1 .comment-body p").evaluate(  # "ven degrees and s", as a quick drag selects it
        "p => { const r = document.createRange(); r.setStart(p.firstChild, 3); r.setEnd(p.firstChild, 20);"
        " getSelection().removeAllRanges(); getSelection().addRange(r); }"
    )
    page.locator("#c1 .quote-link").click()
    assert page.input_value("#id_body") == "[quote=Fred Bloggs#1]Eleven degrees and snow[/quote]\n"
    page.locator(".preview-button").click()
    expect(page.locator(".live-preview cite")).to_have_text("Fred Bloggs (#1) said:")
    assert page.console_errors == []


def test_a_preview_the_board_cannot_answer_says_so_and_keeps_the_text(live_server, page, story):
    open_story(page, live_server, story)
    page.fill("#id_body", "Keep this.")
    page.context.clear_cookies()  # the CSRF cookie gone (expired, or cleared by the reader): the answer is a 403 page
    page.locator(".preview-button").click()
    expect(page.locator(".live-preview")).to_contain_text("this page's form has expired")
    assert page.input_value("#id_body") == "Keep this."


def test_the_preview_warns_of_a_quote_its_commenter_never_wrote(live_server, page, story):
    from comments.services import comment_create

    comment_create(article_id=story.pk, nic="Fred Bloggs", body="Ferries first.", owner_token="t-fred")
    open_story(page, live_server, story)
    page.fill("#id_body", "[quote=Fred Bloggs#1]Scrap the ferries.[/quote]\nSee?")
    page.locator(".preview-button").click()
    expect(page.locator(".live-preview cite")).to_have_text(
        "Quoted as Fred Bloggs (#1), but that comment does not say this:"
    )
    page.fill("#id_body", "[quote=Fred Bloggs#1]ferries first[/quote]\nSee?")
    page.locator(".preview-button").click()
    expect(page.locator(".live-preview cite")).to_have_text("Fred Bloggs (#1) said:")
    assert page.console_errors == []


def test_quoting_a_nic_with_a_bracket_left_open_gives_a_quote_that_renders(live_server, page, story):
    from comments.services import comment_create

    comment_create(article_id=story.pk, nic="Bob [NYC", body="Ferries first.", owner_token="t-bob")
    open_story(page, live_server, story)
    page.locator("#c1 .quote-link").click()  # the whole comment, from the server
    expect(page.locator("#id_body")).to_have_value("[quote=Bob (NYC#1]Ferries first.[/quote]\n")
    page.fill("#id_body", "")
    page.locator("#c1 .comment-body p").evaluate(
        "p => { const r = document.createRange(); r.setStart(p.firstChild, 0); r.setEnd(p.firstChild, 7);"
        " getSelection().removeAllRanges(); getSelection().addRange(r); }"
    )
    page.locator("#c1 .quote-link").click()  # the selected part, by the script
    expect(page.locator("#id_body")).to_have_value("[quote=Bob (NYC#1]Ferries[/quote]\n")
    page.fill("#id_nic", "Greta")
    page.locator(".post-button").click()
    page.wait_for_url(re.compile(r"#c2$"))
    expect(page.locator("#c2 cite")).to_have_text("Bob (NYC (#1) said:")
    assert page.console_errors == []


def test_the_comment_you_just_posted_is_not_new_to_you(live_server, page, story):
    from comments.services import comment_create

    for n in range(1, 5):
        comment_create(article_id=story.pk, nic=f"Nic {n}", body=f"Comment {n}.", owner_token=f"t{n}")
    open_story(page, live_server, story)  # the visit that remembers #4 as seen
    page.locator("#c3 .quote-link").click()
    expect(page.locator("#id_body")).to_have_value("[quote=Nic 3#3]Comment 3.[/quote]\n")
    page.fill("#id_nic", "Greta")
    page.locator(".post-button").click()
    page.wait_for_url(re.compile(r"#c5$"))
    expect(page.locator("#c5")).to_be_visible()
    assert page.locator(".comment-new, .new-since").count() == 0
    comment_create(article_id=story.pk, nic="Nic 6", body="Comment 6.", owner_token="t6")
    page.goto(live_server.url + story.get_absolute_url())  # "last seen" moved on to #5, past the reader's own
    assert page.locator(".comment-new").evaluate_all("els => els.map(e => e.id)") == ["c6"]
    assert page.console_errors == []


def test_a_comment_posted_by_someone_else_meanwhile_is_new_and_your_own_is_not(live_server, page, story):
    from comments.services import comment_create

    comment_create(article_id=story.pk, nic="Nic 1", body="Comment 1.", owner_token="t1")
    open_story(page, live_server, story)
    page.fill("#id_nic", "Greta")
    page.fill("#id_body", "Mine.")
    comment_create(article_id=story.pk, nic="Nic 2", body="Comment 2.", owner_token="t2")
    page.locator(".post-button").click()
    page.wait_for_url(re.compile(r"#c3$"))
    assert page.locator(".comment-new").evaluate_all("els => els.map(e => e.id)") == ["c2"]
    expect(page.locator(".new-since")).to_have_text("1 new since your last visit — jump to the first")
    page.reload()
    assert page.locator(".comment-new, .new-since").count() == 0
    assert page.console_errors == []


def test_the_comment_you_just_posted_is_not_new_even_without_the_offer_to_edit_it(live_server, page, story, settings):
    from comments.services import comment_create

    settings.COMMENT_EDIT_MINUTES = 0  # no "Edit your comment #N" in the greeting to say which comment is ours
    comment_create(article_id=story.pk, nic="Nic 1", body="Comment 1.", owner_token="t1")
    open_story(page, live_server, story)
    page.fill("#id_nic", "Greta")
    page.fill("#id_body", "Mine.")
    page.locator(".post-button").click()
    page.wait_for_url(re.compile(r"#c2$"))
    expect(page.locator(".greeting")).not_to_contain_text("Edit your comment")
    assert page.locator(".comment-new, .new-since").count() == 0
    comment_create(article_id=story.pk, nic="Nic 3", body="Comment 3.", owner_token="t3")
    page.reload()  # "last seen" moved on to our own comment: only the one posted since is new
    assert page.locator(".comment-new").evaluate_all("els => els.map(e => e.id)") == ["c3"]
    assert page.console_errors == []


def test_each_comment_lists_the_later_comments_that_quote_it(live_server, page, story):
    from comments.services import comment_create

    def say(nic, body):
        comment_create(article_id=story.pk, nic=nic, body=body, owner_token=f"t-{nic}")

    say("Fred Bloggs", "Ferries first.")  # 1
    say("Greta", "[quote=Fred Bloggs#1]Ferries first.[/quote]\nNo, trains.")  # 2: quotes #1
    say("Mischief", "[quote=Fred Bloggs#1]Scrap the ferries.[/quote]\nSee?")  # 3: words Fred never wrote
    say("Tess", "[quote=Greta#2][quote=Fred Bloggs#1]Ferries first.[/quote]No, trains.[/quote]\nAgreed.")  # 4
    say("Uma", "[quote=Greta]No, trains.[/quote]\nWhy?")  # 5: #2 found by its words
    open_story(page, live_server, story)
    expect(page.locator("#c1 .quoted-in")).to_have_text("Quoted in #2")  # not the misquote, nor a quote in a quote
    expect(page.locator("#c2 .quoted-in")).to_have_text("Quoted in #4, #5")
    assert page.locator("#c2 .quoted-in a").first.get_attribute("href") == "#c4"
    for number in (3, 4, 5):
        expect(page.locator(f"#c{number} .quoted-in")).to_have_count(0)
    assert page.console_errors == []
