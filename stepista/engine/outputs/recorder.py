"""The ``file:PATH.mid`` output: a recording in musical time, written when the output closes.

A message is recorded the moment it is sent, with its Link beat: nothing waits for its time,
so what the engine has handed out ahead is in the take too. ``cancel_after`` takes out what
was stamped after the cut, as a live output would drop it (the engine hands those out again
when it retimes; kept, they would be doubled). A panic ends every note still sounding, at the
beat of that moment or, when notes were handed out further ahead, a tick after the last beat
recorded; the panic before every close does this for the notes sounding at the end.

The file is type 1 with one track: ``set_tempo`` from :attr:`RecorderOutput.bpm` (the engine
sets it), then the messages. Ticks count 480 per beat from the start of the bar of the first
message, so a take starts on its downbeat. MIDI clock and other system messages are not
recorded. The file is written atomically: a temporary file in the same folder, then a rename,
so an interrupted write never leaves half a take, nor replaces the last one with it.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
import threading
from pathlib import Path

import mido

from ...midifile import save_atomically

from .. import BEATS_PER_CYCLE
from ..hosttime import now_us
from .base import Message, Output, OutputError, Sounding, is_note_off

log = logging.getLogger(__name__)

TICKS_PER_BEAT = 480
Record = tuple[int, float, int, Message]  # (at_us, beat, order, message)


class RecorderOutput(Output):
    """Records to ``path`` (a .mid file), written on close. ``bpm`` is the tempo the file
    states; ``records`` are ``(at_us, beat, order, message)`` in the order sent."""

    kind = "file"

    def __init__(self, path: str | os.PathLike, *, latency_ms: float = 0.0, clock: bool = False,
                 bpm: float = 120.0) -> None:
        # The file is in beats: latency means nothing here, and clock is not recorded.
        super().__init__(str(path), latency_ms=0.0, clock=False)
        self.path = Path(path).expanduser()
        self.bpm = bpm
        self.records: list[Record] = []
        self.sounding = Sounding()
        self._order = 0
        self._lock = threading.Lock()
        _check_writable(self.path, self.label)

    def _send_at(self, message: Message, at_us: int, beat: float) -> None:
        if message[0] >= 0xF0:
            return  # clock, start, stop, song position: not part of a take
        with self._lock:
            self.records.append((at_us, beat, self._order, message))
            self._order += 1
            self.sounding.delivered(message)

    def _cancel_after(self, at_us: int) -> None:
        with self._lock:
            self._keep_until(at_us)

    def _panic(self) -> None:
        now = now_us()
        with self._lock:
            beat = self._beat_at(now)
            for message in self.sounding.panic_messages():
                self.records.append((now, beat, self._order, message))
                self._order += 1

    def _keep_until(self, at_us: int) -> None:
        """Drop the records stamped after ``at_us``; the ledger follows what is left."""
        kept = [r for r in self.records if r[0] <= at_us]
        if len(kept) != len(self.records):
            self.records = kept
            self.sounding = Sounding()
            for record in kept:
                if not _ends_all(record[3]):  # a past panic's CC 123 uses no channel
                    self.sounding.delivered(record[3])

    def _beat_at(self, at_us: int) -> float:
        """The beat at host time ``at_us`` (on from the last record at ``bpm``), and at least
        a tick after the last beat recorded (a note ending there must not end before it
        starts)."""
        if not self.records:
            return 0.0
        last_us, last_beat = max((r[0], r[1]) for r in self.records)
        latest_beat = max(r[1] for r in self.records)
        return max(latest_beat + 1 / TICKS_PER_BEAT,
                   last_beat + (at_us - last_us) * self.bpm / 60e6)

    def _close(self) -> None:
        with self._lock:
            records = list(self.records)
        if not records:
            log.info("%s: nothing was played; no file written", self.label)
            self.status = "closed: nothing recorded"
            return
        try:
            write_take(records, self.path, self.bpm)
        except OSError as exc:
            self.status = f"failed: {exc}"
            raise OutputError(f"{self.label}: cannot write the take: {exc}") from exc
        self.status = "closed"


def _ends_all(message: Message) -> bool:
    return message[0] & 0xF0 == 0xB0 and message[1] == 123


def _check_writable(path: Path, label: str) -> None:
    """Fail now, not at the end of a take, when the file cannot be written."""
    if path.suffix.lower() not in (".mid", ".midi"):
        raise OutputError(f"{label}: a file output writes a .mid file (got {path.name!r})")
    if not path.parent.is_dir():
        raise OutputError(f"{label}: the folder {path.parent} does not exist")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{label}: cannot write in {path.parent}: {exc.strerror}") from exc
    os.close(fd)
    os.unlink(probe)


def take_to_midifile(records: list[Record], bpm: float) -> mido.MidiFile:
    """The type-1 file for some records: one track, set_tempo first, 480 ticks per beat from
    the start of the first bar; at equal ticks note-offs go before anything else (so a note
    played again on the same beat is not cut off by the end of the one before)."""
    first_bar = math.floor(min(r[1] for r in records) / BEATS_PER_CYCLE) * BEATS_PER_CYCLE

    def key(record: Record) -> tuple[int, int, int]:
        tick = max(0, round((record[1] - first_bar) * TICKS_PER_BEAT))
        return tick, 0 if is_note_off(record[3]) else 1, record[2]

    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0)])
    now = 0
    for tick, _, _order, message in sorted((*key(r), r[3]) for r in records):
        track.append(mido.Message.from_bytes(list(message), time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT, tracks=[track])


def write_take(records: list[Record], path: Path, bpm: float) -> None:
    """Write records as a .mid file atomically (temporary file, fsync, rename)."""
    save_atomically(take_to_midifile(records, bpm), path)
