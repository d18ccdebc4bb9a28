"""Time is an exact Fraction with fast paths; Span splits and intersects exactly."""

from fractions import Fraction

import pytest

from stepista.span import Span
from stepista.time import Time, float_to_time, to_time


def test_time_is_a_fraction_and_stays_exact():
    t = Time(1, 3) + Time(1, 6)
    assert isinstance(t, Fraction) and isinstance(t, Time)
    assert t == Fraction(1, 2) and hash(t) == hash(Fraction(1, 2))
    assert Time(1, 3) * 3 == 1 and (Time(1, 3) * 3).__class__ is Time


@pytest.mark.parametrize("a,b", [(Time(7, 3), Time(-5, 4)), (Time(-1, 2), 3), (Time(9, 4), Time(9, 4))])
def test_arithmetic_agrees_with_fraction(a, b):
    fa, fb = Fraction(a), Fraction(b)
    assert a + b == fa + fb and b + a == fb + fa
    assert a - b == fa - fb and b - a == fb - fa
    assert a * b == fa * fb and b * a == fb * fa
    assert a / b == fa / fb and b / a == fb / fa
    assert (a < b) == (fa < fb) and (a <= b) == (fa <= fb)
    assert (a > b) == (fa > fb) and (a >= b) == (fa >= fb)


def test_results_are_reduced():
    t = Time(2, 4) + Time(1, 4)
    assert (t.numerator, t.denominator) == (3, 4)
    t = Time(3, 4) * Time(4, 3)
    assert (t.numerator, t.denominator) == (1, 1)


def test_division_by_zero_raises():
    with pytest.raises(ZeroDivisionError):
        Time(1, 2) / 0
    with pytest.raises(ZeroDivisionError):
        1 / Time(0)


def test_cycle_helpers_for_negative_times():
    t = Time(-1, 4)
    assert t.sam() == -1 and t.next_sam() == 0 and t.cycle_pos() == Time(3, 4)


def test_floats_mean_the_simple_fraction_a_person_typed():
    assert float_to_time(0.1) == Fraction(1, 10)
    assert float_to_time(1 / 3) == Fraction(1, 3)
    assert float_to_time(1.5) == Fraction(3, 2)
    assert float_to_time(0.0003 * 3) == Fraction(9, 10000)
    assert float_to_time(-2.25) == Fraction(-9, 4)


def test_to_time_reads_strings_and_rejects_junk():
    assert to_time("3/4") == Fraction(3, 4) and to_time("0.25") == Fraction(1, 4)
    with pytest.raises(ValueError):
        to_time("three")
    with pytest.raises(ValueError):
        to_time(float("nan"))
    with pytest.raises(ValueError, match="not a time"):
        to_time(object())


def test_span_cycles_split_at_cycle_boundaries():
    parts = Span.of("1/2", "5/2").cycles()
    assert [(p.begin, p.end) for p in parts] == [(Time(1, 2), 1), (1, 2), (2, Time(5, 2))]
    zero = Span.of(1, 1).cycles()
    assert len(zero) == 1 and zero[0].begin == zero[0].end == 1


def test_span_intersection_excludes_touching_ends():
    assert Span.of(0, 1).intersection(Span.of(1, 2)) is None
    assert Span.of(0, 1).intersection(Span.of("1/2", 2)) == Span.of("1/2", 1)
    # a zero-width span at the start of another does intersect
    assert Span.of(1, 1).intersection(Span.of(1, 2)) == Span.of(1, 1)


def _fraction_js_walk(x: float):
    """fraction.js 4.3.7's float-to-fraction, one Farey mediant at a time (the reference)."""
    import math

    sign, x = (-1 if x < 0 else 1), abs(x)
    if x % 1 == 0:
        return Fraction(sign * int(x))
    scale = 1
    if x >= 1:
        scale = 10 ** math.floor(1 + math.log(x) / math.log(10))
        x /= scale
    a, b, c, d, limit, n, den = 0, 1, 1, 1, 10_000_000, 0, 1
    while b <= limit and d <= limit:
        m = (a + c) / (b + d)
        if x == m:
            n, den = (a + c, b + d) if b + d <= limit else ((c, d) if d > b else (a, b))
            break
        if x > m:
            a, b = a + c, b + d
        else:
            c, d = c + a, d + b
        n, den = (c, d) if b > limit else (a, b)
    return Fraction(sign * n * scale, den)


def test_batched_farey_walk_equals_the_step_by_step_walk():
    import random

    rng = random.Random(11)
    samples = [rng.random() for _ in range(300)] + [rng.uniform(1, 1000) for _ in range(300)]
    samples += [rng.randint(1, 99) / rng.randint(1, 99) for _ in range(300)] + [0.0003 * k for k in range(1, 50)]
    for x in samples:
        assert float_to_time(x) == _fraction_js_walk(x), x


def test_tiny_floats_round_like_fraction_js():
    # these walk 10^7 mediants one at a time; batched runs make them instant
    assert float_to_time(1e-300) == 0 and float_to_time(1e-7) == Fraction(1, 10_000_000)
