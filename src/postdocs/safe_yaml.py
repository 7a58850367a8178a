"""YAML from configuration files, loaded safely and bounded.

Safe loaders construct only plain data, but YAML aliases can still make a small file stand for
an enormous one (`authors: *h`, nested: a "billion laughs"): every alias is a copy once the
data is walked. `load` composes the document first and refuses it, with the line of the
repeated node, when aliases would expand it beyond `MAX_EXPANDED` characters (or ten times the
file's length) or when an alias refers to its own ancestor (a value containing itself). Dates
YAML would read into `datetime.date` (`date: 2024-02-30` is no date) are checked here too, with
their line.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import ConfigError

# What a document may stand for once its aliases are expanded, in characters of its scalars
# plus one per value: a million, or ten times the file's own length (a file without aliases
# never comes near it). A "billion laughs" file stands for billions.
MAX_EXPANDED = 1_000_000

# libyaml's loader when PyYAML has it (the pure-Python parser is several times slower).
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class BoundedLoader(_Base):  # type: ignore[misc]
    """The safe loader; use it through `load`, which bounds aliases."""


def _timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError) as exc:
        raise _BadValueError(f"{node.value!r} is not a date ({exc})", node) from None


class _BadValueError(Exception):
    def __init__(self, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.message = message
        self.line = node.start_mark.line + 1


BoundedLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _check_expansion(root: yaml.Node, path: str, limit: int) -> None:
    """Refuse a node graph whose aliases expand it beyond `limit`, or that contains itself."""
    sizes: dict[int, int] = {}
    seen: set[int] = set()
    active: set[int] = set()
    # iterative post-order walk: (node, children pushed?)
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        key = id(node)
        if expanded:
            active.discard(key)
            total = 1 + (len(node.value) if isinstance(node, yaml.ScalarNode) else 0)
            if isinstance(node, yaml.SequenceNode):
                total += sum(sizes[id(c)] for c in node.value)
            elif isinstance(node, yaml.MappingNode):
                total += sum(sizes[id(k)] + sizes[id(v)] for k, v in node.value)
            if total > limit:
                raise ConfigError(path, f"YAML aliases expand this file to more than "
                                  f"{limit:,} characters (anchors repeated in anchors?); "
                                  "write the values out", node.start_mark.line + 1)
            sizes[key] = total
            continue
        if key in active:
            raise ConfigError(path, "a YAML alias refers to a value that contains it",
                              node.start_mark.line + 1)
        if key in seen:
            continue  # an alias: its size is known (its children were walked once)
        seen.add(key)
        active.add(key)
        stack.append((node, True))
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        stack.extend((c, False) for c in reversed(children))


def load(text: str, path: str, loader: type[Any] = BoundedLoader) -> Any:
    """The document in `text` as plain data; any problem is a `ConfigError` naming `path` and
    the line. `loader`: `BoundedLoader` or a subclass of it."""
    try:
        ldr = loader(text)
        try:
            node = ldr.get_single_node()
            if node is None:
                return None
            _check_expansion(node, path, max(MAX_EXPANDED, 10 * len(text)))
            return ldr.construct_document(node)
        finally:
            ldr.dispose()
    except _BadValueError as exc:
        raise ConfigError(path, exc.message, exc.line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(path, f"not valid YAML: {getattr(exc, 'problem', exc)}", line) from None
    except RecursionError:
        raise ConfigError(path, "YAML nested too deeply for a configuration file") from None
