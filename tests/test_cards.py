"""Link-preview cards: drawn offline with the vendored fonts, Hebrew right to left, cached."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from postdocs.cli import main
from postdocs.render import cards

from .conftest import ROOT, copy_project

SITE = "postdocs"


@pytest.fixture(scope="module")
def fonts() -> cards.Fonts:
    found = cards.find_fonts(ROOT)
    assert found is not None, f"no fonts in {cards.FONTS_DIR}: run `make vendor`"
    return found


def _image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("L")


def _spec(title: str, channel: str = "המאמר היומי של מייק") -> cards.CardSpec:
    return cards.CardSpec(title=title, channel=channel, date="2024-09-20",
                          topic="Reinforcement learning", site=SITE)


def _title_band(img: Image.Image) -> Image.Image:
    return img.crop((0, 140, cards.WIDTH, 240))  # the first line of the title


def _ink_box(img: Image.Image) -> tuple[int, int, int, int]:
    """Where the white text is in a grey image (the background is dark)."""
    box = img.point(lambda v: 255 if v > 128 else 0).getbbox()
    assert box is not None
    return box


def _mismatch(a: Image.Image, b: Image.Image) -> float:
    """Mean difference of two grey images (0: the same; glyphs at another place: tens)."""
    diff = ImageChops.difference(a, b)
    return sum(i * n for i, n in enumerate(diff.histogram())) / (diff.width * diff.height)


def _near(a: int, b: int) -> bool:
    return abs(a - b) <= 3  # sub-pixel placement and the card's 32-colour palette


@pytest.mark.parametrize("use_raqm", [True, False])
def test_hebrew_reads_right_to_left(fonts: cards.Fonts, use_raqm: bool) -> None:
    """The first word of a Hebrew title is at the right end of the line, its first letter
    rightmost: the line's right part is the first word drawn alone, not the second."""
    if use_raqm and not cards.raqm():
        pytest.fail("this Pillow has no libraqm: the fallback is then the only layout")

    def band(title: str) -> Image.Image:
        return _title_band(_image(cards.render(_spec(title), fonts, use_raqm)))

    line, first, second = band("שלום עולם"), band("שלום"), band("עולם")
    left, _, right, _ = _ink_box(first)
    full_left, _, full_right, _ = _ink_box(line)
    assert _near(full_right, right) and full_left < left - 50  # the second word is at the left
    box = (left, 0, right, 100)
    same, other = _mismatch(line.crop(box), first.crop(box)), _mismatch(line.crop(box),
                                                                        second.crop(box))
    assert same < 6 < other, (same, other)
    # within the word: ש, its first letter, is its rightmost
    shin = band("ש")
    s_left, _, s_right, _ = _ink_box(shin)
    assert _near(s_right, right)
    letter = (s_left, 0, s_right, 100)
    assert _mismatch(first.crop(letter), shin.crop(letter)) < 8


def test_the_fallback_layout_draws_what_libraqm_draws(fonts: cards.Fonts) -> None:
    """Without libraqm, python-bidi's visual order gives the same Hebrew line."""
    if not cards.raqm():
        pytest.fail("this Pillow has no libraqm to compare with")
    spec = _spec("היום סוקרים מאמר כחול לבן בנושא מעניין")
    a = _title_band(_image(cards.render(spec, fonts, True)))
    b = _title_band(_image(cards.render(spec, fonts, False)))
    assert all(_near(x, y) for x, y in zip(_ink_box(a), _ink_box(b), strict=True))
    assert _mismatch(a, b) < 6


def test_a_card_is_deterministic_sized_and_quick(fonts: cards.Fonts) -> None:
    spec = _spec("Surgical Robot Transformer (SRT): Imitation Learning for Surgical Tasks",
                 "rizzearch")
    start = time.perf_counter()
    first = cards.render(spec, fonts)
    cost = time.perf_counter() - start
    assert cards.render(spec, fonts) == first
    img = Image.open(io.BytesIO(first))
    assert img.size == (cards.WIDTH, cards.HEIGHT) and img.format == "PNG"
    assert len(first) < 60_000
    assert cost < 1.0  # about 30 ms here; a cached card costs a file lookup


def test_a_long_title_is_cut_not_spilled(fonts: cards.Fonts) -> None:
    long = " ".join(["Representation"] * 40)
    img = _image(cards.render(_spec(long, "rizzearch"), fonts))
    band = img.crop((0, 140, cards.WIDTH, 460))
    left, _, right, bottom = _ink_box(band)
    assert left >= 60 and right <= cards.WIDTH - 60 and bottom <= 460 - 140


def test_cache_draws_only_new_or_changed_cards(tmp_path: Path, fonts: cards.Fonts) -> None:
    specs = {"cards/a/x.png": _spec("One title"), "cards/a/y.png": _spec("Another title")}
    cache = cards.CardCache(tmp_path, fonts)
    files = cache.files(specs)
    assert cache.drawn == 2 and all(Path(f).is_file() for f in files.values())
    again = cards.CardCache(tmp_path, fonts)
    assert again.files(specs) == files and again.drawn == 0
    changed = cards.CardCache(tmp_path, fonts)
    changed.files({**specs, "cards/a/y.png": _spec("A new title")})
    assert changed.drawn == 1
    changed.prune()
    assert len(list(tmp_path.glob("*.png"))) == 2


def test_build_writes_cards_and_names_them(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           fonts: cards.Fonts) -> None:
    root = copy_project(tmp_path / "site", fonts=True)
    assert main(["--root", str(root), "build"]) == 0
    out = capsys.readouterr().out
    assert "link-preview images: 214 drawn, 0 reused" in out
    pages = sorted((root / "content/docs/reviews").rglob("*.md"))
    for page in pages:
        image = next(line for line in page.read_text(encoding="utf-8").splitlines()
                     if line.startswith("image: "))
        assert (root / "content/docs" / image.removeprefix("image: ")).is_file(), page
    assert main(["--root", str(root), "build"]) == 0
    out, err = capsys.readouterr()
    assert "link-preview images: 0 drawn, 214 reused" in out and " 0 written" in out


def test_build_without_fonts_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_project(tmp_path / "site")
    assert main(["--root", str(root), "build"]) == 0
    assert "link-preview images not drawn: no fonts in vendor/fonts/" in capsys.readouterr().err
    assert not list((root / "content/docs").rglob("*.png"))
