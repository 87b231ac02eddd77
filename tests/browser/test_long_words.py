"""Readers and editors type words no line can hold (a 40-letter nic, a 3,000-character word, a 300-character note
with no spaces): every public page wraps them inside its columns, at 1280 wide and on a phone."""

import pytest

from comments.models import Commenter
from comments.moderation import comment_edit, comment_redact
from comments.services import comment_create

pytestmark = pytest.mark.browser

LONG_NIC = "N" * 40  # the longest nic the form takes, with nothing to break it at
LONG_WORD = "W" * 3000
LONG_NOTE = "X" * 300  # the longest redaction or edit note


@pytest.fixture
def long_words(make_article, editor):
    story = make_article(title="Cutters sail south")

    def post(n, body):
        return comment_create(article_id=story.pk, nic=LONG_NIC, owner_token="t-long", ip=f"192.0.2.{n}",
                              body=body).comment  # fmt: skip

    post(1, f"ferries {LONG_WORD}")
    comment_redact(comment=post(2, "ferries and a phone number"), moderator=editor, note=LONG_NOTE)
    comment_edit(comment=post(3, "ferries again"), moderator=editor, body="ferries, edited", note=LONG_NOTE)
    return story


@pytest.mark.parametrize("width", [1280, 390])
def test_long_words_wrap_on_the_front_story_search_and_nic_pages(browser, live_server, long_words, width, artifacts):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    pages = {
        "front": "/",
        "story": long_words.get_absolute_url(),
        "search": "/search/?q=ferries",
        "nic": Commenter.objects.get(nic=LONG_NIC).get_absolute_url(),
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        page.screenshot(path=str(artifacts / f"long-words-{name}-{width}.png"))  # before the check: to see a failure
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"the {name} page scrolls sideways"
    context.close()


def test_on_a_phone_a_search_for_one_long_word_wraps_what_it_found_and_what_it_did_not(
    browser, live_server, make_article, artifacts
):
    title_word = "T" * 240
    make_article(title=f"ferries {title_word}", lead_note=f"ferries {'L' * 400}", body=f"ferries {'B' * 1000}")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    for name, query in {"nothing-found": "x" * 5000, "hit": "ferries"}.items():
        page.goto(f"{live_server.url}/search/?q={query}")
        page.screenshot(path=str(artifacts / f"long-words-search-{name}-390.png"))  # before the check: to see a failure
        if name == "nothing-found":
            assert "Nothing found for" in page.locator("main").inner_text()
        else:
            assert title_word in page.locator(".search-hit-title").inner_text()
            assert max(map(len, page.locator(".search-snippet").inner_text().split())) >= 100  # one long word
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"the {name} search scrolls sideways"
    context.close()
