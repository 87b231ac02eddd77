"""A reader in Chromium: front page, follow a story, see the notes shaded; an editor previews in the admin."""

import datetime as dt

import pytest
from django.utils import timezone

pytestmark = pytest.mark.browser


def test_reader_opens_the_front_page_follows_a_story_and_sees_shaded_notes(
    live_server, page, make_article, artifacts, editor
):
    article = make_article(
        title="Coast guard adds six cutters",
        body="The cutters are small [[which matters in bad weather]].\n\n[[A block note on the budget.]]",
    )
    page.goto(live_server.url + "/")
    assert page.title() == "Rantboard"
    assert page.locator(".region-header").first.inner_text() == "CHINA-JAPAN-KOREAS"
    page.get_by_role("link", name="Permalink").first.click()
    page.wait_for_url(f"**{article.get_absolute_url()}")
    assert page.locator("h1.story-title").inner_text().startswith("Coast guard adds six cutters")
    note = page.locator(".article-body span.note").first
    assert note.is_visible()
    # The editor's own colour, from notes.css (#d8f0d2), not the default shade.
    assert note.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(216, 240, 210)"
    # The screen-reader label is in the accessibility tree but not on screen.
    label = page.locator(".article-body .note .sr-only").first
    assert label.inner_text() == "Editor's note by Mara Editor:"
    assert label.bounding_box()["width"] <= 1
    page.screenshot(path=str(artifacts / "story.png"), full_page=True)
    assert page.console_errors == []


def test_front_page_is_readable_on_a_phone(live_server, browser, make_article, artifacts):
    make_article(title="A story that a phone reader should see without scrolling sideways")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(live_server.url + "/")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390
    page.screenshot(path=str(artifacts / "front-phone.png"))
    context.close()


def test_editor_previews_a_body_in_the_admin_before_saving(live_server, page, editor, region, artifacts):
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "mara")
    page.fill("#id_password", "pw-for-tests")
    page.click("input[type=submit]")
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.fill("#id_lead_note", "Why this *matters*.")
    page.fill("#id_body", "Preview me [[with a note]] and [[@mara a credited one]].")
    page.get_by_role("button", name="Preview").click()
    preview_note = page.locator(".rendered-preview span.note").first
    preview_note.wait_for()
    assert "with a note" in preview_note.inner_text()
    assert page.locator(".rendered-preview .lead-note").inner_text() == "Why this matters."
    # The credit stands apart from the note's text, as on the site (story.css in both).
    credit = page.locator(".rendered-preview .note-by")
    assert credit.inner_text() == "— Mara Editor"
    assert credit.evaluate("el => parseFloat(getComputedStyle(el).marginLeft)") > 0
    page.locator(".rendered-preview").screenshot(path=str(artifacts / "admin-preview.png"))
    # What saving would refuse, the preview refuses too, with the same words.
    page.fill("#id_body", "Hm [[@nobody who is this]]")
    page.get_by_role("button", name="Preview").click()
    page.locator(".rendered-preview .errornote").wait_for()
    assert "No editor called nobody" in page.locator(".rendered-preview").inner_text()
    assert page.console_errors == []


def test_a_cached_story_page_arrives_deflated_and_reads_the_same(live_server, page, make_article, artifacts):
    article = make_article(title="Harbour pilots return to work")
    url = live_server.url + article.get_absolute_url()
    page.goto(url)  # renders and stores the page
    response = page.reload()  # a hit (the CSRF cookie the first visit got changes the ETag: not a 304)
    assert response.status == 200
    assert response.headers.get("content-encoding") == "deflate"  # Chromium asks for it among others
    assert page.locator("h1.story-title").inner_text().startswith("Harbour pilots return to work")
    assert page.locator("#comment-form textarea#id_body").is_visible()
    assert page.console_errors == []


def test_on_a_phone_the_story_page_has_big_enough_targets_and_a_small_masthead(live_server, browser, story, artifacts):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(live_server.url + story.get_absolute_url())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    masthead = page.locator(".masthead").bounding_box()
    assert masthead["height"] <= 844 * 0.2, f"the masthead takes {masthead['height']:.0f} px of 844"
    assert small_targets(page, ".regions a, .site-links a, .toolbar button, .nic-button, .form-actions button") == []
    assert smallest_text(page, "#comment-form input[type=text], #comment-form textarea") >= 16
    page.screenshot(path=str(artifacts / "story-phone.png"))
    # The site's own links fit the screen: the last one, Search, is not cut off.
    rights = page.locator(".site-links a").evaluate_all("els => els.map(e => e.getBoundingClientRect().right)")
    assert max(rights) <= 390 - 8, rights
    context.close()


def test_on_a_phone_the_search_page_has_big_enough_targets_and_fields(live_server, browser, make_article, artifacts):
    for n in range(45):
        make_article(title=f"Storm report {n}", body="storm", published_at=timezone.now() - dt.timedelta(minutes=n))
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(live_server.url + "/search/?q=storm&page=2")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator(".pagination a").count() == 2
    fields = ".search-form input, .search-form select"
    assert small_targets(page, f"{fields}, .search-form button, .pagination a") == []
    assert smallest_text(page, fields) >= 16
    page.screenshot(path=str(artifacts / "search-phone.png"), full_page=True)
    context.close()


def small_targets(page, selector: str) -> list:
    """The shown elements under 44 px either way, with their text, height and width."""
    return page.locator(selector).evaluate_all(
        "els => els.filter(e => e.offsetParent).map(e => [e.textContent.trim(), e.getBoundingClientRect().height,"
        " e.getBoundingClientRect().width]).filter(([, h, w]) => h < 44 || w < 44)"
    )


def smallest_text(page, selector: str) -> float:
    """The smallest font size among the fields: under 16 px, the phone zooms when one is focused."""
    sizes = page.locator(selector).evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes
    return min(sizes)


def test_skip_links_lead_to_the_comments_and_to_the_form(live_server, page, story):
    page.goto(live_server.url + story.get_absolute_url())
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the comments"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the comment form"
    page.keyboard.press("Enter")
    # Following a fragment link is a navigation Chromium finishes after the key press returns.
    page.wait_for_url("**#comment-form")
    page.keyboard.press("Tab")  # the next stop is inside the form, not back at the top of the page
    assert page.evaluate("document.activeElement.closest('#comment-form') !== null")


def test_comments_posted_since_the_last_visit_are_marked_new(live_server, browser, story, artifacts):
    from comments.services import comment_create

    def say(n):
        comment_create(article_id=story.pk, nic=f"Nic {n}", body=f"Comment {n}.", owner_token=f"t{n}")

    say(1), say(2)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + story.get_absolute_url())
    assert page.locator(".comment-new").count() == 0  # a first visit: nothing to compare with
    say(3), say(4)
    page.reload()
    assert page.locator(".comment-new").evaluate_all("els => els.map(e => e.id)") == ["c3", "c4"]
    notice = page.locator(".new-since")
    assert notice.inner_text() == "2 new since your last visit — jump to the first"
    assert notice.locator("a").get_attribute("href") == "#c3"
    page.locator("#comments").screenshot(path=str(artifacts / "new-since.png"))
    page.reload()
    assert page.locator(".comment-new").count() == 0  # seen now
    context.close()

    without_script = browser.new_context(java_script_enabled=False).new_page()
    without_script.goto(live_server.url + story.get_absolute_url())
    assert without_script.locator(".comment-new, .new-since").count() == 0
    without_script.context.close()
