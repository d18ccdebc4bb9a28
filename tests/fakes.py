"""Test doubles for the engine: a clock driven by hand and an output that logs every send."""

from __future__ import annotations

from stepista.engine.clock import Clock, Timeline
from stepista.engine.outputs.base import Output, Sounding


class ManualClock(Clock):
    """A clock whose timeline the test sets; ``now`` is what the test passes to tick()."""

    def __init__(self, tempo=120.0, quantum=4.0, beat=0.0, time_us=0, playing=True):
        super().__init__(tempo, quantum)
        self.line = Timeline(time_us, beat, tempo, playing)

    def timeline(self):
        return self.line

    def set_tempo(self, bpm, at_us=0):
        self.line = Timeline(at_us, self.line.beat_at(at_us), bpm, self.line.playing)

    def start(self):
        self.line = Timeline(self.line.time_us, self.line.beat, self.line.tempo, True)

    def stop(self):
        self.line = Timeline(self.line.time_us, self.line.beat, self.line.tempo, False)


class LogOutput(Output):
    """Keeps (at_us, beat, message) for every message handed to it; cancel removes them again,
    panic logs its messages at ``panic_at`` (the test's idea of now)."""

    kind = "log"

    def __init__(self, name="log", **kw):
        super().__init__(name, **kw)
        self.log: list[tuple[int, float, tuple]] = []
        self.panics = 0
        self.panic_at = 0

    def _send_at(self, message, at_us, beat):
        self.log.append((at_us, beat, message))

    def _cancel_after(self, at_us):
        self.log = [e for e in self.log if e[0] <= at_us]

    def _panic(self):
        self.panics += 1
        self.log = [e for e in self.log if e[0] <= self.panic_at]
        ledger = Sounding()
        for _, _, m in self.log:
            ledger.delivered(m)
        for m in ledger.panic_messages():
            self.log.append((self.panic_at, None, m))

    def _close(self):
        pass

    def notes(self, kind=0x90):
        return [(at, beat, m) for at, beat, m in self.log if m[0] & 0xF0 == kind]
