"""Music theory: intervals, scales, keys, chords, harmony, Roman numerals, voicings, tension."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stepista.notes import note_to_midi
from stepista.theory import (
    ALTERATIONS, INTERVALS, QUALITIES, QUALITY_ALIASES, SCALE_ALIASES, SCALES, TENSION_ORDER, VOICINGS,
    Chord, Key, TheoryError, chord, chord_quality, chord_size_for_tension, harmonize, interval,
    interval_name, parse_chord, parse_key, progression, quality_intervals, scale_intervals, scale_name,
    tension_pitches, voice, voice_lead,
)


def notes(text, octave=4):
    """'C Eb Gb Bb' -> ascending MIDI pitches, each at or above the one before, from octave 4."""
    out = []
    for name in text.split():
        p = note_to_midi(name, octave)
        while out and p <= out[-1]:
            p += 12
        out.append(p)
    return out


# --- intervals ------------------------------------------------------------------------------

@pytest.mark.parametrize("name,size", [
    ("P1", 0), ("m2", 1), ("M2", 2), ("m3", 3), ("M3", 4), ("P4", 5), ("TT", 6), ("A4", 6), ("d5", 6),
    ("P5", 7), ("m6", 8), ("M6", 9), ("m7", 10), ("M7", 11), ("P8", 12), ("m9", 13), ("M9", 14),
    ("P11", 17), ("A11", 18), ("m13", 20), ("M13", 21),
])
def test_interval_table(name, size):
    assert interval(name) == INTERVALS[name] == size


def test_interval_names_and_errors():
    assert [interval_name(n) for n in (0, 3, 4, 6, 12, 21)] == ["P1", "m3", "M3", "TT", "P8", "M13"]
    with pytest.raises(TheoryError, match="'M4'"):
        interval("M4")
    with pytest.raises(TheoryError, match="16"):
        interval_name(16)


# --- scales ---------------------------------------------------------------------------------

def test_there_are_many_scales_and_each_is_a_proper_set_within_an_octave():
    assert len(SCALES) >= 22
    for name, steps in SCALES.items():
        assert steps[0] == 0 and all(a < b for a, b in zip(steps, steps[1:])) and steps[-1] < 12, name
        gaps = [b - a for a, b in zip(steps, steps[1:] + (12,))]
        assert sum(gaps) == 12 and min(gaps) >= 1, name


@pytest.mark.parametrize("name,steps", [
    ("major", "W W H W W W H"), ("dorian", "W H W W W H W"), ("phrygian", "H W W W H W W"),
    ("lydian", "W W W H W W H"), ("mixolydian", "W W H W W H W"), ("minor", "W H W W H W W"),
    ("locrian", "H W W H W W W"), ("harmonic minor", "W H W W H 3 H"), ("melodic minor", "W H W W W W H"),
    ("major pentatonic", "W W 3 W 3"), ("minor pentatonic", "3 W W 3 W"), ("blues", "3 W H H 3 W"),
    ("major blues", "W H H 3 W 3"), ("whole tone", "W W W W W W"), ("diminished", "W H W H W H W H"),
    ("half whole", "H W H W H W H W"), ("phrygian dominant", "H 3 H W H W W"),
    ("hungarian minor", "W H 3 H H 3 H"), ("double harmonic", "H 3 H W H 3 H"),
    ("lydian dominant", "W W W H W H W"), ("altered", "H W H W W W W"), ("dorian b2", "H W W W W H W"),
    ("chromatic", " ".join(["H"] * 12)),
])
def test_scale_steps(name, steps):
    size = {"H": 1, "W": 2, "3": 3}
    offsets, at = [], 0
    for step in steps.split():
        offsets.append(at)
        at += size[step]
    assert at == 12 and scale_intervals(name) == tuple(offsets)


@pytest.mark.parametrize("alias,name", [
    ("Ionian", "major"), ("AEOLIAN", "minor"), ("natural minor", "minor"), ("natural-minor", "minor"),
    ("Natural_Minor", "minor"), ("octatonic", "diminished"), ("whole-half", "diminished"),
    ("half_whole", "half whole"), ("dominant diminished", "half whole"), ("Minor Blues", "blues"),
    ("phrygian  dominant", "phrygian dominant"), ("super-locrian", "altered"), ("whole_tone", "whole tone"),
])
def test_scale_aliases_ignore_case_and_separators(alias, name):
    assert scale_name(alias) == name
    assert all(canonical in SCALES for canonical in SCALE_ALIASES.values())


def test_unknown_scale_names_the_input():
    with pytest.raises(TheoryError, match="unknown scale 'dorain'.*known: 'major'"):
        scale_intervals("dorain")


# --- keys -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text,tonic,name,mode", [
    ("F# dorian", 6, "F#", "dorian"), ("Am", 9, "A", "minor"), ("A minor", 9, "A", "minor"),
    ("Eb major", 3, "Eb", "major"), ("c minor", 0, "C", "minor"), ("C", 0, "C", "major"),
    ("Bbm", 10, "Bb", "minor"), ("F#m", 6, "F#", "minor"), ("G mixolydian", 7, "G", "mixolydian"),
    ("d phrygian dominant", 2, "D", "phrygian dominant"), ("d Phrygian-Dominant", 2, "D", "phrygian dominant"),
    ("  e aeolian ", 4, "E", "minor"), ("bb", 10, "Bb", "major"), ("b", 11, "B", "major"),
    ("Db lydian", 1, "Db", "lydian"), ("C#m", 1, "C#", "minor"), ("E♭ minor", 3, "Eb", "minor"),
    ("Cblues", 0, "C", "blues"), ("A harmonic_minor", 9, "A", "harmonic minor"), ("CM", 0, "C", "major"),
])
def test_parse_key_forms(text, tonic, name, mode):
    key = parse_key(text)
    assert (key.tonic, key.tonic_name, key.mode) == (tonic, name, mode)
    assert key.intervals == SCALES[mode] and str(key) == f"{name} {mode}"
    assert parse_key(key) is key


@pytest.mark.parametrize("junk,fragment", [
    ("", "not a key: ''"), ("H minor", "not a key: 'H minor'"), ("C foo", "unknown scale 'foo' in key 'C foo'"),
    ("Cmajor7", "'major7'"), (42, "not a key: 42"), (None, "not a key: None"),
])
def test_parse_key_errors_name_the_input(junk, fragment):
    with pytest.raises(TheoryError, match=fragment):
        parse_key(junk)


def test_key_is_frozen_and_validated():
    key = parse_key("C")
    with pytest.raises(AttributeError):
        key.tonic = 2
    with pytest.raises(TheoryError, match="tonic 12"):
        Key(12, "C", "major", SCALES["major"])
    with pytest.raises(TheoryError, match="intervals"):
        Key(0, "C", "odd", (0, 4, 2))


def test_c_major_pitches_and_pitch_classes():
    c = parse_key("C major")
    assert [c.degree(d) for d in range(7)] == [60, 62, 64, 65, 67, 69, 71]
    assert c.scale_pitches(60, 71) == [60, 62, 64, 65, 67, 69, 71]
    assert c.pitch_classes == {0, 2, 4, 5, 7, 9, 11}
    assert parse_key("F# dorian").pitch_classes == {6, 8, 9, 11, 1, 3, 4}


def test_degrees_wrap_below_and_above():
    a = parse_key("A minor")
    assert a.degree(-1) == note_to_midi("G4") == 67
    assert a.degree(-7) == 57 and a.degree(-8) == 55 and a.degree(7) == 81 and a.degree(9) == 84
    assert a.degree(0, octave=2) == 45
    pent = parse_key("C minor pentatonic")
    assert [pent.degree(d) for d in range(-2, 7)] == [55, 58, 60, 63, 65, 67, 70, 72, 75]
    with pytest.raises(TheoryError, match="1.5"):
        a.degree(1.5)


def test_contains_and_snap():
    c = parse_key("C")
    assert c.contains(60) and c.contains(71) and not c.contains(61) and c.contains(-1) is True
    assert [c.snap(p) for p in range(60, 73)] == [60, 60, 62, 62, 64, 65, 65, 67, 67, 69, 69, 71, 72]
    blues = parse_key("A minor pentatonic")
    assert blues.snap(62) == 62 and blues.snap(65) == 64 and blues.snap(66) == 67 and blues.snap(70) == 69
    assert parse_key("C whole tone").snap(61) == 60 and parse_key("C whole tone").snap(63) == 62


@given(st.sampled_from(sorted(SCALES)), st.integers(0, 11), st.integers(0, 127))
def test_snap_is_the_nearest_in_key_pitch(mode, tonic, pitch):
    key = Key(tonic, "X", mode, SCALES[mode])
    snapped = key.snap(pitch)
    assert key.contains(snapped)
    assert all(not key.contains(q) for q in range(pitch - abs(snapped - pitch) + 1, pitch + abs(snapped - pitch)))
    if snapped > pitch:
        assert not key.contains(pitch - (snapped - pitch))


def test_scale_pitches_ranges():
    assert parse_key("E minor pentatonic").scale_pitches("e2", "e3") == [40, 43, 45, 47, 50, 52]
    assert parse_key("C").scale_pitches(61, 61) == [] and parse_key("C").scale_pitches(70, 60) == []
    assert len(parse_key("C chromatic").scale_pitches(0, 127)) == 128
    with pytest.raises(TheoryError, match="'zz'"):
        parse_key("C").scale_pitches("zz", 70)


# --- chords ---------------------------------------------------------------------------------

SPELLINGS = {
    "maj": "C E G", "min": "C Eb G", "dim": "C Eb Gb", "aug": "C E G#", "sus2": "C D G", "sus4": "C F G",
    "5": "C G", "6": "C E G A", "m6": "C Eb G A", "7": "C E G Bb", "maj7": "C E G B", "m7": "C Eb G Bb",
    "mmaj7": "C Eb G B", "m7b5": "C Eb Gb Bb", "dim7": "C Eb Gb Bbb", "aug7": "C E G# Bb",
    "maj7#5": "C E G# B", "7sus4": "C F G Bb", "add9": "C E G D", "madd9": "C Eb G D",
    "69": "C E G A D", "9": "C E G Bb D", "maj9": "C E G B D", "m9": "C Eb G Bb D", "mmaj9": "C Eb G B D",
    "11": "C E G Bb D F", "maj11": "C E G B D F", "m11": "C Eb G Bb D F", "mmaj11": "C Eb G B D F",
    "13": "C E G Bb D F A", "maj13": "C E G B D F A", "m13": "C Eb G Bb D F A", "mmaj13": "C Eb G B D F A",
}


def test_every_quality_has_a_known_spelling():
    assert set(SPELLINGS) == set(QUALITIES) and len(QUALITIES) >= 24


@pytest.mark.parametrize("alias", sorted(QUALITY_ALIASES))
def test_every_quality_alias_spells_its_chord(alias):
    quality = QUALITY_ALIASES[alias]
    assert chord("C", alias) == chord(60, alias) == notes(SPELLINGS[quality])
    assert parse_chord("C" + alias) == (0, quality, notes(SPELLINGS[quality]))


@pytest.mark.parametrize("symbol,root,quality,spelled", [
    ("Cm7", 0, "m7", "C Eb G Bb"), ("Cm7b5", 0, "m7b5", "C Eb Gb Bb"), ("F#m7b5", 6, "m7b5", "F# A C E"),
    ("Bbmaj9", 10, "maj9", "Bb D F A C"), ("Ebm", 3, "min", "Eb Gb Bb"), ("Abadd9", 8, "add9", "Ab C Eb Bb"),
    ("Dbmaj7", 1, "maj7", "Db F Ab C"), ("G7", 7, "7", "G B D F"), ("Gø", 7, "m7b5", "G Bb Db F"),
    ("B°7", 11, "dim7", "B D F Ab"), ("Esus4", 4, "sus4", "E A B"), ("A-7", 9, "m7", "A C E G"),
    ("CM7", 0, "maj7", "C E G B"), ("CMaj7", 0, "maj7", "C E G B"), ("Cmin", 0, "min", "C Eb G"),
    ("C7b9", 0, "7b9", "C E G Bb Db"), ("C7#9", 0, "7#9", "C E G Bb D#"), ("Cmaj7#11", 0, "maj7#11", "C E G B F#"),
    ("C7(b9,#11)", 0, "7b9#11", "C E G Bb Db F#"), ("C9b9", 0, "7b9", "C E G Bb Db"), ("C7#5", 0, "aug7", "C E G# Bb"),
    ("Cb5", 11, "5", "Cb Gb"), ("C7b5", 0, "7b5", "C E Gb Bb"), ("f#m9", 6, "m9", "F# A C# E G#"),
])
def test_parse_chord(symbol, root, quality, spelled):
    assert parse_chord(symbol) == (root, quality, notes(spelled))


def test_chord_roots_with_octaves_and_numbers():
    assert chord("eb3", "maj7") == [51, 55, 58, 62] and chord(57, "m") == [57, 60, 64]
    assert chord("C2", "5") == [36, 43] and chord("c") == [60, 64, 67]


@pytest.mark.parametrize("call,fragment", [
    (lambda: chord("C", "m8"), "unknown chord quality 'm8'"),
    (lambda: chord("H", "m"), "chord root 'H'"),
    (lambda: parse_chord("Cm8"), "unknown chord quality 'm8' in 'Cm8'; known: 'maj'"),
    (lambda: parse_chord("Xmaj7"), "not a chord: 'Xmaj7'"),
    (lambda: parse_chord(""), "not a chord: ''"),
    (lambda: parse_chord("Cmaj7b9b9"), "'maj7b9b9'"),
    (lambda: quality_intervals("m7q"), "'m7q'"),
    (lambda: quality_intervals(7), "7"),
])
def test_chord_errors_name_the_input(call, fragment):
    with pytest.raises(TheoryError, match=fragment.replace("(", r"\(")):
        call()


@pytest.mark.parametrize("quality", sorted(QUALITIES))
@pytest.mark.parametrize("alteration", [None, *ALTERATIONS])
def test_quality_names_round_trip(quality, alteration):
    symbol = quality + (alteration or "")
    try:
        offsets = quality_intervals(symbol)
    except TheoryError:
        return  # the alteration does not apply (e.g. 'b9' on a chord that already has one)
    name = chord_quality([60 + t for t in offsets])
    assert quality_intervals(name) == offsets, (symbol, name)


# --- harmonize ------------------------------------------------------------------------------

def test_harmonize_c_major_sevenths():
    got = [harmonize("C major", d, 4) for d in range(1, 8)]
    assert [q for q, _ in got] == ["maj7", "m7", "m7", "maj7", "7", "m7", "m7b5"]
    assert got[0][1] == [60, 64, 67, 71] and got[6][1] == [71, 74, 77, 81]


@pytest.mark.parametrize("key,size,qualities", [
    ("C", 3, ["maj", "min", "min", "maj", "maj", "min", "dim"]),
    ("A minor", 3, ["min", "dim", "maj", "min", "min", "maj", "maj"]),
    ("A minor", 4, ["m7", "m7b5", "maj7", "m7", "m7", "maj7", "7"]),
    ("A harmonic minor", 3, ["min", "dim", "aug", "min", "maj", "maj", "dim"]),
    ("A harmonic minor", 4, ["mmaj7", "m7b5", "maj7#5", "m7", "7", "maj7", "dim7"]),
    ("C", 5, ["maj9", "m9", "m7b9", "maj9", "9", "m9", "m7b5b9"]),
    ("C", 6, ["maj11", "m11", "m11b9", "maj9#11", "11", "m11", "m11b5b9"]),
    ("C", 7, ["maj13", "m13", "m11b9b13", "maj13#11", "13", "m11b13", "m11b5b9b13"]),
    ("D dorian", 4, ["m7", "m7", "maj7", "7", "m7", "m7b5", "maj7"]),
])
def test_harmonize_qualities(key, size, qualities):
    assert [harmonize(key, d, size)[0] for d in range(1, 8)] == qualities


def test_harmonize_pitches_stack_thirds_in_the_key():
    assert harmonize("C", 5, 7) == ("13", notes("G B D F A C E"))
    assert harmonize("A minor", 1) == ("min", [69, 72, 76])
    assert harmonize("Eb major", 2, 4) == ("m7", notes("F Ab C Eb"))


@pytest.mark.parametrize("mode", [m for m, steps in SCALES.items() if len(steps) == 7])
def test_harmonize_names_round_trip(mode):
    key = parse_key(f"D {mode}")
    for degree in range(1, 8):
        for size in range(3, 8):
            name, pitches = harmonize(key, degree, size)
            assert all(key.contains(p) for p in pitches)
            assert [pitches[0] + t for t in quality_intervals(name)] == pitches, (mode, degree, size, name)


def test_harmonize_errors():
    with pytest.raises(TheoryError, match="degree 0 is outside 1..7 of C major"):
        harmonize("C", 0)
    with pytest.raises(TheoryError, match="degree 6 is outside 1..5"):
        harmonize("C major pentatonic", 6)
    with pytest.raises(TheoryError, match="size 8"):
        harmonize("C", 1, 8)


# --- Roman numerals -------------------------------------------------------------------------

def test_progression_in_a_minor():
    chords = progression("A minor", "i VI III VII")
    assert [c.root for c in chords] == [9, 5, 0, 7]
    assert [c.quality for c in chords] == ["min", "maj", "maj", "maj"]
    assert [c.pitches for c in chords] == [(69, 72, 76), (77, 81, 84), (72, 76, 79), (79, 83, 86)]
    assert chords[0] == Chord(9, "min", "i", (69, 72, 76))


@pytest.mark.parametrize("key,numeral,root,quality", [
    ("C", "V7", 7, "7"), ("C", "ii7", 2, "m7"), ("C", "Imaj7", 0, "maj7"), ("C", "IM7", 0, "maj7"),
    ("C", "vii°", 11, "dim"), ("C", "viio", 11, "dim"), ("C", "viidim", 11, "dim"), ("C", "vii°7", 11, "dim7"),
    ("C", "viiø", 11, "m7b5"), ("C", "viiø7", 11, "m7b5"), ("C", "III+", 4, "aug"), ("C", "V+7", 7, "aug7"),
    ("C", "V9", 7, "9"), ("C", "ii9", 2, "m9"), ("C", "Vsus4", 7, "sus4"), ("C", "V7sus4", 7, "7sus4"),
    ("C", "Iadd9", 0, "add9"), ("C", "viadd9", 9, "madd9"), ("C", "bII", 1, "maj"),
    ("C", "#IV", 6, "maj"), ("C", "#iv°", 6, "dim"), ("C", "bVII", 10, "maj"), ("C", "v", 7, "min"),
    ("C", "IV6", 5, "6"), ("C", "V7b9", 7, "7b9"), ("C", "♭VI", 8, "maj"),
    ("A minor", "IV", 2, "maj"), ("A minor", "V7", 4, "7"), ("A minor", "iv", 2, "min"),
    ("A minor", "bVI", 5, "maj"), ("A minor", "bII", 10, "maj"), ("A minor", "imaj7", 9, "mmaj7"),
    ("D dorian", "IV", 7, "maj"), ("D dorian", "bVII", 0, "maj"), ("C minor pentatonic", "IV", 5, "maj"),
])
def test_numerals(key, numeral, root, quality):
    (c,) = progression(key, numeral)
    assert (c.root, c.quality, c.numeral) == (root, quality, numeral)
    assert list(c.pitches) == [c.pitches[0] + t for t in quality_intervals(quality)]
    assert c.pitches[0] % 12 == root and 0 <= c.pitches[0] - 60 - parse_key(key).tonic < 12


def test_progression_separators_and_lists():
    a = progression("C", "ii7 V7 Imaj7")
    assert a == progression("C", "ii7-V7-Imaj7") == progression("C", "ii7, V7 | Imaj7")
    assert a == progression(parse_key("C"), ["ii7", "V7", "Imaj7"])
    assert [c.pitches for c in a] == [(62, 65, 69, 72), (67, 71, 74, 77), (60, 64, 67, 71)]


@pytest.mark.parametrize("numerals,fragment", [
    ("I V X", "not a Roman numeral: 'X'"), ("I Vq", "suffix 'q' in numeral 'Vq'"), ("", "no Roman numerals"),
    ("IIII", "suffix 'I' in numeral 'IIII'"), (["I", 5], "not a Roman numeral: 5"), (42, "42"),
])
def test_progression_errors_name_the_input(numerals, fragment):
    with pytest.raises(TheoryError, match=fragment):
        progression("C", numerals)


# --- voicings -------------------------------------------------------------------------------

def test_voicing_kinds():
    c7 = chord("C", "maj7")
    assert voice(c7, center=None) == [60, 64, 67, 71]
    assert voice(c7, "open", center=None) == [60, 67, 76, 83]
    assert voice(c7, "drop2", center=None) == [55, 60, 64, 71]
    assert voice(c7, "spread", center=None) == [48, 64, 71, 79]
    assert voice(chord("C"), "spread", center=None) == [48, 64, 79]
    assert voice(chord("C", "9"), center=None) == [60, 62, 64, 67, 70]
    assert set(VOICINGS) == {"close", "open", "drop2", "spread"}


def test_inversions_rotate_the_bottom_note_up():
    c = chord("C")
    assert [voice(c, inversion=i, center=None) for i in range(4)] == [
        [60, 64, 67], [64, 67, 72], [67, 72, 76], [60, 64, 67]]
    assert voice(c, "drop2", inversion=1, center=None) == [55, 64, 72]
    assert voice(c, inversion=-1, center=None) == [67, 72, 76]


def test_voicings_are_centred_by_octaves():
    c = chord("C")
    assert voice(c) == [60, 64, 67] and voice(c, center=72) == [72, 76, 79] and voice(c, center=40) == [36, 40, 43]
    assert voice([84, 88, 91]) == [60, 64, 67]
    assert voice([60, 66]) == [60, 66] and voice([60, 66], center=69) == [60, 66]  # tie at 63 +- 6 goes down
    assert voice([0, 4, 7], center=-30) == [0, 4, 7] and max(voice([120, 124, 127], center=200)) <= 127


@given(st.lists(st.integers(36, 96), min_size=1, max_size=7), st.sampled_from(VOICINGS),
       st.integers(-3, 8), st.integers(30, 90))
def test_voicings_keep_the_pitch_classes(pitches, kind, inversion, center):
    v = voice(pitches, kind, inversion, center)
    assert v == sorted(v) and {p % 12 for p in v} == {p % 12 for p in pitches}
    assert len(v) == len({p % 12 for p in pitches})
    mean = sum(v) / len(v)
    assert all(abs(mean - center) <= abs(mean + s - center) for s in (-12, 12)) or min(v) < 12 or max(v) > 115


def test_voice_errors():
    with pytest.raises(TheoryError, match="unknown voicing 'drop3'"):
        voice([60, 64, 67], "drop3")
    with pytest.raises(TheoryError, match="empty"):
        voice([])
    with pytest.raises(TheoryError, match="'Cmaj7'"):
        voice("Cmaj7")
    with pytest.raises(TheoryError, match="inversion 1.5"):
        voice([60], inversion=1.5)


def test_voice_leading_a_ii_v_i_moves_little():
    previous = voice(chord("D", "m7"), center=None)
    moves = []
    for name in ("G7", "Cmaj7"):
        nxt = voice_lead(previous, parse_chord(name)[2])
        assert {p % 12 for p in nxt} == {p % 12 for p in parse_chord(name)[2]}
        moves.append([abs(a - b) for a, b in zip(previous, nxt)])
        previous = nxt
    assert all(sum(m) <= 4 and max(m) <= 2 for m in moves)
    assert previous == [60, 64, 67, 71]


def test_voice_leading_choices():
    assert voice_lead([60, 64, 67], chord("A", "m")) == [60, 64, 69]
    assert voice_lead([60, 64, 67], chord("F")) == [60, 65, 69]
    assert voice_lead([60, 64, 67], chord("C")) == [60, 64, 67]
    assert voice_lead([63, 69], [60, 66]) == [60, 66]  # [66, 72] moves as much; lower wins
    assert voice_lead([48, 55, 64], chord("F"), "open") == [48, 57, 65]
    assert voice_lead([60, 64, 67, 71], chord("G")) == [62, 67, 71]  # fewer voices: nearest notes
    assert voice_lead([60, 64, 67], chord("G")) == voice_lead([60, 64, 67], chord("G"))


# --- tension --------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["C", "A minor", "F# dorian", "C minor pentatonic", "D blues", "E chromatic"])
def test_tension_is_monotonic_from_the_scale_to_all_twelve(key):
    k = parse_key(key)
    sets = [tension_pitches(k, t) for t in range(101)]
    assert sets[0] == k.pitch_classes and sets[100] == set(range(12))
    assert all(a <= b for a, b in zip(sets, sets[1:]))
    assert tension_pitches(k, 37.5) >= sets[37] and tension_pitches(k, 37.5) <= sets[38]


def test_tension_adds_the_blue_notes_first():
    assert sorted(TENSION_ORDER) == list(range(12))
    c = [tension_pitches("C", t) for t in (20, 40, 60, 80, 100)]
    assert [sorted(b - a)[0] for a, b in zip([parse_key("C").pitch_classes, *c], c)] == [3, 6, 10, 8, 1]
    assert tension_pitches("A minor", 20) - parse_key("A minor").pitch_classes == {3}  # Eb, the b5 of A


@pytest.mark.parametrize("bad", [-1, 100.5, "high", None, True])
def test_tension_errors(bad):
    with pytest.raises(TheoryError, match="tension"):
        tension_pitches("C", bad)
    with pytest.raises(TheoryError, match="tension"):
        chord_size_for_tension(bad)


def test_chord_size_for_tension():
    sizes = [chord_size_for_tension(t) for t in range(101)]
    assert sizes[0] == 3 and sizes[100] == 7 and set(sizes) == {3, 4, 5, 6, 7}
    assert all(a <= b for a, b in zip(sizes, sizes[1:]))
    assert harmonize("C", 2, chord_size_for_tension(45))[0] == "m9"
