"""The ``plugin`` output: tracks played as loops by a Stepista plugin instance inside the DAW.

The plugin plays on the DAW's own sample clock, so nothing here is timed: when a track routed
to this output changes, the loop it makes goes to the instance in one ``/stepista/clip`` that
says when to take over (at once, or at the next quantum boundary; Link keeps the DAW's beat in
phase with the engine's). Several tracks routed to one instance play as one loop
(:func:`~stepista.engine.plugins.loops.merge_loops`).

A clip the instance does not acknowledge within :data:`ACK_WAIT_S` is sent again (the same
``seq``, so a copy that did arrive is ignored), up to :data:`SEND_TRIES` times; then a notice
says so. The output pings its instance every :data:`KEEPALIVE_S`; one that falls silent is
marked lost, looked for again (by id, on every port, when it was named by name or id), and
sent its loop again when it answers, so a plugin reloaded by the DAW loses no music; so is one
whose hello carries a new ``run`` (reloaded within the keepalive, on the same port).
"""

from __future__ import annotations

import logging
import select
import socket
import threading
import time
from dataclasses import dataclass

from ..plugins.discovery import (FIND_TIMEOUT_S, find_instances, pick, port_of, receive,
                                 reply_socket)
from ..plugins.loops import merge_loops
from ..plugins.protocol import (HOST, NEXT_QUANTUM, NOW, PORTS, Ack, Instance, Loop, Start,
                                clear_message, clip_message, ping_message, wire_seq)
from .base import LoopOutput, OutputError

log = logging.getLogger("stepista.engine")

ACK_WAIT_S = 0.1
SEND_TRIES = 3
KEEPALIVE_S = 2.0
LOST_S = 6.0
"""An instance that has not answered a ping for this long is lost."""


@dataclass
class _Sending:
    """A datagram on its way: sent ``tries`` times, next due at ``due`` (monotonic s)."""
    datagram: bytes
    seq: int
    what: str
    wants_ack: bool
    due: float
    tries: int = 1


class PluginOutput(LoopOutput):
    """Plays its tracks' loops through the plugin instance ``target`` names: its name, its id
    (8 hex digits) or ``#PORT``. A name or id must answer when the output opens (an
    :class:`OutputError` says what did); a ``#PORT`` is taken on trust, for an instance that
    is still loading.
    """

    kind = "plugin"

    def __init__(self, target: str, *, find_timeout: float = FIND_TIMEOUT_S) -> None:
        super().__init__(target)
        try:
            port = port_of(target)
            self.instance: Instance | None = None
            if port is None:
                self.instance = pick(target, find_instances(find_timeout))
                port = self.instance.port
        except (ValueError, LookupError) as exc:
            raise OutputError(str(exc)) from None
        self.port = port
        self.on_notice = lambda message: log.warning("%s", message)
        try:
            self._sock = reply_socket()
        except OSError as exc:
            raise OutputError(f"{self.label}: no UDP socket on {HOST} for the replies ({exc})") \
                from None
        self.reply_port = self._sock.getsockname()[1]
        self._loops: dict[str, Loop] = {}
        self._start = Start()
        self._seq = _first_seq()
        self._sending: _Sending | None = None
        self._unanswered = False  # the last clip went unacknowledged: send it when heard again
        self._told = False
        self._heard = time.monotonic()
        self._lost = False
        self._next_ping = 0.0
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(target=self._run, name=f"stepista-{self.label}",
                                        daemon=True)
        self._thread.start()

    # -- what the scheduler calls ----------------------------------------------------------

    def check_loop(self, track: str, loop: Loop) -> None:
        with self._lock:
            self._clip({**self._loops, track: loop}, Start(NOW), seq=1)

    def set_loop(self, track: str, loop: Loop | None, start: Start) -> None:
        if self.closed:
            return
        with self._lock:
            loops = dict(self._loops)
            if loops.pop(track, None) is None and loop is None:
                return  # the track was not playing here
            if loop is not None:
                loops[track] = loop
            self._seq += 1
            sending, notices = self._message(loops, start, self._seq)
            self._loops, self._start, self._told = loops, start, False
            self._send(sending)
        self._tell(notices)

    def plays_to(self, instance: Instance) -> bool:
        """Whether ``instance`` is the one this output plays through."""
        if self.instance is not None:
            return instance.id == self.instance.id
        return instance.port == self.port

    # -- messages --------------------------------------------------------------------------

    def _message(self, loops: dict[str, Loop], start: Start,
                 seq: int) -> tuple[_Sending, tuple[str, ...]]:
        """What to send for ``loops`` (a clear when there are none), and the notices that
        merging several tracks into one loop brings."""
        due = time.monotonic() + ACK_WAIT_S
        if not loops:
            return _Sending(clear_message(seq, start.rule), seq, "the clear", False, due), ()
        datagram, merged = self._clip(loops, start, seq)
        notices = merged.notices if len(loops) > 1 else ()  # one track's: the scheduler's
        return _Sending(datagram, seq, f"{_tracks(loops)}'s clip", True, due), notices

    def _clip(self, loops: dict[str, Loop], start: Start, seq: int) -> tuple[bytes, Loop]:
        what = _tracks(loops) if len(loops) == 1 else f"{_tracks(loops)} on {self.label}"
        merged = merge_loops(loops, what)
        datagram = clip_message(merged, seq=seq, reply_port=self.reply_port, start=start,
                                what=what)
        return datagram, merged

    def _send(self, sending: _Sending) -> None:
        """Send now (with the lock held); the thread sends it again when due."""
        self._sending = sending
        self._sendto(sending.datagram, self.port)
        self._wake()

    def _sendto(self, datagram: bytes, port: int) -> None:
        try:
            self._sock.sendto(datagram, (HOST, port))
        except OSError as exc:  # a full buffer: the re-send or the keepalive tries again
            log.warning("%s: sending to %s:%d: %s", self.label, HOST, port, exc)

    def _tell(self, notices) -> None:
        for notice in notices:
            try:
                self.on_notice(notice)
            except Exception:  # whoever listens must not stop the acks and re-sends
                log.exception("%s: telling %r", self.label, notice)

    def _who(self) -> str:
        return f"plugin {self.instance.name!r}" if self.instance else self.label

    # -- the thread: acks, hellos, re-sends, keepalive -------------------------------------

    def _run(self) -> None:
        while True:
            with self._lock:
                wait = self._next_due() - time.monotonic()
            ready, _, _ = select.select([self._sock, self._wake_r], [], [], max(0.0, wait))
            if self._wake_r in ready:
                self._wake_r.recv(4096)
                if self.closed:
                    return
            notices = []
            if self._sock in ready:
                notices += self._read()
            with self._lock:
                notices += self._on_time(time.monotonic())
            self._tell(notices)

    def _next_due(self) -> float:
        due = self._next_ping
        if self._sending is not None:
            due = min(due, self._sending.due)
        return due

    def _read(self) -> list[str]:
        notices = []
        while True:
            reply, port = receive(self._sock, 0)
            if reply is None and port == 0:
                return notices
            with self._lock:
                if isinstance(reply, Ack):
                    notices += self._on_ack(reply, port)
                elif isinstance(reply, Instance):
                    notices += self._on_hello(reply)

    def _on_ack(self, ack: Ack, port: int) -> list[str]:
        sending = self._sending
        if sending is None or not sending.wants_ack or port != self.port or \
                ack.seq != wire_seq(sending.seq):
            return []
        self._sending, self._unanswered, self._heard = None, False, time.monotonic()
        if ack.accepted:
            self.status = "ok"
            return []
        self.status = "refused a clip"
        return [f"{self._who()} refused {sending.what} (a value out of its range: see its"
                " dropped count in `stepista ports`)"]

    def _on_hello(self, hello: Instance) -> list[str]:
        if not self._is_mine(hello):
            return []
        moved = hello.port != self.port
        # a new run: the DAW loaded the plugin again (a project reopened), perhaps within the
        # keepalive and on the same port; it plays what its project saved, maybe not our loop
        reloaded = (self.instance is not None and hello.run != 0
                    and hello.run != self.instance.run)
        came_back = self._lost or moved or reloaded
        self.instance, self.port, self._lost = hello, hello.port, False
        self._heard = time.monotonic()
        self.status = "ok"
        if not self._loops or not (came_back or self._unanswered) or self._sending is not None:
            return []
        self._seq += 1
        sending, _ = self._message(self._loops, Start(NEXT_QUANTUM, self._start.quantum),
                                   self._seq)
        self._send(sending)
        self._unanswered = False
        if came_back:
            how = "was loaded again" if reloaded else "answers again"
            return [f"{self._who()} {how} on {HOST}:{self.port}: sent it"
                    f" {_tracks(self._loops)}'s loop again"]
        return []

    def _is_mine(self, hello: Instance) -> bool:
        if self.instance is not None:
            return hello.id == self.instance.id
        return hello.port == self.port

    def _on_time(self, now: float) -> list[str]:
        notices = []
        sending = self._sending
        if sending is not None and now >= sending.due:
            notices += self._resend(sending, now)
        if now >= self._next_ping:
            notices += self._keepalive(now)
        return notices

    def _resend(self, sending: _Sending, now: float) -> list[str]:
        limit = SEND_TRIES if sending.wants_ack else 2  # a clear has no ack: sent twice
        if sending.tries < limit:
            sending.tries += 1
            sending.due = now + ACK_WAIT_S
            self._sendto(sending.datagram, self.port)
            return []
        self._sending = None
        if not sending.wants_ack:
            return []
        self._unanswered = True
        self.status = f"no answer from {HOST}:{self.port}"
        if self._told:
            return []
        self._told = True
        return [f"{self._who()} did not acknowledge {sending.what}: is the plugin loaded and"
                " the DAW running?"]

    def _keepalive(self, now: float) -> list[str]:
        self._next_ping = now + KEEPALIVE_S
        notices = []
        if not self._lost and now - self._heard > LOST_S:
            self._lost = True
            self.status = f"no answer from {HOST}:{self.port}"
            if self._loops:
                notices.append(f"{self._who()} stopped answering on {HOST}:{self.port}; its"
                               f" loop is sent again when it answers")
        ping = ping_message(self.reply_port)
        search = self._lost and port_of(self.name) is None  # named: it may come back elsewhere
        for port in (PORTS if search else (self.port,)):
            self._sendto(ping, port)
        return notices

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    # -- Output ----------------------------------------------------------------------------

    def _panic(self) -> None:
        """Nothing to do: the plugin pairs every note-on with its note-off on its own clock,
        and its loop follows the DAW's transport, not the engine's."""

    def _close(self) -> None:
        """Stop what this output had the instance play, at once, and let go of the socket."""
        with self._lock:
            clearing = self._sending is not None and not self._sending.wants_ack
            if self._loops or clearing:  # a clear has no ack: send it twice, to be sure
                self._seq += 1
                clear = clear_message(self._seq, NOW)
                self._sendto(clear, self.port)
                self._sendto(clear, self.port)
                self._loops = {}
            self._sending = None
        self._wake()
        self._thread.join(timeout=2)
        self._sock.close()
        self._wake_r.close()
        self._wake_w.close()


def _first_seq() -> int:
    """Milliseconds of the wall clock: newer than whatever an earlier engine sent from a reply
    port this one may have been given again (an instance compares seq per reply port)."""
    return int(time.time() * 1000) & 0xFFFFFFFF or 1


def _tracks(loops: dict[str, Loop]) -> str:
    names = sorted(loops)
    if len(names) == 1:
        return f"track {names[0]}"
    return f"tracks {', '.join(names[:-1])} and {names[-1]}"
