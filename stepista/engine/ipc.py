"""How the TUI and ``stepista play`` talk to the engine: JSON lines over a local socket.

Each request is one JSON object on one line, with an ``op`` and an optional ``id`` that the
reply echoes. Replies are ``{"ok": true, …}`` or ``{"ok": false, "error": "…"}``; a
subscribed client also gets ``{"event": …}`` lines (swaps, errors, tempo, start/stop).

The socket is a Unix-domain socket in a directory only this user can enter (so it is bound to
the local machine and to this user); where there are no Unix sockets, TCP on 127.0.0.1.
Every message is validated against the models below (pydantic): anything else is rejected
with an error reply and a log line, and the connection stays usable.

>>> parse_request(b'{"op": "tempo", "bpm": 128}')
Tempo(id=None, op='tempo', bpm=128.0)
>>> parse_request(b'{"op": "tempo", "bpm": "fast"}')
Traceback (most recent call last):
...
stepista.engine.ipc.BadMessage: tempo: bpm: Input should be a valid number, unable to parse string as a number
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

MAX_LINE = 1 << 20
"""The longest message accepted (bytes); a longer line is refused and skipped."""

Quantize = Union[Literal["quantum", "bar", "beat", "now"], Annotated[float, Field(ge=0, le=64)]]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=MAX_LINE)
    id: int | str | None = None


class Hello(_Request):
    op: Literal["hello"]
    client: str = Field("client", max_length=64)


class Play(_Request):
    """Evaluate live code and play it. Unnamed lines go to ``track``; ``name: expr`` lines to
    their own tracks."""
    op: Literal["play"]
    code: str
    track: str = Field("d1", min_length=1, max_length=64)
    channel: int | None = Field(None, ge=1, le=16)
    outputs: list[str] | None = None
    quantize: Quantize = "quantum"
    cut: bool = False


class PlayClip(_Request):
    """Play a clip (the generator's output, as in ``stepista gen --json``), looping."""
    op: Literal["clip"]
    track: str = Field(min_length=1, max_length=64)
    clip: dict
    outputs: list[str] | None = None
    quantize: Quantize = "quantum"
    cut: bool = False


class Remove(_Request):
    op: Literal["remove"]
    track: str
    quantize: Quantize = "now"
    cut: bool = True


class Hush(_Request):
    """Remove every track this client made, cutting their notes now."""
    op: Literal["hush"]


class Transport(_Request):
    op: Literal["start", "stop", "panic", "status", "subscribe", "bye", "shutdown"]


class Tempo(_Request):
    op: Literal["tempo"]
    bpm: float = Field(ge=20, le=999)


class Link(_Request):
    op: Literal["link"]
    enabled: bool | None = None
    start_stop_sync: bool | None = None
    quantum: float | None = Field(None, ge=1, le=64)


class OpenOutput(_Request):
    op: Literal["open"]
    spec: str = Field(max_length=1024)


class CloseOutput(_Request):
    op: Literal["close"]
    output: str


class Plugins(_Request):
    """The Stepista plugin instances here; ``scan`` pings them all (0.25 s) besides reading
    the announcements heard."""
    op: Literal["plugins"]
    scan: bool = True


Request = Annotated[Union[Hello, Play, PlayClip, Remove, Hush, Transport, Tempo, Link,
                          OpenOutput, CloseOutput, Plugins], Field(discriminator="op")]
_REQUEST = TypeAdapter(Request)


class BadMessage(ValueError):
    """A message that is not a valid request; the text says what was wrong."""


def parse_request(line: bytes) -> _Request:
    """One line from a client as a request model, or :class:`BadMessage`."""
    if len(line) > MAX_LINE:
        raise BadMessage(f"message of {len(line)} bytes is longer than {MAX_LINE}")
    try:
        data = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadMessage(f"not JSON: {exc}") from None
    except RecursionError:
        raise BadMessage("not JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise BadMessage(f"expected a JSON object, got {type(data).__name__}")
    try:
        return _REQUEST.validate_python(data)
    except ValidationError as exc:
        raise BadMessage(_first_problem(data, exc)) from None


def _first_problem(data: dict, exc: ValidationError) -> str:
    err = exc.errors()[0]
    op = data.get("op")
    where = [str(p) for p in err["loc"]]
    if where and where[0] == op:
        where = where[1:]
    if err["type"] == "union_tag_invalid" or (err["type"] == "union_tag_not_found"):
        return f"unknown op {op!r}" if op is not None else "the message has no 'op'"
    place = ".".join(where)
    return f"{op}: {place + ': ' if place else ''}{err['msg']}"


def encode(message: dict) -> bytes:
    return json.dumps(message, separators=(",", ":"), default=str).encode() + b"\n"


# -- where the engine listens -------------------------------------------------------------

def default_address() -> str:
    """``unix:PATH`` in a private runtime directory, or ``tcp:127.0.0.1:PORT`` without AF_UNIX.

    ``$STEPISTA_ENGINE`` overrides it (same syntax, or a bare path).
    """
    env = os.environ.get("STEPISTA_ENGINE")
    if env:
        return env if env.startswith(("unix:", "tcp:")) else f"unix:{env}"
    if not hasattr(socket, "AF_UNIX") or sys.platform == "win32":
        return "tcp:127.0.0.1:47474"
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return f"unix:{Path(base) / f'stepista-{uid}' / 'engine.sock'}"


def _split(address: str) -> tuple[str, str, int]:
    kind, _, rest = address.partition(":")
    if kind == "unix" and rest:
        return kind, rest, 0
    if kind == "tcp":
        host, _, port = rest.rpartition(":")
        if host in ("127.0.0.1", "localhost", "::1") and port.isdigit():
            return kind, host, int(port)
        raise ValueError(f"engine address {address!r}: only 127.0.0.1 (this machine) is allowed")
    raise ValueError(f"engine address {address!r}: expected unix:PATH or tcp:127.0.0.1:PORT")


async def serve(address: str, handler) -> asyncio.base_events.Server:
    """Listen at ``address`` for ``handler(reader, writer)``; a stale Unix socket is replaced."""
    kind, where, port = _split(address)
    if kind == "tcp":
        return await asyncio.start_server(handler, where, port, limit=MAX_LINE + 1)
    path = Path(where)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.exists():
        if is_listening(address):
            raise OSError(f"an engine already listens at {path}")
        path.unlink()
    server = await asyncio.start_unix_server(handler, str(path), limit=MAX_LINE + 1)
    os.chmod(path, 0o600)
    return server


def is_listening(address: str) -> bool:
    """Whether an engine answers at ``address`` (a connect that succeeds)."""
    try:
        sock = connect(address, timeout=0.5)
    except OSError:
        return False
    sock.close()
    return True


def connect(address: str, timeout: float = 5.0) -> socket.socket:
    kind, where, port = _split(address)
    if kind == "tcp":
        return socket.create_connection((where, port), timeout=timeout)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(where)
    except OSError:
        sock.close()
        raise
    return sock


class Client:
    """A blocking client (``stepista play``, tests): one request, one reply.

    Event lines that arrive while waiting for a reply are kept in :attr:`events`.
    """

    def __init__(self, address: str | None = None, timeout: float = 10.0, name: str = "client"):
        self.address = address or default_address()
        self.sock = connect(self.address, timeout)
        self._file = self.sock.makefile("rb")
        self.events: list[dict] = []
        self._next_id = 0
        self.request({"op": "hello", "client": name})

    def request(self, message: dict) -> dict:
        """Send one request and return its reply (``ok`` false replies are returned too)."""
        self._next_id += 1
        message = {**message, "id": self._next_id}
        self.sock.sendall(encode(message))
        while True:
            line = self._file.readline(MAX_LINE + 1)
            if not line:
                raise ConnectionError(f"the engine at {self.address} closed the connection")
            reply = json.loads(line)
            if "event" in reply:
                self.events.append(reply)
                continue
            if reply.get("id") == self._next_id:
                return reply

    def close(self) -> None:
        try:
            self.sock.sendall(encode({"op": "bye"}))
        except OSError:
            pass
        self._file.close()
        self.sock.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
