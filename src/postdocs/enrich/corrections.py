"""Editors' corrections (`content/overrides.yml`): loaded and validated (every error and
warning names the file and the line), then applied after enrichment: the override wins over the
classifier and the readers, and survives regeneration because it lives in `content/`."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, LocatedWarning
from ..model import Evidence, Post
from ..state import BuildState, memoized
from ..topics.taxonomy import TOPICS_FILE, Taxonomy, line_of, load_yaml
from ..urls.slugs import base_slug

OVERRIDES_FILE = "overrides.yml"


@dataclass(frozen=True)
class Override:
    """A correction for one review, keyed by its source (`file:line`) or permalink."""

    key: str
    line: int
    topics: tuple[str, ...] | None = None  # replaces the classifier's topics
    add_topics: tuple[str, ...] = ()
    remove_topics: tuple[str, ...] = ()
    primary_topic: str | None = None
    title: str | None = None
    date: dt.date | None = None
    slug: str | None = None  # a new URL on purpose: the old one redirects (permalinks.py)


@dataclass(frozen=True)
class Overrides:
    entries: tuple[Override, ...] = ()
    path: str = ""
    warnings: tuple[LocatedWarning, ...] = field(default_factory=tuple)


_OVERRIDE_KEYS = ("topics", "add_topics", "remove_topics", "primary_topic", "title", "date",
                  "slug")
_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$")


def _topic_list(value: Any, known: set[str], path: str, line: int | None,
                key: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise ConfigError(path, f"'{key}' must be a topic id or a list of them", line)
    for v in items:
        if v not in known:
            raise ConfigError(path, f"'{key}': unknown topic '{v}' (see {TOPICS_FILE})", line)
    return tuple(dict.fromkeys(items))


def parse_overrides(text: str, path: str, taxonomy: Taxonomy) -> Overrides:
    """Validate the overrides file. Unknown keys are warnings; unknown topics are errors."""
    data = load_yaml(text, path)
    if data is None:
        return Overrides(path=path)
    if not isinstance(data, dict):
        raise ConfigError(path, "expected a mapping with an 'overrides' mapping")
    warnings: list[LocatedWarning] = []
    for key in data:
        if key != "overrides":
            warnings.append(LocatedWarning(path, line_of(data, key),
                                           f"unknown key '{key}' ignored"))
    spec = data.get("overrides") or {}
    if not isinstance(spec, dict):
        raise ConfigError(path, "'overrides' must map sources or permalinks to corrections",
                          line_of(data, "overrides"))
    known = {t.id for t in taxonomy.topics}
    entries: list[Override] = []
    for key, item in spec.items():
        line = line_of(spec, key) or 0
        if not isinstance(item, dict):
            raise ConfigError(path, f"override '{key}': expected a mapping", line)
        values: dict[str, Any] = {}
        for field_name, value in item.items():
            fline = line_of(item, field_name)
            if field_name not in _OVERRIDE_KEYS:
                warnings.append(LocatedWarning(
                    path, fline, f"override '{key}': unknown key '{field_name}' ignored "
                    f"(known: {', '.join(_OVERRIDE_KEYS)})"))
            else:
                where = _Where(path, str(key), fline)
                values[field_name] = _value(field_name, value, known, where)
        entries.append(Override(key=str(key), line=line, **values))
    return Overrides(entries=tuple(entries), path=path, warnings=tuple(warnings))


@dataclass(frozen=True)
class _Where:
    """Where a correction's value is written: the file, the correction's key, the line."""

    path: str
    key: str
    line: int | None

    def error(self, message: str) -> ConfigError:
        return ConfigError(self.path, f"override '{self.key}': {message}", self.line)


def _value(field_name: str, value: Any, known: set[str], where: _Where) -> Any:
    """One field of a correction, validated."""
    if field_name in ("topics", "add_topics", "remove_topics"):
        return _topic_list(value, known, where.path, where.line, field_name)
    if field_name == "primary_topic":
        return _topic_list(value, known, where.path, where.line, field_name)[0]
    if field_name == "slug":
        if not isinstance(value, str) or not _SLUG_RE.match(value):
            raise where.error("'slug' must be lower-case ASCII letters, digits and '-' (at "
                              "most 120)")
        if base_slug(value) != value:  # `index`, `con`, … : a name a page cannot have
            raise where.error(f"slug '{value}' is a reserved name")
        return value
    if field_name == "title":
        if not isinstance(value, str) or not value.strip():
            raise where.error("'title' must be text")
        return value.strip()
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = dt.date.fromisoformat(value)
    if not isinstance(value, dt.date):
        raise where.error("'date' must be YYYY-MM-DD")
    return value


def load_overrides(content: Path, taxonomy: Taxonomy,
                   state: BuildState | None = None) -> Overrides:
    """The corrections in `content/overrides.yml` (none when the file is absent). The watcher
    (`state`) parses unchanged text once."""
    path = content / OVERRIDES_FILE
    if not path.is_file():
        return Overrides(path=str(path))
    text = path.read_text(encoding="utf-8")
    return memoized(state.overrides if state else None, (str(path), text, taxonomy),
                    lambda: parse_overrides(text, str(path), taxonomy))




def _apply_one(post: Post, o: Override, path: str) -> Post:
    changes: dict[str, object] = {}
    where = f"override {path}:{o.line}"
    topics = list(post.topics)
    if o.topics is not None:
        topics = list(o.topics)
    topics += [t for t in o.add_topics if t not in topics]
    topics = [t for t in topics if t not in o.remove_topics]
    primary = post.primary_topic
    if o.primary_topic is not None:
        primary = o.primary_topic
        if primary not in topics:
            topics.insert(0, primary)
    if primary not in topics:
        primary = topics[0] if topics else None
    if tuple(topics) != post.topics or primary != post.primary_topic:
        kept = [e for e in post.evidence if e.topic in topics]
        added = [Evidence(t, "override", where, 0.0, 0) for t in topics
                 if t not in post.topics]
        changes.update(topics=tuple(topics), primary_topic=primary,
                       evidence=tuple(kept + added))
    if o.title is not None:
        # the path follows the override, as it always did (path_title is the reader's)
        changes.update(title=o.title, title_source="override", path_title="")
    if o.date is not None:
        changes.update(date=o.date, date_source="override", datetime=None)
    if o.slug is not None:  # the URL it is to have (permalinks.assign moves it, old one redirects)
        changes.update(slug=o.slug)
    return post.evolve(**changes) if changes else post


def apply(posts: list[Post], overrides: Overrides,
          urls: Sequence[Sequence[str]] = ()) -> tuple[list[Post], list[LocatedWarning]]:
    """Posts with their overrides applied, and a warning for every key that matches no post.

    `urls`: each post's URLs in the permalink registry (`permalinks.known_urls`: its URL and
    former ones), so a key can be a review's URL, which stays when its source line moves.
    """
    if not overrides.entries:
        return posts, list(overrides.warnings)
    index: dict[str, int] = {}
    for i, known in enumerate(urls):
        for url in known:
            index.setdefault(url, i)
    for i, p in enumerate(posts):
        index.setdefault(p.source, i)
        index.setdefault(f"{p.channel}/{p.source}", i)  # when channels' files share a name
        if p.permalink:
            index.setdefault(p.permalink, i)
    out = list(posts)
    warnings = list(overrides.warnings)
    for o in overrides.entries:
        found = index.get(o.key)
        if found is None and o.key.startswith(("reviews/", "/reviews/")):
            found = index.get(o.key.strip("/") + "/")
        if found is None:
            warnings.append(LocatedWarning(
                overrides.path, o.line,
                f"override '{o.key}' matches no review (expected '<file>:<line>', "
                "'<channel>/<file>:<line>', a permalink or a review's URL "
                "'reviews/<channel>/<slug>/')"))
            continue
        out[found] = _apply_one(out[found], o, overrides.path)
    return out, warnings
