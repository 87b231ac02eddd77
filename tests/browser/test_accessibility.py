"""axe-core (through axe-playwright-python) finds nothing on any page type, in the light and the dark scheme."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone

from comments.services import comment_create

AXE = Axe()


@pytest.fixture
def board(make_article, editor):
    story = make_article(
        title="Cutters sail south",
        # A quoted passage, a note credited to its editor (shaded in either scheme) and a link the sanitizer emptied.
        body="First paragraph [[with a note]].\n\n[[A block note.]]\n\n> The plant supplies sixty per cent.\n\n"
        "Said [[@mara with a credit]] and [a link](javascript:alert(1)).",
    )
    comment = comment_create(
        article_id=story.pk, nic="Fred Bloggs", body="[quote=Ann#1]x[/quote] [b]Agreed[/b].", owner_token="t-fred"
    ).comment  # its quote names a comment that is not there: shown in red
    comment_create(  # a checked quote of #1, which then lists "Quoted in #2"
        article_id=story.pk, nic="Greta", body="[quote=Fred Bloggs#1]Agreed.[/quote] Yes.", owner_token="t-greta"
    )
    day = timezone.localdate(story.published_at)
    return [
        "/",
        story.get_absolute_url(),
        story.region.get_absolute_url(),
        reverse("articles:latest"),
        reverse("articles:archive"),
        reverse("articles:archive_day", args=[day.year, day.month, day.day]),
        comment.nic_url,
        reverse("comments:flag", args=[story.pk, comment.number]),
        reverse("comments:history", args=[story.pk, comment.number]),
        "/no-such-page/",
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_type_has_an_accessibility_violation(live_server, browser, board, scheme, artifacts):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    found = {}
    for path in board:
        page.goto(live_server.url + path)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert (background == "rgb(22, 24, 27)") == (scheme == "dark"), (path, background)  # the scheme applies
        violations = AXE.run(page).response["violations"]
        if violations:
            found[path] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    page.goto(live_server.url + board[1])
    # The link the sanitizer emptied reads as the sentence around it, not as a link that does nothing.
    emptied = page.locator(".article-body a:not([href])")
    assert emptied.evaluate("a => getComputedStyle(a).color") == emptied.evaluate(
        "a => getComputedStyle(a.parentElement).color"
    )
    page.screenshot(path=str(artifacts / f"story-{scheme}.png"), full_page=True)
    context.close()
    assert found == {}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_post_button_stands_out_from_the_form_in_either_scheme(live_server, browser, make_article, scheme):
    # WCAG 1.4.11: a control's edge at least 3:1 against what is around it (axe checks text, not this).
    story = make_article()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(live_server.url + story.get_absolute_url())
    ratio = page.locator(".post-button").evaluate(
        """button => {
            const rgb = c => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
            const lum = ([r, g, b]) => [r, g, b].map(v => v / 255)
                .map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
                .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
            const edge = lum(rgb(getComputedStyle(button).borderTopColor));
            const around = lum(rgb(getComputedStyle(button.closest("form")).backgroundColor));
            return (Math.max(edge, around) + 0.05) / (Math.min(edge, around) + 0.05);
        }"""
    )
    context.close()
    assert ratio >= 3, f"the Post button's edge has {ratio:.2f}:1 against the form"
