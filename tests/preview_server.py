"""A stand-in for Telegram's public web preview on 127.0.0.1, for the fetch tests.

`page_html` writes a page the way the service does (the skeleton of `https://t.me/s/<handle>`:
head with `og:` meta and `link rel="prev"`, the channel info box, `section.tgme_channel_history`
with the "more" link carrying `data-before`, then one `tgme_widget_message_wrap` per message,
oldest first, each with bubble, text, footer with views and `<time datetime>`). `PreviewServer`
serves such pages with the service's paging (20 messages a page, `?before=<id>`), redirects an
unknown handle to `/<handle>` as the service does, and plays scripted failures (429 with
Retry-After, 500, a slow answer) before the real answer. It logs every request.
"""

from __future__ import annotations

import contextlib
import html
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PAGE_SIZE = 20


@dataclass
class Msg:
    """One message: `text` is the inner HTML of its text element (already markup)."""

    id: int
    text: str = ""
    datetime: str = "2024-06-01T10:00:00+00:00"
    views: str = "1.2K"
    before_text: str = ""  # forwarded-from, reply, media: HTML placed before the text
    after_text: str = ""  # link preview, reactions: HTML placed after the text
    service: bool = False
    edited: bool = False


def text_html(lines: list[str]) -> str:
    """Plain lines → the service's text markup (escaped, `<br/>` between lines)."""
    return "<br/>".join(html.escape(line, quote=False) for line in lines)


def emoji(char: str) -> str:
    code = "".join(f"{b:02X}" for b in char.encode("utf-8"))
    return (f'<i class="emoji" style="background-image:url(\'//telegram.org/img/emoji/40/'
            f'{code}.png\')"><b>{char}</b></i>')


def message_html(handle: str, name: str, m: Msg) -> str:
    post = f"{handle}/{m.id}"
    if m.service:
        return (
            '<div class="tgme_widget_message_wrap js-widget_message_wrap">'
            '<div class="tgme_widget_message text_not_supported_wrap service_message '
            f'js-widget_message" '
            f'data-post="{post}" data-view="eyJjIjotMTAwMH0">'
            '<div class="tgme_widget_message_bubble">'
            f'<div class="tgme_widget_message_text js-message_text" dir="auto">{m.text}</div>'
            '<div class="tgme_widget_message_footer js-message_footer">'
            '<div class="tgme_widget_message_info js-message_info">'
            '<span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" '
            f'href="https://t.me/{post}"><time datetime="{m.datetime}" class="time">10:00</time>'
            '</a></span></div></div></div></div></div>\n')
    text = (f'<div class="tgme_widget_message_text js-message_text" dir="auto">{m.text}</div>'
            if m.text else "")
    edited = "edited &nbsp;" if m.edited else ""  # as the service marks it: text before the date
    views = (f'<span class="tgme_widget_message_views">{m.views}</span>'
             '<span class="copyonly"> views</span>') if m.views else ""
    return (
        '<div class="tgme_widget_message_wrap js-widget_message_wrap">'
        '<div class="tgme_widget_message text_not_supported_wrap js-widget_message" '
        f'data-post="{post}" data-view="eyJjIjotMTAwMCwicCI6IjEwMDAifQ">'
        '<div class="tgme_widget_message_user"><a href="https://t.me/'
        f'{handle}"><i class="tgme_widget_message_user_photo bgcolor0" data-content="R"></i>'
        '</a></div>'
        '<div class="tgme_widget_message_bubble">'
        '<i class="tgme_widget_message_bubble_tail"><svg class="bubble_icon" width="9px" '
        'height="20px" viewBox="0 0 9 20"></svg></i>'
        '<div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_'
        f'owner_name" href="https://t.me/{handle}"><span dir="auto">{html.escape(name)}</span>'
        '</a></div>'
        f'{m.before_text}{text}{m.after_text}'
        '<div class="tgme_widget_message_footer compact js-message_footer">'
        '<div class="tgme_widget_message_info short js-message_info">'
        f'{views}<span class="tgme_widget_message_meta">{edited}'
        f'<a class="tgme_widget_message_date" href="https://t.me/{post}">'
        f'<time datetime="{m.datetime}" class="time">10:00</time></a></span>'
        '</div></div></div></div></div>\n')


def page_html(handle: str, name: str, messages: list[Msg], before: int | None,
              description: str = "Кайфули на каждый день") -> str:
    """A whole page; `before`: the `data-before` of the link to older messages (None: the page
    starts at the channel's first message)."""
    more = (f'<div class="tgme_widget_message_centered js-messages_more_wrap"><a href="/s/'
            f'{handle}?before={before}" class="tme_messages_more js-messages_more" '
            f'data-before="{before}"></a></div>\n') if before is not None else ""
    prev = f'<link rel="prev" href="/s/{handle}?before={before}">\n' if before else ""
    return (
        '<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset="utf-8">\n'
        f'    <title>{html.escape(name)} – Telegram</title>\n'
        '    <meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f'    <meta property="og:title" content="{html.escape(name)}">\n'
        '    <meta property="og:site_name" content="Telegram">\n'
        f'    <meta property="og:description" content="{html.escape(description)}">\n'
        f'    <link rel="canonical" href="https://t.me/s/{handle}">\n    {prev}'
        '  </head>\n  <body class="widget_frame_base tgme_webpreview_body emoji_image '
        'nofixed">\n'
        '    <header class="tgme_header search_collapsed"><div class="tgme_header_right_column">'
        '</div></header>\n'
        '    <div class="tgme_channel_info">\n'
        '      <div class="tgme_channel_info_header"><i class="tgme_page_photo_image bgcolor0" '
        'data-content="R"></i>'
        f'<div class="tgme_channel_info_header_title"><span dir="auto">{html.escape(name)}'
        '</span></div><div class="tgme_channel_info_header_username"><a href="https://t.me/'
        f'{handle}">@{handle}</a></div></div>\n'
        f'      <div class="tgme_channel_info_description">{html.escape(description)}</div>\n'
        '      <div class="tgme_channel_info_counters">'
        '<div class="tgme_channel_info_counter"><span class="counter_value">1.01K</span> '
        '<span class="counter_type">subscribers</span></div>'
        '<div class="tgme_channel_info_counter"><span class="counter_value">988</span> '
        '<span class="counter_type">photos</span></div></div>\n'
        '      <div class="tgme_channel_download_telegram"><a class="tgme_channel_download_'
        'telegram_btn" href="//telegram.org/dl">Download Telegram</a></div>\n'
        '    </div>\n    <main class="tgme_main">\n      <div class="tgme_container">\n'
        '        <section class="tgme_channel_history js-message_history">\n'
        f'{more}'
        + "".join(message_html(handle, name, m) for m in messages)
        + '        </section>\n      </div>\n    </main>\n  </body>\n</html>\n')


@dataclass
class Scripted:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    body: bytes = b""


@dataclass
class Channel:
    name: str
    messages: list[Msg]  # oldest first


class PreviewServer:
    """`with PreviewServer() as s:` serves `s.channels` at `s.base` on an ephemeral port."""

    def __init__(self) -> None:
        self.channels: dict[str, Channel] = {}
        self.script: dict[str, list[Scripted]] = {}  # "/s/h?before=3" → answers before the page
        self.files: dict[str, tuple[str, bytes]] = {}  # "/file/x.jpg" → (type, bytes)
        # "/file/x.jpg" → bytes sent of an endless image without Content-Length (written in
        # 64 KiB chunks, up to 64 MiB, until the client hangs up)
        self.endless: dict[str, int] = {}
        self.log: list[str] = []
        self.agents: list[str] = []
        self.fail_after: int | None = None  # refuse (500) every request once this many were served
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> PreviewServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def page(self, handle: str, before: int | None) -> str:
        ch = self.channels[handle]
        older = [m for m in ch.messages if before is None or m.id < before]
        shown = older[-PAGE_SIZE:]
        first = shown[0].id if shown else None
        has_older = bool(shown) and any(m.id < shown[0].id for m in ch.messages)
        return page_html(handle, ch.name, shown, first if has_older else None)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_Handler,), {"preview": self})


class _Handler(BaseHTTPRequestHandler):
    """Answers as the web preview would, from the `PreviewServer` it is made for."""

    preview: PreviewServer

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        self.preview.log.append(self.path)
        self.preview.agents.append(self.headers.get("User-Agent", ""))
        if self._scripted():
            return
        if self.preview.fail_after is not None and len(self.preview.log) > self.preview.fail_after:
            self._send(500, b"down", {})
            return
        url = urlsplit(self.path)
        if url.path in self.preview.endless:
            self._endless(url.path)
        elif url.path in self.preview.files:
            kind, data = self.preview.files[url.path]
            self._send(200, data, {"Content-Type": kind})
        else:
            self._preview(url.path, url.query)

    def _scripted(self) -> bool:
        """Answer from the script for this path, if it has one: True when answered."""
        script = self.preview.script.get(self.path)
        if not script:
            return False
        answer = script.pop(0)
        time.sleep(answer.delay)
        if not answer.status:
            return False
        with contextlib.suppress(OSError):  # the client gave up waiting
            self._send(answer.status, answer.body, answer.headers)
        return True

    def _endless(self, path: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.end_headers()
        chunk = b"\xff\xd8\xff\xe0" + b"0" * (65536 - 4)
        with contextlib.suppress(OSError):  # the client stopped reading
            for _ in range(1024):
                self.wfile.write(chunk)
                self.preview.endless[path] += len(chunk)

    def _preview(self, path: str, query: str) -> None:
        parts = path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "s":
            self._send(404, b"not found", {})
            return
        handle = parts[1]
        if handle not in self.preview.channels:  # as the service: no preview, go to /<handle>
            self._send(302, b"", {"Location": f"/{handle}"})
            return
        before = parse_qs(query).get("before", [None])[0]
        body = self.preview.page(handle, int(before) if before else None).encode()
        self._send(200, body, {"Content-Type": "text/html; charset=utf-8"})
