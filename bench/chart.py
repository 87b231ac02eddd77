"""The benchmark's chart: each page's ratio to the trivial view, per database and mode, with the budget's lines.

Drawn with Pillow (a dependency already), so the benchmark needs nothing more. `bench/run.py` calls `draw` at the end
of a run; `python bench/chart.py RESULT.json OUT.png` draws one from a saved result.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

PAGES = ["front", "story_200", "story_1000", "region", "nic", "feed"]
MODES = [("uncached", "uncached", (200, 90, 60)), ("cached", "cached", (70, 120, 190)),
         ("cached_compressed", "cached, compressed", (60, 150, 90)),
         ("returning", "returning browser", (120, 80, 160))]  # fmt: skip
# The budget of issue 16 (docs/benchmarks.md): a line across the chart where a mode has one. "Cached as browsers ask"
# is measured as a returning browser (docs/decisions.md), its first visit shown beside it.
BUDGET = {"uncached": 0.15, "returning": 0.7}


def _font(size: int):
    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def draw(report: dict, out: Path) -> None:
    databases = list(report["databases"])
    width, panel, top, left, bar = 1100, 300, 60, 70, 16
    image = Image.new("RGB", (width, top + panel * len(databases) + 40), "white")
    pen, font, small = ImageDraw.Draw(image), _font(16), _font(12)
    title = f"Ratio to the trivial view, same server and run ({report['mode']} mode)"
    pen.text((left, 15), title, fill="black", font=font)
    for row, kind in enumerate(databases):
        entry, y0 = report["databases"][kind], top + row * panel
        base, height = y0 + panel - 50, panel - 80
        pen.text((10, y0 + 5), kind, fill="black", font=font)
        pen.line((left, base, width - 20, base), fill="black")
        for tick in (0.25, 0.5, 0.75, 1.0):
            y = base - tick * height
            pen.line((left, y, width - 20, y), fill=(225, 225, 225))
            pen.text((left - 40, y - 7), f"{tick:.2f}", fill="gray", font=small)
        for mode, _, _ in MODES:
            if mode in BUDGET and mode in entry:
                y = base - BUDGET[mode] * height
                colour = next(c for m, _, c in MODES if m == mode)
                pen.line((left, y, width - 20, y), fill=colour, width=1)
        group = (width - left - 40) / len(PAGES)
        for i, page in enumerate(PAGES):
            x = left + 10 + i * group
            pen.text((x, base + 8), page, fill="black", font=small)
            for j, (mode, _, colour) in enumerate(MODES):
                if mode == "returning":  # measured on the story with 200 comments alone: one figure, not per page
                    figures = entry.get(mode) if page == "story_200" else None
                else:
                    figures = entry.get(mode, {}).get(page)
                if not figures:
                    continue
                ratio = figures["ratio"]
                x0 = x + j * (bar + 6)
                pen.rectangle((x0, base - min(ratio, 1.0) * height, x0 + bar, base), fill=colour)
                pen.text((x0 - 2, base - min(ratio, 1.0) * height - 15), f"{ratio:.2f}", fill="black", font=small)
    for j, (mode, label, colour) in enumerate(MODES):
        x, y = left + j * 240, top + panel * len(databases) + 10
        pen.rectangle((x, y, x + 14, y + 14), fill=colour)
        budget = f" (budget {BUDGET[mode]}, the line)" if mode in BUDGET else ""
        pen.text((x + 20, y), label + budget, fill="black", font=small)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out)


if __name__ == "__main__":
    draw(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))
