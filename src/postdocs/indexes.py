"""Index pages: channels, topics, the home page's generated part. Posts are listed here, never
in the global navigation (every page carries the navigation: listing posts there is quadratic)."""

from __future__ import annotations

from collections import defaultdict

from .markup import inline
from .model import ChannelConfig, ChannelMeta, Post
from .render import front_matter
from .slugs import page_path


def _link(post: Post, from_dir: str) -> str:
    target = page_path(post)
    rel = "../" * from_dir.count("/") + target if from_dir else target
    return f"[{inline(post.title)}]({rel})"


def _row(post: Post, from_dir: str) -> str:
    date = post.date.isoformat() if post.date else "date unknown"
    return f"- {_link(post, from_dir)} · {date} · {post.channel} · {post.lang}"


def channel_pages(
    channels: tuple[ChannelConfig, ...], metas: dict[str, ChannelMeta], posts: list[Post]
) -> dict[str, str]:
    by_channel: dict[str, list[Post]] = defaultdict(list)
    for p in posts:
        by_channel[p.channel].append(p)
    pages: dict[str, str] = {}
    lines = [front_matter({"title": "Channels"}), "# Channels", ""]
    for ch in channels:
        n = len(by_channel[ch.id])
        lines.append(f"- [{inline(ch.name)}]({ch.id}.md) — {n} reviews")
        meta = metas.get(ch.id, ChannelMeta())
        body = [front_matter({"title": ch.name, "channel": ch.id}), f"# {inline(ch.name)}", ""]
        description = ch.description or meta.description
        if description:
            body += [inline(description), ""]
        authors = ch.authors or meta.authors
        if authors:
            body += ["Authors: " + ", ".join(inline(a) for a in authors), ""]
        body += [f"On Telegram: <{ch.url}>", "", f"## Reviews ({n})", ""]
        body += [_row(p, "channels/") for p in by_channel[ch.id]]
        pages[f"channels/{ch.id}.md"] = "\n".join(body) + "\n"
    pages["channels/index.md"] = "\n".join(lines) + "\n"
    return pages


def home_snippet(channels: tuple[ChannelConfig, ...], posts: list[Post]) -> str:
    dated = sorted((p for p in posts if p.date), key=lambda p: (p.date, p.source), reverse=True)
    lines = [f"**{len(posts)} reviews** from **{len(channels)} channels**.", ""]
    if dated:
        lines += ["## Latest reviews", ""]
        lines += [_row(p, "") for p in dated[:10]]
    return "\n".join(lines) + "\n"
