"""The Clip model and its bridge to patterns (stepista.clip)."""

from __future__ import annotations

import json
import time
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from stepista.clip import Clip, Note, clip_to_pattern, pattern_to_clip
from stepista.controls import note, velocity
from stepista.event import Event
from stepista.mini import mini
from stepista.span import Span
from stepista.time import Time

SETTINGS = dict(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def n(pitch=60, vel=100, start=0, dur=1, ch=1) -> Note:
    return Note(pitch=pitch, velocity=vel, start=start, duration=dur, channel=ch)


def error_fields(exc: ValidationError) -> set:
    return {err["loc"][0] for err in exc.errors() if err["loc"]}


# -- Note -----------------------------------------------------------------------

@pytest.mark.parametrize(
    "given_, expected",
    [(0.25, Fraction(1, 4)), (1 / 3, Fraction(1, 3)), ("3/2", Fraction(3, 2)), (" 5/4 ", Fraction(5, 4)),
     (2, Fraction(2)), (Fraction(7, 8), Fraction(7, 8)), (Time(1, 6), Fraction(1, 6)), ("0.75", Fraction(3, 4))],
)
def test_note_times_are_exact_fractions(given_, expected):
    note_ = n(start=given_, dur=given_)
    assert note_.start == expected and note_.duration == expected
    assert type(note_.start) is Fraction and type(note_.duration) is Fraction


def test_note_defaults_to_channel_1_and_has_an_end():
    assert n().channel == 1
    assert n(start="1/2", dur="1/3").end == Fraction(5, 6)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(pitch=128), "pitch"), (dict(pitch=-1), "pitch"), (dict(vel=0), "velocity"),
        (dict(vel=128), "velocity"), (dict(start=-1), "start"), (dict(dur=0), "duration"),
        (dict(dur="-1/4"), "duration"), (dict(ch=0), "channel"), (dict(ch=17), "channel"),
        (dict(start="soon"), "start"), (dict(dur=float("nan")), "duration"), (dict(start=True), "start"),
        (dict(dur=None), "duration"), (dict(pitch=60.5), "pitch"),
    ],
)
def test_note_validation_names_the_field(kwargs, field):
    with pytest.raises(ValidationError) as info:
        n(**kwargs)
    assert error_fields(info.value) == {field}


def test_bad_time_string_message():
    with pytest.raises(ValidationError) as info:
        n(start="soon")
    assert "not a time: 'soon'" in str(info.value)


def test_note_is_frozen_and_hashable():
    note_ = n()
    with pytest.raises(ValidationError):
        note_.pitch = 61
    assert len({n(), n(), n(pitch=61)}) == 2


# -- Clip -----------------------------------------------------------------------

def test_clip_validates_notes_inside_the_loop():
    with pytest.raises(ValidationError) as info:
        Clip(notes=[n(start=0), n(start=4)], length_beats=4)
    message = str(info.value)
    assert "note 1 (pitch 60) starts at beat 4" in message and "length_beats 4" in message
    with pytest.raises(ValidationError) as info:
        Clip(notes=[n(start=0), n(start=1), n(start="7/2", dur=1)], length_beats=4)
    assert "note 2 (pitch 60) ends at beat 9/2, after the loop end" in str(info.value)
    # ending exactly at the loop end is fine
    assert Clip(notes=[n(start=3, dur=1)], length_beats=4).notes[0].end == 4


@pytest.mark.parametrize(
    "kwargs, field",
    [(dict(length_beats=0), "length_beats"), (dict(length_beats=-4), "length_beats"),
     (dict(length_beats=4, bpm=10), "bpm"), (dict(length_beats=4, bpm=301), "bpm"),
     (dict(length_beats=4, notes=[{"pitch": 60}]), "notes")],
)
def test_clip_field_validation(kwargs, field):
    with pytest.raises(ValidationError) as info:
        Clip(**kwargs)
    assert error_fields(info.value) == {field}


def test_clip_accepts_dicts_and_loose_lengths():
    clip = Clip(notes=[{"pitch": 60, "velocity": 90, "start": 0.5, "duration": "1/3"}], length_beats=2.5)
    assert clip.notes[0] == n(vel=90, start="1/2", dur="1/3")
    assert clip.length_beats == Fraction(5, 2) and clip.bars == Fraction(5, 8)


def test_sorted_orders_by_start_then_pitch():
    clip = Clip(notes=[n(64, start=1), n(60, start=1), n(72, start=0)], length_beats=4)
    assert [(x.start, x.pitch) for x in clip.sorted().notes] == [(0, 72), (1, 60), (1, 64)]
    assert [x.pitch for x in clip.notes] == [64, 60, 72]  # the original is untouched


def test_transpose():
    clip = Clip(notes=[n(60), n(67, start=1)], length_beats=4, name="lead", key="C")
    up = clip.transpose(5)
    assert [x.pitch for x in up.notes] == [65, 72] and up.name == "lead" and up.key == "C"
    assert clip.transpose(0) == clip
    with pytest.raises(ValueError, match=r"note 1 \(pitch 67\) to 128"):
        clip.transpose(61)


def test_to_json_dict_shape():
    clip = Clip(
        notes=[n(40, 96, "1/3", 0.5, 2), n(36, 110, 0, 1, 2)],
        length_beats=8, name="ignored", bpm=124, key="A", mode="minor", style="house", part="bass",
    )
    data = clip.to_json_dict()
    assert list(data) == ["style", "part", "key", "mode", "bpm", "bars", "length_beats", "notes"]
    assert data["bars"] == 2 and type(data["bars"]) is int
    assert data["length_beats"] == 8 and type(data["length_beats"]) is int
    assert data["bpm"] == 124 and type(data["bpm"]) is int
    assert data["notes"] == [
        {"pitch": 36, "velocity": 110, "start": 0, "duration": 1, "channel": 2},
        {"pitch": 40, "velocity": 96, "start": 1 / 3, "duration": 0.5, "channel": 2},
    ]
    assert [list(x) for x in data["notes"]] == [["pitch", "velocity", "start", "duration", "channel"]] * 2
    assert json.loads(json.dumps(data)) == data
    assert Clip(notes=[], length_beats=6, bpm=92.5).to_json_dict()["bars"] == 1.5
    assert Clip(notes=[], length_beats=6, bpm=92.5).to_json_dict()["bpm"] == 92.5


def test_json_dict_reads_back():
    clip = Clip(notes=[n(40, 96, "1/3", "1/6", 2), n(36, 110, 0, 1, 10)], length_beats=8, style="x")
    back = Clip.model_validate(json.loads(json.dumps(clip.to_json_dict())))
    assert back == clip.sorted()


# -- clip -> pattern --------------------------------------------------------------

def reference_query(clip: Clip, span: Span) -> list[Event]:
    """Every loop iteration near the span, every note, cut with Span.intersection."""
    period = clip.bars
    out = []
    for k in range(int(span.begin // period) - 2, int(span.end // period) + 2):
        for x in clip.notes:
            whole = Span.of(k * period + x.start / 4, k * period + x.end / 4)
            part = whole.intersection(span)
            if part is not None:
                out.append(Event(whole, part, {"note": x.pitch, "velocity": x.velocity / 127, "channel": x.channel}))
    return out


def key(e: Event):
    return (e.whole.begin, e.whole.end, e.part.begin, e.part.end, sorted(e.value.items()))


def same_events(a, b) -> bool:
    return sorted(map(key, a)) == sorted(map(key, b))


def test_clip_to_pattern_values_and_wholes():
    clip = Clip(notes=[n(48, 127, 0, "1/2", 3), n(55, 64, 3, 1, 10)], length_beats=4)
    events = clip_to_pattern(clip).query_arc(0, 1)
    assert [(e.whole, e.part) for e in events] == [
        (Span.of(0, "1/8"), Span.of(0, "1/8")), (Span.of("3/4", 1), Span.of("3/4", 1))
    ]
    assert events[0].value == {"note": 48, "velocity": 1.0, "channel": 3}
    assert events[1].value == {"note": 55, "velocity": 64 / 127, "channel": 10}
    assert all(isinstance(e.whole.begin, Time) and e.whole is e.part for e in events)


def test_clip_to_pattern_loops_and_cuts_parts():
    clip = Clip(notes=[n(60, start=6, dur=2)], length_beats=8)  # 2 bars, note in the 2nd half of bar 2
    pat = clip_to_pattern(clip)
    assert [str(e.whole) for e in pat.query_arc(0, 6)] == ["3/2 → 2", "7/2 → 4", "11/2 → 6"]
    cut = pat.query_arc("7/4", "15/4")
    assert [(str(e.whole), str(e.part)) for e in cut] == [("3/2 → 2", "7/4 → 2"), ("7/2 → 4", "7/2 → 15/4")]
    assert not cut[0].has_onset() and cut[1].has_onset()
    assert [str(e.whole) for e in pat.query_arc(-2, 0)] == ["-1/2 → 0"]


def test_touching_and_zero_width_queries():
    clip = Clip(notes=[n(start=0, dur=2), n(62, start=2, dur=2)], length_beats=4)
    pat = clip_to_pattern(clip)
    assert [e.value["note"] for e in pat.query_arc("1/2", "1/2")] == [62]  # the onset, not the ended note
    assert [e.value["note"] for e in pat.query_arc(1, 1)] == [60]  # next loop's onset
    assert [e.value["note"] for e in pat.query_arc("1/4", "1/4")] == [60]
    assert pat.query_arc("1/2", "1/2")[0].part == Span.of("1/2", "1/2")
    assert [e.value["note"] for e in pat.query_arc(1, 2)] == [60, 62]  # nothing from the loop before


def test_empty_clip_is_silent():
    assert clip_to_pattern(Clip(length_beats=4)).query_arc(0, 10) == []


times = st.fractions(min_value=0, max_value=16, max_denominator=12)


@st.composite
def clips(draw, max_notes=12):
    length = draw(st.sampled_from([Fraction(1), Fraction(3), Fraction(4), Fraction(6), Fraction(8), Fraction(16)]))
    notes = []
    for _ in range(draw(st.integers(0, max_notes))):
        start = draw(st.fractions(min_value=0, max_value=length, max_denominator=12).filter(lambda s: s < length))
        dur = draw(st.fractions(min_value=0, max_value=length - start, max_denominator=12).filter(lambda d: d > 0))
        notes.append(Note(pitch=draw(st.integers(0, 127)), velocity=draw(st.integers(1, 127)),
                          start=start, duration=dur, channel=draw(st.integers(1, 16))))
    return Clip(notes=notes, length_beats=length)


spans = st.tuples(st.fractions(min_value=-6, max_value=6, max_denominator=8),
                  st.fractions(min_value=0, max_value=5, max_denominator=8))


@settings(max_examples=150, **SETTINGS)
@given(clips(), spans)
def test_clip_to_pattern_matches_a_brute_force_query(clip, span):
    begin, width = span
    query = Span.of(begin, begin + width)
    assert same_events(clip_to_pattern(clip).query(query), reference_query(clip, query))


def test_clip_to_pattern_is_fast_for_long_clips():
    notes = [n(36 + i % 48, start=Fraction(i, 8), dur=Fraction(1, 8)) for i in range(8 * 64 * 4)]
    pat = clip_to_pattern(Clip(notes=notes, length_beats=64 * 4))
    began = time.perf_counter()
    count = sum(len(pat.query_arc(Fraction(i, 16), Fraction(i + 1, 16))) for i in range(64 * 16))
    assert count == len(notes)
    assert time.perf_counter() - began < 2.0  # a scan of every note per query takes far longer


# -- pattern -> clip ------------------------------------------------------------------

def test_pattern_to_clip_reads_note_controls():
    pat = note("c3 [e3 g3]").velocity("0.5 1").channel(3)
    clip = pattern_to_clip(pat, 1)
    assert clip.length_beats == 4
    assert [(x.pitch, x.velocity, x.start, x.duration, x.channel) for x in clip.notes] == [
        (48, 64, 0, 2, 3), (52, 127, 2, 1, 3), (55, 127, 3, 1, 3)
    ]


def test_pattern_to_clip_plain_numbers_defaults_and_skips():
    clip = pattern_to_clip(mini("60 ~ 62.4 c4"), 2, channel=10)
    assert [(x.pitch, x.velocity, x.channel) for x in clip.notes][:3] == [(60, 100, 10), (62, 100, 10), (60, 100, 10)]
    assert len(clip.notes) == 6 and clip.length_beats == 8
    assert pattern_to_clip(mini("bd sd").fmap(lambda v: {"s": v}), 1).notes == []
    assert pattern_to_clip(note("60").velocity(0), 1).notes[0].velocity == 1
    assert pattern_to_clip(note("60").velocity(3), 1).notes[0].velocity == 127


def test_pattern_to_clip_cuts_at_the_loop_end_and_keeps_only_onsets():
    slow = note("c3 e3").slow(4)  # each note lasts 2 bars
    clip = pattern_to_clip(slow, 3)
    assert [(x.pitch, x.start, x.duration) for x in clip.notes] == [(48, 0, 8), (52, 8, 4)]
    late = pattern_to_clip(note("c3").late(0.5), 1)  # the fragment from the previous cycle has no onset
    assert [(x.start, x.duration) for x in late.notes] == [(2, 2)]


def test_pattern_to_clip_applies_legato():
    clip = pattern_to_clip(note("c3 e3").legato("0.5 4"), 1)
    assert [(x.start, x.duration) for x in clip.notes] == [(0, 1), (2, 2)]


def test_pattern_to_clip_fractional_bars():
    clip = pattern_to_clip(note("c3*3"), "1/2")
    assert clip.length_beats == 2
    assert [(x.start, x.duration) for x in clip.notes] == [(0, Fraction(4, 3)), (Fraction(4, 3), Fraction(2, 3))]


@settings(max_examples=150, **SETTINGS)
@given(clips(max_notes=20))
def test_round_trip_clip_pattern_clip_is_lossless(clip):
    back = pattern_to_clip(clip_to_pattern(clip), clip.bars)
    assert back == Clip(notes=clip.sorted().notes, length_beats=clip.length_beats)
    assert back.notes == clip.sorted().notes
