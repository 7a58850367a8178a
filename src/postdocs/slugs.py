"""Stable, safe, unique page paths for posts."""

from __future__ import annotations

import hashlib
import posixpath
from collections import defaultdict
from dataclasses import replace

from slugify import slugify

from .model import Post

MAX_SLUG = 80
_RESERVED = {"con", "prn", "aux", "nul", "index", "tags", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}


def base_slug(title: str) -> str:
    """A short ASCII slug of the title (transliterated), never empty, never reserved."""
    slug = slugify(title, max_length=MAX_SLUG, word_boundary=True, save_order=True) or "post"
    if slug in _RESERVED:
        slug = f"{slug}-post"
    return slug


def _suffix(post: Post) -> str:
    """A suffix that depends on the post alone, so adding another post never changes it."""
    if post.message_id is not None:
        return str(post.message_id)
    key = f"{post.source_file}:{post.line}:{post.title}".encode()
    return hashlib.sha256(key).hexdigest()[:6]


def assign(posts: list[Post]) -> tuple[list[Post], list[str]]:
    """Give every post a slug unique within its channel; report collisions.

    Colliding posts all get a suffix derived from the post itself (message id, else a hash of its
    source), so which post is added or removed never renames the others.
    """
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    bases = [base_slug(p.title) for p in posts]
    for i, p in enumerate(posts):
        groups[(p.channel, bases[i])].append(i)
    out = list(posts)
    notes: list[str] = []
    for (channel, base), idx in sorted(groups.items()):
        if len(idx) == 1:
            out[idx[0]] = replace(posts[idx[0]], slug=base)
            continue
        notes.append(
            f"{channel}/{base}: {len(idx)} posts share this slug ("
            + ", ".join(posts[i].source for i in idx) + "); suffixes added"
        )
        for i in idx:
            out[i] = replace(posts[i], slug=f"{base}-{_suffix(posts[i])}")
    return out, notes


def page_path(post: Post) -> str:
    """The post's page, relative to the docs folder."""
    return f"reviews/{post.channel}/{post.slug}.md"


def channel_path(channel: str) -> str:
    return f"channels/{channel}.md"


def topic_path(topic: str) -> str:
    return f"topics/{topic}.md"


def page_url(path: str) -> str:
    """The site URL (relative to `site_url`) of a docs page, with `use_directory_urls`."""
    if path == "index.md":
        return ""
    if path.endswith("/index.md"):
        return path[: -len("index.md")]
    return path.removesuffix(".md") + "/"


def relative(from_page: str, to_path: str) -> str:
    """A link from one docs page to another docs file, as MkDocs resolves Markdown links."""
    return posixpath.relpath(to_path, posixpath.dirname(from_page) or ".")
