"""How long the two renderers take on their worst inputs: the bound the forms' limits are chosen for.

    python bench/renderers.py

The story renderer (Markdown with notes) on bodies built to sit at its guards, and the comment renderer (BBCode) on
the worst units repeated up to the form's 10,000-character cap. Prints the slowest of three runs of each, in
milliseconds. A benchmark, not a test: the suite checks only that each input renders and comes out inert.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from articles.rendering import render_body  # noqa: E402
from comments.bbcode import render_comment  # noqa: E402
from comments.forms import MAX_COMMENT_CHARS  # noqa: E402

STORIES = {
    "100 KB of paragraphs with notes": ("A sentence of reasonable length with [[a note]] in it. " * 20 + "\n\n") * 95,
    "1,000-deep quotes": ">" * 1000 + " deep quote",
    "1,000-deep list": "\n".join("  " * i + "- item" for i in range(1000)),
    "1,000 nested notes": "[[" * 1000 + "x" + "]]" * 1000,
    "5,000 brackets": "[" * 5000 + "](" * 5000,
    "5,000 setext headings": "a\n---\n" * 5000,
    "15,000 list-and-quote markers": "- > " * 15_000,
    "600 realistic paragraphs": ("Quoted *source* paragraph with a [link](https://example.com/x) and [[a note]].\n\n")
    * 600,
}
COMMENT_UNITS = ["[b]", "[*]\n", "[quote]", "[url=https://a.example]", "https://a.example/ ", "<", "[b]x[/b]", "\n"]


def slowest(render, source: str) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        render(source)
        times.append(time.perf_counter() - started)
    return max(times) * 1000


def main() -> None:
    print("story renderer (ms, slowest of 3)")
    for label, source in STORIES.items():
        print(f"  {label:32s} {slowest(render_body, source):8.1f}")
    print(f"comment renderer at the {MAX_COMMENT_CHARS:,}-character cap (ms, slowest of 3)")
    for unit in COMMENT_UNITS:
        source = (unit * (MAX_COMMENT_CHARS // len(unit) + 1))[:MAX_COMMENT_CHARS]
        print(f"  {unit!r:32s} {slowest(lambda s: render_comment(s, pictures={}), source):8.1f}")


if __name__ == "__main__":
    main()
