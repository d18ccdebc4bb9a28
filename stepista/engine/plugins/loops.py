"""Patterns and clips as loops a plugin can play, and several tracks' loops as one.

A plugin plays a finite loop on the DAW's clock, while a pattern is a function over all time.
:func:`pattern_loop` looks for the pattern's period among 1, 2, 4, 8 and 16 cycles (a cycle is
a bar of :data:`~stepista.engine.BEATS_PER_CYCLE` beats): the shortest length whose every
window in the first 32 cycles holds the same notes, shifted. (Checking only the next few
windows would take ``"<[c3 e3]!15 g3>"`` for a one-cycle loop.) A pattern that does not repeat
within 16 cycles plays its first 16 as the loop, with a notice saying so. Events become notes
through :func:`stepista.engine.midi.to_midi`, the scheduler's own rules.

>>> from stepista.controls import note
>>> loop = pattern_loop(note("<c3 e3> g3"), track="d1")
>>> loop.length, [(str(n.start), n.pitch) for n in loop.notes]
(Fraction(8, 1), [('0', 48), ('2', 55), ('4', 52), ('6', 55)])
"""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction

from ...budget import query_budget
from ...clip import Clip
from ...pattern import Pattern
from ...span import Span
from .. import BEATS_PER_CYCLE
from ..midi import CCSpec, NotPlayable, to_midi
from .protocol import MAX_LOOP_BEATS, Loop, LoopError, LoopNote, check_note_count

__all__ = ["pattern_loop", "clip_loop", "merge_loops", "PERIODS", "PROBE_SECONDS"]

PERIODS = (1, 2, 4, 8, 16)
"""The loop lengths tried, in cycles, shortest first."""
PROBE_CYCLES = 2 * PERIODS[-1]
"""Every window of a period in this many first cycles must agree."""
PROBE_SECONDS = 2.0
"""The time budget for querying a pattern to find its loop (the engine does it off its
timing thread)."""

_Key = tuple  # (start in beats, channel, pitch, velocity, beats)
_Onset = tuple  # (onset in cycles, the whole's length in cycles, value)


def pattern_loop(pattern: Pattern, channel: int = 1, *, track: str = "d1",
                 cycles: Fraction | int | None = None,
                 budget_s: float = PROBE_SECONDS) -> Loop:
    """The loop ``pattern`` makes, on the track's ``channel`` where an event names none.

    ``cycles`` fixes the loop's length (a clip knows its own); otherwise it is the shortest
    period found. :class:`LoopError` when the pattern cannot become a loop (too long, or its
    query fails or runs past ``budget_s`` seconds).
    """
    reader = _Reader(pattern, channel)
    notices = []
    try:
        with query_budget(budget_s):
            length = Fraction(cycles) if cycles is not None else _period(reader, track)
            if length is None:
                length = Fraction(PERIODS[-1])
                notices.append(f"track {track}'s pattern does not repeat within {PERIODS[-1]}"
                               f" cycles; the plugin plays its first {PERIODS[-1]} cycles as a"
                               " loop")
            if length * BEATS_PER_CYCLE > MAX_LOOP_BEATS:
                raise LoopError(f"track {track}: a loop of {length} bars; the plugin takes at"
                                f" most {MAX_LOOP_BEATS // BEATS_PER_CYCLE} bars")
            keys = reader.notes(length)
    except LoopError:
        raise
    except Exception as exc:  # a pattern that fails when queried: say so, never crash the engine
        raise LoopError(f"track {track}: no loop for the plugin: {type(exc).__name__}: {exc}") \
            from None
    return _loop(keys, length * BEATS_PER_CYCLE, channel, track, notices + reader.notices(track))


def clip_loop(clip: Clip, *, track: str = "d1") -> Loop:
    """A clip's notes and loop length as they are (a clip is a loop already)."""
    keys = [(n.start, n.channel, n.pitch, n.velocity, n.duration) for n in clip.notes]
    channel = clip.notes[0].channel if clip.notes else 1
    return _loop(sorted(keys), clip.length_beats, channel, track, [])


def merge_loops(loops: dict[str, Loop], what: str) -> Loop:
    """Several tracks' loops (``what`` names them in messages: "tracks d1 and d2 on
    plugin:Drums") as one that a single plugin instance plays: the loop lasts the
    least common multiple of their lengths (loops are anchored at beat 0, so each keeps its
    phase); the first track's channel is the loop's, with a notice when others differ."""
    names = sorted(loops)
    if len(names) == 1:
        return loops[names[0]]
    length = _lcm(*(loops[n].length for n in names))
    if length > MAX_LOOP_BEATS:
        lengths = ", ".join(f"{n} {loops[n].length} beats" for n in names)
        raise LoopError(f"{what}: the tracks' loops ({lengths}) only line up every {length}"
                        f" beats; the plugin takes at most {MAX_LOOP_BEATS:,}: give them lengths"
                        " that divide each other, or route them to separate plugin instances")
    notes = []
    for name in names:
        loop = loops[name]
        repeats = int(length / loop.length)
        notes += [LoopNote(n.start + k * loop.length, n.duration, n.pitch, n.velocity)
                  for k in range(repeats) for n in loop.notes]
    channel = loops[names[0]].channel
    others = sorted({loops[n].channel for n in names} - {channel})
    notices = []
    if others:
        notices.append(f"{what} play on channels {_and([channel, *others])}; a plugin plays"
                       f" one channel, so all go out on channel {channel}")
    notes.sort(key=lambda n: (n.start, n.pitch))
    return Loop(length, channel, tuple(notes), tuple(notices))


# -- finding the period ----------------------------------------------------------------------

class _Reader:
    """A pattern's onsets, queried one cycle at a time and kept. The period is looked for on
    the onsets themselves; only the loop's own become notes (the MIDI rules cost more than
    the query)."""

    def __init__(self, pattern: Pattern, channel: int) -> None:
        self.pattern = pattern
        self.channel = channel
        self._cycles: dict[int, list[_Onset]] = {}
        self._notes: dict[int, list[_Key]] = {}
        self.unplayable: str | None = None
        self.controls = 0

    def repeats(self, length: int, k: int) -> bool:
        """Whether cycles ``[k*length, (k+1)*length)`` hold the onsets of ``[0, length)``
        (compared cycle by cycle, each as offsets from its own start)."""
        return all(_same(self._cycle(k * length + j), self._cycle(j)) for j in range(length))

    def notes(self, length: Fraction) -> list[_Key]:
        """The notes starting in the first ``length`` cycles, sorted."""
        if length.denominator != 1:
            return sorted(k for offset, cycles, value in self._query(0, Fraction(0), length)
                          for k in self._keys(Fraction(offset) * BEATS_PER_CYCLE, cycles, value))
        return sorted((start + c * BEATS_PER_CYCLE, *rest) for c in range(int(length))
                      for start, *rest in self._cycle_notes(c))

    def _cycle(self, c: int) -> list[_Onset]:
        if c not in self._cycles:
            self._cycles[c] = self._query(c, Fraction(c), Fraction(c + 1))
        return self._cycles[c]

    def _cycle_notes(self, c: int) -> list[_Key]:
        """Cycle ``c``'s notes, their starts in beats from the cycle's start; made once."""
        if c not in self._notes:
            self._notes[c] = [k for offset, cycles, value in self._cycle(c)
                              for k in self._keys(Fraction(offset) * BEATS_PER_CYCLE, cycles,
                                                  value)]
        return self._notes[c]

    def _query(self, origin: int, begin: Fraction, end: Fraction) -> list[_Onset]:
        """Onsets in ``[begin, end)`` as (offset from cycle ``origin``, length, value). The
        spans are `Time`, whose arithmetic with ints is the core's fast path."""
        return [(e.whole.begin - origin, e.whole.end - e.whole.begin, e.value)
                for e in self.pattern.query(Span.of(begin, end)) if e.has_onset()]

    def _keys(self, start: Fraction, cycles: Fraction, value) -> list[_Key]:
        try:
            specs = to_midi(value, cycles, self.channel)
        except NotPlayable as exc:
            self.unplayable = self.unplayable or str(exc)
            return []
        self.controls += sum(isinstance(spec, CCSpec) for spec in specs)
        return [(start, spec.channel, spec.pitch, spec.velocity, spec.beats)
                for spec in specs if not isinstance(spec, CCSpec)]

    def notices(self, track: str) -> list[str]:
        notices = []
        if self.unplayable:
            notices.append(f"track {track}: {self.unplayable}; such events are left out of the"
                           " plugin's loop")
        if self.controls:
            notices.append(f"track {track}: control changes (ccn/ccv) do not reach a plugin;"
                           " its notes do")
        return notices


def _same(a: list[_Onset], b: list[_Onset]) -> bool:
    """The same onsets, in the same order (the usual case) or in another."""
    if a == b:
        return True
    key = lambda o: (o[0], o[1], repr(o[2]))  # noqa: E731
    return len(a) == len(b) and sorted(a, key=key) == sorted(b, key=key)


def _period(reader: _Reader, track: str) -> Fraction | None:
    """The shortest period, or None. Once a length's next window repeats its first, a first
    window with more notes than a clip holds ends the search: every longer loop holds it."""
    for cycles in PERIODS:
        if not reader.repeats(cycles, 1):
            continue
        check_note_count(len(reader.notes(Fraction(cycles))), f"track {track}")
        if all(reader.repeats(cycles, k) for k in range(2, PROBE_CYCLES // cycles)):
            return Fraction(cycles)
    return None


# -- building the loop -----------------------------------------------------------------------

def _loop(keys: list[_Key], length: Fraction, track_channel: int, track: str,
          notices: list[str]) -> Loop:
    """Keys as loop notes: durations past the loop's length are cut to it (the plugin would
    cut a note by its own next onset there anyway); one channel, the one most notes use."""
    counts = Counter(k[1] for k in keys)
    channel = track_channel
    if counts:
        top = max(counts.values())
        channel = track_channel if counts[track_channel] == top else \
            min(c for c, n in counts.items() if n == top)
    if len(counts) > 1:
        notices.append(f"track {track} plays on channels {_and(sorted(counts))}; a plugin loop"
                       f" has one channel, so all its notes go out on channel {channel}")
    notes = tuple(LoopNote(start, min(beats, length), pitch, velocity)
                  for start, _, pitch, velocity, beats in keys)
    return Loop(Fraction(length), channel, notes, tuple(notices))


def _lcm(*values: Fraction) -> Fraction:
    """The least common multiple of positive fractions.

    >>> _lcm(Fraction(3, 2), Fraction(2)), _lcm(Fraction(4), Fraction(8))
    (Fraction(6, 1), Fraction(8, 1))
    """
    values = [Fraction(v) for v in values]
    return Fraction(math.lcm(*(v.numerator for v in values)),
                    math.gcd(*(v.denominator for v in values)))


def _and(items) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
