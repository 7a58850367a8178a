"""Post → Markdown page text (YAML front-matter + body). Deterministic."""

from __future__ import annotations

from typing import Any

import yaml

from .markup import inline, text_to_markdown
from .model import Post


def front_matter(data: dict[str, Any]) -> str:
    """YAML front-matter written by the YAML library (safe, round-trips any string)."""
    dumped = yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10_000
    )
    return f"---\n{dumped}---\n"


def post_metadata(post: Post) -> dict[str, Any]:
    meta: dict[str, Any] = {"title": post.title}
    if post.date is not None:
        meta["date"] = post.date.isoformat()
        meta["date_source"] = post.date_source
    meta["channel"] = post.channel
    meta["lang"] = post.lang
    meta["dir"] = post.dir
    meta["topics"] = list(post.topics)
    if post.primary_topic:
        meta["primary_topic"] = post.primary_topic
    if post.tags:
        meta["tags"] = list(post.tags)
    meta["papers"] = list(post.papers)
    if post.code:
        meta["code"] = list(post.code)
    if post.authors:
        meta["authors"] = list(post.authors)
    meta["source"] = post.source
    meta["title_source"] = post.title_source
    if post.permalink:
        meta["permalink"] = post.permalink
    if post.reactions:
        meta["reactions"] = [{"emoji": r.emoji, "count": r.count} for r in post.reactions]
    if post.reactions_raw:
        meta["reactions_raw"] = post.reactions_raw
    if post.continuations:
        meta["continuations"] = post.continuations
    if post.evidence:
        meta["topic_evidence"] = [
            {"topic": e.topic, "term": e.term, "where": e.where, "weight": e.weight}
            for e in post.evidence
        ]
    return meta


def body_markdown(post: Post) -> str:
    if post.markdown is not None:
        return post.markdown.rstrip("\n") + "\n"
    return text_to_markdown([line.text for line in post.lines])


def render_post(post: Post) -> str:
    parts = [front_matter(post_metadata(post)), "", f"# {inline(post.title)}", ""]
    if post.dir == "rtl":
        parts += [f'<div dir="rtl" lang="{post.lang}" markdown>', "", body_markdown(post), "</div>"]
    else:
        parts += [body_markdown(post)]
    if post.link_lost:
        note = "The original link was not preserved in the copy of this post."
        parts += ["", '!!! note "Link lost"', f"    {note}"]
    return "\n".join(parts).rstrip("\n") + "\n"
