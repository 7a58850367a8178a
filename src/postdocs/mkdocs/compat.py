"""The one version gate of the `postdocs` plugin's use of other packages' internals.

Incremental builds (`mkdocs build --dirty` made whole, incremental.py) fill Material's tags
plugin's private mappings with the pages they do not render, and rely on how MkDocs 1.6's dirty
build treats the pages it does not read (listed in README "The MkDocs plugin"; proposed upstream
in UPSTREAM.md). That was written for, and is tested with, the versions below. The plugin asks
`patches_allowed()` once per build in `on_config`, before anything is installed, and every hook
that uses an internal reads that answer; outside these ranges, or when the running MkDocs is
not the distribution checked (ProperDocs), it uses stock behaviour only: `mkdocs build --dirty`
becomes a clean build. The site is then the same, only slower to build again
(tests/test_mkdocs_compat.py builds the seed site with a faked newer Material). One line says
so, once per process.
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
from dataclasses import dataclass

# Distribution → [lowest, first not supported): the versions whose internals the plugin knows.
SUPPORTED: dict[str, tuple[str, str]] = {
    # a dirty build's page life cycle (the pages it does not read keep `markdown` None, their
    # `meta` is given from the record) that incremental builds rely on
    "mkdocs": ("1.6.1", "1.6.2"),
    # the tags plugin's `mappings` (incremental builds give it the pages not rendered)
    "mkdocs-material": ("9.6.0", "9.9"),
}


def installed_version(distribution: str) -> str | None:
    """The installed version of `distribution`, None if it is not installed (tests replace
    this to simulate other versions)."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _release(version: str) -> tuple[int, ...]:
    """The numeric release of a version string: '9.8.1' → (9, 8, 1), '1.7.0rc1' → (1, 7, 0)."""
    parts = []
    for piece in version.split("."):
        m = re.match(r"\d+", piece)
        if m is None:
            break
        parts.append(int(m[0]))
        if m.end() != len(piece):
            break
    return tuple(parts)


@dataclass(frozen=True)
class Gate:
    """Whether the plugin may use the internals, and if not, why (one sentence)."""

    allowed: bool
    reason: str = ""


def check() -> Gate:
    """Every distribution of `SUPPORTED` installed in its range, and the `mkdocs` module that
    runs being that distribution's."""
    for name, (low, high) in SUPPORTED.items():
        found = installed_version(name)
        if found is None:
            return Gate(False, f"{name} is not installed")
        if not _release(low) <= _release(found) < _release(high):
            return Gate(False, f"{name} {found} is outside the versions it was written for "
                               f"({low} up to, not including, {high})")
    import mkdocs

    if getattr(mkdocs, "__version__", None) != installed_version("mkdocs"):
        return Gate(False, "the running MkDocs is not the installed mkdocs distribution")
    return Gate(True)


_warned: set[str] = set()


def patches_allowed(where: str) -> bool:
    """The gate, asked where a patch is installed; `where` (the mkdocs.yml path) locates the
    one warning printed when it is closed."""
    gate = check()
    if not gate.allowed and gate.reason not in _warned:
        _warned.add(gate.reason)
        print(f"warning: {where}: postdocs plugin: {gate.reason}; stock behaviour is used "
              "(the same site; `mkdocs build --dirty` is a clean build)", file=sys.stderr)
    return gate.allowed


def reset() -> None:
    """Forget which warnings were printed (tests)."""
    _warned.clear()

