"""Replies between posts of a Desktop export, resolved once every post has its page."""

from __future__ import annotations

from ..errors import InputError
from ..model import Post


def resolve(posts: list[Post]) -> list[Post]:
    """Give each reply a link to the page of the post it answers (same channel)."""
    by_id: dict[tuple[str, int | None], Post] = {}
    for p in posts:
        if p.message_id is None:
            continue
        if (p.channel, p.message_id) in by_id:
            raise InputError(p.channel, f"message {p.message_id} is read twice (is the same "
                             "export listed twice, as JSON and HTML?); list one export per "
                             "channel in channels.yml")
        by_id[(p.channel, p.message_id)] = p
    out: list[Post] = []
    for post in posts:
        target = by_id.get((post.channel, post.reply_to)) if post.reply_to is not None else None
        if target is None or target is post:
            out.append(post)
            continue
        extra = (*post.extra, ("in_reply_to", f"{target.slug}.md"),
                 ("in_reply_to_title", target.title))
        out.append(post.evolve(extra=extra))
    return out
