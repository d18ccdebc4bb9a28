"""Pattern combinators, with exact rational spans."""

from fractions import Fraction as F

import pytest

from stepista import mini, pure, sequence, silence, slowcat, stack, timecat
from stepista.combinators import bjorklund, every, fast, rev
from stepista.serialize import sort_events


def spans(pat, begin=0, end=1):
    """[(whole begin, whole end, value)] of the events with onsets, sorted."""
    return [
        (e.whole.begin, e.whole.end, e.value)
        for e in sort_events(pat.query_arc(begin, end))
        if e.has_onset()
    ]


def test_pure_fills_each_cycle_and_cuts_parts():
    events = pure("a").query_arc(F(1, 2), F(5, 2))
    assert [(e.whole.begin, e.whole.end, e.part.begin, e.part.end) for e in events] == [
        (0, 1, F(1, 2), 1), (1, 2, 1, 2), (2, 3, 2, F(5, 2)),
    ]


def test_sequence_and_fast():
    assert spans(sequence("a", "b").fast(2)) == [
        (0, F(1, 4), "a"), (F(1, 4), F(1, 2), "b"), (F(1, 2), F(3, 4), "a"), (F(3, 4), 1, "b"),
    ]


def test_slow_spreads_over_cycles():
    assert spans(sequence("a", "b").slow(2), 0, 2) == [(0, 1, "a"), (1, 2, "b")]


def test_slowcat_keeps_each_pattern_on_its_own_next_cycle():
    pat = slowcat(mini("a b"), mini("<c d>"))
    assert [v for _, _, v in spans(pat, 0, 4)] == ["a", "b", "c", "a", "b", "d"]


def test_stack_plays_together():
    assert len(stack(mini("a b"), mini("c d e")).first_cycle()) == 5


def test_timecat_relative_lengths():
    assert spans(timecat((1, "a"), (3, mini("b c")))) == [
        (0, F(1, 4), "a"), (F(1, 4), F(5, 8), "b"), (F(5, 8), 1, "c"),
    ]


def test_early_and_late_shift():
    assert spans(mini("a b").late(F(1, 4)), 0, 1)[0] == (F(1, 4), F(3, 4), "a")
    assert spans(mini("a b").early(F(1, 4)), 0, 1)[0] == (F(1, 4), F(3, 4), "b")


def test_rev_reverses_each_cycle():
    assert [v for *_, v in spans(rev(mini("a [b c]")))] == ["c", "b", "a"]


def test_every_applies_on_the_first_of_n_cycles():
    pat = every(3, fast(2), mini("a b"))
    assert [len(pat.query_arc(c, c + 1)) for c in range(6)] == [4, 2, 2, 4, 2, 2]


def test_last_of_applies_on_the_last():
    pat = mini("a b").lastOf(3, fast(2))
    assert [len(pat.query_arc(c, c + 1)) for c in range(3)] == [2, 2, 4]


def test_when_takes_a_pattern_of_conditions():
    # first half: the reversed pattern's first half (d c); second half: as is (c d)
    pat = mini("a b c d").when("1 0", rev)
    assert [v for *_, v in spans(pat)] == ["d", "c", "c", "d"]


def test_euclid_and_rotation():
    assert bjorklund(3, 8) == [1, 0, 0, 1, 0, 0, 1, 0]
    assert bjorklund(-3, 8) == [0, 1, 1, 0, 1, 1, 0, 1]
    assert [b for b, _, _ in spans(mini("x").euclid(3, 8))] == [0, F(3, 8), F(3, 4)]
    # rotation moves the rhythm right by two steps, as in Strudel: x.x..x..
    assert [b for b, _, _ in spans(mini("x").euclidRot(3, 8, 2))] == [0, F(1, 4), F(5, 8)]
    with pytest.raises(ValueError):
        bjorklund(5, 3)


def test_struct_and_mask():
    assert spans(mini("a").struct("x ~ x")) == [(0, F(1, 3), "a"), (F(2, 3), 1, "a")]
    assert spans(mini("a b c d").mask("1 0 1 1")) == [
        (0, F(1, 4), "a"), (F(1, 2), F(3, 4), "c"), (F(3, 4), 1, "d"),
    ]


def test_ply_repeats_each_event():
    assert [v for *_, v in spans(mini("a b").ply(3))] == ["a"] * 3 + ["b"] * 3


def test_off_and_superimpose_layer_a_copy():
    assert len(mini("a b").off(F(1, 8), lambda p: p.fast(2)).first_cycle()) == 2 + 5
    assert len(mini("a b").superimpose(lambda p: p.late(F(1, 8))).first_cycle()) == 2 + 3


def test_chunk_speeds_up_one_quarter_per_cycle():
    pat = mini("a b c d").chunk(4, lambda p: p.fast(2))
    first = spans(pat)
    assert first[:2] == [(0, F(1, 8), "a"), (F(1, 8), F(1, 4), "b")]


def test_iter_and_palindrome():
    assert [v for *_, v in spans(mini("a b c d").iter(4), 1, 2)] == ["b", "c", "d", "a"]
    assert [v for *_, v in spans(mini("a b c").palindrome(), 0, 2)] == ["a", "b", "c", "c", "b", "a"]


def test_segment_samples_a_signal_at_midpoints():
    from stepista.signals import saw

    assert [v for *_, v in spans(saw.segment(4))] == [0.125, 0.375, 0.625, 0.875]


def test_range_scales_a_signal():
    from stepista.signals import saw

    assert [v for *_, v in spans(saw.segment(2).range(10, 20))] == [12.5, 17.5]


def test_swing_by_delays_every_other_subdivision():
    events = spans(mini("a*8").swingBy(F(1, 3), 4))
    assert events[1][0] == F(1, 8) + F(1, 3) / 2 * F(1, 4)


def test_patterned_arguments_use_the_inner_structure():
    pat = mini("a b c d").fast("<1 2>")
    assert [len(pat.query_arc(c, c + 1)) for c in range(2)] == [4, 8]


def test_silence_is_empty_and_degrade_is_seeded():
    assert silence.query_arc(0, 10) == []
    pat = mini("hh*16").degradeBy(0.5)
    assert spans(pat, 0, 4) == spans(pat, 0, 4)
    assert 0 < len(spans(pat, 0, 4)) < 64


def test_locations_point_at_the_tokens():
    events = sort_events(mini("bd  sn").first_cycle())
    assert [e.locations for e in events] == [((0, 2),), ((4, 6),)]
