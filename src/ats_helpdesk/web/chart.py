"""Web edge, dashboard chart: deadlines met and missed per week as server-rendered SVG.

No JavaScript and no chart library: a grouped bar chart is a few rectangles. Labels
are escaped; the chart has a ``<title>`` and ``<desc>`` and every bar a ``<title>``
so that screen readers and hover both give the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

MET_COLOUR = "#1e7b3a"
MISSED_COLOUR = "#b3261e"


@dataclass(frozen=True)
class PeriodCount:
    label: str
    met: int
    missed: int


def _nice_max(value: int) -> int:
    """A top for the y axis with four whole-number steps (4, 8, 20, 40, 80, 200 ...)."""
    top = 1
    while True:
        for step in (1, 2, 5):
            if top * step * 4 >= value:
                return top * step * 4
        top *= 10


def met_missed_chart(
    periods: Sequence[PeriodCount], *, width: int = 860, height: int = 260
) -> Markup:
    left, right, top, bottom = 44, 12, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max([1, *(max(p.met, p.missed) for p in periods)]))
    total_met = sum(p.met for p in periods)
    total_missed = sum(p.missed for p in periods)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="chart-title chart-desc">',
        '<title id="chart-title">Deadlines met and missed per week</title>',
        f'<desc id="chart-desc">{total_met} met and {total_missed} missed over '
        f"{len(periods)} weeks.</desc>",
    ]
    for i in range(5):  # horizontal grid lines with their values
        value = peak * i // 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value}</text>'
        )
    slot = plot_w / max(1, len(periods))
    bar = max(2.0, min(18.0, slot / 3))
    for i, period in enumerate(periods):
        x0 = left + i * slot + slot / 2 - bar
        for j, (count, colour, name) in enumerate(
            ((period.met, MET_COLOUR, "met"), (period.missed, MISSED_COLOUR, "missed"))
        ):
            h = plot_h * count / peak
            parts.append(
                f'<rect x="{x0 + j * bar:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(period.label)}: {count} '
                f"{name}</title></rect>"
            )
        if len(periods) <= 16 or i % 2 == 0:
            parts.append(
                f'<text x="{left + i * slot + slot / 2:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle">{escape(period.label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
