"""Loading and validating the topic taxonomy (`content/topics.yml`) and the editors'
corrections (`content/overrides.yml`). Every error and warning names the file and the line."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import memo, safe_yaml
from ..errors import ConfigError, LocatedWarning
from ..urls.slugs import base_slug

TOPICS_FILE = "topics.yml"
OVERRIDES_FILE = "overrides.yml"
TOPIC_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
WHERE = ("any", "title", "body")


@dataclass(frozen=True)
class Term:
    """One matching rule: a word or phrase (`*` at the end makes its last word a stem)."""

    text: str
    weight: float
    where: str = "any"  # any | title | body
    line: int = 0


@dataclass(frozen=True)
class Topic:
    id: str
    name: str
    description: str
    terms: tuple[Term, ...]
    names: tuple[tuple[str, str], ...] = ()  # (("ru", "..."), ("he", "..."))
    featured: bool = False
    threshold: float | None = None  # overrides settings.threshold for a broad topic
    relative: float | None = None  # overrides settings.relative: a broad topic joins only a
    # review that is about it about as much as about its best topic


@dataclass(frozen=True)
class TagRule:
    name: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Settings:
    threshold: float = 4.0  # a topic is given when its score reaches this …
    relative: float = 0.25  # … and at least this share of the review's best topic score
    title_factor: float = 3.0  # a match in the title weighs this many times more
    body_cap: int = 3  # a term counts at most this many times in the body
    tag_min_mentions: int = 2  # a tag needs a title match or this many body matches …
    tag_min_posts: int = 2  # … and must recur on this many reviews


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[Topic, ...] = ()
    tags: tuple[TagRule, ...] = ()
    settings: Settings = Settings()
    path: str = ""

    def ordered(self) -> tuple[Topic, ...]:
        """Featured topics first (in file order), then the others (in file order)."""
        return tuple(sorted(self.topics, key=lambda t: not t.featured))

    def get(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)


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


class _LineMap(dict[Any, Any]):
    """A mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict[Any, int]


class _LineLoader(safe_yaml.BoundedLoader):
    """The safe loader (libyaml's when PyYAML has it: the pure-Python parser took a tenth of a
    seed build) that records 1-based lines on mappings (still safe: no tags added)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineMap:
    loader.flatten_mapping(node)
    out = _LineMap()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


# A watcher parses topics.yml and overrides.yml again on every rebuild; unchanged text is parsed
# once (callers never modify what they get).
_PARSED: memo.Memo[Any] = memo.Memo()


def load_yaml(text: str, path: str) -> Any:
    """Parse YAML safely; a syntax error becomes a ConfigError naming file and line."""
    return _PARSED.get((path, text), lambda: _parse_yaml(text, path))


def _parse_yaml(text: str, path: str) -> Any:
    return safe_yaml.load(text, path, _LineLoader)


def _line(node: Any, key: Any = None) -> int | None:
    if isinstance(node, _LineMap):
        if key is not None and key in node.key_lines:
            return node.key_lines[key]
        return node.line
    return None


def _number(value: Any, path: str, line: int | None, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(path, f"{what} must be a number, not {value!r}", line)
    return float(value)


def _terms(spec: Any, where: str, path: str, node: Any, key: str) -> list[Term]:
    line = _line(node, key)
    if spec is None:
        return []
    if not isinstance(spec, dict):
        raise ConfigError(path, f"'{key}' must map terms to weights", line)
    out: list[Term] = []
    for text, weight in spec.items():
        tline = _line(spec, text) or line
        if not isinstance(text, str) or not re.search(r"\w", text):
            raise ConfigError(path, f"term {text!r} must contain a letter or digit", tline)
        if "*" in text[:-1]:
            raise ConfigError(path, f"term '{text}': '*' may only end a term", tline)
        stem = text.rstrip("*").split()[-1] if text.endswith("*") else ""
        if text.endswith("*") and len(stem) < 3:
            raise ConfigError(path, f"term '{text}': a stem needs at least 3 letters", tline)
        out.append(Term(text=text, weight=_number(weight, path, tline, f"weight of '{text}'"),
                        where=where, line=tline or 0))
    return out


def _settings(data: Any, path: str) -> Settings:
    if data is None:
        return Settings()
    if not isinstance(data, dict):
        raise ConfigError(path, "'settings' must be a mapping", _line(data))
    known = Settings.__dataclass_fields__
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = _line(data, key)
        if key not in known:
            raise ConfigError(path, f"settings: unknown key '{key}' (known: {', '.join(known)})",
                              line)
        number = _number(value, path, line, f"settings.{key}")
        values[key] = int(number) if key in ("body_cap", "tag_min_mentions",
                                             "tag_min_posts") else number
    return Settings(**values)


_TOPIC_KEYS = ("id", "name", "ru", "he", "description", "featured", "threshold", "relative",
               "terms",
               "title_terms", "body_terms")


def parse_taxonomy(text: str, path: str) -> Taxonomy:
    """Validate the taxonomy file's text; every error names the file and the line."""
    data = load_yaml(text, path)
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        raise ConfigError(path, "expected a mapping with a 'topics' list", _line(data))
    settings = _settings(data.get("settings"), path)
    topics: list[Topic] = []
    seen: set[str] = set()
    for i, item in enumerate(data["topics"], start=1):
        if not isinstance(item, dict):
            raise ConfigError(path, f"topic #{i}: expected a mapping", _line(data, "topics"))
        line = _line(item)
        for key in item:
            if key not in _TOPIC_KEYS:
                raise ConfigError(path, f"topic #{i}: unknown key '{key}' "
                                  f"(known: {', '.join(_TOPIC_KEYS)})", _line(item, key))
        tid = item.get("id")
        if not isinstance(tid, str) or not TOPIC_ID_RE.match(tid):
            raise ConfigError(path, f"topic #{i}: 'id' must be a slug (a-z, 0-9, -)", line)
        if tid in seen:
            raise ConfigError(path, f"topic '{tid}' is defined twice", line)
        seen.add(tid)
        if not isinstance(item.get("name"), str) or not item["name"].strip():
            raise ConfigError(path, f"topic '{tid}': missing 'name'", line)
        terms = (_terms(item.get("terms"), "any", path, item, "terms")
                 + _terms(item.get("title_terms"), "title", path, item, "title_terms")
                 + _terms(item.get("body_terms"), "body", path, item, "body_terms"))
        if not terms:
            raise ConfigError(path, f"topic '{tid}': no terms to match", line)
        names = tuple((lang, str(item[lang])) for lang in ("ru", "he") if item.get(lang))
        threshold = item.get("threshold")
        if threshold is not None:
            threshold = _number(threshold, path, _line(item, "threshold"), "threshold")
        relative = item.get("relative")
        if relative is not None:
            relative = _number(relative, path, _line(item, "relative"), "relative")
        topics.append(Topic(id=tid, name=item["name"].strip(),
                            description=str(item.get("description") or "").strip(),
                            terms=tuple(terms), names=names,
                            featured=bool(item.get("featured", False)),
                            threshold=threshold, relative=relative))
    tags: list[TagRule] = []
    tag_spec = data.get("tags") or {}
    if not isinstance(tag_spec, dict):
        raise ConfigError(path, "'tags' must map tag names to lists of terms", _line(data, "tags"))
    for name, terms_ in tag_spec.items():
        tline = _line(tag_spec, name)
        if not isinstance(terms_, list) or not all(isinstance(t, str) for t in terms_):
            raise ConfigError(path, f"tag '{name}': expected a list of terms", tline)
        tags.append(TagRule(name=str(name), terms=tuple(terms_)))
    return Taxonomy(topics=tuple(topics), tags=tuple(tags), settings=settings, path=path)


def load_taxonomy(content: Path) -> Taxonomy:
    """The taxonomy in `content/topics.yml`, or an empty one when the file is absent."""
    path = content / TOPICS_FILE
    if not path.is_file():
        return Taxonomy(path=str(path))
    return parse_taxonomy(path.read_text(encoding="utf-8"), str(path))


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
            warnings.append(LocatedWarning(path, _line(data, key), f"unknown key '{key}' ignored"))
    spec = data.get("overrides") or {}
    if not isinstance(spec, dict):
        raise ConfigError(path, "'overrides' must map sources or permalinks to corrections",
                          _line(data, "overrides"))
    known = {t.id for t in taxonomy.topics}
    entries: list[Override] = []
    for key, item in spec.items():
        line = _line(spec, key) or 0
        if not isinstance(item, dict):
            raise ConfigError(path, f"override '{key}': expected a mapping", line)
        values: dict[str, Any] = {}
        for field_name, value in item.items():
            fline = _line(item, field_name)
            if field_name not in _OVERRIDE_KEYS:
                warnings.append(LocatedWarning(
                    path, fline, f"override '{key}': unknown key '{field_name}' ignored "
                    f"(known: {', '.join(_OVERRIDE_KEYS)})"))
            elif field_name in ("topics", "add_topics", "remove_topics"):
                values[field_name] = _topic_list(value, known, path, fline, field_name)
            elif field_name == "primary_topic":
                values[field_name] = _topic_list(value, known, path, fline, field_name)[0]
            elif field_name == "slug":
                if not isinstance(value, str) or not _SLUG_RE.match(value):
                    raise ConfigError(path, f"override '{key}': 'slug' must be lower-case ASCII "
                                      "letters, digits and '-' (at most 120)", fline)
                if base_slug(value) != value:  # `index`, `con`, … : a name a page cannot have
                    raise ConfigError(path, f"override '{key}': slug '{value}' is a reserved "
                                      "name", fline)
                values[field_name] = value
            elif field_name == "title":
                if not isinstance(value, str) or not value.strip():
                    raise ConfigError(path, f"override '{key}': 'title' must be text", fline)
                values[field_name] = value.strip()
            else:
                if isinstance(value, str):
                    with contextlib.suppress(ValueError):
                        value = dt.date.fromisoformat(value)
                if not isinstance(value, dt.date):
                    raise ConfigError(path, f"override '{key}': 'date' must be YYYY-MM-DD", fline)
                values[field_name] = value
        entries.append(Override(key=str(key), line=line, **values))
    return Overrides(entries=tuple(entries), path=path, warnings=tuple(warnings))


def load_overrides(content: Path, taxonomy: Taxonomy) -> Overrides:
    path = content / OVERRIDES_FILE
    if not path.is_file():
        return Overrides(path=str(path))
    return parse_overrides(path.read_text(encoding="utf-8"), str(path), taxonomy)
