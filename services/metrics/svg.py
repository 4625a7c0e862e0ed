"""Small SVG charts drawn on the server: bars, grouped bars and a line. Pure: strings in, markup out.

Every mark carries its label and value (``data-label``, ``data-value``), so a reader (or a test) can
check a chart against the figures; heights and positions are proportional to the values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Final

from markupsafe import Markup

WIDTH: Final = 640
HEIGHT: Final = 220
PAD: Final = 32  # room for labels
COLOURS: Final = ("#2b6cb0", "#c05621", "#2f855a", "#6b46c1")


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _frame(title: str, body: list[str], legend: Sequence[str] = ()) -> Markup:
    keys = [
        f'<rect x="{PAD + 120 * i}" y="4" width="10" height="10" fill="{COLOURS[i % len(COLOURS)]}"/>'
        f'<text x="{PAD + 14 + 120 * i}" y="13" font-size="11">{escape(name)}</text>'
        for i, name in enumerate(legend)
    ]
    axis = f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - 8}" y2="{HEIGHT - PAD}" stroke="#999"/>'
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}"><title>{escape(title)}</title>{"".join(keys)}{axis}{"".join(body)}</svg>'
    )
    return Markup(svg)  # every text inserted above is escaped


def plot_height() -> int:
    """Pixels of the tallest bar (the largest value)."""
    return HEIGHT - 2 * PAD - 8


def bar_chart(title: str, bars: Sequence[tuple[str, float]], series: str = "value") -> Markup:
    """One bar per (label, value); the largest value is ``plot_height()`` tall."""
    return grouped_bar_chart(title, [label for label, _ in bars], {series: [value for _, value in bars]}, legend=False)


def grouped_bar_chart(title: str, labels: Sequence[str], series: Mapping[str, Sequence[float]], legend: bool = True) -> Markup:
    """Bars for each label, one per series side by side, on a shared scale."""
    top = max((v for values in series.values() for v in values), default=0) or 1
    slot = (WIDTH - PAD - 8) / max(len(labels), 1)
    width = max(slot * 0.8 / max(len(series), 1), 1)
    body = []
    for s, (name, values) in enumerate(series.items()):
        for i, (label, value) in enumerate(zip(labels, values, strict=True)):
            height = value / top * plot_height()
            x = PAD + i * slot + slot * 0.1 + s * width
            body.append(
                f'<rect class="bar" data-series="{escape(name)}" data-label="{escape(label)}" data-value="{_number(value)}" '
                f'x="{x:.1f}" y="{HEIGHT - PAD - height:.1f}" width="{width:.1f}" height="{height:.1f}" '
                f'fill="{COLOURS[s % len(COLOURS)]}"><title>{escape(label)}: {_number(value)}</title></rect>'
            )
    body += _labels(labels, slot)
    return _frame(title, body, list(series) if legend else ())


def line_chart(title: str, points: Sequence[tuple[str, float]], series: str = "value") -> Markup:
    """A polyline through (label, value) points; the largest value sits ``plot_height()`` above the axis."""
    top = max((v for _, v in points), default=0) or 1
    slot = (WIDTH - PAD - 8) / max(len(points), 1)
    coords = [(PAD + (i + 0.5) * slot, HEIGHT - PAD - v / top * plot_height()) for i, (_, v) in enumerate(points)]
    body = [
        f'<polyline class="line" data-series="{escape(series)}" fill="none" stroke="{COLOURS[0]}" stroke-width="2" '
        f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in coords)}"/>'
    ]
    for (label, value), (x, y) in zip(points, coords, strict=True):
        body.append(
            f'<circle class="point" data-label="{escape(label)}" data-value="{_number(value)}" cx="{x:.1f}" cy="{y:.1f}" r="3" '
            f'fill="{COLOURS[0]}"><title>{escape(label)}: {_number(value)}</title></circle>'
        )
    body += _labels([label for label, _ in points], slot)
    return _frame(title, body)


def _labels(labels: Sequence[str], slot: float) -> list[str]:
    every = max(1, len(labels) // 12)  # at most about twelve axis labels
    return [
        f'<text x="{PAD + (i + 0.5) * slot:.1f}" y="{HEIGHT - PAD + 14}" font-size="10" text-anchor="middle">'
        f"{escape(label)}</text>"
        for i, label in enumerate(labels)
        if i % every == 0
    ]
