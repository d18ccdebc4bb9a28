"""A fake Stepista plugin instance: speaks plugin/PROTOCOL.md over UDP with python-osc.

Written from the protocol text, not from stepista's own encoder, so the tests check one
against the other. It binds the first free port in 47801-47864 on 127.0.0.1 like the plugin,
answers pings with hellos, acknowledges clips (unless told not to), keeps what it received
decoded, and drops (and counts) what the protocol says to drop.
"""

from __future__ import annotations

import itertools
import socket
import struct
import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from fractions import Fraction

import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.parsing import osc_types

FIRST_PORT, LAST_PORT = 47801, 47864
ANNOUNCE_PORT = 47800


@dataclass
class ReceivedClip:
    seq: int
    reply_port: int
    channel: int
    tpq: int
    loop_ticks: int
    start: int
    quantum_ticks: int
    notes: list[tuple[int, int, int, int]]  # start_tick, duration_ticks, pitch, velocity
    at: float = field(default_factory=time.monotonic)

    @property
    def loop_beats(self) -> Fraction:
        return Fraction(self.loop_ticks, self.tpq)

    @property
    def quantum_beats(self) -> Fraction:
        return Fraction(self.quantum_ticks, self.tpq)

    def beats(self) -> list[tuple[Fraction, Fraction, int, int]]:
        """The notes in beats, sorted by start then pitch."""
        return sorted((Fraction(s, self.tpq), Fraction(d, self.tpq), p, v)
                      for s, d, p, v in self.notes)


_RUNS = itertools.count(1)


class FakeInstance:
    """One instance. ``ack`` False: clips are taken but never acknowledged; ``ignore_clips``
    N: the first N clip datagrams are lost (as if dropped on the way); ``answer_pings``
    False: pings go unanswered."""

    def __init__(self, name: str = "", ident: str | None = None, *, port: int | None = None,
                 ack: bool = True, ignore_clips: int = 0, answer_pings: bool = True,
                 run: int | None = None) -> None:
        self.sock = _bind(port)
        self.port = self.sock.getsockname()[1]
        self.id = ident or f"{0xfa0000 + self.port:08x}"
        self.name = name or f"Stepista {self.port - FIRST_PORT + 1}"
        # hello's run: new for each instance (0: an instance that does not send it)
        self.run = next(_RUNS) if run is None else run
        self.ack, self.ignore_clips, self.answer_pings = ack, ignore_clips, answer_pings
        self.clips: list[ReceivedClip] = []  # accepted, in order
        self.clip_datagrams: list[bytes] = []  # every clip datagram that arrived, raw
        self.clears: list[tuple[int, int]] = []
        self.pings = 0
        self.dropped = 0
        self.playing_seq = 0
        self.playing = True
        self._last_seq: dict[int, int] = {}
        self._lock = threading.Lock()
        self._closed = False
        self.sock.settimeout(0.02)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    # -- what a test looks at ---------------------------------------------------------------

    def wait(self, predicate, timeout: float = 3.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if predicate(self):
                    return True
            time.sleep(0.005)
        with self._lock:
            return predicate(self)

    @property
    def last(self) -> ReceivedClip:
        return self.clips[-1]

    def announce(self, port: int = ANNOUNCE_PORT) -> None:
        self.sock.sendto(self._hello(), ("127.0.0.1", port))

    def close(self) -> None:
        self._closed = True
        self._thread.join(timeout=2)
        self.sock.close()

    def __enter__(self) -> "FakeInstance":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the protocol -----------------------------------------------------------------------

    def _run(self) -> None:
        while not self._closed:
            try:
                data, _ = self.sock.recvfrom(1 << 16)
            except TimeoutError:
                continue
            with self._lock:
                self._handle(data)

    def _handle(self, data: bytes) -> None:
        if len(data) > 65_000:
            self.dropped += 1
            return
        try:
            message = OscMessage(data)
            _, index = osc_types.get_string(data, 0)
            tags, _ = osc_types.get_string(data, index)
        except Exception:
            self.dropped += 1
            return
        args = message.params
        if message.address == "/stepista/ping" and tags.startswith(",i"):
            self.pings += 1
            if self.answer_pings:
                self.sock.sendto(self._hello(), ("127.0.0.1", args[0]))
        elif message.address == "/stepista/clip" and tags.startswith(",iiiiiiib"):
            self.clip_datagrams.append(data)
            if self.ignore_clips > 0:
                self.ignore_clips -= 1
                return
            self._clip(*args[:8])
        elif message.address == "/stepista/clear" and tags.startswith(",ii"):
            self.clears.append((args[0], args[1]))
        elif message.address == "/stepista/name" and tags.startswith(",s"):
            self.name = args[0]
        else:
            self.dropped += 1

    def _clip(self, seq, reply_port, channel, tpq, loop_ticks, start, quantum_ticks, blob) -> None:
        ok = (reply_port == 0 or 1024 <= reply_port <= 65535) and 1 <= channel <= 16 and \
            1 <= tpq <= 1 << 20 and 1 <= loop_ticks <= min(tpq * 1024, 2**31 - 1) and \
            start in (0, 1, 2) and 1 <= quantum_ticks <= tpq * 64 and len(blob) % 16 == 0 and \
            len(blob) // 16 <= 2048
        notes = [struct.unpack(">iiii", blob[i:i + 16]) for i in range(0, len(blob), 16)] if ok else []
        ok = ok and all(0 <= s < loop_ticks and 1 <= d <= loop_ticks and 0 <= p <= 127 and
                        1 <= v <= 127 for s, d, p, v in notes)
        last = self._last_seq.get(reply_port)
        newer = last is None or 0 < (seq - last) & 0xFFFFFFFF < 0x80000000  # wrapping compare
        if not ok:
            self.dropped += 1
        elif newer:
            self._last_seq[reply_port] = seq
            self.clips.append(ReceivedClip(seq, reply_port, channel, tpq, loop_ticks, start,
                                           quantum_ticks, notes))
            self.playing_seq = seq
        if reply_port and self.ack:
            reply = OscMessageBuilder("/stepista/ack")
            for value, tag in ((self.id, "s"), (seq, "i"), (1 if ok else 0, "i")):
                reply.add_arg(value, tag)
            self.sock.sendto(reply.build().dgram, ("127.0.0.1", reply_port))

    def _hello(self) -> bytes:
        hello = OscMessageBuilder("/stepista/hello")
        for value, tag in ((self.id, "s"), (self.name, "s"), (self.port, "i"), (1, "i"),
                           (self.playing_seq, "i"), (0, "i"), (self.dropped, "i"),
                           (1 if self.playing else 0, "i")) + (((self.run, "i"),) if self.run else ()):
            hello.add_arg(value, tag)
        return hello.build().dgram


def _bind(port: int | None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for candidate in ([port] if port else range(FIRST_PORT, LAST_PORT + 1)):
        try:
            sock.bind(("127.0.0.1", candidate))
            return sock
        except OSError:
            continue
    sock.close()
    pytest.skip(f"every plugin port {FIRST_PORT}-{LAST_PORT} on 127.0.0.1 is taken")


@contextmanager
def fake_instances(count: int, **kwargs):
    """``count`` fake instances on the first free ports of the range (names "Stepista N")."""
    with ExitStack() as stack:
        yield [stack.enter_context(FakeInstance(**kwargs)) for _ in range(count)]
