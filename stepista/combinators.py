"""Time and structure transforms, each a Pattern method and a curried function.

Each is written in terms of the core primitives and means what its namesake
means in Strudel 1.1.0 (the golden tests hold them to it).

>>> from .pattern import sequence
>>> events = sequence("a", "b", "c").rev().first_cycle()
>>> [e.value for e in sorted(events, key=lambda e: e.part.begin)]
['c', 'b', 'a']
>>> [str(e.whole) for e in sequence("a", "b").ply(2).first_cycle()]
['0 → 1/4', '1/4 → 1/2', '1/2 → 3/4', '3/4 → 1']
"""

from __future__ import annotations

import math
from fractions import Fraction

from .event import Event
from .pattern import (
    Pattern, _compress, _early, _fast, _fast_gap, _focus, js_truthy, pure, register, sequence,
    silence, slowcat, slowcat_prime, stack,
)
from .span import Span
from .time import Time, to_time

__all__ = [
    "fast", "slow", "early", "late", "rev", "every", "first_of", "last_of", "when", "off",
    "ply", "segment", "range_", "swing_by", "iter_", "iter_back", "chunk", "chunk_back",
    "palindrome", "repeat_cycles", "compress", "fast_gap", "focus", "inside", "outside",
    "superimpose", "struct", "mask", "euclid", "euclid_rot", "euclid_legato", "hurry",
    "linger", "zoom", "apply", "brak", "press_by", "press",
]


@register(["fast", "density"])
def fast(factor, pat):
    """Speed up: ``fast(2)`` plays the pattern twice per cycle."""
    return _fast(factor, pat)


@register(["slow", "sparsity"])
def slow(factor, pat):
    """Slow down: ``slow(2)`` spreads the pattern over two cycles."""
    if factor == 0:
        return silence
    return _fast(1 / to_time(factor), pat)


@register("early")
def early(offset, pat):
    """Shift the pattern earlier by ``offset`` cycles."""
    return _early(offset, pat)


@register("late")
def late(offset, pat):
    """Shift the pattern later by ``offset`` cycles."""
    return _early(-to_time(offset), pat)


@register("rev", patterned=False)
def rev(pat):
    """Reverse each cycle."""
    query = pat.query

    def q(span):
        cycle = span.begin.sam()
        mirror = cycle + cycle + 1

        def reflect(s):
            return Span(mirror - s.end, mirror - s.begin)

        return [e.with_span(reflect) for e in query(reflect(span))]

    return Pattern(q).split_queries()


@register("compress")
def compress(begin, end, pat):
    """Squeeze each cycle into ``begin..end`` of the cycle, leaving silence around."""
    return _compress(begin, end, pat)


@register(["fastGap", "fastgap"])
def fast_gap(factor, pat):
    return _fast_gap(factor, pat)


@register("focus")
def focus(begin, end, pat):
    """Like compress, but keep playing outside the window instead of silence."""
    return _focus(begin, end, pat)


@register("ply")
def ply(factor, pat):
    """Repeat each event ``factor`` times within its own span."""
    return pat.fmap(lambda v: _fast(factor, pure(v))).squeeze_join()


@register("segment")
def segment(rate, pat):
    """Sample the pattern ``rate`` times per cycle (turns signals into events)."""
    result = pat.struct(_fast(rate, pure(True)))
    if rate == 1 and pat._signal is not None:
        f, offset, _ = pat._signal
        result._per_cycle = (f, offset)
    return result


@register("inside")
def inside(factor, f, pat):
    """Apply ``f`` to the pattern as if it were ``factor`` times slower."""
    return _fast(factor, f(_fast(1 / to_time(factor), pat)))


@register("outside")
def outside(factor, f, pat):
    return _fast(1 / to_time(factor), f(_fast(factor, pat)))


def whole_number(value, what: str) -> int:
    """An int from a numeric argument; ValueError naming the argument otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)):
        raise ValueError(f"{what} must be a number, not {value!r}")
    try:
        return int(value)
    except (ValueError, OverflowError):
        raise ValueError(f"{what} must be a finite number, not {value!r}") from None


def _repeat_list(n, item):
    n = whole_number(n, "the cycle count")
    if n < 0:
        raise ValueError(f"cycle count must be a positive whole number, not {n + 1}")
    return [item] * n


@register(["firstOf", "every", "first_of"])
def every(n, f, pat):
    """Apply ``f`` in the first of every ``n`` cycles."""
    return slowcat_prime(f(pat), *_repeat_list(n - 1, pat))


first_of = every


@register(["lastOf", "last_of"])
def last_of(n, f, pat):
    """Apply ``f`` in the last of every ``n`` cycles."""
    return slowcat_prime(*_repeat_list(n - 1, pat), f(pat))


@register("when")
def when(on, f, pat):
    """Apply ``f`` where the (patterned) condition is true."""
    return f(pat) if js_truthy(on) else pat


@register("off")
def off(time, f, pat):
    """Layer ``f`` of the pattern, shifted ``time`` cycles later."""
    return stack(pat, f(pat.late(time)))


@register("apply")
def apply(f, pat):
    return f(pat)


@register("range")
def range_(low, high, pat):
    """Scale a 0..1 pattern (a signal) to ``low..high``."""
    return pat._op_in(high - low, _mul)._op_in(low, _add)


def _add(a, b):
    return a + b


def _mul(a, b):
    return a * b


@register(["swingBy", "swing_by"])
def swing_by(amount, n, pat):
    """Delay every other ``1/n`` cycle subdivision by ``amount`` (a fraction of it)."""
    return inside(n, late(sequence(0, amount / 2)), pat)


@register("swing")
def swing(n, pat):
    return swing_by(1 / 3, n, pat)


def _iter(times, pat, back):
    times = to_time(times)
    count = max(0, math.floor(times))
    shift = (lambda p, t: p.late(t)) if back else (lambda p, t: p.early(t))
    return slowcat(*(shift(pat, Time(i) / times) for i in range(count)))


@register(["iter", "iter_"])
def iter_(times, pat):
    """Shift the start by a further ``1/times`` each cycle."""
    return _iter(times, pat, False)


@register(["iterBack", "iterback", "iter_back"])
def iter_back(times, pat):
    return _iter(times, pat, True)


@register(["repeatCycles", "repeat_cycles"])
def repeat_cycles(n, pat):
    """Play each cycle ``n`` times before moving on."""
    n = to_time(n)
    query = pat.query

    def q(span):
        cycle = span.begin.sam()
        delta = cycle - (cycle / n).sam()
        if delta == 0:
            return query(span)
        events = query(Span(span.begin - delta, span.end - delta))
        return [e.with_span(lambda s: Span(s.begin + delta, s.end + delta)) for e in events]

    return Pattern(q).split_queries()


def _chunk(n, f, pat, back, fast_chunks):
    flags = [True] + [False] * (whole_number(n, "chunk count") - 1)
    flag_pat = _iter(n, sequence(*flags), not back)
    if not fast_chunks:
        pat = pat.repeatCycles(n)
    return pat.when(flag_pat, f)


@register(["chunk", "slowchunk", "slowChunk"])
def chunk(n, f, pat):
    """Apply ``f`` to one of ``n`` parts of the cycle, moving on each cycle."""
    return _chunk(n, f, pat, False, False)


@register(["chunkBack", "chunkback", "chunk_back"])
def chunk_back(n, f, pat):
    return _chunk(n, f, pat, True, False)


@register(["fastChunk", "fastchunk"])
def fast_chunk(n, f, pat):
    return _chunk(n, f, pat, False, True)


@register("palindrome")
def palindrome(pat):
    """Play forwards, then backwards, alternately."""
    return pat.lastOf(2, rev)


@register("brak")
def brak(pat):
    return pat.when(slowcat(False, True), lambda x: _early(Time(-1, 4), sequence(x, silence)))


@register(["pressBy", "press_by"])
def press_by(r, pat):
    return pat.fmap(lambda v: pure(v).compress(r, 1)).squeeze_join()


@register("press")
def press(pat):
    return press_by(0.5, pat)


@register("hurry")
def hurry(factor, pat):
    """Speed up and raise ``speed`` by the same factor."""
    return _fast(factor, pat).fmap(lambda v: _merge_speed(v, factor))


def _merge_speed(value, factor):
    if isinstance(value, dict):
        return {**value, "speed": value.get("speed", 1) * factor}
    return {"value": value, "speed": factor}


@register("zoom")
def zoom(begin, end, pat):
    """Play only ``begin..end`` of each cycle, stretched to fill it."""
    begin, end = to_time(begin), to_time(end)
    if begin >= end:
        return silence
    d = end - begin
    return (
        pat.with_query_span(lambda s: s.with_cycle(lambda t: t * d + begin))
        .with_event_span(lambda s: s.with_cycle(lambda t: (t - begin) / d))
        .split_queries()
    )


@register("linger")
def linger(t, pat):
    """Repeat the first ``t`` of each cycle (negative: the last)."""
    t = to_time(t)
    if t == 0:
        return silence
    if t < 0:
        return _fast(1 / t, zoom(t + 1, 1, pat))
    return _fast(1 / t, zoom(0, t, pat))


def superimpose(*args):
    """``superimpose(f, pat)``: the pattern plus ``f`` of it."""
    *funcs, pat = args
    return pat.superimpose(*funcs)


def struct(boolean, pat):
    return pat.struct(boolean)


def mask(boolean, pat):
    return pat.mask(boolean)


# -- Euclidean rhythms ----------------------------------------------------------

def bjorklund(pulses: int, steps: int) -> list[int]:
    """Spread ``pulses`` onsets as evenly as possible over ``steps`` (negative: inverted).

    >>> bjorklund(3, 8)
    [1, 0, 0, 1, 0, 0, 1, 0]
    >>> bjorklund(5, 8)
    [1, 0, 1, 1, 0, 1, 1, 0]
    """
    pulses = whole_number(pulses, "euclid pulses")
    steps = whole_number(steps, "euclid steps")
    inverted = pulses < 0
    pulses = abs(pulses)
    rests = steps - pulses
    if rests < 0:
        raise ValueError(f"euclid: {pulses} pulses do not fit in {steps} steps")
    heads = [[1] for _ in range(pulses)]
    tails = [[0] for _ in range(rests)]
    # Bjorklund by repeated pairing: fold the shorter group onto the longer.
    while min(len(heads), len(tails)) > 1:
        if len(heads) > len(tails):
            k = len(tails)
            heads, tails = [h + t for h, t in zip(heads[:k], tails)], heads[k:]
        else:
            k = len(heads)
            heads, tails = [h + t for h, t in zip(heads, tails[:k])], tails[k:]
    flat = [x for group in heads for x in group] + [x for group in tails for x in group]
    return [1 - x for x in flat] if inverted else flat


def _euclid_bits(pulses, steps, rotation):
    bits = bjorklund(pulses, steps)
    if rotation:
        r = -whole_number(rotation, "euclid rotation")
        bits = bits[r:] + bits[:r] if bits else bits
    return bits


@register("euclid")
def euclid(pulses, steps, pat):
    """Play on the onsets of the Euclidean rhythm ``(pulses, steps)``."""
    return pat.struct(_euclid_bits(pulses, steps, 0))


@register(["euclidRot", "euclidrot", "euclid_rot"])
def euclid_rot(pulses, steps, rotation, pat):
    """`euclid`, rotated by ``rotation`` steps."""
    return pat.struct(_euclid_bits(pulses, steps, rotation))


@register(["euclidLegato", "euclid_legato"])
def euclid_legato(pulses, steps, pat):
    """Euclidean onsets, each held until the next."""
    if pulses < 1:
        return silence
    from .pattern import timecat

    bits = "".join(map(str, _euclid_bits(pulses, steps, 0)))
    return pat.struct(timecat(*((len(g) + 1, True) for g in bits.split("1")[1:])))
