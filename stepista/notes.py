"""Note names and MIDI numbers (middle C = C4 = 60).

>>> note_to_midi("c4"), note_to_midi("eb3"), note_to_midi("f#2"), note_to_midi("a")
(60, 51, 42, 57)
>>> midi_to_note(61), midi_to_note(61, flats=True)
('C#4', 'Db4')
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["note_to_midi", "midi_to_note", "is_note_name", "NoteNameError"]

_NOTE = re.compile(r"([a-gA-G])([#bsf]*)(-?\d*)\Z")
_CHROMA = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_SHARP_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
_FLAT_NAMES = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"]
DEFAULT_OCTAVE = 3


class NoteNameError(ValueError):
    pass


def is_note_name(text) -> bool:
    return isinstance(text, str) and _NOTE.match(text) is not None


@lru_cache(maxsize=4096)
def note_to_midi(name: str, default_octave: int = DEFAULT_OCTAVE) -> int:
    """MIDI number of a note name: letter, accidentals (``#``/``s`` up, ``b``/``f`` down), octave."""
    m = _NOTE.match(name) if isinstance(name, str) else None
    if m is None:
        raise NoteNameError(f"not a note name: {name!r} (try c4, eb3, f#2)")
    letter, accidentals, octave = m.groups()
    shift = sum(1 if a in "#s" else -1 for a in accidentals)
    octave = int(octave) if octave not in ("", "-") else default_octave
    return (octave + 1) * 12 + _CHROMA[letter.lower()] + shift


def midi_to_note(number: int, flats: bool = False) -> str:
    """Name of a MIDI number, sharps by default."""
    names = _FLAT_NAMES if flats else _SHARP_NAMES
    number = int(number)
    return f"{names[number % 12]}{number // 12 - 1}"
