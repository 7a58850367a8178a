"""Link-preview images (`og:image`): one PNG card per review with its title, channel, date and
primary topic, drawn offline at build time.

Fonts are DejaVu Sans (Latin, Cyrillic and Hebrew in one face), taken by `make vendor` from a
pinned package into `vendor/fonts/` (git-ignored); no font is fetched at build time. Hebrew is
laid out right to left: through Pillow's libraqm layout (FriBiDi and HarfBuzz) where the
installed Pillow has it, else each line is put in visual order by python-bidi and drawn with
Pillow's basic layout (Hebrew needs no contextual shaping, so both give the same glyphs).

A card is a pure function of its `CardSpec`; rendered cards are kept in the cache folder under
the hash of the spec, the fonts and this module's version, so a build draws only the cards of
new or changed reviews. Without the fonts no card is drawn and the build says so once.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import io
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

from ..model import Post

CARDS_DIR = "cards"  # in the docs folder: cards/<channel>/<slug>.png
FONTS_DIR = Path("vendor") / "fonts"  # relative to the project root
FONT_REGULAR = "DejaVuSans.ttf"
FONT_BOLD = "DejaVuSans-Bold.ttf"
WIDTH, HEIGHT = 1200, 630  # the size link previews show without cropping
VERSION = "1"  # bump when the drawing changes: every cached card is drawn again
_MARGIN = 72
_BG = (26, 35, 126)  # Material's indigo 900: white text on it is 14:1
_FG = (255, 255, 255)
_MUTED = (197, 202, 233)  # indigo 100 on indigo 900: 9:1
_ACCENT = (255, 171, 64)  # an orange rule between the site name and the title
_TITLE_SIZES = (64, 56, 48, 42)  # the largest size at which the title fits its room
_TITLE_TOP, _TITLE_BOTTOM = 150, 450  # the title's room, between the site's name and the footer
_LEADING = 1.25
_HEBREW_RE = re.compile(r"[\u0590-\u05FF]")
_BIDI_CONTROLS_RE = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_STRONG_RE = re.compile(r"[A-Za-z\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF\u0590-\u05FF]")


@dataclass(frozen=True, slots=True)
class CardSpec:
    """Everything a card shows."""

    title: str
    channel: str  # the channel's display name
    date: str  # ISO date, or "date unknown"
    topic: str  # the primary topic's name, or ""
    site: str  # the site's name

    def key(self, fonts: Fonts) -> str:
        """The card's cache key: what it shows, the fonts and the drawing's version."""
        h = hashlib.sha256()
        for part in (VERSION, fonts.digest, *astuple(self)):
            h.update(part.encode())
            h.update(b"\0")
        return h.hexdigest()


@dataclass(frozen=True, slots=True)
class Fonts:
    regular: Path
    bold: Path
    digest: str  # of both files: new fonts draw new cards


def find_fonts(root: Path) -> Fonts | None:
    """The vendored fonts under the project root, or None when `make vendor` has not run."""
    folder = root / FONTS_DIR
    regular, bold = folder / FONT_REGULAR, folder / FONT_BOLD
    if not (regular.is_file() and bold.is_file()):
        return None
    h = hashlib.sha256(regular.read_bytes())
    h.update(bold.read_bytes())
    return Fonts(regular, bold, h.hexdigest())


def card_path(post: Post) -> str:
    """The card's path in the docs folder (beside no page: MkDocs copies it as a file)."""
    return f"{CARDS_DIR}/{post.channel}/{post.slug}.png"


def is_rtl(text: str) -> bool:
    """The text's first strong letter is Hebrew (as `unicode-bidi: plaintext` decides)."""
    m = _STRONG_RE.search(text)
    return bool(m and _HEBREW_RE.match(m.group(0)))


def raqm() -> bool:
    """Pillow lays out text with libraqm (bidi and shaping) here."""
    from PIL import features

    return bool(features.check("raqm"))


_LOCAL = threading.local()  # each drawing thread its own fonts (a FreeType face is not shared)


def _font(path: str, size: int, layout: str) -> Any:
    from PIL import ImageFont

    fonts: dict[tuple[str, int, str], Any] = _LOCAL.__dict__.setdefault("fonts", {})
    key = (path, size, layout)
    if key not in fonts:
        engine = ImageFont.Layout.RAQM if layout == "raqm" else ImageFont.Layout.BASIC
        fonts[key] = ImageFont.truetype(path, size, layout_engine=engine)
    return fonts[key]


class _Writer:
    """Draws one line of text in its own direction, with libraqm or python-bidi."""

    def __init__(self, draw: Any, use_raqm: bool) -> None:
        self.draw = draw
        self.layout = "raqm" if use_raqm else "basic"

    def font(self, path: Path, size: int) -> Any:
        return _font(str(path), size, self.layout)

    def _visual(self, text: str, rtl: bool) -> tuple[str, dict[str, str]]:
        if self.layout == "raqm":
            return text, ({"direction": "rtl", "language": "he"} if rtl else {"direction": "ltr"})
        from bidi import get_display

        return get_display(text, base_dir="R" if rtl else "L"), {}

    def width(self, text: str, font: Any, rtl: bool) -> float:
        shown, opts = self._visual(text, rtl)
        return float(font.getlength(shown, **opts))

    def line(self, text: str, font: Any, y: float, rtl: bool, fill: tuple[int, int, int]) -> None:
        """The line at height `y`: right-aligned when it reads right to left."""
        shown, opts = self._visual(text, rtl)
        x = WIDTH - _MARGIN - font.getlength(shown, **opts) if rtl else _MARGIN
        self.draw.text((x, y), shown, font=font, fill=fill, **opts)


def _wrap(text: str, fits: Any, lines: int) -> list[str] | None:
    """Words in lines that each `fits`; None if more than `lines` lines are needed."""
    out: list[str] = []
    for word in text.split():
        if out and fits(out[-1] + " " + word):
            out[-1] += " " + word
        elif fits(word):
            out.append(word)
        else:
            return None  # a word wider than the card at this size
        if len(out) > lines:
            return None
    return out


def _max_lines(size: int) -> int:
    return int((_TITLE_BOTTOM - _TITLE_TOP) // (size * _LEADING))


def _title_lines(w: _Writer, title: str, path: Path, rtl: bool) -> tuple[Any, list[str]]:
    """The title at the largest size that fits; at the smallest, cut with `…`."""
    room = WIDTH - 2 * _MARGIN
    for size in _TITLE_SIZES:
        font = w.font(path, size)
        lines = _wrap(title, lambda s, f=font: w.width(s, f, rtl) <= room, _max_lines(size))
        if lines is not None:
            return font, lines
    font = w.font(path, _TITLE_SIZES[-1])
    most = _max_lines(_TITLE_SIZES[-1])
    words, lines = title.split(), [""]
    for word in words:
        trial = (lines[-1] + " " + word).strip()
        if w.width(trial + " …", font, rtl) <= room:
            lines[-1] = trial
        elif len(lines) < most:
            lines.append(word[:40])
        else:
            break
    lines[-1] += " …"
    return font, lines


def render(spec: CardSpec, fonts: Fonts, use_raqm: bool | None = None) -> bytes:
    """The card as PNG bytes (deterministic: same spec and fonts, same bytes)."""
    from PIL import Image, ImageDraw

    use_raqm = raqm() if use_raqm is None else use_raqm
    image = Image.new("RGB", (WIDTH, HEIGHT), _BG)
    draw = ImageDraw.Draw(image)
    w = _Writer(draw, use_raqm)
    small, bold_small = w.font(fonts.regular, 30), w.font(fonts.bold, 30)
    w.line(spec.site, bold_small, _MARGIN - 8, is_rtl(spec.site), _MUTED)
    draw.rectangle((_MARGIN, _MARGIN + 40, _MARGIN + 96, _MARGIN + 46), fill=_ACCENT)
    rtl = is_rtl(spec.title)
    font, lines = _title_lines(w, spec.title, fonts.bold, rtl)
    y = float(_TITLE_TOP)
    for line in lines:
        w.line(line, font, y, rtl, _FG)
        y += font.size * _LEADING
    # footer: channel (its own direction), then date and topic
    w.line(spec.channel, bold_small, HEIGHT - _MARGIN - 84, is_rtl(spec.channel), _FG)
    facts = " · ".join(x for x in (spec.date, spec.topic) if x)
    w.line(facts, small, HEIGHT - _MARGIN - 36, False, _MUTED)
    out = io.BytesIO()
    # a palette of 32 colours (the card's four and their anti-aliasing): a third of the bytes
    # of full colour, and quicker to compress
    palette = image.quantize(32, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    palette.save(out, "PNG", compress_level=6)
    return out.getvalue()


class CardCache:
    """Cards drawn before, as `<key>.png` files in `folder`: a review whose card shows the same
    text costs a file lookup. `files(specs)` returns the cached file of every card, drawing the
    missing ones; `prune()` then removes the cards no review uses any more."""

    def __init__(self, folder: Path, fonts: Fonts, reuse: bool = True) -> None:
        self.folder = folder
        self.fonts = fonts
        self.reuse = reuse
        self.used: set[str] = set()
        self.drawn = 0

    def files(self, specs: Mapping[str, CardSpec]) -> dict[str, str]:
        """docs path → cached PNG file, for every `specs` entry (docs path → spec)."""
        out: dict[str, str] = {}
        missing: dict[Path, CardSpec] = {}
        for rel, spec in specs.items():
            key = spec.key(self.fonts)
            self.used.add(key)
            entry = self.folder / f"{key}.png"
            if not (self.reuse and entry.is_file()):
                missing[entry] = spec
            out[rel] = str(entry)
        # Pillow draws and encodes with the interpreter lock released: threads use every core
        # (two cores: ~1.8x). Each card is its own file, so the order they finish in is moot.
        use_raqm = raqm()
        workers = max(1, min(8, os.cpu_count() or 1, len(missing)))
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            for entry, data in zip(missing, pool.map(
                    lambda spec: render(spec, self.fonts, use_raqm), missing.values()),
                    strict=True):
                self._store(entry, data)
        self.drawn += len(missing)
        return out

    def _store(self, entry: Path, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, entry)

    def prune(self) -> None:
        if not self.folder.is_dir():
            return
        for entry in self.folder.iterdir():
            if entry.stem not in self.used or entry.name.startswith(".tmp-"):
                with contextlib.suppress(OSError):
                    entry.unlink()


def specs(posts: Iterable[Post], channel_name: Any, topic_name: Any,
          site: str) -> dict[str, CardSpec]:
    """docs path → card spec of every review."""
    return {card_path(p): CardSpec(
        title=" ".join(_BIDI_CONTROLS_RE.sub("", p.title).split()) or "Untitled review",
        channel=_BIDI_CONTROLS_RE.sub("", channel_name(p.channel)),
        date=p.date.isoformat() if p.date else "date unknown",
        topic=topic_name(p.primary_topic) if p.primary_topic else "",
        site=site) for p in posts}
