"""Validation after the schema: every answer, however broken, becomes a playable clip, and the
report says what was changed."""

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stepista.ai.validate import MAX_NOTES, Report, validate_notes
from stepista.clip import Clip
from stepista.drums import GM_DRUMS
from stepista.theory import tension_pitches

C_MINOR = {"key": "C minor", "tension": 0, "length_beats": 4, "channel": 2}


def note(pitch=60, velocity=100, start=0, duration=1):
    return {"pitch": pitch, "velocity": velocity, "start": start, "duration": duration}


def rows(clip):
    return [(n.pitch, n.velocity, n.start, n.duration) for n in clip.notes]


def assert_playable(clip: Clip, *, key, tension, length_beats, channel, max_notes=MAX_NOTES):
    """The promise of validation: nothing in the clip can play a wrong or stuck note."""
    length = Fraction(length_beats)
    if channel == 10:
        allowed = set(GM_DRUMS.values())
        assert all(n.pitch in allowed for n in clip.notes)
    else:
        classes = tension_pitches(key, tension)
        assert all(n.pitch % 12 in classes for n in clip.notes)
    assert all(0 <= n.pitch <= 127 and 1 <= n.velocity <= 127 for n in clip.notes)
    assert all(n.channel == channel for n in clip.notes)
    assert all(0 <= n.start < length and 0 < n.duration and n.end <= length for n in clip.notes)
    assert len(clip.notes) <= max_notes
    by_pitch = {}
    for n in sorted(clip.notes, key=lambda n: n.start):
        before = by_pitch.get(n.pitch)
        assert before is None or before.end <= n.start, f"notes overlap on pitch {n.pitch}"
        by_pitch[n.pitch] = n
    Clip.model_validate(clip.model_dump())  # still a valid Clip from scratch


# -- each fix, counted and worded ------------------------------------------------------------------

def test_a_clean_answer_passes_unchanged():
    answer = [note(60, 100, 0, 1), note(63, 90, "1/3", "1/3"), note(67, 80, 2.5, 1.5)]
    clip, report = validate_notes(answer, **C_MINOR)
    assert rows(clip) == [(60, 100, 0, 1), (63, 90, Fraction(1, 3), Fraction(1, 3)),
                          (67, 80, Fraction(5, 2), Fraction(3, 2))]
    assert not report.changed and str(report) == "no changes" and report.problem() is None
    assert (report.answered, report.kept, report.touched) == (3, 3, 0)
    assert (clip.key, clip.mode, clip.length_beats) == ("C", "minor", 4)


def test_off_scale_pitches_snap_to_the_nearest_allowed_and_are_counted():
    answer = [note(61, start=0), note(64, start=1), note(66, start=2), note(60, start=3)]
    clip, report = validate_notes(answer, **C_MINOR)
    assert [n.pitch for n in clip.notes] == [60, 63, 65, 60]  # E -> Eb, F# -> F (halfway: down)
    assert report.counts == {"snapped": 3}
    assert report.lines() == ["3 notes outside C minor (snapped)"]


def test_tension_widens_the_allowed_set_and_the_words_say_so():
    allowed = tension_pitches("C minor", 60)
    assert 6 in allowed  # F# is allowed at tension 60
    clip, report = validate_notes([note(66), note(61, start=1)], **{**C_MINOR, "tension": 60})
    assert [n.pitch % 12 in allowed for n in clip.notes] == [True, True]
    assert clip.notes[0].pitch == 66
    assert report.lines() == ["1 note outside C minor at tension 60 (snapped)"]


def test_drum_notes_snap_to_the_general_midi_map():
    clip, report = validate_notes([note(36), note(20, start=1), note(99, start=2)],
                                  key="A minor", tension=0, length_beats=4, channel=10)
    assert [n.pitch for n in clip.notes] == [36, 35, 81]
    assert report.lines() == ["2 notes outside the drum map (snapped)"]


def test_pitches_outside_midi_move_by_octaves_then_snap():
    clip, report = validate_notes([note(60 + 12 * 10), note(-12 + 3, start=1)], **C_MINOR)
    assert [n.pitch for n in clip.notes] == [120, 3]
    assert report.counts == {"range": 2}


def test_velocities_are_clamped_and_counted():
    clip, report = validate_notes([note(velocity=200), note(velocity=0, start=1), note(velocity=-5, start=2)],
                                  **C_MINOR)
    assert [n.velocity for n in clip.notes] == [127, 1, 1]
    assert report.lines() == ["3 velocities outside 1-127 (clamped)"]


def test_a_start_before_beat_0_moves_into_the_loop_like_a_pickup():
    clip, report = validate_notes([note(60, start=-0.5, duration=0.5), note(63, start=-9, duration=1)],
                                  **C_MINOR)
    assert rows(clip) == [(63, 100, 3, 1), (60, 100, Fraction(7, 2), Fraction(1, 2))]
    assert report.counts == {"early": 2}


def test_notes_past_the_loop_end_are_trimmed_and_late_starts_dropped():
    clip, report = validate_notes([note(60, start=3, duration=4), note(63, start=4), note(67, start=100)],
                                  **C_MINOR)
    assert rows(clip) == [(60, 100, 3, 1)]
    assert report.counts == {"trimmed": 1, "late": 2}
    assert "2 notes starting after the loop end (dropped)" in report.lines()


def test_zero_and_negative_lengths_are_dropped():
    answer = [note(duration=0), note(start=1, duration=-1), note(start=2, duration=0.0001), note(start=3)]
    clip, report = validate_notes(answer, **C_MINOR)
    assert rows(clip) == [(60, 100, 3, 1)]  # 0.0001 beats rounds to no tick at all
    assert report.counts == {"no_length": 3}


def test_overlaps_on_one_pitch_shorten_the_earlier_note():
    clip, report = validate_notes([note(60, start=0, duration=2), note(60, start=1, duration=1),
                                   note(63, start=0, duration=4)], **C_MINOR)
    assert rows(clip) == [(60, 100, 0, 1), (63, 100, 0, 4), (60, 100, 1, 1)]
    assert report.lines() == ["1 overlapping note on one pitch (shortened)"]


def test_doubled_notes_keep_the_louder():
    clip, report = validate_notes([note(60, 70, 0, 1), note(60, 110, 0, 2)], **C_MINOR)
    assert rows(clip) == [(60, 110, 0, 2)]
    assert report.counts == {"doubled": 1}


def test_snapping_can_double_a_note_and_that_is_counted_too():
    clip, report = validate_notes([note(60), note(61)], **C_MINOR)
    assert rows(clip) == [(60, 100, 0, 1)]
    assert report.counts == {"snapped": 1, "doubled": 1} and report.touched == 1


def test_the_note_count_is_bounded_keeping_the_earliest():
    answer = [note(60, start=Fraction(i, 4), duration="1/4") for i in range(16)]
    clip, report = validate_notes(answer, **C_MINOR, max_notes=10)
    assert [n.start for n in clip.notes] == [Fraction(i, 4) for i in range(10)]
    assert report.lines() == ["6 notes over the limit of 10 (dropped)"]


def test_a_huge_answer_is_not_even_read_past_four_times_the_limit():
    answer = [note(60, start=0)] + [object()] * 10_000
    clip, report = validate_notes(answer, **C_MINOR, max_notes=2)
    assert len(clip.notes) == 1
    assert report.counts["unreadable"] == 7 and report.counts["excess"] == 10_001 - 8


def test_unreadable_notes_are_dropped():
    answer = [
        {"pitch": 60, "velocity": 100, "start": 0},            # no duration
        note(pitch="sixty"), note(velocity=True), note(start=float("nan")), note(duration=float("inf")),
        note(start="1e99999"), note(start="1/0"), "C4", None, 42, [60, 100, 0, 1],
        note(start="3/2", duration=" 1 / 2 "),                 # readable
    ]
    clip, report = validate_notes(answer, **C_MINOR)
    assert rows(clip) == [(60, 100, Fraction(3, 2), Fraction(1, 2))]
    assert report.counts == {"unreadable": 11}


def test_fractional_pitches_and_velocities_are_rounded_and_counted():
    clip, report = validate_notes([note(pitch=59.6, velocity=99.6)], **C_MINOR)
    assert rows(clip) == [(60, 100, 0, 1)]
    assert report.counts == {"fraction": 1}


def test_times_land_on_the_480_tick_grid_without_being_counted():
    clip, report = validate_notes([note(start=1 / 3, duration=0.3333333)], **C_MINOR)
    assert rows(clip) == [(60, 100, Fraction(1, 3), Fraction(1, 3))]
    assert not report.changed


def test_answers_of_every_shape_are_read():
    from stepista.ai.claude import ClipAnswer

    payload = [note(60), note(63, start=1)]
    expected = validate_notes(payload, **C_MINOR)[0]
    assert validate_notes({"notes": payload}, **C_MINOR)[0] == expected
    assert validate_notes(ClipAnswer.model_validate({"notes": payload}), **C_MINOR)[0] == expected
    assert validate_notes(expected, **C_MINOR)[0] == expected  # a Clip validates to itself
    for nothing in (None, "notes", 5, {"notes": "x"}, {"tracks": []}):
        clip, report = validate_notes(nothing, **C_MINOR)
        assert clip.notes == [] and report.problem() == "had no notes"


def test_report_problem_names_broken_answers():
    assert validate_notes([], **C_MINOR)[1].problem() == "had no notes"
    _, report = validate_notes([note(start=9), note(duration=0)], **C_MINOR)
    assert report.problem() == ("had no playable note among its 2: 1 note of no length (dropped), "
                                "1 note starting after the loop end (dropped)")
    _, report = validate_notes([note(61), note(64, start=1), note(63, start=2)], **C_MINOR)
    assert report.problem() == "needed fixes in 2 of its 3 notes: 2 notes outside C minor (snapped)"
    _, report = validate_notes([note(61), note(63, start=1)], **C_MINOR)
    assert report.problem() is None  # half fixed is still Claude's answer


@pytest.mark.parametrize("bad", [
    {"channel": 0}, {"channel": 17}, {"length_beats": 0}, {"length_beats": "x"}, {"key": "C blorp"},
    {"tension": 101}, {"max_notes": -1},
])
def test_bad_arguments_are_the_callers_error(bad):
    with pytest.raises(ValueError):
        validate_notes([note()], **{**C_MINOR, **bad})


# -- properties --------------------------------------------------------------------------------------

KEYS = ["C minor", "F# dorian", "Eb major", "A minor pentatonic", "D phrygian dominant"]

junk_number = st.one_of(
    st.integers(min_value=-10**30, max_value=10**30), st.integers(min_value=-300, max_value=300),
    st.floats(allow_nan=True, allow_infinity=True), st.floats(min_value=-40, max_value=40),
    st.fractions(max_denominator=1000),
    st.sampled_from(["1/3", "-1/2", "7", "2.5", "1e5", "1/0", "", "x", " 3 / 4 ", "-0"]),
    st.none(), st.booleans(), st.text(max_size=5),
)
plausible_note = st.fixed_dictionaries({   # readable, often wrong: the common case
    "pitch": st.integers(-20, 150), "velocity": st.integers(-10, 200),
    "start": st.one_of(st.floats(-8, 70), st.fractions(-8, 70, max_denominator=12).map(str)),
    "duration": st.one_of(st.floats(-1, 20), st.sampled_from(["1/3", "1/4", "0", "3/2"])),
})
junk_note = st.one_of(
    plausible_note,
    st.fixed_dictionaries({"pitch": junk_number, "velocity": junk_number, "start": junk_number,
                           "duration": junk_number}),
    st.dictionaries(st.sampled_from(["pitch", "velocity", "start", "duration", "x"]), junk_number),
    junk_number, st.lists(junk_number, max_size=4),
)
junk_answer = st.one_of(
    st.lists(junk_note, max_size=60),
    st.fixed_dictionaries({"notes": st.lists(junk_note, max_size=60)}),
    junk_note,
)
arguments = st.fixed_dictionaries({
    "key": st.sampled_from(KEYS), "tension": st.integers(0, 100),
    "length_beats": st.one_of(st.integers(1, 64), st.sampled_from([Fraction(3, 2), "7/2", 0.75])),
    "channel": st.integers(1, 16), "max_notes": st.integers(0, 40),
})


@settings(derandomize=True, max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(junk_answer, arguments)
def test_any_garbage_answer_becomes_a_valid_clip(answer, args):
    clip, report = validate_notes(answer, **args)
    assert_playable(clip, **args)
    assert report.kept == len(clip.notes) <= report.answered
    assert report.touched <= report.answered
    if not report.changed:
        assert report.kept == report.answered
    if report.kept < report.answered:
        assert report.changed and report.touched >= report.answered - report.kept
    assert all(isinstance(line, str) and line for line in report.lines())


clean_note = st.builds(
    lambda p, v, s, d: note(p, v, Fraction(s, 12), Fraction(d, 12)),
    st.integers(0, 127), st.integers(1, 127), st.integers(0, 47), st.integers(1, 24))


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.lists(clean_note, max_size=30), st.sampled_from(KEYS), st.integers(0, 100))
def test_validation_is_idempotent(answer, key, tension):
    args = {"key": key, "tension": tension, "length_beats": 4, "channel": 3}
    once, _ = validate_notes(answer, **args)
    twice, report = validate_notes(once, **args)
    assert twice == once and not report.changed


def test_report_words_for_one_and_many():
    r = Report(scale="the drum map", limit=8,
               counts={"unreadable": 1, "excess": 2, "velocity": 1, "overlap": 2, "fraction": 2})
    assert r.lines() == [
        "1 unreadable note (dropped)", "2 fractional pitches or velocities (rounded)",
        "1 velocity outside 1-127 (clamped)", "2 overlapping notes on one pitch (shortened)",
        "2 notes over the limit of 8 (dropped)",
    ]
