"""The TUI's connection to the engine process, on the TUI's own asyncio loop.

The engine owns time; the TUI only hands it patterns and reads its state. This client never
blocks the loop it runs on: requests are awaited with timeouts, the engine's status is polled
a few times a second, and when the engine goes away the link says so and keeps trying to get
it back (starting one when none answers), then tells the app so it can send its tracks again.

The engine the TUI starts is detached from the terminal (its own session, its log in a file)
and runs with ``--exit-when-orphaned --linger``: when the TUI quits or dies, the engine cuts
the TUI's tracks at once (no hanging note) and waits a little for the TUI to come back; a
restarted TUI reattaches to it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable

from stepista.engine import ipc

REQUEST_TIMEOUT_S = 5.0
START_TIMEOUT_S = 20.0
LINGER_S = 30.0
"""How long an engine the TUI started waits for the TUI to come back after it leaves."""


@dataclass
class EngineOptions:
    """How to start an engine when none answers (the TUI's command-line flags)."""
    address: str | None = None
    bpm: float | None = None
    link: bool = True
    outputs: list[str] = field(default_factory=list)
    lookahead_ms: float | None = None
    log_path: Path | None = None


class EngineError(RuntimeError):
    """The engine refused a request or could not be reached; the text says which."""


class EngineLink:
    """Talks to the engine: ``request``, status polling, events, reconnection.

    ``on_status(status)``, ``on_event(event)`` and ``on_state(text)`` are called on the loop;
    ``on_connected()`` (a coroutine function) after every (re)connection, before polling.
    """

    def __init__(self, options: EngineOptions, *, on_status: Callable[[dict], None],
                 on_event: Callable[[dict], None], on_state: Callable[[str], None],
                 on_connected: Callable[[], Awaitable[None]], poll_s: float = 0.1) -> None:
        self.options = options
        self.address = options.address or ipc.default_address()
        self.on_status, self.on_event, self.on_state = on_status, on_event, on_state
        self.on_connected = on_connected
        self.poll_s = poll_s
        self.connected = False
        self.started_engine: subprocess.Popen | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[int, asyncio.Future] = {}
        self._ids = itertools.count(1)
        self._task: asyncio.Task | None = None
        self._closing = False

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        """Say goodbye (the engine cuts our tracks) and stop. Safe to call twice; the task
        stops and the connection drops even when this is cancelled during the goodbye."""
        self._closing = True
        try:
            if self.connected:
                try:
                    await asyncio.wait_for(self._send({"op": "bye"}), 1.0)
                except (OSError, asyncio.TimeoutError, EngineError):
                    pass
        finally:
            if self._task is not None:
                self._task.cancel()
            self._drop_connection()

    async def _run(self) -> None:
        delay = 0.2
        while not self._closing:
            try:
                await self._connect()
                delay = 0.2
                await self._serve()
            except (OSError, EngineError, asyncio.TimeoutError, ConnectionError) as exc:
                self.on_state(f"engine: {exc}; retrying")
            self._drop_connection()
            if self._closing:
                return
            self.on_state("engine lost: reconnecting")
            await asyncio.sleep(delay)
            delay = min(2.0, delay * 2)

    async def _connect(self) -> None:
        self.on_state("engine: connecting")
        if not await _listening(self.address):
            await self._start_engine()
        self._reader, self._writer = await _open(self.address)
        reader_task = asyncio.get_running_loop().create_task(self._read_replies())
        reader_task.add_done_callback(lambda _t: self._fail_pending())
        self._reader_task = reader_task
        await self.request({"op": "hello", "client": "tui"})
        await self.request({"op": "subscribe"})
        self.connected = True
        self.on_state("engine: connected")
        await self.on_connected()

    async def _serve(self) -> None:
        """Poll the status until the connection ends."""
        while not self._reader_task.done():
            if self._closing:
                return
            try:
                status = await self.request({"op": "status"})
                _raise_if_cancelled()
                self.on_status(status)
            except EngineError as exc:
                if not self.connected:
                    raise
                self.on_state(f"engine: {exc}")
            await asyncio.sleep(self.poll_s)
        raise ConnectionError("the engine closed the connection")

    def _drop_connection(self) -> None:
        self.connected = False
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._fail_pending()

    def _fail_pending(self) -> None:
        self.connected = False
        for future in self._pending.values():
            if not future.done():
                future.set_exception(EngineError("the engine went away"))
        self._pending.clear()

    # -- requests ----------------------------------------------------------------------------

    async def request(self, message: dict, timeout: float = REQUEST_TIMEOUT_S) -> dict:
        """Send one request; its reply, or :class:`EngineError` with the engine's words."""
        if self._writer is None:
            raise EngineError("not connected to the engine")
        request_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await self._send({**message, "id": request_id})
            reply = await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            raise EngineError(f"{message.get('op')}: no reply within {timeout:g} s") from None
        finally:
            self._pending.pop(request_id, None)
        if not reply.get("ok"):
            raise EngineError(reply.get("error") or "refused")
        return reply

    async def _send(self, message: dict) -> None:
        if self._writer is None:
            raise EngineError("not connected to the engine")
        self._writer.write(ipc.encode(message))
        await self._writer.drain()

    async def _read_replies(self) -> None:
        while True:
            line = await self._reader.readline()
            if not line:
                return
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "event" in message:
                self.on_event(message)
                continue
            future = self._pending.get(message.get("id"))
            if future is not None and not future.done():
                future.set_result(message)

    # -- starting an engine ------------------------------------------------------------------

    async def _start_engine(self) -> None:
        if self.started_engine is not None and self.started_engine.poll() is None:
            self.started_engine.terminate()  # ours, but no longer answering
        self.on_state("engine: starting")
        cmd = engine_command(self.options, self.address)
        log = open(self.options.log_path or os.devnull, "ab")
        try:
            self.started_engine = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        finally:
            log.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT_S
        while not await _listening(self.address):
            if self.started_engine.poll() is not None:
                raise EngineError(f"the engine exited at start (code {self.started_engine.returncode}); "
                                  f"see {self.options.log_path or 'its log'}")
            if loop.time() > deadline:
                raise EngineError(f"the engine did not listen within {START_TIMEOUT_S:.0f} s")
            await asyncio.sleep(0.05)


def engine_command(options: EngineOptions, address: str) -> list[str]:
    """The command line of an engine started for the TUI."""
    cmd = [sys.executable, "-m", "stepista", "engine", "--address", address,
           "--exit-when-orphaned", "--linger", f"{LINGER_S:g}", "--hold", "--log-level", "INFO",
           "--link" if options.link else "--no-link"]
    if options.bpm:
        cmd += ["--bpm", f"{options.bpm:g}"]
    if options.lookahead_ms:
        cmd += ["--lookahead", f"{options.lookahead_ms:g}"]
    for spec in options.outputs:
        cmd += ["--output", spec]
    return cmd


async def _open(address: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    kind, _, rest = address.partition(":")
    if kind == "tcp":
        host, _, port = rest.rpartition(":")
        return await asyncio.wait_for(
            asyncio.open_connection(host, int(port), limit=ipc.MAX_LINE + 1), 2.0)
    return await asyncio.wait_for(asyncio.open_unix_connection(rest, limit=ipc.MAX_LINE + 1), 2.0)


async def _listening(address: str) -> bool:
    try:
        _reader, writer = await _open(address)
    except (OSError, asyncio.TimeoutError, ValueError):
        return False
    writer.close()
    return True


def _raise_if_cancelled() -> None:
    """Python 3.11's ``asyncio.wait_for`` returns the result when the awaited future completes
    in the same loop pass as the task is cancelled, and the cancellation is lost (fixed in
    3.12). The link's own polling task then never stopped: raise it there. (Only there: a task
    of Textual's may go on after a cancellation it chose to swallow.)"""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
