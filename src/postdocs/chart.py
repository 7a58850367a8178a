"""The home page's chart: reviews per month, stacked by topic, as a deterministic SVG.

The bars show the named (featured) topics and "other": a dozen or more colours stacked in a
bar cannot be told apart. A review counts under its primary topic when that is a named one,
else under the first named topic it has, else under "other"; the legend names every group.

Written as SVG text directly: a stacked bar chart needs rectangles, a few lines and text, and
drawing it here takes milliseconds where a plotting library took over a second to import and
draw (see README: performance). Same input, same bytes: no ids, dates or floating noise.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections import Counter
from collections.abc import Callable, Sequence

from .model import Post

OTHER = "other"  # the group of every review outside the named topics
OTHER_NAME = "Other topics"
OTHER_COLOR = "#9e9e9e"
# Okabe–Ito colours for the named topics: distinguishable, also for colour-blind readers, and
# (the chart is inverted in dark mode, see postdocs.css) still apart when inverted.
NAMED_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
# When more topics are named than there are colours, the colours repeat under a pattern.
PATTERNS = ("", "M0,8 L8,0", "M0,0 L8,8", "M0,0 L8,8 M0,8 L8,0")
FONT = 11  # px
BAR_SLOT = (14.0, 34.0)  # narrowest and widest slot per month, px
PLOT_WIDTH = (300.0, 860.0)
PLOT_HEIGHT = 240.0
MARGIN_LEFT, MARGIN_TOP, MARGIN_BOTTOM = 52.0, 12.0, 62.0
LEGEND_GAP, SWATCH = 14.0, 10.0


MAX_GAP = 12  # months; a dated review further than this from the rest is left off the axis


def _index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_label(day: dt.date) -> str:
    """`YYYY-MM` with four digits (strftime's `%Y` writes the year 999 as `999`)."""
    return _label(_index(day.year, day.month))


def months(posts: Sequence[Post]) -> list[str]:
    """The chart's axis, `YYYY-MM`, every month (gaps included) of the main run of dated reviews.

    Months are split into runs wherever more than `MAX_GAP` months pass without a review; the run
    holding most reviews is shown, so one misdated review cannot stretch the axis over decades.
    """
    per_month = Counter(_index(p.date.year, p.date.month) for p in posts if p.date is not None)
    if not per_month:
        return []
    runs: list[list[int]] = []
    for m in sorted(per_month):
        if runs and m - runs[-1][-1] <= MAX_GAP:
            runs[-1].append(m)
        else:
            runs.append([m])
    best = max(runs, key=lambda run: sum(per_month[m] for m in run))  # first wins on ties
    return [_label(i) for i in range(best[0], best[-1] + 1)]


def chart_group(post: Post, named: Sequence[str]) -> str:
    """The bar a review is stacked in: its primary topic when named, else the first named topic
    it has, else `OTHER`."""
    if post.primary_topic is not None and post.primary_topic in named:
        return post.primary_topic
    return next((t for t in post.topics if t in named), OTHER)


def counts(posts: Sequence[Post], named: Sequence[str]) -> Counter[tuple[str, str]]:
    """`(month, group) → reviews`, dated reviews only (`chart_group`)."""
    return Counter((month_label(p.date), chart_group(p, named))
                   for p in posts if p.date is not None)


def _nice_step(top: int) -> int:
    """An integer tick step (1, 2, 5 × 10ⁿ) giving at most six ticks up to `top`."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if top / (m * step) <= 6:
                return m * step
        step *= 10


def _n(x: float) -> str:
    """A coordinate with two decimals at most, no trailing zeros (stable, compact)."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def reviews_per_month_svg(posts: Sequence[Post], named: Sequence[str],
                          topic_name: Callable[[str], str]) -> str | None:
    """The chart as SVG text, or None when no review is dated. `named`: the topics shown apart
    (the featured ones, in the taxonomy's order); the legend names them all, and "other"."""
    axis = months(posts)
    if not axis:
        return None
    shown = set(axis)
    table = Counter({k: v for k, v in counts(posts, named).items() if k[0] in shown})
    order = [*named, OTHER]
    totals = [sum(table.get((m, t), 0) for t in order) for m in axis]
    top = max(totals)
    step = _nice_step(top)
    y_max = max(step * math.ceil(top * 1.08 / step), step)
    slot = min(BAR_SLOT[1], max(BAR_SLOT[0], PLOT_WIDTH[1] / len(axis)))
    plot_w = max(PLOT_WIDTH[0], slot * len(axis))
    slot = plot_w / len(axis)
    legend_x = MARGIN_LEFT + plot_w + LEGEND_GAP
    names = [OTHER_NAME if t == OTHER else topic_name(t) for t in order]
    width = legend_x + SWATCH + 6 + 0.62 * FONT * max(len(n) for n in names) + 8
    height = max(MARGIN_TOP + PLOT_HEIGHT + MARGIN_BOTTOM, MARGIN_TOP + 16.0 * len(order) + 8)
    base = MARGIN_TOP + PLOT_HEIGHT

    def y(value: float) -> float:
        return base - PLOT_HEIGHT * value / y_max

    def fill(i: int, topic: str) -> str:
        if topic == OTHER:
            return OTHER_COLOR
        pattern = (i // len(NAMED_PALETTE)) % len(PATTERNS)
        return f"url(#pd-fill-{i})" if pattern else NAMED_PALETTE[i % len(NAMED_PALETTE)]

    esc = html.escape
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
           f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
           f'font-family="sans-serif" font-size="{FONT}">',
           "<title>Reviews per month, stacked by topic: "
           f"{esc(', '.join(topic_name(t) for t in named))} and other topics</title>",
           f"<desc>{esc(f'{sum(totals)} dated reviews from {axis[0]} to {axis[-1]}')}</desc>"]
    patterns = [(i, t) for i, t in enumerate(order)
                if t != OTHER and (i // len(NAMED_PALETTE)) % len(PATTERNS)]
    if patterns:
        out.append("<defs>")
        for i, _ in patterns:
            d = PATTERNS[(i // len(NAMED_PALETTE)) % len(PATTERNS)]
            out.append(f'<pattern id="pd-fill-{i}" width="8" height="8" '
                       f'patternUnits="userSpaceOnUse"><rect width="8" height="8" '
                       f'fill="{NAMED_PALETTE[i % len(NAMED_PALETTE)]}"/><path d="{d}" '
                       f'stroke="#ffffff" stroke-width="1.5"/></pattern>')
        out.append("</defs>")
    out.append(f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>')
    # y axis: grid lines and labels
    for value in range(0, y_max + 1, step):
        yy = _n(y(value))
        out.append(f'<line x1="{_n(MARGIN_LEFT)}" x2="{_n(MARGIN_LEFT + plot_w)}" y1="{yy}" '
                   f'y2="{yy}" stroke="#e0e0e0" stroke-width="1"/>')
        out.append(f'<text x="{_n(MARGIN_LEFT - 6)}" y="{_n(y(value) + FONT * 0.35)}" '
                   f'text-anchor="end" fill="#333333">{value}</text>')
    out.append(f'<text transform="translate({_n(14)},{_n(MARGIN_TOP + PLOT_HEIGHT / 2)}) '
               f'rotate(-90)" text-anchor="middle" fill="#333333">reviews</text>')
    # bars, bottom to top in legend order
    bar_w = slot * 0.8
    for k, month in enumerate(axis):
        x = MARGIN_LEFT + slot * k + (slot - bar_w) / 2
        below = 0
        for i, topic in enumerate(order):
            value = table.get((month, topic), 0)
            if not value:
                continue
            out.append(f'<rect x="{_n(x)}" y="{_n(y(below + value))}" width="{_n(bar_w)}" '
                       f'height="{_n(y(below) - y(below + value))}" fill="{fill(i, topic)}">'
                       f"<title>{esc(month)}: {value} × {esc(names[i])}</title></rect>")
            below += value
    # x axis: baseline and every n-th month, slanted
    out.append(f'<line x1="{_n(MARGIN_LEFT)}" x2="{_n(MARGIN_LEFT + plot_w)}" y1="{_n(base)}" '
               f'y2="{_n(base)}" stroke="#333333" stroke-width="1"/>')
    every = max(1, len(axis) // 18)
    for k in range(0, len(axis), every):
        cx = MARGIN_LEFT + slot * (k + 0.5)
        out.append(f'<text transform="translate({_n(cx + FONT * 0.3)},{_n(base + 8)}) '
                   f'rotate(-60)" text-anchor="end" fill="#333333">{esc(axis[k])}</text>')
    # legend beside the bars, one line per topic
    for i, name in enumerate(names):
        ly = MARGIN_TOP + 16.0 * i
        out.append(f'<rect x="{_n(legend_x)}" y="{_n(ly)}" width="{_n(SWATCH)}" '
                   f'height="{_n(SWATCH)}" fill="{fill(i, order[i])}"/>')
        out.append(f'<text x="{_n(legend_x + SWATCH + 6)}" y="{_n(ly + SWATCH - 1)}" '
                   f'fill="#333333">{esc(name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
