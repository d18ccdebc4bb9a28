"""The wire format between the engine and plugin instances (``plugin/PROTOCOL.md``, version 1).

OSC 1.0 over UDP on 127.0.0.1, one message per datagram, encoded and decoded with python-osc.
This module only turns values into datagrams and back; sockets live in
:mod:`~stepista.engine.plugins.discovery` and the engine output.

A :class:`Loop` is what a plugin plays: notes placed in exact beats inside a loop some beats
long, on one MIDI channel. :func:`clip_message` places it on the tick grid the protocol asks
for: ``tpq`` (ticks per beat) is the least common multiple of every denominator, so the wire
carries the rational times exactly.

>>> loop = Loop(Fraction(4), 1, (LoopNote(Fraction(0), Fraction(1, 3), 60, 100),
...                               LoopNote(Fraction(5, 2), Fraction(1, 2), 64, 90)))
>>> ticks_per_beat(loop, Fraction(4))
6
>>> packet = clip_message(loop, seq=7, reply_port=50000, start=Start(NEXT_QUANTUM, Fraction(4)))
>>> len(packet), packet[:16]
(92, b'/stepista/clip\\x00\\x00')
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass, field
from fractions import Fraction

from pythonosc.osc_message import OscMessage
from pythonosc.parsing import osc_types

__all__ = ["PROTOCOL_VERSION", "HOST", "ANNOUNCE_PORT", "FIRST_PORT", "LAST_PORT", "PORTS",
           "PORT_RANGE", "MAX_NOTES", "MAX_TPQ", "MAX_LOOP_BEATS", "MAX_QUANTUM_BEATS",
           "MAX_DATAGRAM", "NOW", "NEXT_QUANTUM", "LOOP_END", "SYNC_MODES", "LoopNote", "Loop",
           "Start", "LoopError", "Instance", "Ack", "ticks_per_beat", "check_note_count",
           "clip_message", "clear_message", "name_message", "ping_message", "read_reply",
           "wire_seq"]

PROTOCOL_VERSION = 1
HOST = "127.0.0.1"
ANNOUNCE_PORT = 47800
FIRST_PORT, LAST_PORT = 47801, 47864
PORTS = range(FIRST_PORT, LAST_PORT + 1)
PORT_RANGE = f"{HOST}:{FIRST_PORT}-{LAST_PORT}"
MAX_NOTES = 2048
MAX_TPQ = 1 << 20
MAX_LOOP_BEATS = 1024
MAX_QUANTUM_BEATS = 64
MAX_DATAGRAM = 65_000
MAX_NAME_BYTES = 64

NOW, NEXT_QUANTUM, LOOP_END = 0, 1, 2
"""When a clip or clear takes over: at once, at the next quantum boundary, at the loop's end."""

SYNC_MODES = {0: "host transport", 1: "Ableton Link", 2: "host when it plays, else Link"}

_INT32_MAX = 2**31 - 1
_NOTE = struct.Struct(">iiii")
_ID = re.compile(r"[0-9a-f]{8}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# -- what a plugin plays ---------------------------------------------------------------------

@dataclass(frozen=True)
class LoopNote:
    """One note of a loop: ``start`` and ``duration`` in beats, MIDI pitch and velocity."""
    start: Fraction
    duration: Fraction
    pitch: int
    velocity: int


@dataclass(frozen=True)
class Loop:
    """Notes repeating every ``length`` beats on one MIDI ``channel`` (1-16).

    ``notices`` are what the performer should know about how it was made (a pattern that does
    not repeat, control changes left out); they are not sent.
    """
    length: Fraction
    channel: int = 1
    notes: tuple[LoopNote, ...] = ()
    notices: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Start:
    """When a new clip takes over: ``rule`` is :data:`NOW`, :data:`NEXT_QUANTUM` or
    :data:`LOOP_END`; ``quantum`` is the quantum in beats (1/64..64)."""
    rule: int = NEXT_QUANTUM
    quantum: Fraction = Fraction(4)


class LoopError(ValueError):
    """A loop the plugin cannot take; the message says what, where and how to fix it."""


# -- app -> instance -------------------------------------------------------------------------

def ticks_per_beat(loop: Loop, quantum: Fraction = Fraction(1)) -> int:
    """The least common multiple of the denominators of every start, duration, the loop's
    length and the quantum: the coarsest grid on which all of them are whole ticks."""
    times = [loop.length, Fraction(quantum)]
    for note in loop.notes:
        times += (note.start, note.duration)
    return math.lcm(*(Fraction(t).denominator for t in times))


def clip_message(loop: Loop, *, seq: int, reply_port: int, start: Start,
                 what: str = "the loop") -> bytes:
    """The ``/stepista/clip`` datagram for ``loop``. :class:`LoopError` (naming ``what``)
    when the plugin could not take it: too many notes, too long, too fine a grid, a note
    outside the loop or without length, a value out of range."""
    _check_loop(loop, what)
    quantum = Fraction(start.quantum)
    if not 0 < quantum <= MAX_QUANTUM_BEATS:
        raise LoopError(f"{what}: a quantum of {_beats(quantum)} beats; the plugin takes"
                        f" more than 0 and at most {MAX_QUANTUM_BEATS}")
    if start.rule not in (NOW, NEXT_QUANTUM, LOOP_END):
        raise LoopError(f"{what}: start rule {start.rule} is not 0, 1 or 2")
    if not (reply_port == 0 or 1024 <= reply_port <= 65535):
        raise LoopError(f"{what}: reply port {reply_port} is not 0 or 1024-65535")
    tpq = ticks_per_beat(loop, quantum)
    if tpq > MAX_TPQ:
        raise LoopError(f"{what}: its times need {tpq:,} ticks per beat to be exact; the plugin"
                        f" takes at most {MAX_TPQ:,} (use fewer unusual subdivisions: tuplets"
                        " of 7, 11, 13… nested in each other multiply)")
    blob = b"".join(_NOTE.pack(int(n.start * tpq), int(n.duration * tpq), n.pitch, n.velocity)
                    for n in loop.notes)
    return _datagram("/stepista/clip", "iiiiiiib", wire_seq(seq), reply_port, loop.channel, tpq,
                     int(loop.length * tpq), start.rule, int(quantum * tpq), blob)


def clear_message(seq: int, start: int = NOW) -> bytes:
    """``/stepista/clear``: stop the pattern (at once, at the next quantum, or at the loop's
    end) and end its sounding notes."""
    if start not in (NOW, NEXT_QUANTUM, LOOP_END):
        raise ValueError(f"start rule {start} is not 0, 1 or 2")
    return _datagram("/stepista/clear", "ii", wire_seq(seq), start)


def name_message(name: str) -> bytes:
    """``/stepista/name``: rename an instance (1-64 bytes of UTF-8, no control characters)."""
    size = len(name.encode("utf-8"))
    if not 1 <= size <= MAX_NAME_BYTES or _CONTROL.search(name):
        raise ValueError(f"plugin name {name!r}: 1-{MAX_NAME_BYTES} bytes of text without"
                         " control characters")
    return _datagram("/stepista/name", "s", name)


def ping_message(reply_port: int) -> bytes:
    """``/stepista/ping``: ask for a hello at ``127.0.0.1:reply_port``."""
    if not 1 <= reply_port <= 65535:
        raise ValueError(f"reply port {reply_port} is not 1-65535")
    return _datagram("/stepista/ping", "i", reply_port)


def wire_seq(seq: int) -> int:
    """``seq`` as the signed 32-bit integer on the wire (the instance compares with wrapping).

    >>> wire_seq(5), wire_seq(2**31), wire_seq(2**32 + 1)
    (5, -2147483648, 1)
    """
    seq &= 0xFFFFFFFF
    return seq - (1 << 32) if seq > _INT32_MAX else seq


def _check_loop(loop: Loop, what: str) -> None:
    length = Fraction(loop.length)
    if not 0 < length <= MAX_LOOP_BEATS:
        raise LoopError(f"{what}: a loop of {_beats(length)} beats; the plugin takes more than 0"
                        f" and at most {MAX_LOOP_BEATS:,} beats ({MAX_LOOP_BEATS // 4} bars):"
                        " shorten it")
    if not 1 <= loop.channel <= 16:
        raise LoopError(f"{what}: channel {loop.channel} is not 1-16")
    check_note_count(len(loop.notes), what)
    for i, note in enumerate(loop.notes):
        _check_note(i, note, length, what)


def check_note_count(count: int, what: str) -> None:
    """:class:`LoopError` when ``count`` notes are more than a clip carries."""
    if count > MAX_NOTES:
        raise LoopError(f"{what}: {count:,} notes, the plugin takes at most {MAX_NOTES:,} per"
                        " loop (thin the pattern or shorten the loop)")


def _check_note(i: int, note: LoopNote, length: Fraction, what: str) -> None:
    where = f"{what}: note {i + 1} (pitch {note.pitch})"
    if not 0 <= note.pitch <= 127:
        raise LoopError(f"{what}: note {i + 1} has pitch {note.pitch}, outside MIDI's 0-127")
    if not 1 <= note.velocity <= 127:
        raise LoopError(f"{where} has velocity {note.velocity}, outside 1-127")
    if not 0 <= note.start < length:
        raise LoopError(f"{where} starts at beat {_beats(note.start)}, outside the loop of"
                        f" {_beats(length)} beats")
    if note.duration <= 0:
        raise LoopError(f"{where} has no length (duration {_beats(note.duration)} beats)")
    if note.duration > length:
        raise LoopError(f"{where} lasts {_beats(note.duration)} beats, longer than the loop of"
                        f" {_beats(length)}")


def _beats(x: Fraction) -> str:
    x = Fraction(x)
    return str(x.numerator) if x.denominator == 1 else f"{x} ({float(x):g})"


def _datagram(address: str, tags: str, *values) -> bytes:
    """One OSC message from python-osc's own encoders. Not OscMessageBuilder: it refuses an
    empty blob, which OSC 1.0 allows and which is how a silent clip travels."""
    parts = [osc_types.write_string(address), osc_types.write_string("," + tags)]
    for tag, value in zip(tags, values, strict=True):
        if tag == "i":
            parts.append(osc_types.write_int(value))
        elif tag == "s":
            parts.append(osc_types.write_string(value))
        elif value:
            parts.append(osc_types.write_blob(value))
        else:
            parts.append(osc_types.write_int(0))
    return b"".join(parts)


# -- instance -> app -------------------------------------------------------------------------

@dataclass(frozen=True)
class Instance:
    """A plugin instance, as its ``/stepista/hello`` describes it."""
    id: str
    name: str
    port: int
    protocol: int
    seq: int
    sync: int
    dropped: int
    playing: bool
    run: int = 0
    """Drawn when the instance starts: a reloaded plugin has a new one (0: not said)."""

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "port": self.port, "protocol": self.protocol,
                "seq": self.seq, "sync": self.sync, "dropped": self.dropped,
                "playing": self.playing}


@dataclass(frozen=True)
class Ack:
    """An instance's answer to a clip: ``accepted`` False means it dropped the clip."""
    id: str
    seq: int
    accepted: bool


def read_reply(datagram: bytes) -> Instance | Ack | None:
    """A hello or an ack, or None for anything else (junk is never an error: it comes from
    the network). Arguments after the ones version 1 knows are ignored.

    >>> read_reply(b"not osc") is None
    True
    """
    if len(datagram) > MAX_DATAGRAM or not datagram.startswith(b"/stepista/"):
        return None
    try:
        message = OscMessage(datagram)
        _, index = osc_types.get_string(datagram, 0)
        tags, _ = osc_types.get_string(datagram, index)
    except Exception:  # python-osc raises ParseError, but also ValueError and IndexError
        return None
    if message.address == "/stepista/hello" and tags.startswith(",ssiiiiii"):
        run = message.params[8] if tags[9:10] == "i" else 0
        return _instance(message.params[:8], run)
    if message.address == "/stepista/ack" and tags.startswith(",sii"):
        ident, seq, accepted = message.params[:3]
        return Ack(ident, seq, accepted == 1) if _ID.fullmatch(ident) else None
    return None


def _instance(params: list, run: int) -> Instance | None:
    ident, name, port, protocol, seq, sync, dropped, playing = params
    if not _ID.fullmatch(ident) or port not in PORTS or protocol < 1:
        return None
    return Instance(ident, name, port, protocol, seq, sync, dropped, playing == 1, max(run, 0))
