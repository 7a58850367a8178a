"""The home page's chart: reviews per month, stacked by topic, as a deterministic SVG.

The bars show the named (featured) topics and "other": a dozen or more colours stacked in a
bar cannot be told apart. A review counts under its primary topic when that is a named one,
else under the first named topic it has, else under "other"; the legend names every group.

Reviews whose input gives no date are dated by when the site first saw them (`date_source:
first-seen`, see permalinks.py) and are charted by that date, told apart: their parts of a bar
are striped, the legend says "added to this site (publication date unknown)", and when their
months lie far from the others (an archive imported long after it was written) the axis breaks
between the two runs instead of stretching over the empty months.

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

from ..model import Post

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

FIRST_SEEN = "first-seen"  # Post.date_source of a review dated by when the site first saw it
# The stripes of such a review's part of a bar (white over its topic's colour; also under the
# inversion of dark mode, distinct from the diagonal PATTERNS) and its legend entry.
SEEN_STRIPES = "M0,2 L8,2 M0,6 L8,6"
SEEN_SWATCH = "#616161"
SEEN_LEGEND = ("Added to this site", "(publication date unknown)")
SEEN_NOTE = "added to this site (publication date unknown)"


MAX_GAP = 12  # months; more than this without a review breaks the axis (or leaves a review off)


def _index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_label(day: dt.date) -> str:
    """`YYYY-MM` with four digits (strftime's `%Y` writes the year 999 as `999`)."""
    return _label(_index(day.year, day.month))


def _runs(indexes: Sequence[int]) -> list[list[int]]:
    """Sorted month indexes split wherever more than `MAX_GAP` months pass between two."""
    runs: list[list[int]] = []
    for m in indexes:
        if runs and m - runs[-1][-1] <= MAX_GAP:
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def first_seen(post: Post) -> bool:
    """Whether the review is dated by when the site first saw it (its input gives no date)."""
    return post.date_source == FIRST_SEEN


def segments(posts: Sequence[Post]) -> list[list[str]]:
    """The chart's axis, `YYYY-MM`: runs of consecutive months (gaps included), the axis
    broken between two runs.

    Reviews dated by their own date are split into runs wherever more than `MAX_GAP` months
    pass without one; the run holding most of them is shown, so one misdated review cannot
    stretch the axis over decades (the others are left off, and the home page says how many).
    Every month of a review dated by first sight is shown: within `MAX_GAP` months of the main
    run it extends that run, further away it starts a run of its own after a break.
    """
    own = Counter(_index(p.date.year, p.date.month) for p in posts
                  if p.date is not None and not first_seen(p))
    shown = {_index(p.date.year, p.date.month) for p in posts
             if p.date is not None and first_seen(p)}
    if own:
        best = max(_runs(sorted(own)), key=lambda run: sum(own[m] for m in run))  # first on ties
        shown.update(range(best[0], best[-1] + 1))
    return [[_label(i) for i in range(run[0], run[-1] + 1)] for run in _runs(sorted(shown))]


def months(posts: Sequence[Post]) -> list[str]:
    """Every month on the chart's axis, in order (`segments`, joined)."""
    return [m for run in segments(posts) for m in run]


def chart_group(post: Post, named: Sequence[str]) -> str:
    """The bar a review is stacked in: its primary topic when named, else the first named topic
    it has, else `OTHER`."""
    if post.primary_topic is not None and post.primary_topic in named:
        return post.primary_topic
    return next((t for t in post.topics if t in named), OTHER)


def counts(posts: Sequence[Post], named: Sequence[str]) -> Counter[tuple[str, str, bool]]:
    """`(month, group, dated by first sight) → reviews`, dated reviews only (`chart_group`)."""
    return Counter((month_label(p.date), chart_group(p, named), first_seen(p))
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
    (the featured ones, in the taxonomy's order); the legend names them all, and "other", and
    the stripes of reviews dated by first sight when there are any."""
    runs = segments(posts)
    if not runs:
        return None
    axis = [m for run in runs for m in run]
    shown = set(axis)
    table = Counter({k: v for k, v in counts(posts, named).items() if k[0] in shown})
    order = [*named, OTHER]
    stack = [(i, t, seen) for seen in (False, True) for i, t in enumerate(order)]
    totals = [sum(table.get((m, t, seen), 0) for _, t, seen in stack) for m in axis]
    seen_total = sum(v for k, v in table.items() if k[2])
    top = max(totals)
    step = _nice_step(top)
    y_max = max(step * math.ceil(top * 1.08 / step), step)
    # one slot per month, and one for each break of the axis
    slots = len(axis) + len(runs) - 1
    slot = min(BAR_SLOT[1], max(BAR_SLOT[0], PLOT_WIDTH[1] / slots))
    plot_w = max(PLOT_WIDTH[0], slot * slots)
    slot = plot_w / slots
    at: dict[str, int] = {}  # month → its slot
    spans: list[tuple[int, int]] = []  # each run's first and last slot
    for run in runs:
        first = len(at) + len(spans)
        at.update((m, first + k) for k, m in enumerate(run))
        spans.append((first, first + len(run) - 1))
    legend_x = MARGIN_LEFT + plot_w + LEGEND_GAP
    names = [OTHER_NAME if t == OTHER else topic_name(t) for t in order]
    legend_lines = len(order) + (len(SEEN_LEGEND) + 1 if seen_total else 0)
    longest = max(len(n) for n in [*names, *(SEEN_LEGEND if seen_total else ())])
    width = legend_x + SWATCH + 6 + 0.62 * FONT * longest + 8
    height = max(MARGIN_TOP + PLOT_HEIGHT + MARGIN_BOTTOM, MARGIN_TOP + 16.0 * legend_lines + 8)
    base = MARGIN_TOP + PLOT_HEIGHT

    def y(value: float) -> float:
        return base - PLOT_HEIGHT * value / y_max

    def color(i: int, topic: str) -> str:
        return OTHER_COLOR if topic == OTHER else NAMED_PALETTE[i % len(NAMED_PALETTE)]

    def diagonal(i: int, topic: str) -> str:
        return "" if topic == OTHER else PATTERNS[(i // len(NAMED_PALETTE)) % len(PATTERNS)]

    def fill(i: int, topic: str, seen: bool = False) -> str:
        if seen:
            return f"url(#pd-seen-{i})"
        return f"url(#pd-fill-{i})" if diagonal(i, topic) else color(i, topic)

    def pattern(pid: str, ground: str, d: str) -> str:
        return (f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
                f'<rect width="8" height="8" fill="{ground}"/><path d="{d}" stroke="#ffffff" '
                f'stroke-width="1.5"/></pattern>')

    esc = html.escape
    described = f"{sum(totals)} dated reviews from {axis[0]} to {axis[-1]}"
    if seen_total:
        described += (f", {seen_total} of them without a publication date, counted in the "
                      "month this site added them (striped)")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
           f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
           f'font-family="sans-serif" font-size="{FONT}">',
           "<title>Reviews per month, stacked by topic: "
           f"{esc(', '.join(topic_name(t) for t in named))} and other topics</title>",
           f"<desc>{esc(described)}</desc>"]
    defs = [pattern(f"pd-fill-{i}", color(i, t), diagonal(i, t))
            for i, t in enumerate(order) if diagonal(i, t)]
    if seen_total:
        defs += [pattern(f"pd-seen-{i}", color(i, t), " ".join(
                     d for d in (diagonal(i, t), SEEN_STRIPES) if d))
                 for i, t in enumerate(order)
                 if any(table.get((m, t, True), 0) for m in axis)]
        defs.append(pattern("pd-seen", SEEN_SWATCH, SEEN_STRIPES))
    if defs:
        out += ["<defs>", *defs, "</defs>"]
    out.append(f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>')
    # y axis: grid lines (under each run of months) and labels
    for value in range(0, y_max + 1, step):
        yy = _n(y(value))
        for first, last in spans:
            out.append(f'<line x1="{_n(MARGIN_LEFT + slot * first)}" '
                       f'x2="{_n(MARGIN_LEFT + slot * (last + 1))}" y1="{yy}" '
                       f'y2="{yy}" stroke="#e0e0e0" stroke-width="1"/>')
        out.append(f'<text x="{_n(MARGIN_LEFT - 6)}" y="{_n(y(value) + FONT * 0.35)}" '
                   f'text-anchor="end" fill="#333333">{value}</text>')
    out.append(f'<text transform="translate({_n(14)},{_n(MARGIN_TOP + PLOT_HEIGHT / 2)}) '
               f'rotate(-90)" text-anchor="middle" fill="#333333">reviews</text>')
    # bars, bottom to top in legend order: reviews by their own date, then by first sight
    bar_w = slot * 0.8
    for month in axis:
        x = MARGIN_LEFT + slot * at[month] + (slot - bar_w) / 2
        below = 0
        for i, topic, seen in stack:
            value = table.get((month, topic, seen), 0)
            if not value:
                continue
            what = f"{names[i]}, {SEEN_NOTE}" if seen else names[i]
            out.append(f'<rect x="{_n(x)}" y="{_n(y(below + value))}" width="{_n(bar_w)}" '
                       f'height="{_n(y(below) - y(below + value))}" fill="{fill(i, topic, seen)}">'
                       f"<title>{esc(month)}: {value} × {esc(what)}</title></rect>")
            below += value
    # x axis: a baseline under each run, a break mark (two slanted strokes) between runs, and
    # every n-th month of each run, slanted
    for first, last in spans:
        out.append(f'<line x1="{_n(MARGIN_LEFT + slot * first)}" '
                   f'x2="{_n(MARGIN_LEFT + slot * (last + 1))}" y1="{_n(base)}" '
                   f'y2="{_n(base)}" stroke="#333333" stroke-width="1"/>')
    for _, last in spans[:-1]:
        cx = MARGIN_LEFT + slot * (last + 1.5)
        out.append(f'<path d="M{_n(cx - 5)},{_n(base + 5)} L{_n(cx - 1)},{_n(base - 5)} '
                   f'M{_n(cx + 1)},{_n(base + 5)} L{_n(cx + 5)},{_n(base - 5)}" '
                   f'stroke="#333333" stroke-width="1.2" fill="none"/>')
    every = max(1, len(axis) // 18)
    for run in runs:
        for k in range(0, len(run), every):
            cx = MARGIN_LEFT + slot * (at[run[k]] + 0.5)
            out.append(f'<text transform="translate({_n(cx + FONT * 0.3)},{_n(base + 8)}) '
                       f'rotate(-60)" text-anchor="end" fill="#333333">{esc(run[k])}</text>')
    # legend beside the bars, one line per topic, then the stripes of first-seen dates
    legend = [(fill(i, order[i]), name) for i, name in enumerate(names)]
    if seen_total:
        legend += [("", ""), ("url(#pd-seen)", SEEN_LEGEND[0]),
                   *(("", line) for line in SEEN_LEGEND[1:])]
    for k, (swatch, name) in enumerate(legend):
        ly = MARGIN_TOP + 16.0 * k
        if swatch:
            out.append(f'<rect x="{_n(legend_x)}" y="{_n(ly)}" width="{_n(SWATCH)}" '
                       f'height="{_n(SWATCH)}" fill="{swatch}"/>')
        if name:
            out.append(f'<text x="{_n(legend_x + SWATCH + 6)}" y="{_n(ly + SWATCH - 1)}" '
                       f'fill="#333333">{esc(name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
