"""One exception tree; the CLI turns it into one line and an exit code."""

from __future__ import annotations

from dataclasses import dataclass


class PostdocsError(Exception):
    """Base of every error postdocs reports to a user (never shown as a traceback)."""

    exit_code = 1


class ConfigError(PostdocsError):
    """A configuration file (channels, topics, overrides) is missing or wrong."""

    exit_code = 2

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class InputError(PostdocsError):
    """An input dump or export cannot be read."""

    exit_code = 3

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class OutputError(PostdocsError):
    """Pages cannot be written (collision, hand-edited page, file system)."""

    exit_code = 4


class UnaccountedLinesError(PostdocsError):
    """`check` found input lines that went into no page and no counted category."""

    exit_code = 5


class LostUrlsError(PostdocsError):
    """`check`: URLs of the previous build would stop answering."""

    exit_code = 6


@dataclass(frozen=True)
class LocatedWarning:
    """`path:line: message`. Parsers return these instead of guessing silently."""

    path: str
    line: int | None
    message: str
    # Warnings of one kind that `build` folds into one line per file (`{n}` is their number);
    # `check` prints each.
    fold: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"
