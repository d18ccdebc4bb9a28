"""What an event's value means in MIDI: a note (pitch, velocity, channel, length) or a CC.

The rules follow Strudel's MIDI output where it has one:

- the pitch is ``note``, else ``n``; a bare value may be a number or a note name;
- a drum name (``s("bd sn")`` or a bare ``"bd"``) plays its General MIDI note on channel 10
  unless ``channel`` says otherwise;
- ``velocity`` (0-1, default 100/127) is multiplied by ``gain`` (default 1);
- ``channel`` is 1-16 (default: the track's channel);
- ``legato`` scales the length of the note (the event's whole);
- ``ccn`` with ``ccv`` (0-1) is a control change; it may ride along with a note.

>>> to_midi({"note": 48, "velocity": 0.5}, Fraction(1, 4), channel=2)
[NoteSpec(channel=2, pitch=48, velocity=64, beats=Fraction(1, 1))]
>>> to_midi("bd", Fraction(1, 8), channel=1)
[NoteSpec(channel=10, pitch=36, velocity=100, beats=Fraction(1, 2))]
>>> to_midi({"ccn": 74, "ccv": 0.5}, Fraction(1, 4), channel=1)
[CCSpec(channel=1, control=74, value=64)]
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..clip import DEFAULT_VELOCITY
from ..controls import numeral
from ..drums import DRUM_CHANNEL, drum_note
from ..notes import is_note_name
from . import BEATS_PER_CYCLE


class NotPlayable(ValueError):
    """An event value that cannot become MIDI; the message says which control and why."""


@dataclass(frozen=True)
class NoteSpec:
    channel: int   # 1-16
    pitch: int     # 0-127
    velocity: int  # 1-127
    beats: Fraction


@dataclass(frozen=True)
class CCSpec:
    channel: int
    control: int
    value: int


def _number(value, control: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)):
        raise NotPlayable(f"{control} must be a number, got {value!r}")
    return value


def _pitch(value) -> tuple[int | None, bool]:
    """(MIDI pitch, is a drum) of a note/n/s/bare value; (None, False) when it carries none."""
    if isinstance(value, dict):
        for key in ("note", "n"):
            if key in value:
                return _pitch_of(value[key], key), False
        if "s" in value:
            return _drum(value["s"]), True
        return None, False
    if isinstance(value, str) and not is_note_name(value):
        return _drum(value), True
    return _pitch_of(value, "note"), False


def _pitch_of(value, control: str) -> int:
    if isinstance(value, list):  # "c3:2": the head is the note
        value = value[0]
    try:
        pitch = round(numeral(value))
    except (ValueError, TypeError):
        raise NotPlayable(f"{control} {value!r} is not a number or note name") from None
    if not 0 <= pitch <= 127:
        raise NotPlayable(f"{control} {value!r} is outside MIDI's 0-127")
    return pitch


def _drum(name) -> int:
    if isinstance(name, list):
        name = name[0]
    try:
        return drum_note(str(name))
    except KeyError:
        raise NotPlayable(f"unknown drum {name!r} (try bd, sn, hh, oh, cp, or a note number)") from None


def _channel(value: dict, default: int) -> int:
    channel = value.get("channel", default)
    if isinstance(channel, float) and channel.is_integer():
        channel = int(channel)
    if isinstance(channel, bool) or not isinstance(channel, int) or not 1 <= channel <= 16:
        raise NotPlayable(f"channel must be a whole number 1-16, got {channel!r}")
    return channel


def _velocity(value: dict) -> int:
    v = _number(value.get("velocity", DEFAULT_VELOCITY / 127), "velocity")
    g = _number(value.get("gain", 1), "gain")
    return min(127, max(1, round(float(v) * float(g) * 127)))


def _cc(value: dict, channel: int) -> CCSpec | None:
    if "ccn" not in value and "ccv" not in value:
        return None
    if "ccn" not in value or "ccv" not in value:
        raise NotPlayable("a control change needs both ccn (0-127) and ccv (0-1)")
    ccn, ccv = _number(value["ccn"], "ccn"), _number(value["ccv"], "ccv")
    if not (float(ccn).is_integer() and 0 <= ccn <= 127):
        raise NotPlayable(f"ccn must be a whole number 0-127, got {ccn!r}")
    if not 0 <= ccv <= 1:
        raise NotPlayable(f"ccv must be 0-1, got {ccv!r}")
    return CCSpec(channel, int(ccn), round(float(ccv) * 127))


def to_midi(value, cycles: Fraction, channel: int) -> list[NoteSpec | CCSpec]:
    """The MIDI an event plays: its value and the length of its whole in cycles.

    ``channel`` is the track's channel, used when the value names none. Raises
    :class:`NotPlayable` for a value that cannot be played.
    """
    pitch, is_drum = _pitch(value)
    fields = value if isinstance(value, dict) else {}
    default_channel = DRUM_CHANNEL if is_drum else channel
    ch = _channel(fields, default_channel)
    out: list[NoteSpec | CCSpec] = []
    cc = _cc(fields, ch)
    if cc is not None:
        out.append(cc)
    if pitch is None:
        return out
    legato = _number(fields.get("legato", 1), "legato")
    beats = Fraction(cycles) * BEATS_PER_CYCLE * Fraction(legato)
    if beats > 0:
        out.append(NoteSpec(ch, pitch, _velocity(fields), beats))
    return out
