"""What every output is: timestamped sends, cancellation, panic, and the sounding-note ledger.

An output receives raw MIDI messages (tuples of ints) stamped with the host time in µs
(:mod:`stepista.engine.hosttime`) at which they should sound, plus the Link beat they belong
to (for outputs that record musical time). The public :meth:`Output.send_at` validates and
adds the output's latency offset; backends implement ``_send_at``, ``_cancel_after``,
``_panic`` and ``_close``. Backends keep a :class:`Sounding` ledger of what they have actually
delivered, so a panic can end exactly the notes that sound.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from ..plugins.protocol import Loop, Start

Message = tuple[int, ...]

NOTE_OFF, NOTE_ON, CONTROL_CHANGE = 0x80, 0x90, 0xB0
ALL_NOTES_OFF = 123
CLOCK, START, CONTINUE, STOP, SONG_POSITION = 0xF8, 0xFA, 0xFB, 0xFC, 0xF2

_DATA_BYTES = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}
_SYSTEM_DATA_BYTES = {SONG_POSITION: 2, CLOCK: 0, START: 0, CONTINUE: 0, STOP: 0}


class OutputError(RuntimeError):
    """An output could not be opened or has failed; the message says which and why."""


def check_message(message: Message) -> Message:
    """Validate a raw MIDI message and return it as a tuple.

    >>> check_message([0x90, 60, 100])
    (144, 60, 100)
    >>> check_message((0x90, 60))
    Traceback (most recent call last):
    ...
    ValueError: MIDI message (144, 60): status 0x90 takes 2 data bytes, got 1
    """
    message = tuple(message)
    if not message or not 0x80 <= message[0] <= 0xFF:
        raise ValueError(f"MIDI message {message}: the first byte must be a status byte (0x80-0xFF)")
    status = message[0]
    wanted = _SYSTEM_DATA_BYTES.get(status) if status >= 0xF0 else _DATA_BYTES[status & 0xF0]
    if wanted is None:
        raise ValueError(f"MIDI message {message}: status 0x{status:02X} is not sent by Stepista")
    if len(message) - 1 != wanted:
        raise ValueError(f"MIDI message {message}: status 0x{status:02X} takes {wanted} data bytes,"
                         f" got {len(message) - 1}")
    if any(not 0 <= b <= 127 for b in message[1:]):
        raise ValueError(f"MIDI message {message}: data bytes must be 0-127")
    return message


def is_note_on(message: Message) -> bool:
    return message[0] & 0xF0 == NOTE_ON and message[2] > 0


def is_note_off(message: Message) -> bool:
    kind = message[0] & 0xF0
    return kind == NOTE_OFF or (kind == NOTE_ON and message[2] == 0)


class Sounding:
    """Which notes an output has turned on and not yet off, counted per (channel, note).

    Call :meth:`delivered` for every message as it actually leaves; :meth:`panic_messages`
    gives the note-offs for what still sounds, then CC 123 on every channel used.

    >>> s = Sounding()
    >>> s.delivered((0x90, 60, 100)); s.delivered((0x91, 64, 90)); s.delivered((0x80, 60, 0))
    >>> s.panic_messages()
    [(129, 64, 0), (176, 123, 0), (177, 123, 0)]
    """

    def __init__(self) -> None:
        self.counts: dict[tuple[int, int], int] = {}
        self.channels: set[int] = set()

    def delivered(self, message: Message) -> None:
        if message[0] >= 0xF0:
            return
        channel = message[0] & 0x0F
        self.channels.add(channel)
        if is_note_on(message):
            key = (channel, message[1])
            self.counts[key] = self.counts.get(key, 0) + 1
        elif is_note_off(message):
            key = (channel, message[1])
            left = self.counts.get(key, 0) - 1
            if left > 0:
                self.counts[key] = left
            else:
                self.counts.pop(key, None)

    def panic_messages(self) -> list[Message]:
        """Note-off for each sounding note (once per key), then CC 123 on every channel used;
        clears the ledger."""
        offs = [(NOTE_OFF | ch, note, 0) for ch, note in sorted(self.counts)]
        ccs = [(CONTROL_CHANGE | ch, ALL_NOTES_OFF, 0) for ch in sorted(self.channels)]
        self.counts.clear()
        self.channels.clear()
        return offs + ccs

    def __bool__(self) -> bool:
        return bool(self.counts)


@dataclass(frozen=True, order=True)
class Timed:
    """A message waiting for its time. ``seq`` keeps equal stamps in the order they were sent."""
    at_us: int
    seq: int
    message: Message
    beat: float


class TimedQueue:
    """A thread-safe priority queue of :class:`Timed` messages, for backends that deliver
    from a thread of their own (JACK's process callback, the rtmidi sender thread)."""

    def __init__(self) -> None:
        self._heap: list[Timed] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self.changed = threading.Condition(self._lock)
        self._version = 0  # bumped on every change, so a waiter cannot miss one (wait_change)

    def push(self, message: Message, at_us: int, beat: float) -> None:
        with self._lock:
            heapq.heappush(self._heap, Timed(at_us, next(self._seq), message, beat))
            self._bump()

    def pop_until(self, until_us: int) -> list[Timed]:
        """Remove and return, in time order, every message stamped before ``until_us``."""
        out = []
        with self._lock:
            while self._heap and self._heap[0].at_us < until_us:
                out.append(heapq.heappop(self._heap))
        return out

    def cancel_after(self, after_us: int) -> list[Timed]:
        """Remove and return the messages stamped after ``after_us``."""
        with self._lock:
            kept = [t for t in self._heap if t.at_us <= after_us]
            dropped = [t for t in self._heap if t.at_us > after_us]
            heapq.heapify(kept)
            self._heap = kept
            self._bump()
        return sorted(dropped)

    def clear(self) -> list[Timed]:
        with self._lock:
            dropped, self._heap = sorted(self._heap), []
            self._bump()
        return dropped

    def next_time(self) -> int | None:
        with self._lock:
            return self._heap[0].at_us if self._heap else None

    def __len__(self) -> int:
        with self._lock:
            return len(self._heap)

    # -- waiting, for a sender thread ------------------------------------------------------

    @property
    def version(self) -> int:
        """A counter that every push, cancel, clear and :meth:`wake` increases."""
        with self._lock:
            return self._version

    def wake(self) -> None:
        """Count as a change, so a thread in :meth:`wait_change` looks again (at a flag, say)."""
        with self._lock:
            self._bump()

    def wait_change(self, seen: int, timeout: float) -> int:
        """Wait up to ``timeout`` seconds unless the queue changed since ``version`` was
        ``seen``; return the version now. Read ``version`` *before* looking at the queue and
        pass it here: a change made in between then returns at once instead of being missed.
        """
        with self._lock:
            if self._version == seen:
                self.changed.wait(timeout)
            return self._version

    def _bump(self) -> None:
        self._version += 1
        self.changed.notify_all()


class Output(ABC):
    """An opened MIDI destination. Thread-safe: the scheduler calls it from the engine loop.

    ``latency_ms`` shifts every message by that much (negative plays earlier, to make up for a
    synth that is late); ``clock`` asks the scheduler to send MIDI clock (24 ppqn, start/stop)
    here too. ``status`` is "ok" or says what is wrong ("lost: …", "reopening …").
    """

    kind = "output"
    plays_loops = False
    """True for a :class:`LoopOutput`: it gets whole loops, never timed messages."""

    def __init__(self, name: str, *, latency_ms: float = 0.0, clock: bool = False) -> None:
        self.name = name
        self.latency_us = round(latency_ms * 1000)
        self.clock = clock
        self.status = "ok"
        self.closed = False

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"

    def send_at(self, message: Message, at_us: int, beat: float = 0.0) -> None:
        """Deliver ``message`` at host time ``at_us`` (plus this output's latency)."""
        if self.closed:
            return
        self._send_at(check_message(message), at_us + self.latency_us, beat)

    def cancel_after(self, at_us: int) -> None:
        """Drop undelivered messages scheduled after ``at_us`` (before latency is added)."""
        if not self.closed:
            self._cancel_after(at_us + self.latency_us)

    def panic(self) -> None:
        """Drop everything pending, end every sounding note, send CC 123 on the channels used."""
        if not self.closed:
            self._panic()

    def close(self) -> None:
        """Panic, then release the port. Safe to call twice."""
        if self.closed:
            return
        try:
            self._panic()
        finally:
            self.closed = True
            self._close()

    @abstractmethod
    def _send_at(self, message: Message, at_us: int, beat: float) -> None: ...

    @abstractmethod
    def _cancel_after(self, at_us: int) -> None: ...

    @abstractmethod
    def _panic(self) -> None: ...

    @abstractmethod
    def _close(self) -> None: ...

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label} latency={self.latency_us}us status={self.status!r}>"


class LoopOutput(Output):
    """An output that plays whole loops on a clock of its own (a Stepista plugin inside a
    DAW): instead of timed messages, the scheduler hands it each track's loop when the track
    changes (:meth:`set_loop`), and ``None`` when the track goes away.

    ``on_notice(message)`` hears what the performer should know (a plugin that does not
    answer); it may be called from a thread of the output's own.
    """

    plays_loops = True

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.on_notice: Callable[[str], None] = lambda message: None

    @abstractmethod
    def check_loop(self, track: str, loop: "Loop") -> None:
        """Raise a ``ValueError`` saying why, if :meth:`set_loop` could not take ``loop``
        for ``track``; change nothing."""

    @abstractmethod
    def set_loop(self, track: str, loop: "Loop | None", start: "Start") -> None:
        """Play ``loop`` for ``track`` from ``start`` (None: stop playing the track)."""

    def _send_at(self, message: Message, at_us: int, beat: float) -> None:
        pass  # loops only: the scheduler never hands this output messages

    def _cancel_after(self, at_us: int) -> None:
        pass
