"""What an editor's note colour must be: six hex digits, and light enough for the notes' text. Apart from the models
so that migrations can name the validator without loading the apps."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Give the colour as # and six hex digits, e.g. #fff3c4.")

# The colours written on notes in either scheme (static/css/story.css: the text, links, the "by" credit).
NOTE_TEXT_COLOURS = ("#1d1d1f", "#1a4d8f", "#3d3d42")
MIN_NOTE_CONTRAST = 4.5  # WCAG AA for text of ordinary size


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


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
