"""Continuous signals and seeded randomness.

A signal has no structure of its own: each query answers one event with no
``whole``, valued at the midpoint of the query span. Give it structure with
`segment` or `struct`. Randomness is a pure function of time (an xorshift of
the cycle position, the same numbers Strudel draws), so a pattern plays the
same every time it is queried. Each ``?`` and ``|`` of a mini-notation string
reads the stream shifted by its own seed (`RAND_SEED_OFFSET` cycles apart).

>>> [round(e.value, 3) for e in sine.segment(4).first_cycle()]
[0.854, 0.854, 0.146, 0.146]
>>> [e.value for e in irand(8).segment(4).first_cycle()] == [e.value for e in irand(8).segment(4).first_cycle()]
True
"""

from __future__ import annotations

import math

from .event import Event
from .pattern import Pattern, fastcat, register, reify, silence, stack
from .time import Time

__all__ = [
    "signal", "steady", "saw", "isaw", "sine", "cosine", "square", "tri", "time_signal",
    "rand", "irand", "perlin", "run", "choose_in_with", "choose_with", "choose", "choose_cycles",
    "degrade_by", "degrade", "undegrade_by", "sometimes_by", "sometimes", "some_cycles_by",
    "some_cycles", "often", "rarely", "almost_never", "almost_always", "time_to_rand",
    "RAND_SEED_OFFSET",
]

# The offset between the random streams of successive `?` and `|` in one
# mini-notation string (in cycles), as in Strudel.
RAND_SEED_OFFSET = 0.0003


def signal(f) -> Pattern:
    """A continuous pattern whose value is ``f(t)`` at the query's midpoint (a float)."""
    def q(span):
        return [Event(None, span, f(float(span.midpoint())))]

    pat = Pattern(q)
    pat._signal = (f, Time(0), True)
    return pat


def steady(value) -> Pattern:
    """A continuous pattern that is always ``value``."""
    return Pattern(lambda span: [Event(None, span, value)])


def _js_mod1(t: float) -> float:
    return math.fmod(t, 1.0)


isaw = signal(lambda t: 1 - _js_mod1(t))
saw = signal(_js_mod1)
sine = signal(lambda t: (math.sin(math.pi * 2 * t) + 1) / 2)
cosine = sine._early(Time(1, 4))
square = signal(lambda t: math.floor(math.fmod(t * 2, 2)))
tri = fastcat(isaw, saw)
time_signal = Pattern(lambda span: [Event(None, span, span.midpoint())])


# -- random numbers: xorshift over a 300-cycle period ------------------------

def _i32(x: int) -> int:
    return ((x + 0x80000000) & 0xFFFFFFFF) - 0x80000000


def _xorwise(x: int) -> int:
    x = _i32(x)
    a = _i32(x << 13) ^ x
    b = (a >> 17) ^ a
    return _i32(b << 5) ^ b


def _time_to_int_seed(t: float) -> int:
    v = t / 300
    return _xorwise(math.trunc((v - math.trunc(v)) * 536870912))


def _int_seed_to_rand(x: int) -> float:
    return math.fmod(x, 536870912) / 536870912


def time_to_rand(t: float) -> float:
    """A pseudo-random number in [0, 1) for time ``t`` (cycles, as a float)."""
    return abs(_int_seed_to_rand(_time_to_int_seed(t)))


rand = signal(time_to_rand)


def _irand(n):
    return rand.fmap(lambda x: math.trunc(x * n))


def irand(n) -> Pattern:
    """Random whole numbers from 0 to ``n - 1`` (``n`` may be a pattern)."""
    return reify(n).fmap(_irand).inner_join()


def run(n) -> Pattern:
    """``0 1 … n-1`` in one cycle."""
    return saw.range(0, n).fmap(math.floor).segment(n)


def _perlin_with(pat: Pattern) -> Pattern:
    def smoother(x):
        return 6.0 * x**5 - 15.0 * x**4 + 10.0 * x**3

    low = pat.fmap(math.floor)
    high = pat.fmap(lambda t: math.floor(t) + 1)
    frac = pat._op_in(low, lambda a, b: a - b)
    interp = frac.fmap(lambda x: lambda a: lambda b: a + smoother(x) * (b - a))
    return interp.app_both(low.fmap(time_to_rand)).app_both(high.fmap(time_to_rand))


perlin = _perlin_with(time_signal.fmap(float))


def choose_with(pat: Pattern, xs) -> Pattern:
    """Pick from ``xs`` by a 0..1 pattern (structure from the picked patterns' outer events)."""
    return _choose(pat, xs).outer_join()


def choose_in_with(pat: Pattern, xs) -> Pattern:
    """Pick from ``xs`` by a 0..1 pattern, keeping the picked patterns' structure."""
    return _choose(pat, xs).inner_join()


def _choose(pat, xs):
    xs = [reify(x) for x in xs]
    if not xs:
        return silence.fmap(lambda v: silence)
    n = len(xs)
    return pat.range(0, n).fmap(lambda i: xs[min(max(math.floor(i), 0), n - 1)])


def choose(*xs) -> Pattern:
    """A continuous random choice among ``xs``."""
    return choose_with(rand, xs)


def choose_cycles(*xs) -> Pattern:
    """One of ``xs`` per cycle, at random (``a | b | c``)."""
    return choose_in_with(rand.segment(1), xs)


randcat = choose_cycles


# -- random removal ---------------------------------------------------------------

def degrade_by_with(with_pat: Pattern, amount, pat: Pattern) -> Pattern:
    """Keep events where ``with_pat`` (0..1) is above ``amount``."""
    amount = float(amount)
    if with_pat._signal is not None or with_pat._per_cycle is not None:
        return _degrade_by_known(with_pat, amount, pat)
    keep = with_pat.filter_values(lambda v: v > amount)
    return pat.fmap(lambda a: lambda _: a).app_left(keep)


def _degrade_by_known(with_pat: Pattern, amount: float, pat: Pattern) -> Pattern:
    # The general route is `pat.app_left(with_pat filtered)`. When the random
    # pattern's answer over an event's whole is known (Pattern._signal or
    # _per_cycle), read the value directly: the event stays, with its part,
    # unless that part is empty at its whole's end.
    query = pat.query
    keep = with_pat.filter_values(lambda v: v > amount).query
    signal, per_cycle = with_pat._signal, with_pat._per_cycle

    def q(span):
        out = []
        for e in query(span):
            w = e.whole if e.whole is not None else e.part
            sam = w.begin.sam()
            if signal is not None and (signal[2] or w.end <= sam + 1):
                f, offset, _ = signal
                value = f(float((w.begin + w.end) / 2 + offset))
            elif per_cycle is not None and w.end <= sam + 1:
                f, offset = per_cycle
                value = f(float(sam + _HALF + offset))
            else:  # crosses a cycle: the general route, for this event
                for ev in keep(w):
                    part = e.part.intersection(ev.part)
                    if part is not None:
                        out.append(Event(e.whole, part, e.value, e.locations))
                continue
            part = e.part
            if part.begin == part.end and part.begin == w.end and w.begin < w.end:
                continue
            if value > amount:
                out.append(e)
        return out

    return Pattern(q)


_HALF = Time(1, 2)


Pattern._degradeByWith = lambda self, with_pat, amount: degrade_by_with(with_pat, amount, self)


@register(["degradeBy", "degrade_by"])
def degrade_by(amount, pat):
    """Drop each event with probability ``amount`` (seeded, the same every play)."""
    return degrade_by_with(rand, amount, pat)


@register(["undegradeBy", "undegrade_by"])
def undegrade_by(amount, pat):
    """The events `degrade_by` with the same ``1 - amount`` would drop."""
    return degrade_by_with(rand.fmap(lambda r: 1 - r), amount, pat)


@register("degrade")
def degrade(pat):
    return degrade_by(0.5, pat)


@register(["sometimesBy", "sometimes_by"])
def sometimes_by(amount, f, pat):
    """Apply ``f`` to each event with probability ``amount``."""
    return reify(amount).fmap(
        lambda x: stack(pat._degradeBy(x), f(pat._undegradeBy(1 - x)))
    ).inner_join()


@register("sometimes")
def sometimes(f, pat):
    return sometimes_by(0.5, f, pat)


@register("often")
def often(f, pat):
    return sometimes_by(0.75, f, pat)


@register("rarely")
def rarely(f, pat):
    return sometimes_by(0.25, f, pat)


@register(["almostNever", "almost_never"])
def almost_never(f, pat):
    return sometimes_by(0.1, f, pat)


@register(["almostAlways", "almost_always"])
def almost_always(f, pat):
    return sometimes_by(0.9, f, pat)


@register(["someCyclesBy", "some_cycles_by"])
def some_cycles_by(amount, f, pat):
    """Apply ``f`` to whole cycles with probability ``amount``."""
    return reify(amount).fmap(
        lambda x: stack(
            degrade_by_with(rand._segment(1), x, pat),
            f(degrade_by_with(rand.fmap(lambda r: 1 - r)._segment(1), 1 - x, pat)),
        )
    ).inner_join()


@register(["someCycles", "some_cycles"])
def some_cycles(f, pat):
    return some_cycles_by(0.5, f, pat)

