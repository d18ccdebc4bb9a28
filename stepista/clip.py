"""Clips: a loop of notes on a beat grid, and its bridge to patterns.

A `Clip` is what a generator writes and a DAW reads: notes with a pitch, a
velocity (1-127), a start and a duration in beats (exact fractions) and a
MIDI channel (1-16, drums on 10), inside a loop ``length_beats`` long. One
cycle of a pattern is one bar of 4 beats, so `clip_to_pattern` plays a clip as
a looping pattern and `pattern_to_clip` records a pattern into a clip.

>>> clip = Clip(notes=[Note(pitch=48, velocity=100, start=0, duration=0.5),
...                    Note(pitch=55, velocity=90, start="3/2", duration=1)],
...             length_beats=4)
>>> [str(e) for e in clip_to_pattern(clip).query_arc(0, 1)]
["0 → 1/8 | {'note': 48, 'velocity': 0.7874015748031497, 'channel': 1}", \
"3/8 → 5/8 | {'note': 55, 'velocity': 0.7086614173228346, 'channel': 1}"]
>>> pattern_to_clip(clip_to_pattern(clip), clip.bars) == clip
True
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from fractions import Fraction
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from .controls import numeral
from .event import Event
from .pattern import Pattern
from .span import Span
from .time import Time, float_to_time, to_time

__all__ = ["Note", "Clip", "clip_to_pattern", "pattern_to_clip", "to_beats", "json_number"]

BEATS_PER_CYCLE = 4
DEFAULT_VELOCITY = 100


def to_beats(value: Any) -> Any:
    """An exact `Fraction` from an int, Fraction, float or ``"n/d"`` string.

    Floats mean the simple fraction a person typed (`float_to_time`); anything
    else is passed on for pydantic to reject with its own message.

    >>> to_beats(0.25), to_beats(1 / 3), to_beats("3/2"), to_beats(2)
    (Fraction(1, 4), Fraction(1, 3), Fraction(3, 2), Fraction(2, 1))
    """
    if isinstance(value, bool):
        raise ValueError(f"a time must be a number of beats, not {value!r}")
    if isinstance(value, (int, float, Fraction, str)):
        try:
            t = float_to_time(value) if isinstance(value, float) else to_time(value)
        except (ValueError, TypeError) as exc:
            raise ValueError(str(exc)) from None
        return Fraction(t.numerator, t.denominator)
    return value


Beats = Annotated[Fraction, BeforeValidator(to_beats)]


def json_number(x: Fraction | float | int) -> int | float:
    """A JSON number: an int when whole, a float otherwise.

    >>> json_number(Fraction(8)), json_number(Fraction(1, 4))
    (8, 0.25)
    """
    if isinstance(x, float) and not x.is_integer():
        return x
    if isinstance(x, Fraction) and x.denominator != 1:
        return float(x)
    return int(x)


class Note(BaseModel):
    """One note: pitch and velocity as MIDI numbers, times in beats, channel 1-16.

    >>> Note(pitch=60, velocity=100, start=0.25, duration="1/3")
    Note(pitch=60, velocity=100, start=Fraction(1, 4), duration=Fraction(1, 3), channel=1)
    """

    model_config = ConfigDict(frozen=True)

    pitch: int = Field(ge=0, le=127)
    velocity: int = Field(ge=1, le=127)
    start: Annotated[Beats, Field(ge=0)]
    duration: Annotated[Beats, Field(gt=0)]
    channel: int = Field(default=1, ge=1, le=16)

    @property
    def end(self) -> Fraction:
        """The beat the note stops at."""
        return self.start + self.duration

    def sort_key(self) -> tuple:
        return (self.start, self.pitch, self.channel, self.duration, self.velocity)

    def to_json_dict(self) -> dict:
        return {
            "pitch": self.pitch,
            "velocity": self.velocity,
            "start": json_number(self.start),
            "duration": json_number(self.duration),
            "channel": self.channel,
        }


class Clip(BaseModel):
    """A loop of notes ``length_beats`` long, with optional musical metadata.

    >>> from pydantic import ValidationError
    >>> try:
    ...     Clip(notes=[Note(pitch=60, velocity=90, start=3, duration=2)], length_beats=4)
    ... except ValidationError as exc:
    ...     print(exc.errors()[0]["msg"])
    Value error, note 0 (pitch 60) ends at beat 5, after the loop end (length_beats 4)
    """

    notes: list[Note] = Field(default_factory=list)
    length_beats: Annotated[Beats, Field(gt=0)]
    name: str | None = None
    bpm: float | None = Field(default=None, ge=20, le=300)
    key: str | None = None
    mode: str | None = None
    style: str | None = None
    part: str | None = None

    @model_validator(mode="after")
    def _notes_inside_loop(self) -> "Clip":
        length = self.length_beats
        for i, note in enumerate(self.notes):
            if note.start >= length:
                raise ValueError(
                    f"note {i} (pitch {note.pitch}) starts at beat {note.start}, "
                    f"at or after the loop end (length_beats {length})"
                )
            if note.end > length:
                raise ValueError(
                    f"note {i} (pitch {note.pitch}) ends at beat {note.end}, "
                    f"after the loop end (length_beats {length})"
                )
        return self

    @property
    def bars(self) -> Fraction:
        """The loop length in bars of 4 beats (cycles)."""
        return self.length_beats / BEATS_PER_CYCLE

    def sorted(self) -> "Clip":
        """The same clip with notes ordered by start, then pitch (then channel, duration, velocity)."""
        return self.model_copy(update={"notes": sorted(self.notes, key=Note.sort_key)})

    def transpose(self, semitones: int) -> "Clip":
        """Every pitch moved by ``semitones``; a pitch leaving 0-127 is an error.

        >>> c = Clip(notes=[Note(pitch=60, velocity=90, start=0, duration=1)], length_beats=4)
        >>> c.transpose(-12).notes[0].pitch
        48
        """
        notes = []
        for i, note in enumerate(self.notes):
            pitch = note.pitch + semitones
            if not 0 <= pitch <= 127:
                raise ValueError(
                    f"transpose by {semitones} moves note {i} (pitch {note.pitch}) to {pitch}, "
                    "outside MIDI pitches 0-127"
                )
            notes.append(note.model_copy(update={"pitch": pitch}))
        return self.model_copy(update={"notes": notes})

    def to_json_dict(self) -> dict:
        """The command-line JSON shape (notes sorted; times as numbers of beats).

        >>> Clip(notes=[Note(pitch=36, velocity=110, start=0.5, duration=0.25, channel=10)],
        ...      length_beats=8, style="techno", part="drums").to_json_dict()
        {'style': 'techno', 'part': 'drums', 'key': None, 'mode': None, 'bpm': None, 'bars': 2, \
'length_beats': 8, 'notes': [{'pitch': 36, 'velocity': 110, 'start': 0.5, 'duration': 0.25, 'channel': 10}]}
        """
        return {
            "style": self.style,
            "part": self.part,
            "key": self.key,
            "mode": self.mode,
            "bpm": None if self.bpm is None else json_number(self.bpm),
            "bars": json_number(self.bars),
            "length_beats": json_number(self.length_beats),
            "notes": [n.to_json_dict() for n in sorted(self.notes, key=Note.sort_key)],
        }


# -- clip -> pattern ----------------------------------------------------------

def clip_to_pattern(clip: Clip) -> Pattern:
    """The clip as a pattern that loops every ``clip.bars`` cycles.

    Each note is an event whose whole is ``[start/4, (start+duration)/4)``
    cycles (plus the loop offset), valued ``{"note", "velocity" (0-1), "channel"}``;
    parts are cut to the query span like any Strudel pattern.

    >>> c = Clip(notes=[Note(pitch=60, velocity=127, start=2, duration=4)], length_beats=8)
    >>> [str(e) for e in clip_to_pattern(c).query_arc(1, 3)]
    ["1/2 ⇜ (1 → 3/2) | {'note': 60, 'velocity': 1.0, 'channel': 1}", \
"(5/2 → 3) ⇝ 7/2 | {'note': 60, 'velocity': 1.0, 'channel': 1}"]
    """
    notes = sorted(clip.notes, key=Note.sort_key)
    period = to_time(clip.bars)
    starts = [to_time(n.start / BEATS_PER_CYCLE) for n in notes]
    ends = [to_time(n.end / BEATS_PER_CYCLE) for n in notes]
    values = [
        {"note": n.pitch, "velocity": n.velocity / 127, "channel": n.channel} for n in notes
    ]
    longest = max((e - s for s, e in zip(starts, ends)), default=Time(0))

    def query(span: Span) -> list[Event]:
        begin, end = span.begin, span.end
        first = (begin / period).__floor__()
        last = first if begin == end else math.ceil(end / period) - 1
        out: list[Event] = []
        for k in range(first, last + 1):
            offset = period * k
            local_begin, local_end = begin - offset, end - offset
            lo = bisect_right(starts, local_begin - longest)
            if begin == end:
                hi = bisect_right(starts, local_begin)
            else:
                hi = bisect_left(starts, local_end)
            for i in range(lo, hi):
                whole = Span(starts[i] + offset, ends[i] + offset)
                part = whole.intersection(span)
                if part is not None:
                    out.append(Event(whole, whole if part == whole else part, values[i]))
        return out

    return Pattern(query)


# -- pattern -> clip ----------------------------------------------------------

def _event_pitch(value) -> int | None:
    """The MIDI pitch an event value carries, or None when it is no note."""
    if isinstance(value, dict):
        value = value.get("note")
    if value is None or isinstance(value, bool):
        return None
    try:
        return round(numeral(value))
    except (ValueError, TypeError):
        return None


def _event_velocity(value) -> int:
    raw = value.get("velocity", DEFAULT_VELOCITY / 127) if isinstance(value, dict) else DEFAULT_VELOCITY / 127
    return min(127, max(1, round(float(raw) * 127)))


def _event_length(e: Event, loop_end: Time) -> Fraction:
    """The note length in beats: the whole (times ``legato`` if any), cut at the loop end."""
    whole = e.whole
    length = whole.end - whole.begin
    legato = e.value.get("legato") if isinstance(e.value, dict) else None
    if isinstance(legato, (int, float, Fraction)) and not isinstance(legato, bool):
        length = length * to_time(legato)
    end = min(whole.begin + length, loop_end)
    return Fraction(end - whole.begin) * BEATS_PER_CYCLE


def pattern_to_clip(pattern: Pattern, bars, channel: int = 1) -> Clip:
    """Record ``bars`` cycles of ``pattern`` (from cycle 0) into a clip.

    Only event fragments holding an onset count. The pitch is ``value["note"]``
    (or the value itself when it is a number or note name); events with no
    note (a cc, a sample name) are left out. Velocity is ``value["velocity"]``
    (0-1, default 100/127) scaled to 1-127; the channel is ``value["channel"]``
    or ``channel``; a ``legato`` value scales the duration; a note running past
    the loop end is cut there.

    >>> from .controls import note
    >>> c = pattern_to_clip(note("c3 [e3 g3]").velocity(0.5), 1, channel=2)
    >>> [(n.pitch, n.velocity, str(n.start), str(n.duration), n.channel) for n in c.notes]
    [(48, 64, '0', '2', 2), (52, 64, '2', '1', 2), (55, 64, '3', '1', 2)]
    """
    bars_t = to_time(bars)
    notes = []
    for e in pattern.query(Span(Time(0), bars_t)):
        if not e.has_onset():
            continue
        pitch = _event_pitch(e.value)
        if pitch is None:
            continue
        duration = _event_length(e, bars_t)
        if duration <= 0:
            continue
        ch = e.value.get("channel", channel) if isinstance(e.value, dict) else channel
        notes.append(
            Note(
                pitch=pitch,
                velocity=_event_velocity(e.value),
                start=Fraction(e.whole.begin) * BEATS_PER_CYCLE,
                duration=duration,
                channel=ch,
            )
        )
    return Clip(notes=notes, length_beats=Fraction(bars_t) * BEATS_PER_CYCLE).sorted()
