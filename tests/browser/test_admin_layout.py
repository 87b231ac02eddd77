"""The admin on a newsroom laptop (1280 by 800): every list column and form field
an editor uses is visible without scrolling sideways, and titles read as titles, not as narrow towers."""

import pytest

from comments.services import comment_create

LONG_TITLE = (
    "Regional ministers agree a timetable for the reopening of the northern ferry routes after a winter of delays"
)
LONG_SOURCE = "https://news.example.com/2026/12/06/regional-ministers-agree-a-timetable-for-the-northern-ferry-routes"


@pytest.fixture
def editor_page(browser, live_server, editor):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "mara")
    page.fill("#id_password", "pw-for-tests")
    page.click("input[type=submit]")
    page.base = live_server.url
    yield page
    context.close()


def no_sideways_scrolling(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    results = page.locator("#changelist .results")
    if results.count():
        assert results.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), "the list scrolls sideways"
    actions = page.locator("#changelist .actions")
    if actions.count():
        assert actions.evaluate(
            "el => el.getBoundingClientRect().right <= el.closest('#changelist-form').getBoundingClientRect().right + 1"
        ), "the action bar runs past the list's box"
    for right in page.locator("#result_list thead th").evaluate_all(
        "ths => ths.map(th => th.getBoundingClientRect().right)"
    ):
        assert right <= 1280


def words_broken_in(page, selector: str) -> list[str]:
    """The words of these cells that run over two lines: "Rud" on one and "e Rex" on the next (a break after a
    hyphen is a line's end, not a broken word)."""
    return page.locator(selector).evaluate_all(
        """cells => cells.flatMap(cell => {
            const broken = [];
            const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const node = walker.currentNode;
                for (const word of node.data.matchAll(/[^\\s-]+/g)) {  // a break after a hyphen is a line's end
                    const range = document.createRange();
                    range.setStart(node, word.index);
                    range.setEnd(node, word.index + word[0].length);
                    if (range.getClientRects().length > 1) broken.push(word[0]);
                }
            }
            return broken;
        })"""
    )


def test_the_comment_list_shows_every_column_at_1280(editor_page, make_article, artifacts):
    story = make_article(title=LONG_TITLE)
    for n in range(5):
        comment_create(
            article_id=story.pk, nic=f"Commenter With A Long Nic {n}", owner_token=f"t{n}",
            ip="2001:db8:85a3::8a2e:370:7334", body="A comment that goes on about the ferries and the winter " * 4,
        )  # fmt: skip
    editor_page.goto(editor_page.base + "/admin/comments/comment/")
    no_sideways_scrolling(editor_page)
    headers = editor_page.locator("#result_list thead th").all_inner_texts()
    for column in ("STORY", "NIC", "TEXT", "CREATED AT", "IP ADDRESS", "STATE"):
        assert any(column in h.upper() for h in headers), headers
    editor_page.screenshot(path=str(artifacts / "admin-comments-1280.png"))


def test_the_comment_list_wraps_a_40_letter_nic_at_1280(editor_page, make_article, artifacts):
    story = make_article(title=LONG_TITLE)
    comment_create(
        article_id=story.pk, nic="N" * 40, owner_token="t-long", ip="2001:db8:85a3::8a2e:370:7334",
        body="A comment that goes on about the ferries and the winter " * 4,
    )  # fmt: skip
    editor_page.goto(editor_page.base + "/admin/comments/comment/")
    editor_page.screenshot(path=str(artifacts / "admin-comments-long-nic-1280.png"))  # before the check
    no_sideways_scrolling(editor_page)
    for column in ("ip", "state"):
        assert editor_page.locator(f"#result_list td.field-{column}").first.evaluate(
            "el => el.getBoundingClientRect().right <= el.closest('.results').getBoundingClientRect().right + 1"
        ), f"the {column} column is out of view"
    state = editor_page.locator("#result_list td.field-state").first
    lines = "el => { const r = document.createRange(); r.selectNodeContents(el); return r.getClientRects().length; }"
    assert state.evaluate(lines) == 1, "the state's one word is broken in two"


def test_the_story_list_gives_titles_room_at_1280(editor_page, make_article, artifacts):
    for n in range(3):
        make_article(title=f"{LONG_TITLE} {n}")
    editor_page.goto(editor_page.base + "/admin/articles/article/")
    no_sideways_scrolling(editor_page)
    cell = editor_page.locator("#result_list tbody th.field-title a").first
    editor_page.screenshot(path=str(artifacts / "admin-stories-1280.png"))
    assert words_broken_in(editor_page, "#result_list tbody td, #result_list thead th") == []
    lines = cell.evaluate("el => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)")
    assert lines <= 3.5, f"a title takes {lines:.1f} lines"
    editor_page.screenshot(path=str(artifacts / "admin-stories-1280.png"))


def test_the_story_form_fits_and_shows_long_text_at_1280(editor_page, make_article, artifacts):
    story = make_article(title=LONG_TITLE, source_url=LONG_SOURCE, lead_note="A lead note " * 12)
    editor_page.goto(editor_page.base + f"/admin/articles/article/{story.pk}/change/")
    assert editor_page.evaluate("document.documentElement.scrollWidth") <= 1280
    form_right = editor_page.locator("#article_form").evaluate("el => el.getBoundingClientRect().right")
    for field in ("#id_title", "#id_source_url", "#id_source_name", "#id_lead_note", "#id_body"):
        box = editor_page.locator(field).evaluate(
            "el => ({right: el.getBoundingClientRect().right, width: el.clientWidth, needed: el.scrollWidth})"
        )
        assert box["right"] <= form_right + 1, f"{field} runs past the form's edge"
    for field in ("#id_title", "#id_source_url"):
        box = editor_page.locator(field).evaluate("el => ({width: el.clientWidth, needed: el.scrollWidth})")
        assert box["needed"] <= box["width"] + 1, f"{field} cuts its text"
    editor_page.screenshot(path=str(artifacts / "admin-story-form-1280.png"), full_page=True)


def test_a_reader_flags_a_comment_and_an_editor_finds_it_in_the_queue(browser, editor_page, story, artifacts):
    comment = comment_create(
        article_id=story.pk, nic="Spammy Sam", owner_token="t-sam",
        body=f"Cheap watches! {LONG_SOURCE}/and/a/very/long/path/that/does/not/break/anywhere/by/itself",
    ).comment  # fmt: skip
    story.title = LONG_TITLE
    story.save(update_fields=["title"])
    reader = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False).new_page()
    reader.goto(editor_page.base + story.get_absolute_url())
    reader.locator(f"#c{comment.number} .flag-link").click()
    reader.get_by_label("Spam or advertising").check()
    reader.get_by_role("button", name="Flag it").click()
    assert "the editors will look at it" in reader.locator("main").inner_text()
    reader.context.close()

    editor_page.goto(editor_page.base + "/admin/")
    editor_page.locator("#newsroom").screenshot(path=str(artifacts / "admin-newsroom.png"))
    editor_page.goto(editor_page.base + "/admin/comments/flaggedcomment/")
    no_sideways_scrolling(editor_page)
    row = editor_page.locator("#result_list tbody tr").first
    assert "Spammy Sam" in row.inner_text() and "Spam or advertising (1)" in row.inner_text()
    for name in ("Redact", "Remove", "Ban nic", "Dismiss"):
        assert row.get_by_role("button", name=f"{name} #{comment.number}").is_visible()
    editor_page.screenshot(path=str(artifacts / "admin-queue-1280.png"))
    assert words_broken_in(editor_page, "#result_list tbody td:not(.field-excerpt), #result_list thead th") == []
    row.get_by_role("button", name=f"Redact #{comment.number}").click()
    assert (
        "readers see “Removed by the editors: spam or advertising.”" in editor_page.locator(".messagelist").inner_text()
    )
    assert "Spammy Sam" not in editor_page.locator("#changelist-form").inner_text()


LONG_NOTE = ("Removed by the editors: this comment repeated a private telephone number and a home address that "
             "the commenter had no right to publish, and named a neighbour who is not a public figure; the rest of "
             "it can be posted again without them.")  # fmt: skip


def test_the_comment_page_fits_and_shows_its_notes_whole_at_1280(editor_page, make_article, editor, artifacts):
    from comments.moderation import comment_redact

    story = make_article(title=LONG_TITLE)
    comment = comment_create(
        article_id=story.pk, nic="Commenter With A Long Nic", owner_token="t", ip="2001:db8:85a3::8a2e:370:7334",
        body="A comment that goes on about the ferries and the winter " * 12,
    ).comment  # fmt: skip
    comment_redact(comment=comment, moderator=editor, note=LONG_NOTE)
    editor_page.goto(editor_page.base + f"/admin/comments/comment/{comment.pk}/change/")
    editor_page.fill("#id_edit_note", LONG_NOTE)
    no_sideways_scrolling(editor_page)
    form_right = editor_page.locator("#comment_form").evaluate("el => el.getBoundingClientRect().right")
    for field in ("#id_body", "#id_redaction_note", "#id_edit_note"):
        box = editor_page.locator(field).evaluate(
            "el => ({tag: el.tagName, right: el.getBoundingClientRect().right, width: el.clientWidth,"
            " needed: el.scrollWidth, height: el.clientHeight, tall: el.scrollHeight})"
        )
        assert box["right"] <= form_right + 1, f"{field} runs past the form's edge"
        assert box["tag"] == "TEXTAREA" and box["needed"] <= box["width"] + 1, f"{field} cuts its text"
        if field != "#id_body":
            assert box["tall"] <= box["height"] + 1, f"{field} hides part of a 300-character note"
    editor_page.screenshot(path=str(artifacts / "admin-comment-form-1280.png"), full_page=True)


def test_the_newsroom_trail_bans_and_commenters_fit_at_1280(editor_page, make_article, editor, artifacts):
    from comments.models import Comment
    from comments.moderation import ban_addresses, ban_create, comment_redact, comments_remove

    story = make_article(title=LONG_TITLE)
    for n in range(4):
        comment = comment_create(
            article_id=story.pk, nic=f"Commenter With A Long Nic {n}", owner_token=f"t{n}",
            ip=f"2001:db8:85a3::8a2e:370:733{n}", body="A comment that goes on about the ferries " * 4,
        ).comment  # fmt: skip
        comment_redact(comment=comment, moderator=editor, note=LONG_NOTE)
        comments_remove(comments=Comment.objects.filter(pk=comment.pk), moderator=editor, reason=LONG_NOTE)
        ban_create(kind="nic", value=comment.nic, reason=LONG_NOTE, moderator=editor)
    ban_addresses(addresses=["2001:db8:85a3::8a2e:370:7334"], reason=LONG_NOTE, moderator=editor, ipv6_prefix=None)
    for name, path in [
        ("newsroom", "/admin/"),
        ("trail", "/admin/comments/moderationaction/"),
        ("bans", "/admin/comments/ban/"),
        ("commenters", "/admin/comments/commenter/"),
    ]:
        editor_page.goto(editor_page.base + path)
        editor_page.screenshot(path=str(artifacts / f"admin-{name}-1280.png"))  # before the check: to see a failure
        no_sideways_scrolling(editor_page)


def test_the_story_preview_looks_like_the_story_page_not_the_admin(editor_page, make_article, artifacts):
    story = make_article(body="Intro.\n\n## What the ministry said\n\n- one\n- two\n\n[[A block note.]]\n\n1. first")
    editor_page.goto(editor_page.base + f"/admin/articles/article/{story.pk}/change/")
    preview = editor_page.locator(".rendered-preview").first
    heading = preview.locator("h2")
    # The admin's fieldset headings are white on a coloured bar; the story's are its own text on its own paper.
    assert heading.evaluate("h => getComputedStyle(h).backgroundColor") in ("rgba(0, 0, 0, 0)", "transparent")
    assert heading.evaluate("h => getComputedStyle(h).color") == preview.evaluate("p => getComputedStyle(p).color")
    item = preview.locator("ul li").first
    assert item.evaluate("li => getComputedStyle(li).listStyleType") == "disc"
    # The list sits under the paragraph, indented a little, not pushed 160px right as the admin's aligned forms do.
    indent = item.evaluate("li => li.getBoundingClientRect().left") - preview.evaluate(
        "p => p.querySelector('p').getBoundingClientRect().left"
    )
    assert 0 < indent < 60
    block_note = preview.locator(".note-block")
    assert block_note.evaluate("n => getComputedStyle(n).fontFamily") == preview.evaluate(
        "p => getComputedStyle(p.querySelector('p')).fontFamily"
    )
    preview.screenshot(path=str(artifacts / "admin-story-preview.png"))
    # Preview shows the boxes as they are now, and says it is not the saved story.
    assert "not saved yet" not in preview.inner_text()
    editor_page.fill("textarea.body-source", "A changed body, [[with a new note]].")
    editor_page.locator(".preview-button").click()
    assert preview.locator(".preview-label").inner_text() == "Preview of the boxes as they are now: not saved yet."
    assert "A changed body" in preview.inner_text()
