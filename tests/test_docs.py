"""The README documents every command, option and channels.yml key a user can type."""

from __future__ import annotations

import argparse
import re

from postdocs.cli import _parser

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CHANNEL_KEYS = ("id", "name", "url", "lang", "dir", "format", "files", "description", "authors",
                "chat", "formerly")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = _parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_and_option_is_documented() -> None:
    missing = []
    for name, sub in sorted(_subcommands().items()):
        if f"postdocs {name}" not in README:
            missing.append(f"postdocs {name}")
        for action in sub._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help" and option not in README:
                    missing.append(f"postdocs {name} {option}")
    for action in _parser()._actions:
        for option in action.option_strings:
            if option.startswith("--") and option not in ("--help", "--version") \
                    and option not in README:
                missing.append(option)
    assert not missing, f"not in README: {missing}"


def test_every_channels_key_is_documented() -> None:
    missing = [k for k in CHANNEL_KEYS if not re.search(rf"`{k}`", README)]
    assert not missing, f"channels.yml keys not in README: {missing}"


def test_config_keys_listed_here_are_the_ones_config_reads() -> None:
    source = (ROOT / "src" / "postdocs" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'item(?:\.get\(|\[)"([a-z_]+)"', source))
    read |= set(re.findall(r'_require\(item, "([a-z_]+)"', source))
    assert read <= set(CHANNEL_KEYS), f"keys read by config.py but not checked: {read}"
