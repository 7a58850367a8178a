"""Post → Markdown page text (YAML front-matter + header + body + cross-links). Deterministic."""

from __future__ import annotations

import functools
import html
import itertools
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pymdownx.slugs import slugify

from ..model import (
    Block,
    ChannelConfig,
    DumpMessage,
    PageLinks,
    PageRef,
    PlainText,
    Post,
    SourceLine,
)
from ..urls.slugs import channel_path, page_path, page_url, relative, topic_path
from .body import blocks_markdown
from .cards import card_path
from .excerpt import excerpt
from .markup import escape_text, guard_page, inline, safe_href, strip_controls, text_to_markdown
from .prerender import line_html

TAGS_PAGE = "tags.md"  # hand-written; Material's tags plugin lists every tag there
_tag_slugify = slugify(case="lower")  # the tags plugin's default `tags_slugify`
LANGUAGE_NAMES = {"ru": "Russian", "he": "Hebrew", "en": "English"}
DESCRIPTION_LIMIT = 180


@dataclass(frozen=True)
class SiteContext:
    """What a page needs to know about the rest of the site: names, addresses."""

    site_url: str = ""  # public address, ends with "/" (empty: unknown)
    channels: Mapping[str, ChannelConfig] = field(default_factory=dict)
    topic_names: Mapping[str, str] = field(default_factory=dict)
    topic_descriptions: Mapping[str, str] = field(default_factory=dict)
    topic_order: tuple[str, ...] = ()  # the taxonomy's order: the four named topics first
    site_name: str = "postdocs"
    cards: bool = False  # review pages name their link-preview card (front-matter `image`)
    # Review headers, cross-links and listings written as the HTML MkDocs would make of their
    # Markdown (prerender.py); False only where a test reads or compares the Markdown form.
    prerender: bool = True

    def channel_name(self, channel: str) -> str:
        ch = self.channels.get(channel)
        return ch.name if ch else channel

    def channel_url(self, channel: str) -> str:
        ch = self.channels.get(channel)
        return ch.url if ch else f"https://t.me/{channel}"

    def topic_name(self, topic: str) -> str:
        return self.topic_names.get(topic, topic)

    def topics_in_order(self, present: set[str]) -> list[str]:
        """The topics that have reviews: taxonomy order first, any others by name."""
        known = [t for t in self.topic_order if t in present]
        return known + sorted(present - set(known), key=lambda t: (self.topic_name(t), t))

    def absolute(self, path: str) -> str:
        """The public URL of a docs page (empty when no site_url is configured)."""
        return self.site_url + page_url(path) if self.site_url else ""


# Bidi embeddings, overrides and isolates: in a title they reorder the header and tab text.
_BIDI_CONTROLS_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
UNTITLED = "Untitled post"
# Characters YAML cannot carry as they are inside a quoted scalar: outside its printable set,
# line breaks it folds (NEL, LS, PS, CR, LF), tab, and the byte-order mark. Written as escapes.
_YAML_ESCAPE_RE = re.compile(
    "[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_YAML_DOUBLE_QUOTED_RE = re.compile(r'[\\"]|' + _YAML_ESCAPE_RE.pattern)
_YAML_PLAIN_RE = re.compile(r"[^\W\d_][^\n]*")  # starts with a letter: no indicator, no number
_YAML_PLAIN_BREAKERS = (": ", " #")
_YAML_RESOLVER: Any = yaml.resolver.Resolver()  # PyYAML is untyped
_YAML_STR = "tag:yaml.org,2002:str"
_YAML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _yaml_escape(ch: str) -> str:
    if ch in _YAML_ESCAPES:
        return _YAML_ESCAPES[ch]
    code = ord(ch)
    return f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}" if code <= 0xFFFF else (
        f"\\U{code:08X}")


# Names, terms and topic ids recur on every page. A pure function of its argument (no build
# state): a cached value is what a call computes.
@functools.lru_cache(maxsize=1 << 14)
def yaml_str(value: str) -> str:
    """A string as a YAML scalar that loads back as exactly that string.

    Plain when nothing in it could read as YAML syntax or another type (`yes`, `2024-01-01`,
    `~`), single-quoted when it only needs quoting, double-quoted with escapes when it holds a
    character YAML would fold or reject (line breaks, controls). Emoji and every other printable
    character are written as they are.
    """
    if _YAML_ESCAPE_RE.search(value):
        return '"' + _YAML_DOUBLE_QUOTED_RE.sub(lambda m: _yaml_escape(m.group(0)), value) + '"'
    if (_YAML_PLAIN_RE.fullmatch(value) and not value.endswith((" ", ":"))
            and not any(b in value for b in _YAML_PLAIN_BREAKERS)
            and _YAML_RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == _YAML_STR):
        return value
    return "'" + value.replace("'", "''") + "'"


def _yaml_scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):  # as PyYAML writes floats: always with a dot or as .inf/.nan
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value).lower()
        return text.replace("e", ".0e", 1) if "." not in text and "e" in text else text
    if isinstance(value, list | tuple):
        return "[]"  # only empty ones get here
    if isinstance(value, dict):
        return "{}"
    return yaml_str(str(value))


def _yaml_mapping(data: Mapping[Any, Any], indent: str, out: list[str]) -> None:
    for key, value in data.items():
        head = f"{indent}{yaml_str(str(key))}:"
        if isinstance(value, dict) and value:
            out.append(head)
            _yaml_mapping(value, indent + "  ", out)
        elif isinstance(value, list | tuple) and value:
            out.append(head)
            _yaml_sequence(value, indent, out)  # a sequence in a mapping is not indented
        else:
            out.append(f"{head} {_yaml_scalar(value)}")


def _yaml_sequence(items: list[Any] | tuple[Any, ...], indent: str, out: list[str]) -> None:
    for item in items:
        if isinstance(item, dict) and item:
            start = len(out)
            _yaml_mapping(item, indent + "  ", out)
            out[start] = f"{indent}- {out[start][len(indent) + 2:]}"
        elif isinstance(item, list | tuple) and item:
            out.append(f"{indent}-")
            _yaml_sequence(item, indent + "  ", out)
        else:
            out.append(f"{indent}- {_yaml_scalar(item)}")


def yaml_block(data: Mapping[str, Any]) -> str:
    """A mapping as block-style YAML (front-matter), keys in the given order.

    Written here rather than by the YAML library's dumper, which took most of the time of
    rendering a page; tests load the result back with the safe loader for arbitrary values.
    """
    out: list[str] = []
    _yaml_mapping(data, "", out)
    return "\n".join(out) + "\n"


def html_text(text: str, fallback: str = "") -> str:
    """Text as MkDocs and Material expect it in `page.title` and `page.meta.description`: HTML.

    Themes insert these front-matter values unescaped (header, tabs, `<title>`, `<meta>`
    attributes), and MkDocs' own titles taken from a heading are HTML too, so ours are escaped the
    same way; control and bidi override characters are dropped and white space collapsed so the
    value cannot break the page around it.
    """
    clean = " ".join(_BIDI_CONTROLS_RE.sub("", strip_controls(text)).split())
    # `'` stays: themes quote attributes with `"`, and "What's" should read as written.
    return html.escape(clean or fallback, quote=False).replace('"', "&quot;")


def html_title(text: str) -> str:
    return html_text(text, UNTITLED)


def front_matter(data: dict[str, Any]) -> str:
    """YAML front-matter (see `yaml_block`).

    `title`, `description` and `tags` are written as HTML text (see `html_text`; `html.unescape`
    gives the text back); when the title's is not simply the escaped title, the exact title is
    kept in `title_text`, so any title round-trips.
    Every other value is written as given; `yaml_str` quotes whatever YAML or a front-matter
    parser could misread.
    """
    data = dict(data)
    if "description" in data:
        data["description"] = html_text(str(data["description"]))
    if isinstance(data.get("tags"), list):
        data["tags"] = [html_text(str(t)) for t in data["tags"]]
    if "title" in data:
        raw = str(data["title"])
        data["title"] = html_title(raw)
        if html.unescape(data["title"]) != raw:
            data = {"title": data["title"], "title_text": raw} | data
    return f"---\n{yaml_block(data)}---\n"


def post_metadata(post: Post) -> dict[str, Any]:
    meta: dict[str, Any] = {"title": display_title(post)}
    description = excerpt(post, DESCRIPTION_LIMIT)
    if description:
        meta["description"] = description
    meta["kind"] = "review"
    if post.date is not None:
        meta["date"] = post.date.isoformat()
        meta["date_source"] = post.date_source
    if post.datetime:
        meta["datetime"] = post.datetime
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
    return meta | _provenance(post) | _responses(post)


def _provenance(post: Post) -> dict[str, Any]:
    """Where the review was read from, and what its input says about the message."""
    meta: dict[str, Any] = {}
    meta["source"] = post.source
    meta["title_source"] = post.title_source
    if post.path_title:
        meta["path_title"] = post.path_title  # the path still comes from this (slugs.path_title)
    if post.permalink:
        meta["permalink"] = post.permalink
    if post.message_id is not None:
        meta["message_id"] = post.message_id
    extra = dict(post.extra)
    for key in ("edited", "forwarded_from", "in_reply_to", "views", "deleted"):
        if key in extra:
            meta[key] = extra[key]
    return meta


def _responses(post: Post) -> dict[str, Any]:
    """Readers' reactions, the posts that continue it, and why it has its topics."""
    meta: dict[str, Any] = {}
    if post.reactions:
        meta["reactions"] = [
            {"emoji": r.emoji, "count": r.count, **({"kind": r.kind} if r.kind != "emoji" else {})}
            for r in post.reactions
        ]
    if post.reactions_raw:
        meta["reactions_raw"] = post.reactions_raw
    if post.continuations:
        meta["continuations"] = post.continuations
    if post.evidence:
        # one line each (`alignment: body: рлхф ×2 (+2)`), not a mapping of five keys: MkDocs
        # parses every page's front-matter with PyYAML's Python loader, and the mappings were
        # two thirds of a review's (at 10×, 0.55 s of parsing against 0.2 s without them)
        meta["topic_evidence"] = [f"{e.topic}: {e.explained()}" for e in post.evidence]
    return meta


def media_path(post: Post, target: str) -> str:
    """A media file of the post, relative to the docs folder (next to the post's page)."""
    return f"reviews/{post.channel}/{post.slug}/{target}"


def _media_markdown(post: Post) -> list[str]:
    """Photos shown (a lightbox opens them full size), other files linked, from the page."""
    blocks: list[str] = []
    for i, media in enumerate(post.media, start=1):
        rel = f"{post.slug}/{media.target}"
        if media.kind == "photo":
            # a link to the full image, which the site's lightbox opens (postdocs.js)
            blocks.append(f'[![Photo {i}]({rel})]({rel}){{ .glightbox data-type="image" }}')
        else:
            blocks.append(f"📎 [{escape_text(Path(media.source).name)}]({rel})")
    return blocks


def _reply_line(post: Post) -> list[str]:
    """A Desktop export's reply that has its own page links the post it answers."""
    extra = dict(post.extra)
    if "in_reply_to" not in extra:
        return []
    title = extra.get("in_reply_to_title", "the previous post")
    return [f"↩ In reply to [{escape_text(title)}]({extra['in_reply_to']})"]


def exact_time(iso: str) -> str:
    """`2024-03-01T12:00:00+03:00` → `2024-03-01 12:00 UTC+03:00` (no offset: local time)."""
    day, _, rest = iso.partition("T")
    time, zone = rest[:5], rest[8:]
    return escape_text(f"{day} {time}" + (f" UTC{zone}" if zone else " (local time)"))


def body_markdown(post: Post, links: PageLinks | None = None) -> str:
    """The review's text, part by part: runs of plain lines as plain text (`text_to_markdown`),
    runs of formatted blocks as `render/body.py` writes them (a reply line first, the media
    files after them); the plain text of formatted messages is what their blocks show. References
    to other reviews on the site (`links.references`) link."""
    here = page_path(post)
    refs: dict[str, str] = {}
    for ref in links.references if links else ():
        refs.setdefault(ref.text, relative(here, ref.target.path))
    chunks: list[str] = []
    formatted = False
    for plain, run in itertools.groupby(_shown(post), key=lambda p: isinstance(p, SourceLine)):
        parts = list(run)
        if plain:
            chunks.append(text_to_markdown([p.text for p in parts if isinstance(p, SourceLine)],
                                           refs))
        else:
            formatted = True
            chunks.append(_blocks_markdown(
                tuple(p for p in parts if not isinstance(p, SourceLine)), refs))
    if not formatted:
        return "".join(chunks) or text_to_markdown([], refs)
    shown = [*_reply_line(post), *(c.strip("\n") for c in chunks), *_media_markdown(post)]
    return "\n\n".join(b for b in shown if b) + "\n"


def _shown(post: Post) -> Iterator[SourceLine | Block]:
    """The body parts a page shows: not the plain text of formatted messages (their blocks
    show it), nor a web-preview message's copies (the clean stage made them plain lines)."""
    for part in post.body:
        if not isinstance(part, (PlainText, DumpMessage)):
            yield part


def _blocks_markdown(blocks: tuple[Block, ...], refs: Mapping[str, str]) -> str:
    """Formatted blocks → Markdown; an export's links to reviewed posts (`[label](<url>)`) get
    the site's review beside them."""
    body = blocks_markdown(blocks).strip("\n")
    for url, href in refs.items():
        body = body.replace(f"](<{url}>)", f"](<{url}>) ([review on this site]({href}))")
    return body


def paper_links(paper: str) -> str:
    """An arXiv id → abstract and PDF links; any other paper URL → one link."""
    if "/" in paper and paper.startswith(("http://", "https://")):
        return inline(paper)
    shown, ref = escape_text(paper), safe_href(paper).removeprefix("https://")
    return (f"[arXiv:{shown}](https://arxiv.org/abs/{ref}) "
            f"([PDF](https://arxiv.org/pdf/{ref}))")


def tag_anchor(tag: str) -> str:
    """The tag's anchor on the tags index, as Material's tags plugin writes it (`tag:<slug>`)."""
    return "tag:" + str(_tag_slugify(tag, "-"))


def display_title(post: Post) -> str:
    """The title to show; a review whose title was lost still gets a readable link text."""
    if post.title.strip():
        return post.title
    when = post.date.isoformat() if post.date else f"{post.source_file}, line {post.line}"
    return f"Untitled review ({post.channel}, {when})"


def language_name(lang: str) -> str:
    return LANGUAGE_NAMES.get(lang, lang or "unknown")


def channel_link(channel: str, here: str, ctx: SiteContext) -> str:
    """A Markdown link to the channel's page from the page at `here`."""
    return f"[{bdi(ctx.channel_name(channel))}]({relative(here, channel_path(channel))})"


def bdi(text: str) -> str:
    """Inline text isolated for the bidi algorithm: a Hebrew name in an English sentence (or the
    reverse) must not reorder the words around it."""
    return f"<bdi>{inline(text)}</bdi>"


def _header(post: Post, ctx: SiteContext) -> list[str]:
    here = page_path(post)
    date = post.date.isoformat() if post.date else "date unknown"
    if post.date_source == "first-seen":  # the input gives none: not a publication date
        date = f"not given; added to this site {date}"
    if post.datetime:
        date = exact_time(post.datetime)
        edited = dict(post.extra).get("edited")
        if edited:
            date += f" (edited {exact_time(edited)})"
    channel = channel_link(post.channel, here, ctx)
    language = language_name(post.lang)
    facts = [f"**Date:** {date}", f"**Channel:** {channel}", f"**Language:** {language}"]
    rows = [" · ".join(facts)]
    if post.topics:
        rows.append("**Topics:** " + ", ".join(
            f"[{inline(ctx.topic_name(t))}]({relative(here, topic_path(t))})" for t in post.topics
        ))
    if post.tags:
        # The built page's URL, not `tags.md#…`: MkDocs checks anchors before the tags plugin
        # writes them; the site's link check (tests/test_pages_site.py) checks these instead.
        tags_url = posixpath.relpath(page_url(TAGS_PAGE), page_url(here)) + "/"
        rows.append("**Tags:** " + ", ".join(
            f"[{inline(t, links=False)}]({tags_url}#{tag_anchor(t)})"
            for t in post.tags))
    if post.authors:
        rows.append("**Paper authors:** " + ", ".join(inline(a) for a in post.authors))
    if post.papers:
        rows.append("**Paper:** " + " · ".join(paper_links(p) for p in post.papers))
    if post.code:
        rows.append("**Code:** " + " · ".join(inline(c) for c in post.code))
    if post.permalink:
        rows.append(f"**Original post:** [on Telegram](<{safe_href(post.permalink)}>)")
    elif post.link_lost:
        rows.append("**Original post:** the copy this page was made from lost its link; "
                    f"see the [channel on Telegram](<{safe_href(ctx.channel_url(post.channel))}>).")
    else:
        rows.append("**Original post:** link not known; "
                    f"see the [channel on Telegram](<{safe_href(ctx.channel_url(post.channel))}>).")
    permalink = ctx.absolute(here)
    attr = f' data-permalink="{html.escape(permalink)}"' if permalink else ""
    # Date, channel and language always show; the rest folds into a <details> (open on wide
    # screens, postdocs-copy-link.js), so on a phone the review starts in the first screen.
    summary = html.escape(_details_summary(post))
    details = f'<details class="postdocs-review-details"><summary>{summary}</summary>'
    done = [line_html(here, row) for row in rows]
    if ctx.prerender and all(done):
        # Already HTML (see prerender.py): a raw block, no Markdown work for MkDocs. No blank
        # line after it, so the page's HTML is byte for byte that of the Markdown block.
        return [f'<div class="postdocs-review-header"{attr}>', f"<p>{done[0]}</p>",
                details.replace("><summary>", ">\n<summary>"),
                *(f"<p>{row}</p>" for row in done[1:]), "</details>", "</div>"]
    return [f'<div class="postdocs-review-header"{attr} markdown>', "", rows[0], "",
            details.replace("><summary>", " markdown>\n<summary>"), "", "\n\n".join(rows[1:]),
            "", "</details>", "", "</div>", ""]


def _details_summary(post: Post) -> str:
    """What the folded part of a review's header holds, as its summary says."""
    parts = ["topics" if post.topics else "", "tags" if post.tags else "",
             "paper" if post.papers or post.authors else "", "code" if post.code else "",
             "original post"]
    shown = [p for p in parts if p]
    return ("Details: " + ", ".join(shown[:-1]) + " and " + shown[-1]) if len(shown) > 1 \
        else "Details: original post"


def _ref(here: str, ref: PageRef) -> str:
    note = f" — {inline(ref.note)}" if ref.note else ""
    return f"[{inline(ref.title or ref.path)}]({relative(here, ref.path)}){note}"


def _footer(post: Post, links: PageLinks, ctx: SiteContext) -> list[str]:
    here = page_path(post)
    parts: list[str] = []
    for heading, refs in (("Also reviewed in", links.same_paper),
                          ("Related reviews", links.related),
                          ("Referenced by", links.referenced_by)):
        if refs:
            items = [f"{_ref(here, r)}" for r in refs]
            done = [line_html(here, item) for item in items] if ctx.prerender else []
            # Headings stay Markdown (the table of contents lists them); lists already HTML
            # (see prerender.py) are raw blocks inside the Markdown block.
            listed = (["<ul>", *(f"<li>{item}</li>" for item in done), "</ul>"]
                      if done and all(done) else [f"- {item}" for item in items])
            parts += [f"## {heading}", "", *listed, ""]
    steps = []
    if links.previous:
        steps.append(f"← Previous: {_ref(here, links.previous)}")
    if links.next:
        steps.append(f"Next: {_ref(here, links.next)} →")
    if steps:
        done = [line_html(here, step) for step in steps] if ctx.prerender else []
        shown = ("\n".join(f"<p>{step}</p>" for step in done) if done and all(done)
                 else "\n\n".join(steps))
        parts += ["## In this channel", "", shown, ""]
    if not parts:
        return []
    return ['<div class="postdocs-crosslinks" markdown>', "", *parts, "</div>"]


# Hebrew writes the words ו (and), ה (the), ב (in), ל (to), ש (that), כ (as) as prefixes of the
# next word: בדיפוזיה is "in diffusion". The search index has no Hebrew stemmer, so a Hebrew
# review also carries the words it has with such prefixes without them (one letter, or ו/ש and
# one more: וב, שה …; at least three letters left), in a hidden block only the search index
# reads. (מ "from" is left out: it begins too many words of its own, participles above all.)
_HEBREW_WORD_RE = re.compile("[\u05d0-\u05ea\u05f0-\u05f2]+(?:[\u05f3\u05f4\"'][\u05d0-\u05ea]+)*")
_HEBREW_PREFIXES = "והבלשכ"
_HEBREW_FIRST_OF_TWO = "וש"


def hebrew_search_forms(text: str) -> list[str]:
    """Words of `text` with a one-letter Hebrew prefix (or two), without it, in order of first
    appearance: what a query for the bare word should find."""
    seen: set[str] = set()
    forms: list[str] = []
    # each word once, in order of first appearance (a repeated word gives no new form)
    for word in dict.fromkeys(_HEBREW_WORD_RE.findall(text)):
        for cut in (1, 2):
            if (len(word) - cut < 3 or word[cut - 1] not in _HEBREW_PREFIXES
                    or (cut == 2 and word[0] not in _HEBREW_FIRST_OF_TWO)):
                break
            form = word[cut:]
            if form not in seen:
                seen.add(form)
                forms.append(form)
    return forms


def _search_data(post: Post, ctx: SiteContext) -> list[str]:
    """The review's facts for the search index (Pagefind filters and result metadata, from
    attributes: no text of their own), and its Hebrew words without prefixes. The facts with
    one value are one element (Pagefind reads several filters and metadata from one element's
    attributes: a fifth of the tags the page had with one element each, and every tag costs
    each build twice, in Python-Markdown's and MkDocs' reading of the page's HTML); a topic,
    which a review may have several of, one element each."""
    channel, language = ctx.channel_name(post.channel), language_name(post.lang)
    values = {"kind": "review",  # the search box ranks reviews above other pages
              "channel": channel, "language": language}
    filters, metadata = ["kind", "channel", "language"], ["channel", "language"]
    if post.date:
        values |= {"year": f"{post.date.year:04d}", "date": post.date.isoformat()}
        filters.append("year")
        metadata.append("date")
    names = [ctx.topic_name(t) for t in post.topics]
    if names:
        values["topics"] = ", ".join(names)
        metadata.append("topics")

    def read(keys: list[str]) -> str:
        return ", ".join(f"{key}[data-{key}]" for key in keys)

    attributes = "".join(f' data-{key}="{html.escape(value, quote=True)}"'
                         for key, value in values.items())
    spans = [f'<span data-pagefind-filter="{read(filters)}" '
             f'data-pagefind-meta="{read(metadata)}"{attributes}></span>']
    spans += [f'<span data-pagefind-filter="topic[data-value]" '
              f'data-value="{html.escape(name, quote=True)}"></span>' for name in names]
    out = ['<div class="postdocs-search-data" hidden>', *spans, "</div>"]
    if post.lang == "he":
        forms = hebrew_search_forms(body_markdown(post))
        if forms:
            out += [f'<div class="postdocs-search-data" hidden lang="he">{" ".join(forms)}</div>']
    return out


def render_post(post: Post, links: PageLinks | None = None,
                ctx: SiteContext | None = None) -> str:
    """The review page: front-matter, header (facts and links), the review, cross-links."""
    ctx = ctx or SiteContext()
    meta = post_metadata(post)
    if ctx.cards:
        meta["image"] = card_path(post)  # drawn by cards.py; og:image in the page's head
    parts = [front_matter(meta), "", f"# {inline(display_title(post))}", ""]
    parts += [*_search_data(post, ctx), ""]
    parts += _header(post, ctx)
    if post.dir == "rtl":
        lang = html.escape(post.lang, quote=True)
        parts += [f'<div dir="rtl" lang="{lang}" markdown>', "", body_markdown(post, links),
                  "</div>"]
    else:
        parts += [body_markdown(post, links)]
    footer = _footer(post, links or PageLinks(), ctx)
    if footer:
        parts += ["", *footer]
    return guard_page("\n".join(parts).rstrip("\n") + "\n")
