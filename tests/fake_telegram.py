"""A fake Telegram Bot API server on 127.0.0.1 for tests driven by the real python-telegram-bot.

It speaks the real wire format (form, JSON or multipart POSTs to ``/bot<token>/<method>``) and refuses what
Telegram refuses with Telegram's JSON error shape, so the library raises its real exceptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import json
import logging
import math
import re
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, NoReturn
from urllib.parse import parse_qsl, urlsplit

import aiohttp

logger = logging.getLogger(__name__)

JSON = dict[str, Any]
MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
DEFAULT_GROUP_USER_ID = 777
BOT_USER_ID = 123456
SENDING_METHODS = frozenset({"sendmessage", "editmessagetext", "sendphoto", "senddocument"})
MAX_CAPTION_LENGTH = 1024
WEBHOOK_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class SentMessage:
    """One thing the bot sent; ``at`` is ``time.monotonic()`` when the fake accepted it."""

    chat_id: int
    text: str
    parse_mode: str | None
    reply_markup: JSON | None
    disable_preview: bool
    message_id: int
    method: str
    at: float
    reply_to: int | None = None  # the message it answers (``reply_parameters.message_id``)


@dataclass(frozen=True)
class SentFile:
    """A photo or document the bot uploaded: where, how, and the bytes."""

    chat_id: int
    method: str
    filename: str
    data: bytes
    caption: str


@dataclass(frozen=True)
class FileUpload:
    """A file part of a multipart request."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class WebhookRegistration:
    """What the bot's last setWebhook asked for (Telegram POSTs updates there with the secret header)."""

    url: str
    secret_token: str | None
    allowed_updates: list[str] | None
    drop_pending_updates: bool


@dataclass
class FakeStats:
    """Counters: every request, accepted sends, 429s answered, other error answers."""

    requests: int = 0
    sent_ok: int = 0
    too_many_requests: int = 0
    errors: int = 0


class ApiError(Exception):
    """An error answer in Telegram's shape; raised by method handlers."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        """The JSON body Telegram would answer with."""
        out: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            out["parameters"] = self.parameters
        return out


@dataclass
class _Failure:
    method: str
    code: int
    description: str
    retry_after: int | None
    chat_id: int | None
    times: int


# --------------------------------------------------------------------------------------------- HTML


_ALLOWED_ATTRS: dict[str, frozenset[str]] = {
    **{tag: frozenset() for tag in ("b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "pre")},
    **{tag: frozenset() for tag in ("tg-spoiler",)},
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "span": frozenset({"class"}),
    "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]*);")
_START_TAG_RE = re.compile(
    r"<([^\s<>/]+)((?:\s+[^\s=<>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'<>]+))?)*)\s*>"
)
_ATTR_RE = re.compile(r"([^\s=<>]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'<>]+))?")
_END_TAG_RE = re.compile(r"</([^\s<>]*)\s*>")


class HtmlValidator:
    """Telegram's HTML parse mode: allowed tags/attributes, balanced nesting, limited entities."""

    def plain_text(self, text: str) -> str:
        """The visible text of ``text``; raises ``ApiError`` 400 where Telegram can't parse entities."""
        out: list[str] = []
        stack: list[str] = []
        i = 0
        while i < len(text):
            if text[i] == "<":
                i = self._tag(text, i, stack)
            elif text[i] == "&":
                char, i = self._entity(text, i)
                out.append(char)
            else:
                out.append(text[i])
                i += 1
        if stack:
            _refuse(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
        return "".join(out)

    def _tag(self, text: str, i: int, stack: list[str]) -> int:
        offset = len(text[:i].encode())
        if text.startswith("</", i):
            end = _END_TAG_RE.match(text, i)
            if end is None:
                _refuse(f"Unclosed end tag at byte offset {offset}")
            name = end.group(1).lower()
            if not stack:
                _refuse(f'Unexpected end tag "{name}" at byte offset {offset}')
            if name != stack[-1]:
                _refuse(
                    f'Unmatched end tag at byte offset {offset}, expected "</{stack[-1]}>", found "</{name}>"'
                )
            stack.pop()
            return end.end()
        start = _START_TAG_RE.match(text, i)
        if start is None:
            name = re.match(r"<([^\s<>]*)", text[i:])
            found = name.group(1) if name else ""
            if ">" in text[i:] and found not in _ALLOWED_ATTRS:
                _refuse(f'Unsupported start tag "{found}" at byte offset {offset}')
            _refuse(f"Unclosed start tag at byte offset {offset}")
        name = start.group(1).lower()
        if name not in _ALLOWED_ATTRS:
            _refuse(f'Unsupported start tag "{name}" at byte offset {offset}')
        self._check_attributes(name, start.group(2), offset)
        stack.append(name)
        return start.end()

    @staticmethod
    def _check_attributes(tag: str, raw: str, offset: int) -> None:
        attrs = {m.group(1).lower(): (m.group(2) or "").strip("\"'") for m in _ATTR_RE.finditer(raw)}
        for attr in attrs:
            if attr not in _ALLOWED_ATTRS[tag]:
                _refuse(f'Unsupported attribute "{attr}" in tag "{tag}" at byte offset {offset}')
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            _refuse(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')

    @staticmethod
    def _entity(text: str, i: int) -> tuple[str, int]:
        match = _ENTITY_RE.match(text, i)
        if match is None:
            return "&", i + 1  # a lone ampersand is kept as text, like Telegram does
        name = match.group(1)
        if name.startswith("#"):
            code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            if not 0 < code <= 0x10FFFF:
                _refuse(f"Invalid character entity at byte offset {len(text[:i].encode())}")
            return chr(code), match.end()
        if name not in _NAMED_ENTITIES:
            _refuse(f'Unsupported HTML entity "&{name};" at byte offset {len(text[:i].encode())}')
        return _NAMED_ENTITIES[name], match.end()


def _refuse(reason: str) -> NoReturn:
    raise ApiError(400, f"Bad Request: can't parse entities: {reason}")


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram measures message text in."""
    return len(text.encode("utf-16-le")) // 2


# ------------------------------------------------------------------------------------- rate limits


class RateLimiter:
    """Telegram's flood limits: 30/s per bot, ~1/s per private chat (burst 3), 20/min per group."""

    def __init__(
        self,
        *,
        per_second: int = 30,
        private_burst: int = 3,
        private_rate: float = 1.0,
        group_per_minute: int = 20,
    ) -> None:
        self._per_second = per_second
        self._burst = private_burst
        self._rate = private_rate
        self._group_max = group_per_minute
        self._recent: deque[float] = deque()
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, last refill)
        self._groups: dict[int, deque[float]] = {}

    def acquire(self, chat_id: int, now: float) -> int | None:
        """Record a message at ``now`` and return None, or return the retry_after seconds (not recorded)."""
        wait = max(self._global_wait(now), self._chat_wait(chat_id, now))
        if wait > 0:
            return max(1, math.ceil(wait))
        self._recent.append(now)
        if chat_id < 0:
            self._groups.setdefault(chat_id, deque()).append(now)
        else:
            tokens, _ = self._buckets[chat_id]
            self._buckets[chat_id] = (tokens - 1, now)
        return None

    def _global_wait(self, now: float) -> float:
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        return self._recent[0] + 1.0 - now if len(self._recent) >= self._per_second else 0.0

    def _chat_wait(self, chat_id: int, now: float) -> float:
        if chat_id < 0:
            sent = self._groups.setdefault(chat_id, deque())
            while sent and sent[0] <= now - 60.0:
                sent.popleft()
            return sent[0] + 60.0 - now if len(sent) >= self._group_max else 0.0
        tokens, last = self._buckets.get(chat_id, (float(self._burst), now))
        tokens = min(float(self._burst), tokens + (now - last) * self._rate)
        self._buckets[chat_id] = (tokens, now)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self._rate


# ----------------------------------------------------------------------------------------- updates


class UpdateBuilder:
    """Builds Update JSON the way Telegram sends it (ids, chats, users, bot_command entities)."""

    def __init__(self) -> None:
        self._next_update_id = 1
        self._next_callback_id = 1

    def next_update_id(self) -> int:
        """A fresh, increasing update_id."""
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    @staticmethod
    def chat(chat_id: int, chat_type: str, username: str, title: str | None) -> JSON:
        """Chat JSON: a private chat looks like its user, a group has a title."""
        if chat_type == "private":
            return {"id": chat_id, "type": "private", "first_name": username.title(), "username": username}
        return {"id": chat_id, "type": chat_type, "title": title or f"Group {chat_id}"}

    @staticmethod
    def user(user_id: int, username: str, language_code: str | None = None) -> JSON:
        """User JSON for a human; ``language_code`` is the IETF tag of the user's app language, if sent."""
        user: JSON = {"id": user_id, "is_bot": False, "first_name": username.title(), "username": username}
        if language_code is not None:
            user["language_code"] = language_code
        return user

    def message(self, chat: JSON, sender: JSON, message_id: int, text: str) -> JSON:
        """A Message JSON; a leading /command gets a bot_command entity."""
        message: JSON = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": sender,
            "text": text,
        }
        command = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
        if command:
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_length(command[0])}]
        return message

    def callback_query(self, message: JSON, sender: JSON, data: str) -> JSON:
        """A CallbackQuery JSON for a button pressed under ``message``."""
        query_id = str(self._next_callback_id)
        self._next_callback_id += 1
        chat_instance = str(abs(message["chat"]["id"]))
        return {
            "id": query_id,
            "from": sender,
            "message": message,
            "chat_instance": chat_instance,
            "data": data,
        }

    def inline_callback_query(self, inline_message_id: str, sender: JSON, data: str) -> JSON:
        """A CallbackQuery JSON for a button under an inline message (Telegram sends no message then)."""
        query_id = str(self._next_callback_id)
        self._next_callback_id += 1
        return {
            "id": query_id,
            "from": sender,
            "inline_message_id": inline_message_id,
            "chat_instance": inline_message_id,
            "data": data,
        }


# ------------------------------------------------------------------------------------------ server


class FakeTelegram:
    """The fake Bot API: real HTTP on 127.0.0.1 (random port) served from a background thread."""

    token: str = "123456:TEST"

    def __init__(self, *, enforce_limits: bool = False, bot_username: str = "wirewatch_test_bot") -> None:
        self.enforce_limits = enforce_limits
        self.accepted_tokens: set[str] | None = None  # None: any token works; else others get 401
        self.bot_username = bot_username
        self.stats = FakeStats()
        self.base_url = ""
        self.base_file_url = ""
        self._cond = threading.Condition()
        self._sent: list[SentMessage] = []
        self.files: list[SentFile] = []  # photos and documents, in order
        self.downloads: list[str] = []  # file paths downloaded from /file/bot<token>/...
        self._stored_files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, bytes)
        self._file_paths: dict[str, bytes] = {}
        self._calls: list[tuple[str, JSON]] = []
        self._updates: list[JSON] = []
        self._chats: dict[int, JSON] = {}
        self._users: dict[int, JSON] = {}
        self._messages: dict[tuple[int, int], JSON] = {}
        self._last_message_id: dict[int, int] = {}
        self._callbacks: dict[str, tuple[int, int]] = {}
        self._admins: dict[int, set[int]] = {}
        self._blocked: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._failures: list[_Failure] = []
        self._down = False
        self._stopping = False
        self.webhook: WebhookRegistration | None = None  # set by setWebhook, cleared by deleteWebhook
        self.webhook_error: str | None = None  # getWebhookInfo's last_error_message, when a test sets it
        self._limiter = RateLimiter()
        self._builder = UpdateBuilder()
        self._html = HtmlValidator()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._methods = _method_table(self)

    # -- lifecycle

    def start(self) -> None:
        """Bind a random port on 127.0.0.1 and serve in a daemon thread."""
        self._stopping = False
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        self.base_file_url = f"http://127.0.0.1:{port}/file/bot"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        logger.debug("fake_telegram.started port=%s", port)

    def stop(self) -> None:
        """Wake long polls, stop serving, close open connections."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeTelegram:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- what the bot did

    @property
    def sent(self) -> list[SentMessage]:
        """A copy of everything the bot sent, in order."""
        with self._cond:
            return list(self._sent)

    @property
    def calls(self) -> list[tuple[str, JSON]]:
        """A copy of every API call (method, params), in order."""
        with self._cond:
            return list(self._calls)

    def messages_to(self, chat_id: int, *, method: str | None = None) -> list[SentMessage]:
        """What the bot sent to ``chat_id`` (all methods, or only ``method``)."""
        return [m for m in self.sent if m.chat_id == chat_id and method in (None, m.method)]

    async def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 10.0, *, method: str | None = None
    ) -> list[SentMessage]:
        """Poll until ``chat_id`` got ``count`` messages; AssertionError with the transcript otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages_to(chat_id, method=method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"chat {chat_id}: expected {count} messages within {timeout}s, got {len(found)}\n"
                    + self.transcript()
                )
            await asyncio.sleep(0.02)

    def transcript(self) -> str:
        """A readable log of sent messages and the last API calls, for assertion messages."""
        lines = ["sent:"] + [f"  {m.method} chat={m.chat_id} id={m.message_id} {m.text!r}" for m in self.sent]
        lines += ["last calls:"] + [f"  {name} {params}" for name, params in self.calls[-20:]]
        return "\n".join(lines)

    # -- what the world does

    def user_says(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        username: str = "alice",
        title: str | None = None,
        reply_to: int | None = None,
        language_code: str | None = None,
    ) -> int:
        """Queue a Message update from a user (``reply_to``: the id of a message in the chat it answers;
        ``language_code``: the user's app language, as Telegram sends it in ``from``); returns its
        update_id."""
        with self._cond:
            uid = user_id if user_id is not None else self._default_user(chat_id, chat_type)
            chat = self._register_chat(chat_id, chat_type, username, title)
            sender = self._users[uid] = self._builder.user(uid, username, language_code)
            message = self._builder.message(chat, sender, self._new_message_id(chat_id), text)
            if reply_to is not None:
                message["reply_to_message"] = self._messages[(chat_id, reply_to)]
            self._messages[(chat_id, message["message_id"])] = message
            return self._push({"message": message})

    def user_sends_document(
        self,
        chat_id: int,
        data: bytes,
        filename: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
    ) -> int:
        """A user posts a file (no update is queued: bots see files only when a command replies to them);
        returns the message id to reply to."""
        with self._cond:
            uid = user_id if user_id is not None else self._default_user(chat_id, chat_type)
            chat = self._register_chat(chat_id, chat_type, "alice", None)
            sender = self._users[uid] = self._builder.user(uid, "alice")
            message_id = self._new_message_id(chat_id)
            self._messages[(chat_id, message_id)] = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat,
                "from": sender,
                "document": self._keep_file(filename, data),
            }
            return message_id

    def file_bytes(self, file_path: str) -> bytes | None:
        """The bytes served at ``/file/bot<token>/<file_path>`` (a file the bot or a user sent)."""
        with self._cond:
            return self._file_paths.get(file_path)

    def _keep_file(self, filename: str, data: bytes) -> JSON:
        """Store a file for getFile and downloads; returns its Document JSON."""
        number = len(self._stored_files) + 1
        file_id = f"file-{number}"
        suffix = filename.rpartition(".")[2] if "." in filename else "bin"
        self._stored_files[file_id] = (f"documents/file_{number}.{suffix}", data)
        self._file_paths[f"documents/file_{number}.{suffix}"] = data
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": filename,
            "file_size": len(data),
        }

    def user_update(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        username: str = "alice",
        title: str | None = None,
    ) -> JSON:
        """The Update JSON of a user's message, not queued: what Telegram would POST to a webhook."""
        with self._cond:
            message = self._user_message(chat_id, text, user_id, chat_type, username, title)
            return {"update_id": self._builder.next_update_id(), "message": message}

    async def post_to_webhook(self, update: JSON, *, secret: str | None = None) -> int:
        """POST ``update`` to the registered webhook as Telegram does: the registered secret unless
        ``secret`` is given (``""``: no header at all). Returns the HTTP status."""
        registration = self.webhook
        if registration is None:
            raise AssertionError("no webhook registered\n" + self.transcript())
        token = registration.secret_token if secret is None else secret
        headers = {WEBHOOK_SECRET_HEADER: token} if token else {}
        async with (
            aiohttp.ClientSession() as session,
            session.post(registration.url, json=update, headers=headers) as response,
        ):
            return response.status

    def press_button(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
    ) -> int:
        """Queue a callback_query update for a button under a message the bot sent; returns its update_id."""
        with self._cond:
            message = self._messages.get((chat_id, message_id))
            if message is None:
                raise ValueError(f"no message {message_id} in chat {chat_id} to press a button on")
            uid = user_id if user_id is not None else self._default_user(chat_id, chat_type)
            sender = self._users.setdefault(uid, self._builder.user(uid, "alice"))
            query = self._builder.callback_query(message, sender, data)
            self._callbacks[query["id"]] = (chat_id, message_id)
            return self._push({"callback_query": query})

    def press_inline_button(self, user_id: int, inline_message_id: str, data: str) -> int:
        """Queue a callback_query for a button under an inline message (no chat, no message)."""
        with self._cond:
            sender = self._users.setdefault(user_id, self._builder.user(user_id, "alice"))
            query = self._builder.inline_callback_query(inline_message_id, sender, data)
            self._callbacks[query["id"]] = (user_id, 0)
            return self._push({"callback_query": query})

    def bot_added(
        self, chat_id: int, *, chat_type: str = "group", by_user: int = DEFAULT_GROUP_USER_ID
    ) -> int:
        """Queue a my_chat_member update: a user added the bot to ``chat_id``; returns its update_id."""
        with self._cond:
            chat = self._register_chat(chat_id, chat_type, "alice", None)
            sender = self._users.setdefault(by_user, self._builder.user(by_user, "alice"))
            bot = self._bot_user()
            change = {
                "chat": chat,
                "from": sender,
                "date": int(time.time()),
                "old_chat_member": {"status": "left", "user": bot},
                "new_chat_member": {"status": "member", "user": bot},
            }
            return self._push({"my_chat_member": change})

    def migrate_group(self, old_chat_id: int, new_chat_id: int) -> None:
        """Upgrade a group: later sends to the old id get 400 with migrate_to_chat_id."""
        with self._cond:
            old = self._chats.get(old_chat_id, {})
            self._migrated[old_chat_id] = new_chat_id
            self._chats[new_chat_id] = {
                "id": new_chat_id,
                "type": "supergroup",
                "title": old.get("title", ""),
            }

    def set_admins(self, chat_id: int, user_ids: set[int]) -> None:
        """Make ``user_ids`` the administrators of ``chat_id`` (for getChatMember)."""
        with self._cond:
            self._chats.setdefault(chat_id, self._default_chat(chat_id))
            self._admins[chat_id] = set(user_ids)

    def block(self, chat_id: int) -> None:
        """The user blocked the bot (or the group kicked it): later sends get 403."""
        with self._cond:
            self._blocked.add(chat_id)

    def fail_next(
        self,
        method: str,
        *,
        code: int,
        description: str = "",
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id`` if given) with an error."""
        with self._cond:
            self._failures.append(_Failure(method.lower(), code, description, retry_after, chat_id, times))

    def set_down(self, down: bool) -> None:
        """While down, every request gets an HTML 502 Bad Gateway, like Telegram behind its proxy."""
        with self._cond:
            self._down = down

    # -- request handling (called from server threads)

    def handle(self, method: str, params: JSON) -> tuple[int, JSON | None]:
        """Answer one API call: (HTTP status, JSON body); body None means 'gateway down'."""
        with self._cond:
            self.stats.requests += 1
            self._calls.append((method, params))
            if self._down:
                self.stats.errors += 1
                return 502, None
            try:
                self._raise_injected(method.lower(), params)
                handler = self._methods.get(method.lower())
                if handler is None:
                    raise ApiError(404, "Not Found")
                return 200, {"ok": True, "result": handler(params)}
            except ApiError as err:
                if err.code == 429:
                    self.stats.too_many_requests += 1
                else:
                    self.stats.errors += 1
                logger.debug(
                    "fake_telegram.refused method=%s code=%s why=%s", method, err.code, err.description
                )
                return err.code, err.body()

    def _raise_injected(self, method: str, params: JSON) -> None:
        for failure in self._failures:
            if failure.method == method and failure.chat_id in (None, _opt_int(params.get("chat_id"))):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                retry = {"retry_after": failure.retry_after} if failure.retry_after is not None else None
                default = (
                    f"Too Many Requests: retry after {failure.retry_after}" if failure.code == 429 else ""
                )
                raise ApiError(failure.code, failure.description or default or _reason(failure.code), retry)

    # -- state helpers (caller holds the lock)

    def _user_message(
        self, chat_id: int, text: str, user_id: int | None, chat_type: str, username: str, title: str | None
    ) -> JSON:
        uid = user_id if user_id is not None else self._default_user(chat_id, chat_type)
        chat = self._register_chat(chat_id, chat_type, username, title)
        sender = self._users[uid] = self._builder.user(uid, username)
        message = self._builder.message(chat, sender, self._new_message_id(chat_id), text)
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def _push(self, payload: JSON) -> int:
        update_id = self._builder.next_update_id()
        self._updates.append({"update_id": update_id, **payload})
        self._cond.notify_all()
        return update_id

    def _new_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    @staticmethod
    def _default_user(chat_id: int, chat_type: str) -> int:
        return chat_id if chat_id > 0 and chat_type == "private" else DEFAULT_GROUP_USER_ID

    @staticmethod
    def _default_chat(chat_id: int) -> JSON:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}

    def _register_chat(self, chat_id: int, chat_type: str, username: str, title: str | None) -> JSON:
        if chat_id < 0 and chat_type == "private":  # a negative id is never a private chat
            chat_type = self._default_chat(chat_id)["type"]
        if chat_id not in self._chats or chat_type == "private" or title:
            self._chats[chat_id] = self._builder.chat(chat_id, chat_type, username, title)
        return self._chats[chat_id]

    def _user(self, user_id: int) -> JSON:
        return self._users.get(user_id, {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"})

    def _bot_user(self) -> JSON:
        return {
            "id": BOT_USER_ID,
            "is_bot": True,
            "first_name": "Wirewatch Test",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _target_chat(self, params: JSON) -> int:
        chat_id = _opt_int(params.get("chat_id"))
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        if chat_id in self._blocked:
            reason = "bot was blocked by the user" if chat_id > 0 else "bot was kicked from the group chat"
            raise ApiError(403, f"Forbidden: {reason}")
        return chat_id

    def _checked_text(self, params: JSON) -> str:
        """The visible text after entity parsing; refuses what Telegram refuses."""
        text = str(params.get("text", ""))
        parse_mode = params.get("parse_mode")
        plain = self._html.plain_text(text) if str(parse_mode).upper() == "HTML" else text
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_length(plain) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        return plain

    @staticmethod
    def _checked_markup(params: JSON) -> JSON | None:
        markup: JSON | None = _json_field(params, "reply_markup")
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _throttle(self, chat_id: int) -> None:
        if self.enforce_limits:
            retry_after = self._limiter.acquire(chat_id, time.monotonic())
            if retry_after is not None:
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
                )

    def _record(self, method: str, chat_id: int, message_id: int, params: JSON, markup: JSON | None) -> None:
        preview = _json_field(params, "link_preview_options") or {}
        disabled = bool(preview.get("is_disabled")) or _bool(params.get("disable_web_page_preview"))
        parse_mode = params.get("parse_mode")
        text = str(params.get("text", ""))
        reply = _json_field(params, "reply_parameters") or {}
        reply_to = reply.get("message_id") if isinstance(reply.get("message_id"), int) else None
        self._sent.append(
            SentMessage(
                chat_id, text, parse_mode, markup, disabled, message_id, method, time.monotonic(), reply_to
            )
        )
        self.stats.sent_ok += 1
        logger.debug("fake_telegram.sent method=%s chat_id=%s message_id=%s", method, chat_id, message_id)

    # -- Bot API methods (caller holds the lock)

    def _get_me(self, params: JSON) -> JSON:
        return self._bot_user()

    def _send_message(self, params: JSON) -> JSON:
        chat_id = self._target_chat(params)
        plain = self._checked_text(params)
        markup = self._checked_markup(params)
        self._throttle(chat_id)
        message = self._bot_message(chat_id, {"text": plain})
        if markup:
            message["reply_markup"] = markup
        self._record("sendMessage", chat_id, message["message_id"], params, markup)
        return message

    def _bot_message(self, chat_id: int, content: JSON) -> JSON:
        """A new message from the bot in ``chat_id`` with ``content`` (text, caption, …), kept for edits."""
        message_id = self._new_message_id(chat_id)
        chat = self._chats.setdefault(chat_id, self._default_chat(chat_id))
        message: JSON = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": self._bot_user(),
            **content,
        }
        self._messages[(chat_id, message_id)] = message
        return message

    def _send_media(self, method: str, field: str, params: JSON) -> JSON:
        """sendPhoto / sendDocument: an uploaded file with an optional caption (at most 1024 characters)."""
        chat_id = self._target_chat(params)
        upload = params.get(field)
        if not isinstance(upload, FileUpload):
            raise ApiError(400, f"Bad Request: there is no {field} in the request")
        caption = str(params.get("caption", ""))
        plain = self._html.plain_text(caption) if str(params.get("parse_mode")).upper() == "HTML" else caption
        if utf16_length(plain) > MAX_CAPTION_LENGTH:
            raise ApiError(400, "Bad Request: message caption is too long")
        markup = self._checked_markup(params)
        self._throttle(chat_id)
        message = self._bot_message(chat_id, {"caption": plain})
        if method == "sendDocument":
            message["document"] = self._keep_file(upload.filename, upload.data)
        self.files.append(SentFile(chat_id, method, upload.filename, upload.data, plain))
        self._record(method, chat_id, message["message_id"], {**params, "text": caption}, markup)
        return message

    def _edit_message_text(self, params: JSON) -> JSON:
        chat_id = self._target_chat(params)
        message = self._editable(chat_id, params)
        plain = self._checked_text(params)
        markup = self._checked_markup(params)
        if message["text"] == plain and message.get("reply_markup") == markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message",
            )
        self._throttle(chat_id)
        message.update(text=plain, edit_date=int(time.time()))
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        self._record("editMessageText", chat_id, message["message_id"], params, markup)
        return message

    def _edit_message_reply_markup(self, params: JSON) -> JSON:
        chat_id = self._target_chat(params)
        message = self._editable(chat_id, params)
        markup = self._checked_markup(params)
        if message.get("reply_markup") == markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        self._record(
            "editMessageReplyMarkup", chat_id, message["message_id"], {"text": message["text"]}, markup
        )
        return message

    def _editable(self, chat_id: int, params: JSON) -> JSON:
        message = self._messages.get((chat_id, _opt_int(params.get("message_id")) or 0))
        if message is None or message["from"].get("id") != BOT_USER_ID:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    def _answer_callback_query(self, params: JSON) -> bool:
        where = self._callbacks.pop(str(params.get("callback_query_id")), None)
        if where is None:
            raise ApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        self._record("answerCallbackQuery", where[0], where[1], params, None)
        return True

    def _delete_message(self, params: JSON) -> bool:
        key = (_opt_int(params.get("chat_id")) or 0, _opt_int(params.get("message_id")) or 0)
        if self._messages.pop(key, None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def _get_updates(self, params: JSON) -> list[JSON]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first",
            )
        offset = _opt_int(params.get("offset")) or 0
        limit = _opt_int(params.get("limit")) or 100
        timeout = float(params.get("timeout") or 0)
        allowed = _json_field(params, "allowed_updates") or []
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:  # Telegram: only the last -offset updates, the rest are forgotten
            self._updates = self._updates[offset:]

        def pending() -> list[JSON]:
            return [u for u in self._updates if not allowed or any(kind in u for kind in allowed)]

        self._cond.wait_for(lambda: self._stopping or bool(pending()), timeout)
        return pending()[:limit]

    def _get_chat_member(self, params: JSON) -> JSON:
        chat_id = _opt_int(params.get("chat_id"))
        if chat_id is None or chat_id not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        user_id = _opt_int(params.get("user_id")) or 0
        if user_id in self._admins.get(chat_id, set()):
            return _administrator(self._user(user_id))
        return {"status": "member", "user": self._user(user_id)}

    def _get_chat_administrators(self, params: JSON) -> list[JSON]:
        chat_id = _opt_int(params.get("chat_id"))
        if chat_id is None or chat_id not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        return [_administrator(self._user(uid)) for uid in sorted(self._admins.get(chat_id, set()))]

    def _get_chat(self, params: JSON) -> JSON:
        chat = self._chats.get(_opt_int(params.get("chat_id")) or 0)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": _NO_GIFTS}

    def _set_webhook(self, params: JSON) -> bool:
        url = str(params.get("url") or "")
        if not url:  # Telegram: an empty URL removes the webhook
            return self._delete_webhook(params)
        if not url.startswith(("http://127.", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        drop = _bool(params.get("drop_pending_updates"))
        if drop:
            self._updates.clear()
        allowed = _json_field(params, "allowed_updates")
        self.webhook = WebhookRegistration(url, None if secret is None else str(secret), allowed, drop)
        return True

    def _delete_webhook(self, params: JSON) -> bool:
        self.webhook = None
        if _bool(params.get("drop_pending_updates")):
            self._updates.clear()
        return True

    def _get_file(self, params: JSON) -> JSON:
        file_id = str(params.get("file_id", ""))
        if file_id not in self._stored_files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, data = self._stored_files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(data),
            "file_path": path,
        }

    def _get_webhook_info(self, params: JSON) -> JSON:
        url = self.webhook.url if self.webhook is not None else ""
        info = {"url": url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}
        if self.webhook_error is not None:
            info.update(last_error_date=int(time.time()), last_error_message=self.webhook_error)
        return info


_NO_GIFTS = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
}
_ALWAYS_TRUE = (
    "setMyCommands",
    "deleteMyCommands",
    "sendChatAction",
    "leaveChat",
)


def _method_table(fake: FakeTelegram) -> dict[str, Callable[[JSON], Any]]:
    """Lower-cased Bot API method name -> handler (Telegram method names are case-insensitive)."""
    table: dict[str, Callable[[JSON], Any]] = {
        "getme": fake._get_me,
        "sendmessage": fake._send_message,
        "sendphoto": lambda params: fake._send_media("sendPhoto", "photo", params),
        "senddocument": lambda params: fake._send_media("sendDocument", "document", params),
        "editmessagetext": fake._edit_message_text,
        "editmessagereplymarkup": fake._edit_message_reply_markup,
        "answercallbackquery": fake._answer_callback_query,
        "deletemessage": fake._delete_message,
        "getupdates": fake._get_updates,
        "getchatmember": fake._get_chat_member,
        "getchatadministrators": fake._get_chat_administrators,
        "getchat": fake._get_chat,
        "getfile": fake._get_file,
        "getwebhookinfo": fake._get_webhook_info,
        "getmycommands": lambda params: [],
        "deletewebhook": fake._delete_webhook,
        "setwebhook": fake._set_webhook,
    }
    table.update({name.lower(): (lambda params: True) for name in _ALWAYS_TRUE})
    return table


def _administrator(user: JSON) -> JSON:
    rights = (
        "can_manage_chat can_delete_messages can_manage_video_chats can_restrict_members can_change_info "
        "can_invite_users can_post_stories can_edit_stories can_delete_stories can_pin_messages"
    )
    return {
        "status": "administrator",
        "user": user,
        "can_be_edited": False,
        "is_anonymous": False,
        "can_promote_members": False,
        **dict.fromkeys(rights.split(), True),
    }


def _reason(code: int) -> str:
    reasons = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests"}
    return reasons.get(code, {500: "Internal Server Error", 502: "Bad Gateway"}.get(code, f"Error {code}"))


def _opt_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _bool(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def _json_field(params: JSON, name: str) -> Any:
    """A parameter python-telegram-bot sends JSON-encoded in forms (reply_markup, ...), decoded."""
    value = params.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as err:
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from err
    return value


# -------------------------------------------------------------------------------------------- HTTP


_PATH_RE = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)")
_FILE_RE = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)")
_BAD_GATEWAY = (
    b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeTelegram

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def handle_error(self, request: object, client_address: object) -> None:
        """A client killed mid-request (fault tests kill -9 senders) resets its connection: not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def close_connections(self) -> None:
        """Drop keep-alive connections so no handler thread answers after stop()."""
        with self.connections_lock:
            for conn in self.connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid 40 ms delayed-ACK stalls
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_POST(self) -> None:
        """Every Bot API call: parse, dispatch to the fake, answer JSON."""
        parts = urlsplit(self.path)
        match = _PATH_RE.fullmatch(parts.path)
        params: JSON = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if match is None:
            self._reply(404, ApiError(404, "Not Found").body())
            return
        accepted = self.server.fake.accepted_tokens
        if accepted is not None and match["token"] not in accepted:
            self._reply(401, ApiError(401, "Unauthorized").body())  # what Telegram answers a wrong token
            return
        try:
            params.update(_body_params(self.headers.get("Content-Type", ""), body))
        except ValueError:
            self._reply(400, ApiError(400, "Bad Request: can't parse request body").body())
            return
        self._reply(*self.server.fake.handle(match["method"], params))

    def do_GET(self) -> None:
        """A file download (``/file/bot<token>/<file_path>``) or a Bot API call."""
        download = _FILE_RE.fullmatch(urlsplit(self.path).path)
        if download is None:
            self.do_POST()
            return
        fake = self.server.fake
        data = fake.file_bytes(download["path"])
        if data is None or (
            fake.accepted_tokens is not None and download["token"] not in fake.accepted_tokens
        ):
            self._reply(404, ApiError(404, "Not Found").body())
            return
        with fake._cond:
            fake.downloads.append(download["path"])
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def _reply(self, code: int, body: JSON | None) -> None:
        payload = _BAD_GATEWAY if body is None else json.dumps(body).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "text/html" if body is None else "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True  # the client gave up (e.g. a cancelled long poll)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake_telegram.http " + format, *args)


def _body_params(content_type: str, body: bytes) -> JSON:
    """Parameters from a form, JSON or multipart body (file parts become ``FileUpload``)."""
    if not body:
        return {}
    if content_type.startswith("application/json"):
        parsed = json.loads(body)
        if not isinstance(parsed, dict):
            raise ValueError("JSON body is not an object")
        return parsed
    if content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        params: JSON = {}
        for part in message.walk():
            name = part.get_param("name", header="content-disposition")
            if part.is_multipart() or not isinstance(name, str):
                continue
            filename = part.get_filename()
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            params[name] = FileUpload(filename, data) if filename else data.decode()
        return params
    return dict(parse_qsl(body.decode(), keep_blank_values=True))
