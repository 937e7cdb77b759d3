"""Inline SVG bar charts for the HTML report, drawn here so the report needs no internet and no library."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR, GAP, LABEL_W, CHART_W = 18, 6, 260, 360
COLOURS = ("#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#d62728")


def bars(rows: Sequence[tuple[str, float, str]], *, title: str, colour: str = "#1f77b4") -> str:
    """Horizontal bars of values 0–1: (label, value, link) each; the label links to the evidence."""
    height = len(rows) * (BAR + GAP) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{LABEL_W + CHART_W + 60}" height="{height}" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (label, value, link) in enumerate(rows):
        y = 20 + i * (BAR + GAP)
        width = max(0.0, min(1.0, value)) * CHART_W
        text = f'<text x="{LABEL_W - 6}" y="{y + BAR - 5}" text-anchor="end" font-size="12">{escape(label)}</text>'
        parts.append(f'<a href="{escape(link)}">{text}</a>' if link else text)
        parts.append(f'<rect x="{LABEL_W}" y="{y}" width="{width:.1f}" height="{BAR}" fill="{colour}"/>')
        parts.append(f'<text x="{LABEL_W + width + 4:.1f}" y="{y + BAR - 5}" font-size="12">{value:.3f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def profile(values: Sequence[tuple[str, float | None]], *, title: str) -> str:
    """One agency's index per category as vertical bars; None (exempt) is drawn as a dash."""
    width, top, plot = 60, 20, 140
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{len(values) * width + 20}" height="{plot + 50}" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(values):
        x = 10 + i * width
        if value is None:
            parts.append(f'<text x="{x + 20}" y="{top + plot}" font-size="12">—</text>')
        else:
            h = max(0.0, min(1.0, value)) * plot
            parts.append(f'<rect x="{x + 8}" y="{top + plot - h:.1f}" width="{width - 20}" height="{h:.1f}" '
                         f'fill="{COLOURS[i % len(COLOURS)]}"/>')
            parts.append(f'<text x="{x + 8}" y="{top + plot - h - 4:.1f}" font-size="11">{value:.3f}</text>')
        parts.append(f'<text x="{x + 14}" y="{top + plot + 16}" font-size="12">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
