"""The home page's chart: reviews per month, stacked by topic, as a deterministic SVG.

Drawn with matplotlib's SVG backend at build time. SVG output is made byte-stable by fixing the
hash salt (element ids), dropping the date metadata and keeping text as text (no font glyphs).
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .model import Post

NO_TOPIC = "no topic"
# Okabe–Ito and Tableau colours: distinguishable, also for colour-blind readers.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#4E79A7", "#F28E2B", "#59A14F", "#B07AA1", "#76B7B2", "#EDC948", "#FF9DA7",
           "#9C755F", "#E15759", "#17BECF", "#BCBD22", "#393B79", "#AD494A", "#637939",
           "#CE6DBD")
HATCHES = ("", "//", "..", "xx")  # when there are more topics than colours
_RC: Any = {
    "svg.hashsalt": "postdocs",
    "svg.fonttype": "none",
    "svg.id": "postdocs-chart",
    "font.family": "sans-serif",
    "font.size": 9.0,
}


MAX_GAP = 12  # months; a dated review further than this from the rest is left off the axis


def _index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


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


def chart_topic(post: Post) -> str:
    """The one topic a review is counted under (so bars add up to the number of reviews)."""
    return post.primary_topic or (post.topics[0] if post.topics else NO_TOPIC)


def counts(posts: Sequence[Post]) -> Counter[tuple[str, str]]:
    """`(month, topic) → reviews`, dated reviews only."""
    return Counter((f"{p.date:%Y-%m}", chart_topic(p)) for p in posts if p.date is not None)


def reviews_per_month_svg(posts: Sequence[Post], topic_order: Sequence[str],
                          topic_name: Callable[[str], str]) -> str | None:
    """The chart as SVG text, or None when no review is dated."""
    axis = months(posts)
    if not axis:
        return None
    shown = set(axis)
    table = Counter({k: v for k, v in counts(posts).items() if k[0] in shown})
    present = {t for (_, t) in table}
    order = [t for t in topic_order if t in present]
    order += sorted(present - set(order) - {NO_TOPIC})
    if NO_TOPIC in present:
        order.append(NO_TOPIC)
    with matplotlib.rc_context(_RC):
        width = min(12.0, max(6.0, 0.35 * len(axis) + 2.5))
        # tall enough for the legend beside the bars (one line per topic)
        height = max(3.6, 0.17 * len(order) + 1.2)
        fig = Figure(figsize=(width, height), dpi=100)
        FigureCanvasSVG(fig)
        ax = fig.add_subplot()
        colors = PALETTE
        x = list(range(len(axis)))
        bottom = [0] * len(axis)
        for i, topic in enumerate(order):
            values = [table.get((m, topic), 0) for m in axis]
            color = "#9e9e9e" if topic == NO_TOPIC else colors[i % len(colors)]
            hatch = HATCHES[(i // len(colors)) % len(HATCHES)] or None
            ax.bar(x, values, bottom=bottom, color=color, label=topic_name(topic), width=0.8,
                   hatch=hatch, edgecolor="white" if hatch else None, linewidth=0)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        step = max(1, len(axis) // 18)
        ax.set_xticks(x[::step], [axis[i] for i in x[::step]], rotation=60, ha="right")
        ax.set_ylabel("reviews")
        ax.set_ylim(0, max(bottom) * 1.08 + 0.5)  # headroom above the tallest bar
        ax.set_xlim(-0.6, len(axis) - 0.4)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "postdocs"},
                    facecolor="white", bbox_inches="tight", pad_inches=0.15)
    return buf.getvalue()
