"""The lookahead scheduler: patterns in beats in, timestamped MIDI out.

Every tick (a few ms) it takes a fresh :class:`~stepista.engine.clock.Timeline` from the
clock, queries each track's pattern for the beats between where it stopped last time (the
*cursor*) and the *horizon* (now + lookahead), and hands each output the messages that fall
before the horizon, stamped with the host time of their beat. Outputs deliver at the stamp
(JACK at the frame, the rtmidi thread by spinning), so the tick's own wake-up jitter never
reaches the notes.

Time stays exact where it can: window edges are rational beats on a 1/960-beat grid, so
windows tile the timeline with no gaps or overlaps and no float drift; only the final
beat → µs conversion is a float.

- **Swaps** land on a boundary (the next quantum by default; bar, beat or now), and the new
  pattern is queried at the same absolute cycles, so it keeps the session's phase. With
  ``cut`` the old pattern's notes still sounding at the boundary end there.
- **Tempo changes and beat jumps** (a Link peer joining) inside the window: messages already
  handed out for after a short guard are withdrawn from the outputs and handed out again on the
  new timeline.
- **Nothing hangs**: each note-on's note-off is scheduled with it; transport stop, removal of a
  track with cut, and shutdown panic the outputs (note-offs for what sounds, CC 123).
- **Loop outputs** (a Stepista plugin in the DAW) play on a clock of their own: they get no
  messages. A track routed to one by name hands it the loop its pattern makes when the track
  changes, with the swap's boundary as the start rule, and ``None`` when it goes away. A track
  routed to every output (``outputs`` None) reaches only the message outputs.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import time
from collections import deque
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

from ..budget import query_budget
from ..pattern import Pattern
from ..span import Span
from . import BEATS_PER_CYCLE
from .clock import Clock, Timeline
from .hosttime import now_us
from .midi import CCSpec, NotPlayable, to_midi
from .outputs.base import (CLOCK, CONTINUE, NOTE_OFF, NOTE_ON, SONG_POSITION, START, STOP,
                           LoopOutput, Output)
from .plugins.loops import pattern_loop
from .plugins.protocol import NEXT_QUANTUM, NOW, Loop, Start

log = logging.getLogger("stepista.engine")

GRID = 960
"""Window edges sit on this many steps per beat: exact fractions, no drift."""

QUANTIZE = {"quantum": None, "bar": Fraction(BEATS_PER_CYCLE), "beat": Fraction(1),
            "now": Fraction(0)}
"""Swap boundaries by name; ``quantum`` reads the clock's quantum at the time of the swap."""

STOP_WAIT_S = 0.03
"""How long closing waits for a MIDI clock stop message to leave."""

MOVED_US = 100
"""A timeline that moved by more than this (µs at now) is taken anew; less is read noise."""
JUMP_US = 2000
REANCHOR_US = 1_000_000
"""A line that has not moved is still read anew this often: the tempo reads back rounded
(Link keeps µs per beat), so an old reading drifts by about a µs a second."""
"""A move larger than this is a beat jump, not a tempo change or a Link clock correction."""


def _grid_floor(beat: float) -> Fraction:
    return Fraction(math.floor(beat * GRID), GRID)


def _grid_ceil(beat: float) -> Fraction:
    return Fraction(math.ceil(beat * GRID), GRID)


@dataclass(order=True)
class Item:
    """A message due at a beat. ``outputs`` None means every output; ``track`` None is the
    scheduler's own (MIDI clock)."""
    beat: float
    seq: int
    message: tuple = field(compare=False)
    track: str | None = field(compare=False, default=None)
    outputs: tuple[str, ...] | None = field(compare=False, default=None)
    kind: str = field(compare=False, default="note")  # "on", "off", "cc", "clock"


@dataclass
class Change:
    """A pattern waiting for its boundary; ``pattern`` None removes the track."""
    at: Fraction
    pattern: Pattern | None
    cut: bool


@dataclass
class Track:
    """A named voice: its pattern, default MIDI channel and the outputs it plays to."""
    name: str
    pattern: Pattern | None = None
    channel: int = 1
    outputs: tuple[str, ...] | None = None
    owner: object = None
    changes: list[Change] = field(default_factory=list)
    last_good: Pattern | None = None
    error: str | None = None
    loop: Loop | None = None  # what the loop outputs it is routed to play


class Scheduler:
    """Plays tracks to outputs on a clock. Call :meth:`tick` every few ms from one thread
    (the engine's loop); everything else is called from that same thread.

    ``notify(kind, **fields)`` hears about errors and swaps, for the engine to pass on.
    """

    def __init__(self, clock: Clock, *, lookahead_ms: float = 50.0, guard_ms: float = 2.0,
                 catch_up_ms: float = 30.0, query_seconds: float = 0.05,
                 notify: Callable[..., None] | None = None) -> None:
        self.clock = clock
        self.lookahead_us = round(lookahead_ms * 1000)
        self.guard_us = round(guard_ms * 1000)
        self.catch_up_us = round(catch_up_ms * 1000)
        self.query_seconds = query_seconds
        self.notify = notify or (lambda kind, **fields: None)
        self.outputs: dict[str, Output] = {}
        self.tracks: dict[str, Track] = {}
        self._heap: list[Item] = []
        self._seq = itertools.count()
        self._recent: deque[tuple[int, Item]] = deque()
        self._cursor: Fraction | None = None
        self._line: Timeline | None = None

    # -- outputs and tracks ---------------------------------------------------------------

    def add_output(self, output: Output) -> None:
        """Add ``output``, replacing one with the same label. A loop output gets the loops of
        the tracks already routed to it (it was closed and opened again)."""
        old = self.outputs.pop(output.label, None)
        if old is not None:
            old.close()
        self.outputs[output.label] = output
        if output.plays_loops:
            start = self._loop_start("quantum")
            for track in self.tracks.values():
                if track.loop is not None and output.label in (track.outputs or ()):
                    output.set_loop(track.name, track.loop, start)

    def remove_output(self, label: str) -> None:
        output = self.outputs.pop(label)
        output.close()

    @property
    def playing(self) -> bool:
        return self._cursor is not None

    def boundary(self, quantize: str | float = "quantum") -> Fraction:
        """The beat at which a change asked for now would land."""
        if self._cursor is None:
            return Fraction(-10**9)  # stopped: changes apply at once
        step = QUANTIZE[quantize] if isinstance(quantize, str) else Fraction(quantize)
        if step is None:
            step = Fraction(self.clock.quantum).limit_denominator(GRID)
        if step <= 0:
            return self._cursor
        return math.ceil(self._cursor / step) * step

    def set_track(self, name: str, pattern: Pattern | None, *, channel: int | None = None,
                  outputs: tuple[str, ...] | None = None, quantize: str | float = "quantum",
                  cut: bool = False, owner: object = None, loop: Loop | None = None) -> Fraction:
        """Play ``pattern`` on track ``name`` from the next boundary (``None`` removes the
        track there). Returns the boundary beat. A change still waiting is replaced.

        ``outputs`` None keeps the track's routing, ``()`` routes it to every output. When the
        track is routed to loop outputs, ``loop`` is what they play; when not given it is made
        here from the pattern, querying up to 32 cycles (the engine makes it beforehand, off
        its timing thread). A loop an output cannot take raises a ``ValueError`` before
        anything changes.
        """
        if quantize not in QUANTIZE and not isinstance(quantize, (int, float, Fraction)):
            raise ValueError(f"quantize {quantize!r}: expected one of {', '.join(QUANTIZE)} "
                             "or a number of beats")
        track = self.tracks.get(name)
        if track is None and pattern is None:
            raise KeyError(f"no track named {name!r}")
        routed = (track.outputs if track else None) if outputs is None else (outputs or None)
        before = self.loop_outputs(track.outputs) if track else []
        after = self.loop_outputs(routed) if pattern is not None else []
        if after and loop is None:
            loop = pattern_loop(pattern, self.track_channel(name, channel), track=name)
        for output in after:
            output.check_loop(name, loop)
        if track is None:
            track = self.tracks[name] = Track(name, owner=owner)
        if channel is not None:
            track.channel = channel
        track.outputs, track.loop = routed, loop if after else None
        at = self.boundary(quantize)
        track.changes = [c for c in track.changes if c.at < at]
        track.changes.append(Change(at, pattern, cut))
        self._hand_loops(track, before, after, quantize)
        return at

    def loop_outputs(self, labels: tuple[str, ...] | None) -> list[LoopOutput]:
        """The loop outputs among ``labels`` (none for None: every output means every message
        output; a plugin plays only the tracks routed to it by name)."""
        found = [self.outputs.get(label) for label in labels or ()]
        return [o for o in found if o is not None and o.plays_loops]

    def track_channel(self, name: str, channel: int | None = None) -> int:
        """The channel track ``name`` would play on after a change asking for ``channel``."""
        if channel is not None:
            return channel
        track = self.tracks.get(name)
        return track.channel if track else 1

    def _hand_loops(self, track: Track, before: list[LoopOutput], after: list[LoopOutput],
                    quantize: str | float) -> None:
        start = self._loop_start(quantize)
        for output in before:
            if output not in after:
                output.set_loop(track.name, None, start)
        for output in after:
            output.set_loop(track.name, track.loop, start)
        if after:
            for notice in track.loop.notices:
                self.notify("notice", track=track.name, message=notice)

    def _loop_start(self, quantize: str | float) -> Start:
        """The start rule that puts a loop output's change on the same boundary as a swap."""
        quantum = Fraction(self.clock.quantum).limit_denominator(GRID)
        step = QUANTIZE[quantize] if isinstance(quantize, str) else \
            Fraction(quantize).limit_denominator(GRID)
        if step is None:
            step = quantum
        return Start(NOW, quantum) if step <= 0 else Start(NEXT_QUANTUM, step)

    def remove_owned(self, owner: object) -> list[str]:
        """Remove every track ``owner`` made, cutting its notes now (a client went away)."""
        names = [t.name for t in self.tracks.values() if t.owner is owner]
        for name in names:
            self.set_track(name, None, quantize="now", cut=True)
        if self._cursor is None:
            for name in names:
                self.tracks.pop(name, None)
        return names

    # -- the tick -------------------------------------------------------------------------

    def tick(self, now: int | None = None) -> None:
        now = now_us() if now is None else now
        line = self.clock.timeline()
        if not line.playing:
            if self._cursor is not None:
                self._stop(now)
            self._line = line
            return
        if self._cursor is None:
            self._start(line, now)
        elif self._moved(line, now):
            self._retime(line, now)
        elif line.time_us - self._line.time_us < REANCHOR_US:
            line = self._line  # the same line read again: keep the reading already in use
        self._line = line
        end = _grid_floor(line.beat_at(now + self.lookahead_us + self._early_us()))
        if end > self._cursor:
            self._query(self._cursor, end)
            self._cursor = end
        self._commit(float(end), line)
        while self._recent and self._recent[0][0] < now - self.guard_us:
            self._recent.popleft()

    def _early_us(self) -> int:
        """How much earlier than its beat the earliest output wants its messages."""
        return max([0] + [-o.latency_us for o in self.outputs.values()])

    def _moved(self, line: Timeline, now: int) -> bool:
        old = self._line
        if old is None or old.tempo != line.tempo:
            return True
        return abs(line.beat_at(now) - old.beat_at(now)) * 60e6 / line.tempo > MOVED_US

    def _start(self, line: Timeline, now: int) -> None:
        beat = line.beat_at(now)
        quantum = self.clock.quantum
        downbeat = math.floor(beat / quantum) * quantum
        late_us = (beat - downbeat) * 60e6 / line.tempo
        if beat < 0:  # the start lies ahead (beat 0 is the start): nothing plays before it
            self._cursor = Fraction(0)
        elif late_us <= self.catch_up_us:  # seen a moment after its downbeat: still play it
            self._cursor = Fraction(downbeat).limit_denominator(GRID)
        else:
            self._cursor = _grid_ceil(beat)
        self._line = line
        self._clock_start(self._cursor)
        self.notify("started", beat=float(self._cursor))

    def _stop(self, now: int) -> None:
        self._cursor = None
        self._heap.clear()
        self._recent.clear()
        for output in self.outputs.values():
            output.panic()
            if output.clock:
                output.send_at((STOP,), now)
        for track in list(self.tracks.values()):
            self._apply_changes(track, Fraction(10**9))
        self.notify("stopped")

    def _retime(self, line: Timeline, now: int) -> None:
        """The timeline changed under messages already handed out: withdraw those due after
        the guard and hand them out again on the new line.

        A note keeps its beat: when the tempo changes it lands where the session's beat
        now falls. When the beat itself jumped (a Link peer joined and the phase realigned),
        the window is queried again from the new beat; notes whose beats were skipped over
        are dropped rather than sent in a burst, and note-offs are all kept.
        """
        old, cut = self._line, now + self.guard_us
        jumped = abs(line.beat_at(cut) - old.beat_at(cut)) * 60e6 / line.tempo > JUMP_US
        for output in self.outputs.values():
            output.cancel_after(cut)
        keep: deque[tuple[int, Item]] = deque()
        for at, item in self._recent:
            if at <= cut:
                keep.append((at, item))
            elif item.kind == "off" or not jumped:
                heapq.heappush(self._heap, item)
        self._recent = keep
        if jumped:
            self._heap = [i for i in self._heap if i.kind == "off"]
            heapq.heapify(self._heap)
            self._cursor = _grid_ceil(line.beat_at(cut))
        self.notify("tempo", tempo=line.tempo, jumped=jumped)

    # -- querying ------------------------------------------------------------------------

    def _query(self, begin: Fraction, end: Fraction) -> None:
        for track in list(self.tracks.values()):
            start = begin
            for change in [c for c in track.changes if c.at < end]:
                if change.at > start:
                    self._play(track, start, change.at)
                    start = change.at
                self._apply_change(track, change)
            if track.name in self.tracks and start < end:
                self._play(track, start, end)
        self._clock_ticks(begin, end)

    def _apply_changes(self, track: Track, until: Fraction) -> None:
        for change in [c for c in track.changes if c.at < until]:
            self._apply_change(track, change)

    def _apply_change(self, track: Track, change: Change) -> None:
        track.changes.remove(change)
        if change.cut:
            self._cut(track.name, float(change.at))
        if change.pattern is None:
            if not track.changes:
                del self.tracks[track.name]
            return
        if track.pattern is not None and track.error is None:
            track.last_good = track.pattern
        track.pattern, track.error = change.pattern, None
        self.notify("swapped", track=track.name, beat=float(change.at))

    def _cut(self, name: str, beat: float) -> None:
        """End the track's notes that sound past ``beat`` at ``beat``."""
        moved = False
        for item in self._heap:
            if item.track == name and item.kind == "off" and item.beat > beat:
                item.beat, moved = beat, True
        if moved:
            heapq.heapify(self._heap)

    def _play(self, track: Track, begin: Fraction, end: Fraction) -> None:
        if track.pattern is None:
            return
        span = Span.of(begin / BEATS_PER_CYCLE, end / BEATS_PER_CYCLE)
        try:
            with query_budget(self.query_seconds):
                events = track.pattern.query(span)
        except Exception as exc:  # a pattern that fails at play time must not stop the music
            self._query_failed(track, exc, begin, end)
            return
        for event in events:
            if event.has_onset():
                self._schedule(track, event)

    def _query_failed(self, track: Track, exc: Exception, begin: Fraction, end: Fraction) -> None:
        message = f"track {track.name}: {type(exc).__name__}: {exc}"
        log.warning("%s (beats %s-%s)", message, float(begin), float(end))
        fallback = track.last_good
        track.pattern, track.last_good, track.error = fallback, None, message
        self.notify("error", track=track.name, error=message,
                    action="back to the previous pattern" if fallback else "track muted")
        if fallback is not None:
            self._play(track, begin, end)

    def _schedule(self, track: Track, event) -> None:
        try:
            specs = to_midi(event.value, event.whole.end - event.whole.begin, track.channel)
        except NotPlayable as exc:
            if track.error != str(exc):
                track.error = str(exc)
                self.notify("error", track=track.name, error=f"track {track.name}: {exc}",
                            action="event skipped")
            return
        onset = Fraction(event.whole.begin) * BEATS_PER_CYCLE
        for spec in specs:
            if isinstance(spec, CCSpec):
                self._push(float(onset), (0xB0 | spec.channel - 1, spec.control, spec.value),
                           track, "cc")
                continue
            status = spec.channel - 1
            self._push(float(onset), (NOTE_ON | status, spec.pitch, spec.velocity), track, "on")
            self._push(float(onset + spec.beats), (NOTE_OFF | status, spec.pitch, 0), track, "off")

    def _push(self, beat: float, message: tuple, track: Track | None, kind: str,
              outputs: tuple[str, ...] | None = None) -> None:
        item = Item(beat, next(self._seq), message, track.name if track else None,
                    track.outputs if track else outputs, kind)
        heapq.heappush(self._heap, item)

    # -- MIDI clock ----------------------------------------------------------------------

    def _clock_outputs(self) -> tuple[str, ...]:
        return tuple(label for label, o in self.outputs.items() if o.clock)

    def _clock_start(self, beat: Fraction) -> None:
        labels = self._clock_outputs()
        if not labels:
            return
        first = math.ceil(beat * 4) / 4  # song position counts sixteenths
        sixteenths = max(0, math.floor(first * 4)) % 16384
        at = first - Fraction(1, 96)  # just before the first pulse, which is the downbeat
        if sixteenths == 0:
            self._push(float(at), (START,), None, "clock", labels)
        else:
            self._push(float(at), (SONG_POSITION, sixteenths & 0x7F, sixteenths >> 7), None,
                       "clock", labels)
            self._push(float(at), (CONTINUE,), None, "clock", labels)

    def _clock_ticks(self, begin: Fraction, end: Fraction) -> None:
        labels = self._clock_outputs()
        if not labels:
            return
        for k in range(math.ceil(begin * 24), math.ceil(end * 24)):
            self._push(k / 24, (CLOCK,), None, "clock", labels)

    # -- handing out -----------------------------------------------------------------------

    def _commit(self, end: float, line: Timeline) -> None:
        while self._heap and self._heap[0].beat < end:
            item = heapq.heappop(self._heap)
            at = line.time_at(item.beat)
            for output in self._targets(item):
                output.send_at(item.message, at, item.beat)
            self._recent.append((at, item))

    def _targets(self, item: Item) -> list[Output]:
        if item.outputs is None:
            return [o for o in self.outputs.values() if not o.plays_loops]
        found = [self.outputs.get(label) for label in item.outputs]
        return [o for o in found if o is not None and not o.plays_loops]

    def panic(self) -> None:
        """Silence now: drop what is queued, note-offs for what sounds, CC 123."""
        self._heap = [i for i in self._heap if i.kind == "clock"]
        heapq.heapify(self._heap)
        self._recent.clear()
        for output in self.outputs.values():
            output.panic()

    def close(self) -> None:
        """Panic and close every output (the engine is going away); clock outputs get a stop."""
        self._heap.clear()
        clocked = [o for o in self.outputs.values() if o.clock]
        for output in clocked:
            output.panic()
            output.send_at((STOP,), now_us())
        if clocked:
            time.sleep(STOP_WAIT_S)  # let the outputs deliver it before they close
        for output in list(self.outputs.values()):
            try:
                output.close()
            except Exception:  # one failing output must not keep the others sounding
                log.exception("closing %s", output.label)
        self.outputs.clear()

    def status(self) -> dict:
        return {
            "playing": self.playing,
            "beat": None if self._cursor is None else float(self._cursor),
            "tracks": {t.name: {"channel": t.channel, "outputs": list(t.outputs or []),
                                "pending": [float(c.at) for c in t.changes],
                                "error": t.error}
                       for t in self.tracks.values()},
            "outputs": {label: o.status for label, o in self.outputs.items()},
        }
