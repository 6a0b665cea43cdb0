"""Charts for the merchant's dashboard, drawn on the server as inline SVG: nothing is loaded
from another host and no script runs (the pages' Content-Security-Policy allows neither).

Pure functions: figures in, SVG text out (escaped, ready for a template). Each chart is an
`<svg role="img">` named by its `<title>` and `<desc>`; the page puts a table of the same
numbers beside it, which is what a screen reader reads. The colours are dark enough against
white for graphics (WCAG 1.4.11, at least 3:1); every value is also written as text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# each at least 4.5:1 against white, so a value written in the bar's colour stays readable
PALETTE = ("#0b5cad", "#1d6b3a", "#a1121b", "#8a4b00", "#6b3fa0", "#00677a", "#3c4754")
INK = "#1b1f24"
GRID = "#6b7480"
LABEL_CHARS = 24  # longer labels are cut with an ellipsis (the table beside has them whole)

ROW = 28  # one bar's row, in SVG units
BAR = 18
LABEL_WIDTH = 180
VALUE_WIDTH = 80
PAD = 8


@dataclass(frozen=True)
class Datum:
    """One bar or segment: `value` sets its length, `shown` is how the reader reads it
    ("12.5%", "$1,234.00")."""

    label: str
    value: float
    shown: str
    colour: str | None = None


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _open(chart_id: str, title: str, desc: str, width: int, height: int) -> str:
    cid = escape(chart_id)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="system-ui, sans-serif" font-size="14">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(desc)}</desc>'
    )


def _no_data(chart_id: str, title: str, desc: str, no_data: str, width: int) -> Markup:
    height = ROW * 2
    return Markup(
        _open(chart_id, title, desc, width, height)
        + f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="none" '
        f'stroke="{GRID}" stroke-dasharray="4 4"/>'
        f'<text class="no-data" x="{width / 2:g}" y="{height / 2 + 5:g}" text-anchor="middle" '
        f'fill="{INK}">{escape(no_data)}</text></svg>'
    )


def bar_length(value: float, largest: float, room: float) -> float:
    """A bar's length: proportional to its value, the largest filling `room`; nothing below
    zero (a chart of amounts or rates has no negative bars)."""
    if largest <= 0 or value <= 0:
        return 0.0
    return round(room * min(value, largest) / largest, 2)


def horizontal_bars(
    chart_id: str,
    title: str,
    desc: str,
    data: Sequence[Datum],
    *,
    no_data: str,
    width: int = 560,
) -> Markup:
    """One labelled bar per datum, longest for the largest value, the value written after it."""
    if not data:
        return _no_data(chart_id, title, desc, no_data, width)
    room = width - LABEL_WIDTH - VALUE_WIDTH - PAD
    largest = max(d.value for d in data)
    height = ROW * len(data) + PAD
    parts = [_open(chart_id, title, desc, width, height)]
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height}" stroke="{GRID}"/>'
    )
    for n, datum in enumerate(data):
        top = PAD / 2 + n * ROW
        length = bar_length(datum.value, largest, room)
        colour = datum.colour or PALETTE[0]
        middle = top + ROW / 2 + 5
        parts.append(
            f'<g class="bar"><text x="{LABEL_WIDTH - 6}" y="{middle:g}" text-anchor="end" '
            f'fill="{INK}">{escape(_cut(datum.label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{top + (ROW - BAR) / 2:g}" width="{length:g}" '
            f'height="{BAR}" fill="{colour}"/>'
            f'<text x="{LABEL_WIDTH + length + 6:g}" y="{middle:g}" fill="{INK}">'
            f"{escape(datum.shown)}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bar(
    chart_id: str,
    title: str,
    desc: str,
    data: Sequence[Datum],
    *,
    no_data: str,
    width: int = 560,
) -> Markup:
    """One bar split into each datum's share of the whole (a mix: resolutions), with a legend
    below naming each colour and its value."""
    total = sum(max(d.value, 0) for d in data)
    if not data or total <= 0:
        return _no_data(chart_id, title, desc, no_data, width)
    legend_top = ROW + 2 * PAD
    height = legend_top + ROW * len(data)
    parts = [_open(chart_id, title, desc, width, height)]
    x = 0.0
    for n, datum in enumerate(data):
        colour = datum.colour or PALETTE[n % len(PALETTE)]
        share = round(width * max(datum.value, 0) / total, 2)
        # a white edge between segments, so neighbours never read as one colour
        parts.append(
            f'<rect class="segment" x="{x:g}" y="{PAD}" width="{share:g}" height="{ROW}" '
            f'fill="{colour}" stroke="#ffffff" stroke-width="1"/>'
        )
        x += share
    for n, datum in enumerate(data):
        colour = datum.colour or PALETTE[n % len(PALETTE)]
        top = legend_top + n * ROW
        parts.append(
            f'<g class="legend"><rect x="0" y="{top + 5}" width="16" height="16" '
            f'fill="{colour}"/><text x="24" y="{top + 18}" fill="{INK}">'
            f"{escape(datum.label)}: {escape(datum.shown)}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
