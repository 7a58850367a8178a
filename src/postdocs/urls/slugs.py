"""Stable, safe, unique page paths for posts.

A path is `reviews/<channel>/<slug>.md`: the channel is a validated Telegram handle, the slug is
ASCII letters, digits and `-` (transliterated from the title), at most `MAX_SLUG` characters plus
short suffixes, never a name Windows reserves, so a path cannot leave the docs folder.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import defaultdict
from collections.abc import Set

from slugify import slugify

from ..errors import OutputError
from ..model import Post

MAX_SLUG = 80
# Empty only before `assign` ran (a post rendered straight from a reader, in tests).
SAFE_SLUG_RE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?)?$")
SAFE_CHANNEL_RE = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_RESERVED = {"con", "prn", "aux", "nul", "index", "tags", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}


@functools.lru_cache(maxsize=1 << 16)  # titles recur in every build of the watcher
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
    return _hash(post)


def path_title(post: Post) -> str:
    """The title a post's path is derived from: `post.path_title` when the reader kept the old
    one (a retitled OCR review keeps its published path), else the title."""
    return post.path_title or post.title


def _hash(post: Post) -> str:
    key = f"{post.source_file}:{post.line}:{path_title(post)}".encode()
    return hashlib.sha256(key).hexdigest()[:6]


def age_key(post: Post) -> tuple[bool, int, bool, int, str, int]:
    """Orders posts oldest first by what the post itself says: message id, date, dump position.

    Telegram message ids grow with time within a channel, so a post added later sorts later.
    """
    return (
        post.message_id is None, post.message_id or 0,
        post.date is None, post.date.toordinal() if post.date else 0,
        post.source_file, post.line,
    )


def assign(posts: list[Post], reserved: Set[tuple[str, str]] = frozenset()
           ) -> tuple[list[Post], list[str]]:
    """Give every post a slug unique within its channel; report collisions.

    Within a group of posts whose titles give the same slug, the oldest post (`age_key`) keeps
    the plain slug and every other post gets a suffix derived from itself (message id, else a
    hash of its source). So adding a newer post never renames an existing page, and the
    suffixed posts' URLs do not depend on which other posts exist.

    `reserved`: (channel, slug) pairs already given to other reviews (the permalink registry,
    `permalinks.py`): a post whose plain slug is reserved gets a suffix too.
    """
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    bases = [base_slug(path_title(p)) for p in posts]
    for i, p in enumerate(posts):
        groups[(p.channel, bases[i])].append(i)
    out = list(posts)
    notes: list[str] = []
    # every plain slug is reserved for its owner
    taken: set[tuple[str, str]] = set(groups) | set(reserved)
    for (channel, base), idx in sorted(groups.items()):
        idx.sort(key=lambda i: age_key(posts[i]))
        first = 0 if (channel, base) in reserved else 1
        if first:
            out[idx[0]] = posts[idx[0]].evolve(slug=base)
        if len(idx) == first:
            continue
        suffixed = []
        for i in idx[first:]:
            slug = f"{base}-{_suffix(posts[i])}"
            if (channel, slug) in taken:  # e.g. a post titled "<title> 42" exists already
                slug = f"{slug}-{_hash(posts[i])}"
            taken.add((channel, slug))
            out[i] = posts[i].evolve(slug=slug)
            suffixed.append(f"{posts[i].source} → {slug}")
        keeps = (f"{posts[idx[0]].source} keeps it (oldest)" if first
                 else "an earlier review keeps it")
        notes.append(f"{channel}/{base}: {len(idx) + 1 - first} posts share this slug; {keeps}, "
                     "suffixed: " + ", ".join(suffixed))
    seen: dict[tuple[str, str], Post] = {}
    for post in out:
        key = (post.channel, post.slug)
        if key in seen:
            raise OutputError(
                f"two posts map to reviews/{post.channel}/{post.slug}.md: {seen[key].source} and "
                f"{post.source} (same source and title: is a file listed twice?)"
            )
        seen[key] = post
    return out, notes


def page_path(post: Post) -> str:
    """The post's page, relative to the docs folder (checked: it stays inside)."""
    if not SAFE_CHANNEL_RE.match(post.channel) or not SAFE_SLUG_RE.match(post.slug):
        raise OutputError(f"{post.source}: unsafe page path {post.channel!r}/{post.slug!r}")
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
    # String work, not posixpath.relpath (which resolves both paths against the working folder):
    # docs paths are already normalised ("reviews/<channel>/<slug>.md"), and this runs for every
    # link of every page.
    src = from_page.split("/")[:-1]
    dst = to_path.split("/")
    common = 0
    while common < len(src) and common < len(dst) and src[common] == dst[common]:
        common += 1
    return "/".join([".."] * (len(src) - common) + dst[common:]) or "."
