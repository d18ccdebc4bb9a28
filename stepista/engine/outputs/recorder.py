"""The ``file:PATH.mid`` output: a recording in musical time, written when the output closes.

Messages are kept with their Link beat; the file's ticks count from the start of the bar of
the first message (480 per beat), so a take starts on its downbeat. A note still sounding at
close gets its note-off there (the panic that precedes every close writes it). The file is
written atomically (a temporary file, then a rename): an interrupted write leaves no half file.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import mido

from .. import BEATS_PER_CYCLE
from .base import Message, Output, OutputError, Sounding

TICKS_PER_BEAT = 480


class RecorderOutput(Output):
    kind = "file"

    def __init__(self, path: str, *, latency_ms: float = 0.0, clock: bool = False,
                 bpm: float = 120.0) -> None:
        super().__init__(path, latency_ms=0.0, clock=False)  # time here is musical: no latency
        self.path = Path(path).expanduser()
        if not self.path.parent.is_dir():
            raise OutputError(f"file:{path}: the folder {self.path.parent} does not exist")
        self.bpm = bpm
        self.messages: list[tuple[float, int, Message]] = []  # (beat, order, message)
        self.sounding = Sounding()
        self._last_beat = 0.0

    def _send_at(self, message: Message, at_us: int, beat: float) -> None:
        self.messages.append((beat, len(self.messages), message))
        self.sounding.delivered(message)
        self._last_beat = max(self._last_beat, beat)

    def _cancel_after(self, at_us: int) -> None:
        pass  # a recording keeps what was played; retimed notes come again with their beats

    def _panic(self) -> None:
        for message in self.sounding.panic_messages():
            if message[0] & 0xF0 == 0x80:
                self.messages.append((self._last_beat, len(self.messages), message))

    def _close(self) -> None:
        if self.messages:
            write_take(self.messages, self.path, self.bpm)


def write_take(messages: list[tuple[float, int, Message]], path: Path, bpm: float) -> None:
    """Write (beat, order, message) triples as a type-1 file, atomically."""
    ordered = sorted(messages)
    first_bar = math.floor(ordered[0][0] / BEATS_PER_CYCLE) * BEATS_PER_CYCLE
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0)])
    now = 0
    for beat, _, message in ordered:
        tick = max(0, round((beat - first_bar) * TICKS_PER_BEAT))
        track.append(mido.Message.from_bytes(list(message), time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT, tracks=[track])
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            mid.save(file=f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
