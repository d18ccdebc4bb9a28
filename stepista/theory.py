"""Music theory for Stepista: intervals, scales and keys, chords, Roman numerals, voicings, tension.

Data tables plus small functions that check their input and name what was wrong.
Pitches are MIDI numbers (middle C = C4 = 60, see :mod:`stepista.notes`); pitch
classes are 0-11 with C = 0.

>>> key = parse_key("A minor")
>>> [midi_to_note(p) for p in key.scale_pitches(69, 81)]
['A4', 'B4', 'C5', 'D5', 'E5', 'F5', 'G5', 'A5']
>>> [(c.numeral, c.quality) for c in progression(key, "i VI III VII")]
[('i', 'min'), ('VI', 'maj'), ('III', 'maj'), ('VII', 'maj')]
>>> harmonize("C major", 5, size=4)
('7', [67, 71, 74, 77])
>>> voice_lead([62, 65, 69, 72], chord("G", "7"))
[62, 65, 67, 71]
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from .notes import NoteNameError, midi_to_note, note_to_midi  # noqa: F401  (midi_to_note: doctests)

__all__ = [
    "TheoryError", "INTERVALS", "interval", "interval_name",
    "SCALES", "SCALE_ALIASES", "scale_name", "scale_intervals", "Key", "parse_key",
    "QUALITIES", "QUALITY_ALIASES", "ALTERATIONS", "quality_intervals", "chord_quality", "chord",
    "parse_chord", "harmonize", "Chord", "progression",
    "VOICINGS", "voice", "voice_lead", "TENSION_ORDER", "tension_pitches", "chord_size_for_tension",
]


class TheoryError(ValueError):
    """Musical input that cannot be read; the message names the input and what would work."""


def _known(names) -> str:
    return ", ".join(repr(n) for n in names)


def _ascii(text: str) -> str:
    return text.replace("♭", "b").replace("♯", "#")


def _midi(pitch, what: str = "pitch") -> int:
    """A MIDI number from an int or a note name (octave 4 when the name has none)."""
    if isinstance(pitch, int) and not isinstance(pitch, bool):
        return pitch
    try:
        return note_to_midi(pitch, 4)
    except (NoteNameError, TypeError):
        raise TheoryError(f"{what} {pitch!r} is neither a MIDI number nor a note name like 'c4' or 'eb3'") from None


# ----------------------------------------------------------------------------------------------
# Intervals

INTERVALS: dict[str, int] = {
    "P1": 0, "m2": 1, "M2": 2, "m3": 3, "M3": 4, "P4": 5, "TT": 6, "A4": 6, "d5": 6,
    "P5": 7, "A5": 8, "m6": 8, "M6": 9, "d7": 9, "m7": 10, "M7": 11, "P8": 12,
    "m9": 13, "M9": 14, "A9": 15, "P11": 17, "A11": 18, "m13": 20, "M13": 21,
}


def interval(name: str) -> int:
    """Semitones in a named interval; case matters (``m3`` minor, ``M3`` major).

    >>> interval("m3"), interval("P5"), interval("TT"), interval("d5"), interval("M13")
    (3, 7, 6, 6, 21)
    >>> interval("X9")
    Traceback (most recent call last):
    ...
    stepista.theory.TheoryError: unknown interval 'X9'; known: 'P1', 'm2', ...
    """
    if name in INTERVALS:
        return INTERVALS[name]
    raise TheoryError(f"unknown interval {name!r}; known: {_known(INTERVALS)}")


def interval_name(semitones: int) -> str:
    """The first name in :data:`INTERVALS` for a number of semitones.

    >>> interval_name(7), interval_name(6), interval_name(14)
    ('P5', 'TT', 'M9')
    """
    for name, size in INTERVALS.items():
        if size == semitones:
            return name
    raise TheoryError(f"no interval name for {semitones!r} semitones; named sizes: {sorted(set(INTERVALS.values()))}")


# ----------------------------------------------------------------------------------------------
# Scales and modes: semitone offsets from the tonic, ascending within one octave.

_SCALE_TABLE = (
    ("major", (0, 2, 4, 5, 7, 9, 11), ("ionian", "maj")),
    ("dorian", (0, 2, 3, 5, 7, 9, 10), ()),
    ("phrygian", (0, 1, 3, 5, 7, 8, 10), ()),
    ("lydian", (0, 2, 4, 6, 7, 9, 11), ()),
    ("mixolydian", (0, 2, 4, 5, 7, 9, 10), ("dominant",)),
    ("minor", (0, 2, 3, 5, 7, 8, 10), ("aeolian", "natural minor", "min", "m")),
    ("locrian", (0, 1, 3, 5, 6, 8, 10), ()),
    ("harmonic minor", (0, 2, 3, 5, 7, 8, 11), ()),
    ("melodic minor", (0, 2, 3, 5, 7, 9, 11), ("jazz minor", "melodic")),
    ("harmonic major", (0, 2, 4, 5, 7, 8, 11), ()),
    ("major pentatonic", (0, 2, 4, 7, 9), ("pentatonic", "pentatonic major", "major pent")),
    ("minor pentatonic", (0, 3, 5, 7, 10), ("pentatonic minor", "minor pent")),
    ("blues", (0, 3, 5, 6, 7, 10), ("minor blues", "blues minor")),
    ("major blues", (0, 2, 3, 4, 7, 9), ("blues major",)),
    ("whole tone", (0, 2, 4, 6, 8, 10), ("wholetone", "whole")),
    ("diminished", (0, 2, 3, 5, 6, 8, 9, 11), ("octatonic", "whole half", "whole half diminished")),
    ("half whole", (0, 1, 3, 4, 6, 7, 9, 10), ("dominant diminished", "half whole diminished")),
    ("phrygian dominant", (0, 1, 4, 5, 7, 8, 10), ("spanish", "phrygian major", "freygish")),
    ("hungarian minor", (0, 2, 3, 6, 7, 8, 11), ("gypsy minor", "double harmonic minor")),
    ("double harmonic", (0, 1, 4, 5, 7, 8, 11), ("double harmonic major", "byzantine")),
    ("lydian dominant", (0, 2, 4, 6, 7, 9, 10), ("lydian b7", "overtone", "acoustic")),
    ("altered", (0, 1, 3, 4, 6, 8, 10), ("super locrian", "superlocrian", "altered dominant")),
    ("dorian b2", (0, 1, 3, 5, 7, 9, 10), ("phrygian #6",)),
    ("lydian augmented", (0, 2, 4, 6, 8, 9, 11), ("lydian #5",)),
    ("mixolydian b6", (0, 2, 4, 5, 7, 8, 10), ("aeolian dominant", "hindu")),
    ("locrian #2", (0, 2, 3, 5, 6, 8, 10), ("half diminished", "locrian natural 2")),
    ("hirajoshi", (0, 2, 3, 7, 8), ()),
    ("in sen", (0, 1, 5, 7, 10), ("insen",)),
    ("egyptian", (0, 2, 5, 7, 10), ("suspended pentatonic",)),
    ("chromatic", tuple(range(12)), ()),
)

SCALES: dict[str, tuple[int, ...]] = {name: steps for name, steps, _ in _SCALE_TABLE}
SCALE_ALIASES: dict[str, str] = {a: name for name, _, aliases in _SCALE_TABLE for a in (name, *aliases)}


def _scale_key(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", _ascii(name)).strip().lower()


def scale_name(name: str) -> str:
    """The table name of a scale or mode; case, spaces, hyphens and underscores don't matter.

    >>> scale_name("Natural-Minor"), scale_name("ionian"), scale_name("half_whole")
    ('minor', 'major', 'half whole')
    >>> scale_name("dorain")
    Traceback (most recent call last):
    ...
    stepista.theory.TheoryError: unknown scale 'dorain'; known: 'major', 'dorian', ...
    """
    found = SCALE_ALIASES.get(_scale_key(name)) if isinstance(name, str) else None
    if found is None:
        raise TheoryError(f"unknown scale {name!r}; known: {_known(SCALES)}")
    return found


def scale_intervals(name: str) -> tuple[int, ...]:
    """Semitone offsets from the tonic of a scale or mode.

    >>> scale_intervals("dorian")
    (0, 2, 3, 5, 7, 9, 10)
    >>> scale_intervals("Minor Pentatonic")
    (0, 3, 5, 7, 10)
    """
    return SCALES[scale_name(name)]


# ----------------------------------------------------------------------------------------------
# Keys

_ROOT = re.compile(r"\s*([A-Ga-g])([#b]*)(.*?)\s*\Z", re.S)


def _root_splits(text: str) -> list[tuple[str, str]]:
    """(root name, rest) readings of a text, most accidentals first: 'Bbm' -> Bb + m, then B + bm."""
    m = _ROOT.match(_ascii(text)) if isinstance(text, str) else None
    if m is None:
        return []
    letter, accidentals, rest = m.groups()
    return [(letter.upper() + accidentals[:k], (accidentals[k:] + rest).strip())
            for k in range(len(accidentals), -1, -1)]


@dataclass(frozen=True)
class Key:
    """A tonic (pitch class 0-11 and its spelling) and a mode with its semitone offsets.

    >>> k = Key(6, "F#", "dorian", scale_intervals("dorian"))
    >>> str(k), k == parse_key("f# Dorian")
    ('F# dorian', True)
    """

    tonic: int
    tonic_name: str
    mode: str
    intervals: tuple[int, ...]

    def __post_init__(self):
        steps = tuple(self.intervals)
        if not (isinstance(self.tonic, int) and 0 <= self.tonic < 12):
            raise TheoryError(f"key tonic {self.tonic!r} is not a pitch class 0-11")
        if not steps or steps[0] != 0 or steps[-1] > 11 or any(b <= a for a, b in zip(steps, steps[1:])):
            raise TheoryError(f"key intervals {self.intervals!r} must rise from 0 and stay below 12")
        object.__setattr__(self, "intervals", steps)

    def __str__(self) -> str:
        """``tonic mode``, e.g. ``F# dorian``.

        >>> str(parse_key("Bbm")), str(parse_key("C"))
        ('Bb minor', 'C major')
        """
        return f"{self.tonic_name} {self.mode}"

    @property
    def pitch_classes(self) -> frozenset[int]:
        """The key's pitch classes (0-11).

        >>> sorted(parse_key("G").pitch_classes)
        [0, 2, 4, 6, 7, 9, 11]
        """
        return frozenset((self.tonic + step) % 12 for step in self.intervals)

    def degree(self, degree: int, octave: int = 4) -> int:
        """MIDI pitch of a 0-based scale degree, counted from the tonic in ``octave``.

        Negative degrees go below the tonic, degrees past the scale go up octaves.

        >>> a = parse_key("A minor")
        >>> a.degree(0), a.degree(2), a.degree(-1), a.degree(7), a.degree(0, octave=2)
        (69, 72, 67, 81, 45)
        """
        if not isinstance(degree, int) or isinstance(degree, bool):
            raise TheoryError(f"scale degree {degree!r} must be a whole number")
        octaves, index = divmod(degree, len(self.intervals))
        return (octave + 1) * 12 + self.tonic + self.intervals[index] + 12 * octaves

    def contains(self, pitch) -> bool:
        """Whether a MIDI pitch (or note name) is in the key, in any octave.

        >>> c = parse_key("C")
        >>> c.contains(64), c.contains(61), c.contains("b2")
        (True, False, True)
        """
        return _midi(pitch) % 12 in self.pitch_classes

    def snap(self, pitch) -> int:
        """The nearest in-key MIDI pitch; halfway cases go down.

        >>> c = parse_key("C")
        >>> c.snap(61), c.snap(66), c.snap(64), parse_key("C major pentatonic").snap(65)
        (60, 65, 64, 64)
        """
        p = _midi(pitch)
        classes = self.pitch_classes
        for distance in range(12):
            for candidate in (p - distance, p + distance):
                if candidate % 12 in classes:
                    return candidate
        raise AssertionError("unreachable: every key has at least one pitch class")

    def scale_pitches(self, low, high) -> list[int]:
        """In-key MIDI pitches from ``low`` to ``high``, both included, ascending.

        >>> parse_key("C").scale_pitches(60, 72)
        [60, 62, 64, 65, 67, 69, 71, 72]
        >>> parse_key("E minor pentatonic").scale_pitches("e2", "e3")
        [40, 43, 45, 47, 50, 52]
        """
        classes = self.pitch_classes
        return [p for p in range(_midi(low, "low"), _midi(high, "high") + 1) if p % 12 in classes]


def _mode_of(rest: str) -> str | None:
    if rest in ("", "M"):
        return "major"
    return SCALE_ALIASES.get(_scale_key(rest))


def parse_key(text) -> Key:
    """A :class:`Key` from text like ``F# dorian``, ``Am``, ``Eb major``, ``c minor`` or ``C``.

    A bare tonic means major, a trailing ``m`` minor; a Key passes through unchanged.

    >>> [str(parse_key(t)) for t in ("F# dorian", "Am", "Eb major", "Bbm", "d phrygian dominant")]
    ['F# dorian', 'A minor', 'Eb major', 'Bb minor', 'D phrygian dominant']
    >>> parse_key("C blorp")
    Traceback (most recent call last):
    ...
    stepista.theory.TheoryError: unknown scale 'blorp' in key 'C blorp'; known: 'major', 'dorian', ...
    """
    if isinstance(text, Key):
        return text
    splits = _root_splits(text)
    if not splits:
        raise TheoryError(f"not a key: {text!r} (try 'F# dorian', 'Am', 'Eb major')")
    for tonic, rest in splits:
        mode = _mode_of(rest)
        if mode is not None:
            return Key(note_to_midi(tonic, 4) % 12, tonic, mode, SCALES[mode])
    raise TheoryError(f"unknown scale {splits[0][1]!r} in key {text!r}; known: {_known(SCALES)}")


# ----------------------------------------------------------------------------------------------
# Chord qualities: semitone offsets from the root. Extended chords are full stacks of thirds
# (C13 = C E G Bb D F A), the same stacks that harmonize() builds; thin them when voicing.

_QUALITY_TABLE = (
    ("maj", (0, 4, 7), ("", "M", "major")),
    ("min", (0, 3, 7), ("m", "-", "minor")),
    ("dim", (0, 3, 6), ("°", "o")),
    ("aug", (0, 4, 8), ("+", "+5")),
    ("sus2", (0, 2, 7), ()),
    ("sus4", (0, 5, 7), ("sus",)),
    ("5", (0, 7), ("power",)),
    ("6", (0, 4, 7, 9), ("M6", "maj6")),
    ("m6", (0, 3, 7, 9), ("min6", "-6")),
    ("7", (0, 4, 7, 10), ("dom7", "dom")),
    ("maj7", (0, 4, 7, 11), ("M7", "Δ", "Δ7", "ma7")),
    ("m7", (0, 3, 7, 10), ("min7", "-7")),
    ("mmaj7", (0, 3, 7, 11), ("mM7", "m(maj7)", "minmaj7", "-maj7", "-Δ7")),
    ("m7b5", (0, 3, 6, 10), ("ø", "ø7", "min7b5", "-7b5", "half-dim")),
    ("dim7", (0, 3, 6, 9), ("°7", "o7")),
    ("aug7", (0, 4, 8, 10), ("+7", "7#5", "7+5")),
    ("maj7#5", (0, 4, 8, 11), ("augmaj7", "+maj7", "+M7")),
    ("7sus4", (0, 5, 7, 10), ("7sus",)),
    ("add9", (0, 4, 7, 14), ("add2",)),
    ("madd9", (0, 3, 7, 14), ("m(add9)", "minadd9", "-add9")),
    ("69", (0, 4, 7, 9, 14), ("6/9", "6add9")),
    ("9", (0, 4, 7, 10, 14), ("dom9",)),
    ("maj9", (0, 4, 7, 11, 14), ("M9", "Δ9")),
    ("m9", (0, 3, 7, 10, 14), ("min9", "-9")),
    ("mmaj9", (0, 3, 7, 11, 14), ("mM9", "minmaj9")),
    ("11", (0, 4, 7, 10, 14, 17), ("dom11",)),
    ("maj11", (0, 4, 7, 11, 14, 17), ("M11",)),
    ("m11", (0, 3, 7, 10, 14, 17), ("min11", "-11")),
    ("mmaj11", (0, 3, 7, 11, 14, 17), ("mM11",)),
    ("13", (0, 4, 7, 10, 14, 17, 21), ("dom13",)),
    ("maj13", (0, 4, 7, 11, 14, 17, 21), ("M13", "Δ13")),
    ("m13", (0, 3, 7, 10, 14, 17, 21), ("min13", "-13")),
    ("mmaj13", (0, 3, 7, 11, 14, 17, 21), ("mM13",)),
)

QUALITIES: dict[str, tuple[int, ...]] = {name: offsets for name, offsets, _ in _QUALITY_TABLE}
QUALITY_ALIASES: dict[str, str] = {a: name for name, _, aliases in _QUALITY_TABLE for a in (name, *aliases)}

# Alterations that may follow a quality ("7b9", "maj9#11", "m7b5add11"): (replaced, added, needs
# the replaced tone). b9/#9/#11/b13 replace the natural extension when present, else add it.
ALTERATIONS: dict[str, tuple[int | None, int, bool]] = {
    "b5": (7, 6, True), "#5": (7, 8, True), "b9": (14, 13, False), "#9": (14, 15, False),
    "#11": (17, 18, False), "b13": (21, 20, False),
    "add9": (None, 14, False), "add11": (None, 17, False), "add13": (None, 21, False),
}
_ALTERATION = re.compile("|".join(re.escape(a) for a in ALTERATIONS))
_ALTERATIONS_ONLY = re.compile(f"(?:{_ALTERATION.pattern})+")
_OFFSETS = re.compile(r"\[\s*0(?:[\s,]+\d+)*\s*\]")
_CORE_EXCLUDED = frozenset(t for replaced, added, _ in ALTERATIONS.values() for t in (replaced, added))
_ALTERATION_SETS = [c for r in range(5) for c in itertools.combinations(ALTERATIONS, r)]


def _lookup(name: str) -> str | None:
    """Canonical quality for an exact alias, then for its lower-case form ('Maj7', 'MIN')."""
    return QUALITY_ALIASES.get(name, QUALITY_ALIASES.get(name.lower()))


def _alter(offsets: tuple[int, ...], alterations) -> tuple[int, ...] | None:
    """Offsets with alterations applied in table order, or None where one does not apply."""
    tones = set(offsets)
    for name in sorted(alterations, key=list(ALTERATIONS).index):
        replaced, added, required = ALTERATIONS[name]
        if added in tones or (required and replaced not in tones):
            return None
        tones.discard(replaced)
        tones.add(added)
    return tuple(sorted(tones))


def _parse_altered(text: str) -> tuple[int, ...] | None:
    """Offsets of 'base + alterations' such as '7b9' or 'm11b5b9', longest known base first."""
    for cut in range(len(text), -1, -1):
        base, rest = _lookup(text[:cut]), re.sub(r"[(),\s]", "", text[cut:])
        if base is None or not rest or not _ALTERATIONS_ONLY.fullmatch(rest):
            continue
        alterations = _ALTERATION.findall(rest)
        if len(set(alterations)) == len(alterations):
            offsets = _alter(QUALITIES[base], alterations)
            if offsets is not None:
                return offsets
    return None


@lru_cache(maxsize=2048)
def _offsets_of(quality: str) -> tuple[int, ...] | None:
    text = _ascii(quality.strip())
    base = _lookup(text)
    if base is not None:
        return QUALITIES[base]
    if _OFFSETS.fullmatch(text):
        return tuple(sorted({int(n) for n in re.findall(r"\d+", text)}))
    return _parse_altered(text)


def quality_intervals(quality: str) -> tuple[int, ...]:
    """Semitone offsets from the root for a chord quality, an altered quality, or ``[0 4 9]``.

    Qualities are case-sensitive where it matters (``M7`` is maj7, ``m7`` minor seventh).

    >>> quality_intervals("m7b5"), quality_intervals("M7"), quality_intervals("Maj7")
    ((0, 3, 6, 10), (0, 4, 7, 11), (0, 4, 7, 11))
    >>> quality_intervals("7b9"), quality_intervals("maj7(#11)"), quality_intervals("[0 4 9]")
    ((0, 4, 7, 10, 13), (0, 4, 7, 11, 18), (0, 4, 9))
    """
    offsets = _offsets_of(quality) if isinstance(quality, str) else None
    if offsets is None:
        raise TheoryError(f"unknown chord quality {quality!r}; known: {_known(QUALITIES)}, "
                          f"optionally followed by {_known(ALTERATIONS)}")
    return offsets


def _naming_cost(index: int, base: tuple[int, ...], alterations) -> tuple[int, int, int]:
    """Fewest alterations, then fewest 'add's or flattened/sharpened top extensions, then table order."""
    top = max(base)
    awkward = sum(a.startswith("add") or (top >= 12 and ALTERATIONS[a][0] == top) for a in alterations)
    return len(alterations), awkward, index


@lru_cache(maxsize=4096)
def _name_for(offsets: tuple[int, ...]) -> str:
    core = {t for t in offsets if t not in _CORE_EXCLUDED}
    best = None
    for index, (name, base) in enumerate(QUALITIES.items()):
        if {t for t in base if t not in _CORE_EXCLUDED} != core:
            continue
        for alterations in _ALTERATION_SETS:
            if _alter(base, alterations) == offsets:
                cost = _naming_cost(index, base, alterations)
                best = min(best or (cost, name, alterations), (cost, name, alterations))
    if best is None:
        return "[" + " ".join(str(t) for t in offsets) + "]"
    _, name, alterations = best
    return ({"maj": "maj", "min": "m"}.get(name, name) if alterations else name) + "".join(alterations)


def chord_quality(pitches) -> str:
    """The quality name of a chord given root first, e.g. ``m7``, ``7b9``, ``maj9#11``.

    Pitches that fit no chord symbol give their offsets in brackets, e.g. ``[0 4 9]``.

    >>> chord_quality([60, 63, 67, 70]), chord_quality([64, 67, 71, 74, 77]), chord_quality([65, 69, 72, 76, 79, 83])
    ('m7', 'm7b9', 'maj9#11')
    >>> chord_quality([60, 64, 69])
    '[0 4 9]'
    """
    tones = [_midi(p) for p in pitches]
    if not tones:
        raise TheoryError("chord_quality needs at least one pitch")
    return _name_for(tuple(sorted({p - tones[0] for p in tones})))


def chord(root, quality: str = "maj") -> list[int]:
    """MIDI pitches of a chord; the root is a MIDI number or a note name (octave 4 if none given).

    >>> chord("C", "m7b5"), chord(57, "m"), chord("eb3", "maj7")
    ([60, 63, 66, 70], [57, 60, 64], [51, 55, 58, 62])
    >>> chord("C", "m8")
    Traceback (most recent call last):
    ...
    stepista.theory.TheoryError: unknown chord quality 'm8'; known: 'maj', 'min', ...
    """
    base = _midi(root, "chord root")
    return [base + t for t in quality_intervals(quality)]


def parse_chord(text: str) -> tuple[int, str, list[int]]:
    """(root pitch class, quality name, pitches in octave 4) of a chord symbol like ``F#m7b5``.

    >>> parse_chord("Cm7"), parse_chord("F#m7b5")
    ((0, 'm7', [60, 63, 67, 70]), (6, 'm7b5', [66, 69, 72, 76]))
    >>> parse_chord("Bbmaj9"), parse_chord("Gø")
    ((10, 'maj9', [70, 74, 77, 81, 84]), (7, 'm7b5', [67, 70, 73, 77]))
    >>> parse_chord("Cm8")
    Traceback (most recent call last):
    ...
    stepista.theory.TheoryError: unknown chord quality 'm8' in 'Cm8'; known: 'maj', 'min', ...
    """
    splits = _root_splits(text)
    if not splits:
        raise TheoryError(f"not a chord: {text!r} (try 'Cm7', 'F#m7b5', 'Bbmaj9')")
    for root, rest in splits:
        offsets = _offsets_of(rest)
        if offsets is not None:
            return note_to_midi(root, 4) % 12, _name_for(offsets), chord(root, rest)
    raise TheoryError(f"unknown chord quality {splits[0][1]!r} in {text!r}; known: {_known(QUALITIES)}, "
                      f"optionally followed by {_known(ALTERATIONS)}")


# ----------------------------------------------------------------------------------------------
# Diatonic harmony and Roman numerals


def harmonize(key, degree: int, size: int = 3) -> tuple[str, list[int]]:
    """(quality, MIDI pitches) of the chord stacked in thirds on a 1-based scale degree.

    ``size`` 3 is a triad, 4 a seventh chord, 5 a ninth, 6 an eleventh, 7 a thirteenth.
    The root sits in the octave above the tonic at octave 4.

    >>> [harmonize("C", d, 4)[0] for d in range(1, 8)]
    ['maj7', 'm7', 'm7', 'maj7', '7', 'm7', 'm7b5']
    >>> harmonize("A minor", 5)
    ('min', [76, 79, 83])
    """
    key = parse_key(key)
    steps = len(key.intervals)
    if not isinstance(degree, int) or isinstance(degree, bool) or not 1 <= degree <= steps:
        raise TheoryError(f"degree {degree!r} is outside 1..{steps} of {key}")
    if size not in range(3, 8):
        raise TheoryError(f"chord size {size!r} is outside 3..7 (triad .. thirteenth)")
    pitches = [key.degree(degree - 1 + 2 * k) for k in range(size)]
    return chord_quality(pitches), pitches


@dataclass(frozen=True)
class Chord:
    """A chord of a progression: root pitch class, quality name, the numeral it came from, pitches.

    >>> progression("C", "V7")[0]
    Chord(root=7, quality='7', numeral='V7', pitches=(67, 71, 74, 77))
    """

    root: int
    quality: str
    numeral: str
    pitches: tuple[int, ...]


_NUMERAL = re.compile(r"([#b]*)(VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)(.*)\Z", re.S)
_NUMERAL_VALUES = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7}
_MARKERS = (("°", "dim"), ("o", "dim"), ("dim", "dim"), ("ø", "half"), ("+", "aug"), ("aug", "aug"))


def _numeral_root(key: Key, accidentals: str, degree: int) -> int:
    """Pitch class of a numeral's root: plain numerals use the key's own scale degrees,
    numerals with accidentals (bII, bVI, #IV) alter the parallel major scale's degree."""
    steps = key.intervals
    if accidentals or len(steps) != 7:
        steps = SCALES["major" if accidentals or 4 in steps else "minor"]
    shift = accidentals.count("#") - accidentals.count("b")
    return (key.tonic + steps[degree - 1] + shift) % 12


def _numeral_qualities(upper: bool, suffix: str) -> list[str]:
    """Candidate qualities for a numeral's case and suffix, most likely first."""
    for marker, kind in _MARKERS:
        if suffix.startswith(marker):
            rest = suffix[len(marker):]
            if kind == "half":
                return ["m7b5" if rest in ("", "7") else f"m{rest}b5"]
            return [kind + rest, rest + ("b5" if kind == "dim" else "#5")]
    return [suffix] if upper else ["m" + suffix, suffix]


def _numeral_chord(key: Key, token: str) -> Chord:
    m = _NUMERAL.match(_ascii(token)) if isinstance(token, str) else None
    if m is None:
        raise TheoryError(f"not a Roman numeral: {token!r} (try i, IV, V7, bVII, #iv°, iiø7)")
    accidentals, numeral, suffix = m.groups()
    root = _numeral_root(key, accidentals, _NUMERAL_VALUES[numeral.lower()])
    for quality in _numeral_qualities(numeral.isupper(), suffix):
        offsets = _offsets_of(quality)
        if offsets is not None:
            low = 60 + key.tonic + (root - key.tonic) % 12
            return Chord(root, _name_for(offsets), token, tuple(low + t for t in offsets))
    raise TheoryError(f"unknown chord suffix {suffix!r} in numeral {token!r}; try 7, maj7, 9, sus4, add9, °, ø, +")


def progression(key, numerals) -> list[Chord]:
    """Chords for Roman numerals in a key: a string (spaces, commas, ``|`` or ``-`` between) or a list.

    Upper case is major, lower case minor, whatever the key (``IV`` in a minor key is major);
    ``°``/``o``/``dim`` diminished, ``ø`` half-diminished seventh, ``+`` augmented; suffixes such as
    7, maj7, 9, sus4, add9. Roots sit in the octave above the tonic at octave 4.

    >>> [(c.root, c.quality) for c in progression("A minor", "i VI III VII")]
    [(9, 'min'), (5, 'maj'), (0, 'maj'), (7, 'maj')]
    >>> [c.quality for c in progression("C", "ii7-V7-Imaj7-vii°7-iiø7-bVII-#iv°")]
    ['m7', '7', 'maj7', 'dim7', 'm7b5', 'maj', 'dim']
    >>> progression("C", "I V vj")
    Traceback (most recent call last):
    ...
    stepista.theory.TheoryError: unknown chord suffix 'j' in numeral 'vj'; try 7, maj7, 9, sus4, add9, °, ø, +
    """
    key = parse_key(key)
    if isinstance(numerals, str):
        tokens = re.split(r"[\s,|\-–]+", numerals.strip())
    elif isinstance(numerals, (list, tuple)):
        tokens = list(numerals)
    else:
        raise TheoryError(f"numerals must be text like 'i VI III VII' or a list, not {numerals!r}")
    tokens = [t for t in tokens if t != ""]
    if not tokens:
        raise TheoryError(f"no Roman numerals in {numerals!r} (try 'i VI III VII')")
    return [_numeral_chord(key, t) for t in tokens]


# ----------------------------------------------------------------------------------------------
# Voicings

VOICINGS = ("close", "open", "drop2", "spread")


def _pitches(pitches, what: str) -> list[int]:
    if isinstance(pitches, (str, bytes)) or not hasattr(pitches, "__iter__"):
        raise TheoryError(f"{what} must be a list of pitches, not {pitches!r}")
    tones = [_midi(p) for p in pitches]
    if not tones:
        raise TheoryError(f"{what} is empty: give at least one pitch")
    return tones


def _close(pitches) -> list[int]:
    """First pitch as the bottom, every other pitch class once, ascending within the octave above."""
    tones = _pitches(pitches, "chord")
    root, seen = tones[0], {tones[0] % 12}
    upper = []
    for p in tones[1:]:
        if p % 12 not in seen:
            seen.add(p % 12)
            upper.append(root + (p - root) % 12)
    return [root] + sorted(upper)


def _open(tones: list[int]) -> list[int]:
    return sorted(p + 12 * (i % 2) for i, p in enumerate(tones))


def _drop2(tones: list[int]) -> list[int]:
    if len(tones) < 2:
        return list(tones)
    return sorted(tones[:-2] + [tones[-2] - 12] + tones[-1:])


def _spread(tones: list[int]) -> list[int]:
    return [tones[0] - 12] + _open(tones[1:])


_SHAPES = {"close": list, "open": _open, "drop2": _drop2, "spread": _spread}


def _centre(tones: list[int], center) -> list[int]:
    """Shift by octaves so the mean is nearest ``center`` (ties go down), then into 0..127."""
    if center is not None:
        mean = sum(tones) / len(tones)
        low = math.floor((center - mean) / 12)
        shift = min((low, low + 1), key=lambda k: (abs(mean + 12 * k - center), k))
        tones = [p + 12 * shift for p in tones]
    while min(tones) < 0 and max(tones) + 12 <= 127:
        tones = [p + 12 for p in tones]
    while max(tones) > 127 and min(tones) - 12 >= 0:
        tones = [p - 12 for p in tones]
    return tones


def voice(pitches, kind: str = "close", inversion: int = 0, center=60) -> list[int]:
    """A voicing of a chord (root first); pitch classes are used once, sorted result.

    ``close`` packs the notes into an octave; ``open`` raises every other note an octave;
    ``drop2`` lowers the second-highest note of the close voicing an octave; ``spread`` puts the
    bottom note an octave down and opens the rest. ``inversion`` rotates the bottom note up first.
    The result moves by octaves so its mean is nearest ``center`` (``None`` keeps the octave).

    >>> c7 = chord("C", "maj7")
    >>> voice(c7), voice(c7, inversion=1), voice(c7, "drop2"), voice(c7, "open")
    ([60, 64, 67, 71], [52, 55, 59, 60], [55, 60, 64, 71], [48, 55, 64, 71])
    >>> voice(chord("C"), "spread", center=None)
    [48, 64, 79]
    """
    if kind not in _SHAPES:
        raise TheoryError(f"unknown voicing {kind!r}; known: {_known(VOICINGS)}")
    if not isinstance(inversion, int) or isinstance(inversion, bool):
        raise TheoryError(f"inversion {inversion!r} must be a whole number")
    tones = _close(pitches)
    for _ in range(inversion % len(tones)):
        tones = tones[1:] + [tones[0] + 12]
    return _centre(sorted(_SHAPES[kind](tones)), center)


def _movement(previous: list[int], candidate: list[int]) -> int:
    """Total semitones moved: voice by voice when the counts match, else nearest note both ways."""
    if len(previous) == len(candidate):
        return sum(abs(a - b) for a, b in zip(previous, candidate))
    near = lambda p, pool: min(abs(p - q) for q in pool)  # noqa: E731
    return sum(near(p, previous) for p in candidate) + sum(near(p, candidate) for p in previous)


def voice_lead(previous, chord_pitches, kind: str = "close") -> list[int]:
    """The voicing of ``chord_pitches`` (any inversion, any octave, one voice per pitch class)
    that moves least from ``previous``: the sum of semitone distances between the sorted voices.
    Ties go to the lower voicing.

    >>> dm7, g7, cmaj7 = chord("D", "m7"), chord("G", "7"), chord("C", "maj7")
    >>> voice_lead(dm7, g7), voice_lead([62, 65, 67, 71], cmaj7)
    ([62, 65, 67, 71], [60, 64, 67, 71])
    """
    before = sorted(_pitches(previous, "previous voicing"))
    best = None
    for inversion in range(len(_close(chord_pitches))):
        shape = voice(chord_pitches, kind, inversion, center=None)
        low = math.floor((before[0] - shape[-1]) / 12) - 1
        for k in range(low, math.ceil((before[-1] - shape[0]) / 12) + 2):
            candidate = [p + 12 * k for p in shape]
            if 0 <= candidate[0] and candidate[-1] <= 127:
                rank = (_movement(before, candidate), sum(candidate), candidate)
                best = min(best or rank, rank)
    if best is None:
        raise TheoryError(f"no voicing of {chord_pitches!r} fits MIDI 0..127")
    return best[2]


# ----------------------------------------------------------------------------------------------
# Tension: how far a line may stray from the key, and how tall chords grow.

TENSION_ORDER = (3, 6, 10, 2, 5, 7, 9, 11, 8, 4, 1, 0)
"""Semitones above the tonic in the order tension admits them when missing from the scale:
the blue notes b3, b5, b7 first, then the remaining diatonic-major notes 2, 4, 5, 6 rising from the
pentatonic gaps, the leading tone 7, and finally b6, the major third (in minor keys) and b2."""


def _tension(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise TheoryError(f"tension {value!r} is outside 0..100")
    return value


def tension_pitches(key, tension) -> frozenset[int]:
    """Pitch classes allowed at a tension from 0 (just the scale) to 100 (all twelve).

    Missing notes join in :data:`TENSION_ORDER`, evenly spread over the range, so a higher
    tension always allows a superset of a lower one.

    >>> sorted(tension_pitches("C", 0)), sorted(tension_pitches("C", 20)), sorted(tension_pitches("C", 60))
    ([0, 2, 4, 5, 7, 9, 11], [0, 2, 3, 4, 5, 7, 9, 11], [0, 2, 3, 4, 5, 6, 7, 9, 10, 11])
    >>> len(tension_pitches("A minor", 100))
    12
    """
    key = parse_key(key)
    missing = [t for t in TENSION_ORDER if t not in key.intervals]
    count = math.floor(_tension(tension) * len(missing) / 100)
    return frozenset((key.tonic + t) % 12 for t in (*key.intervals, *missing[:count]))


def chord_size_for_tension(tension) -> int:
    """Notes per stacked chord for a tension: triads below 20, then 7ths, 9ths, 11ths, 13ths.

    >>> [chord_size_for_tension(t) for t in (0, 19, 20, 40, 60, 80, 100)]
    [3, 3, 4, 5, 6, 7, 7]
    """
    return 3 + min(4, int(_tension(tension) // 20))
