"""Editors' corrections (`content/overrides.yml`) applied after enrichment: the override wins
over the classifier and the readers, and survives regeneration because it lives in `content/`."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import LocatedWarning
from ..model import Evidence, Post
from ..topics.taxonomy import Override, Overrides


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
