"""Validation after the schema: whatever Claude answered becomes a clip that is safe to play.

The structured-output schema fixes the *shape* of an answer (a list of notes, each with a
pitch, a velocity, a start and a duration); it cannot promise the music. `validate_notes`
makes every note playable and counts, in plain words, what it had to change:

- **pitch**: outside MIDI 0-127, moved by octaves into range; then snapped to the nearest
  pitch the key and tension allow (`tension_pitches`), a halfway case going down. On the drum
  channel the allowed set is the General MIDI drum map instead.
- **velocity**: clamped to 1-127.
- **time**, read as beats (a number or ``"n/d"``) and rounded to the 1/480-beat tick a .mid
  file stores anyway (not counted: never audible). A start before beat 0 is moved by whole
  loops into the loop, like a pickup: the loop repeats, so half a beat before its start is
  half a beat before its end. A start at or after the loop end is dropped (it was written for
  a longer loop); a note running past the end is trimmed there; a note of zero or negative
  length is dropped.
- **overlaps**: two notes on one pitch never sound at once. The earlier is shortened to end
  where the later starts; of two starting together, the louder stays and the other is dropped.
- **count**: at most ``max_notes``, the earliest kept.
- a note that cannot be read at all (a missing field, a word where a number belongs) is dropped.

Whatever goes in, what comes out is a validated `Clip`; a `Report` says what changed and
whether the answer was too broken to keep (`Report.problem`).

>>> clip, report = validate_notes(
...     [{"pitch": 61, "velocity": 200, "start": 0, "duration": 1},
...      {"pitch": 67, "velocity": 90, "start": -0.5, "duration": 1}],
...     key="C minor", tension=0, length_beats=4, channel=2)
>>> [(n.pitch, n.velocity, str(n.start), str(n.duration)) for n in clip.notes]
[(60, 127, '0', '1'), (67, 90, '7/2', '1/2')]
>>> print(report)
1 note outside C minor (snapped), 1 velocity outside 1-127 (clamped), \
1 note before beat 0 (moved into the loop), 1 note past the loop end (trimmed)
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache

from ..clip import Clip, Note
from ..drums import DRUM_CHANNEL, GM_DRUMS
from ..theory import Key, parse_key, tension_pitches

__all__ = ["Report", "validate_notes", "TICKS_PER_BEAT", "MAX_NOTES"]

TICKS_PER_BEAT = 480
MAX_NOTES = 512
_READ_FACTOR = 4  # an answer longer than 4 x max_notes is not even read past that point
_NUMBER = re.compile(r"\s*-?(\d{1,12}(\.\d{1,12})?|\.\d{1,12})(\s*/\s*\d{1,12})?\s*\Z")

# kind -> (one, many, what was done); the order is the order of the report's words.
_FIXES: dict[str, tuple[str, str, str]] = {
    "unreadable": ("unreadable note", "unreadable notes", "dropped"),
    "fraction": ("fractional pitch or velocity", "fractional pitches or velocities", "rounded"),
    "range": ("pitch outside 0-127", "pitches outside 0-127", "moved by octaves"),
    "snapped": ("note outside {scale}", "notes outside {scale}", "snapped"),
    "velocity": ("velocity outside 1-127", "velocities outside 1-127", "clamped"),
    "no_length": ("note of no length", "notes of no length", "dropped"),
    "early": ("note before beat 0", "notes before beat 0", "moved into the loop"),
    "late": ("note starting after the loop end", "notes starting after the loop end", "dropped"),
    "trimmed": ("note past the loop end", "notes past the loop end", "trimmed"),
    "overlap": ("overlapping note on one pitch", "overlapping notes on one pitch", "shortened"),
    "doubled": ("doubled note", "doubled notes", "dropped"),
    "excess": ("note over the limit of {limit}", "notes over the limit of {limit}", "dropped"),
}


@dataclass
class Report:
    """What validation changed in one answer.

    ``answered`` notes came in, ``kept`` went into the clip, ``touched`` of the answered
    notes were changed or dropped (each counted once), and ``counts`` holds how often each
    kind of fix was made.

    >>> r = Report(scale="C minor", answered=4, kept=4, touched=1, counts={"snapped": 1})
    >>> r.lines(), r.changed, r.problem() is None
    (['1 note outside C minor (snapped)'], True, True)
    """

    scale: str = "the key"
    limit: int = MAX_NOTES
    answered: int = 0
    kept: int = 0
    touched: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """One plain phrase per kind of fix, e.g. ``3 notes outside C minor (snapped)``."""
        out = []
        for kind, (one, many, done) in _FIXES.items():
            n = self.counts.get(kind, 0)
            if n:
                words = (one if n == 1 else many).format(scale=self.scale, limit=self.limit)
                out.append(f"{n} {words} ({done})")
        return out

    @property
    def changed(self) -> bool:
        return any(self.counts.values())

    def problem(self) -> str | None:
        """Why the answer is not worth keeping (completing "the answer ..."), or None.

        An answer is broken when it had no notes, when none could be played, or when more
        than half of its notes needed fixing (then it was not written for this key and loop).

        >>> Report(answered=0).problem()
        'had no notes'
        >>> Report(scale="C minor", answered=4, kept=4, touched=3, counts={"snapped": 3}).problem()
        'needed fixes in 3 of its 4 notes: 3 notes outside C minor (snapped)'
        """
        if self.answered == 0:
            return "had no notes"
        if self.kept == 0:
            return f"had no playable note among its {self.answered}: {self}"
        if self.touched * 2 > self.answered:
            return f"needed fixes in {self.touched} of its {self.answered} notes: {self}"
        return None

    def __str__(self) -> str:
        return ", ".join(self.lines()) or "no changes"


@dataclass(frozen=True)
class _Draft:
    """A note on its way through validation; ``index`` is its place in the answer."""

    index: int
    pitch: int
    velocity: int
    start: Fraction
    duration: Fraction

    @property
    def end(self) -> Fraction:
        return self.start + self.duration


class _Tally:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.touched: set[int] = set()

    def mark(self, kind: str, index: int) -> None:
        self.counts[kind] += 1
        self.touched.add(index)


def validate_notes(answer, *, key, tension, length_beats, channel: int,
                   max_notes: int = MAX_NOTES) -> tuple[Clip, Report]:
    """The playable clip in ``answer`` and the report of what was changed to get it.

    ``answer`` is a `ClipAnswer`, a mapping with ``"notes"``, or a sequence of notes (mappings
    or objects with ``pitch``, ``velocity``, ``start``, ``duration``); anything else counts as
    no notes. ``key`` is a key name or `Key`, ``tension`` 0-100, ``length_beats`` the loop
    length, ``channel`` 1-16 (10: drums). Bad arguments (not bad answers) raise ValueError.

    >>> clip, report = validate_notes({"notes": [{"pitch": 36, "velocity": 100, "start": "1/2",
    ...     "duration": 0.25}, {"pitch": 36, "velocity": 80, "start": 0.5, "duration": 1}]},
    ...     key="A minor", tension=0, length_beats=4, channel=10)
    >>> [(n.pitch, n.velocity, str(n.start)) for n in clip.notes], report.lines()
    ([(36, 100, '1/2')], ['1 doubled note (dropped)'])
    """
    key = parse_key(key)
    length = _loop_length(length_beats)
    if not (isinstance(channel, int) and 1 <= channel <= 16):
        raise ValueError(f"channel {channel!r} is not a MIDI channel 1-16")
    if not (isinstance(max_notes, int) and max_notes >= 0):
        raise ValueError(f"max_notes {max_notes!r} must be a whole number >= 0")
    drums = channel == DRUM_CHANNEL
    allowed = _drum_pitches() if drums else _allowed_pitches(key, tension)
    items = _items(answer)
    tally = _Tally()
    drafts = []
    for index, item in enumerate(items):
        if index >= _READ_FACTOR * max_notes:
            tally.mark("excess", index)
            continue
        draft = _read(item, index, tally)
        if draft is not None:
            draft = _place(_fix_velocity(_fix_pitch(draft, allowed, drums, tally), tally), length, tally)
        if draft is not None:
            drafts.append(draft)
    drafts = _bounded(_untangle(drafts, tally), max_notes, tally)
    notes = [Note(pitch=d.pitch, velocity=d.velocity, start=d.start, duration=d.duration, channel=channel)
             for d in sorted(drafts, key=lambda d: (d.start, d.pitch))]
    clip = Clip(notes=notes, length_beats=length, key=key.tonic_name, mode=key.mode)
    report = Report(scale=_scale_words(key, tension, drums), limit=max_notes, answered=len(items),
                    kept=len(notes), touched=len(tally.touched), counts=dict(tally.counts))
    return clip, report


# -- reading -------------------------------------------------------------------------------------

def _loop_length(value) -> Fraction:
    length = _number(value)
    if length is None or length <= 0:
        raise ValueError(f"length_beats {value!r} must be a positive number of beats")
    return length


def _items(answer) -> Sequence:
    """The answer's notes as a sequence (empty when the answer holds no list of notes)."""
    notes = answer.get("notes") if isinstance(answer, Mapping) else getattr(answer, "notes", answer)
    if isinstance(notes, Sequence) and not isinstance(notes, (str, bytes, bytearray)):
        return notes
    return ()


def _field(item, name: str):
    if isinstance(item, Mapping):
        return item.get(name)
    if isinstance(item, (str, bytes, int, float)) or item is None:
        return None
    return getattr(item, name, None)


def _number(value) -> Fraction | None:
    """An exact number from an int, a finite float, a Fraction or a short numeric text
    (``"1.5"``, ``"-3/2"``; no exponents, so no text can ask for a giant number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(value) if math.isfinite(value) else None
    if isinstance(value, str) and _NUMBER.match(value):
        try:
            return Fraction(value.replace(" ", ""))
        except (ValueError, ZeroDivisionError):  # "1.5/2", "1/0"
            return None
    return None


def _on_tick(beats: Fraction) -> Fraction:
    return Fraction(round(beats * TICKS_PER_BEAT), TICKS_PER_BEAT)


def _read(item, index: int, tally: _Tally) -> _Draft | None:
    values = [_number(_field(item, name)) for name in ("pitch", "velocity", "start", "duration")]
    if any(v is None for v in values):
        tally.mark("unreadable", index)
        return None
    pitch, velocity, start, duration = values
    if pitch.denominator != 1 or velocity.denominator != 1:
        tally.mark("fraction", index)
    return _Draft(index, round(pitch), round(velocity), _on_tick(start), _on_tick(duration))


# -- fixing --------------------------------------------------------------------------------------

@lru_cache(maxsize=256)
def _allowed_pitches(key: Key, tension) -> tuple[int, ...]:
    classes = tension_pitches(key, tension)
    return tuple(p for p in range(128) if p % 12 in classes)


@lru_cache(maxsize=1)
def _drum_pitches() -> tuple[int, ...]:
    return tuple(sorted(set(GM_DRUMS.values())))


def _scale_words(key: Key, tension, drums: bool) -> str:
    if drums:
        return "the drum map"
    if tension_pitches(key, tension) == key.pitch_classes:
        return str(key)
    return f"{key} at tension {tension}"


def _into_range(pitch: int) -> int:
    """A pitch outside 0-127 moved by whole octaves to the nearest in-range octave."""
    if pitch > 127:
        return pitch - 12 * -(-(pitch - 127) // 12)
    if pitch < 0:
        return pitch + 12 * -(pitch // 12)
    return pitch


def _nearest(pitch: int, allowed: tuple[int, ...]) -> int:
    """The allowed pitch nearest to ``pitch`` (halfway: the lower one)."""
    i = bisect_left(allowed, pitch)
    if i < len(allowed) and allowed[i] == pitch:
        return pitch
    below = allowed[i - 1] if i > 0 else None
    above = allowed[i] if i < len(allowed) else None
    if above is None or (below is not None and pitch - below <= above - pitch):
        return below
    return above


def _fix_pitch(d: _Draft, allowed: tuple[int, ...], drums: bool, tally: _Tally) -> _Draft:
    pitch = d.pitch
    if not drums and not 0 <= pitch <= 127:
        pitch = _into_range(pitch)
        tally.mark("range", d.index)
    snapped = _nearest(pitch, allowed)
    if snapped != pitch:
        tally.mark("snapped", d.index)
    return replace(d, pitch=snapped)


def _fix_velocity(d: _Draft, tally: _Tally) -> _Draft:
    if 1 <= d.velocity <= 127:
        return d
    tally.mark("velocity", d.index)
    return replace(d, velocity=min(127, max(1, d.velocity)))


def _place(d: _Draft, length: Fraction, tally: _Tally) -> _Draft | None:
    """The note inside the loop, or None when it has no place there."""
    if d.duration <= 0:
        tally.mark("no_length", d.index)
        return None
    start = d.start
    if start < 0:
        start %= length
        tally.mark("early", d.index)
    if start >= length:
        tally.mark("late", d.index)
        return None
    duration = d.duration
    if start + duration > length:
        duration = length - start
        tally.mark("trimmed", d.index)
    return replace(d, start=start, duration=duration)


def _untangle(drafts: list[_Draft], tally: _Tally) -> list[_Draft]:
    """Notes in time order with no two on one pitch sounding at once."""
    out: list[_Draft] = []
    latest: dict[int, int] = {}  # pitch -> place in ``out`` of its latest note
    for d in sorted(drafts, key=lambda d: (d.start, -d.velocity, -d.duration, d.index)):
        place = latest.get(d.pitch)
        if place is not None:
            before = out[place]
            if before.start == d.start:
                tally.mark("doubled", d.index)
                continue
            if before.end > d.start:
                out[place] = replace(before, duration=d.start - before.start)
                tally.mark("overlap", before.index)
        latest[d.pitch] = len(out)
        out.append(d)
    return out


def _bounded(drafts: list[_Draft], limit: int, tally: _Tally) -> list[_Draft]:
    for d in drafts[limit:]:
        tally.mark("excess", d.index)
    return drafts[:limit]
