"""What an editor's note colour must be: six hex digits, light enough for the notes' text, and a shade readers can
tell from the page. Apart from the models so that migrations can name the validators without loading the apps."""

import math

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Give the colour as # and six hex digits, e.g. #fff3c4.")

# The colours written on notes in either scheme (static/css/story.css: the text, links, the "by" credit).
NOTE_TEXT_COLOURS = ("#1d1d1f", "#1a4d8f", "#3d3d42")
MIN_NOTE_CONTRAST = 4.5  # WCAG AA for text of ordinary size
# The light scheme's page (static/css/site.css, --paper), and how far a note's shade must be from it (CIE76 colour
# difference; about 2 is seen only side by side, 5 at a glance). In the dark scheme every light shade stands out.
PAGE_COLOUR = "#fdfcf8"
MIN_PAGE_DIFFERENCE = 5.0


def _linear_rgb(colour: str) -> tuple[float, float, float]:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return r, g, b


def _luminance(colour: str) -> float:
    r, g, b = _linear_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _lab(colour: str) -> tuple[float, float, float]:
    """CIELAB (D65) of a #rrggbb colour."""
    r, g, b = _linear_rgb(colour)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def difference(first: str, second: str) -> float:
    """How far apart two #rrggbb colours look (CIE76: the distance of their CIELAB values)."""
    return math.dist(_lab(first), _lab(second))


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours, from 1 to 21."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_note_colour(colour: str) -> None:
    """A note's shade must leave its text readable: every reader sees the same shade, in either scheme."""
    if not hex_colour.regex.match(colour or ""):
        return  # hex_colour says what is wrong
    worst = min(contrast(colour, text) for text in NOTE_TEXT_COLOURS)
    if worst < MIN_NOTE_CONTRAST:
        raise ValidationError(
            "%(colour)s is too dark for notes: their text would have a contrast of %(worst).1f:1 on it, and needs at "
            "least %(needed).1f:1. Pick a lighter shade.",
            code="too_dark",
            params={"colour": colour, "worst": worst, "needed": MIN_NOTE_CONTRAST},
        )


def note_colour_not_the_pages(colour: str) -> None:
    """A note's shade must stand out from the page, or readers take the editor's words for the source's."""
    if not hex_colour.regex.match(colour or ""):
        return  # hex_colour says what is wrong
    if difference(colour, PAGE_COLOUR) < MIN_PAGE_DIFFERENCE:
        raise ValidationError(
            "%(colour)s is too close to the page's own colour (%(page)s): readers could not tell a note from the "
            "source's text. Pick a shade with some colour, such as #fff3c4 or #dce8fb.",
            code="like_the_page",
            params={"colour": colour, "page": PAGE_COLOUR},
        )
