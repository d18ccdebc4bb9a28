"""Rational time: cycles as exact fractions.

`Time` *is* a `fractions.Fraction` (it subclasses it), with fast paths for the
handful of operations the pattern core does millions of times (add, subtract,
multiply, divide, compare, floor). The standard class spends most of its time
in generic dispatch; these paths skip it and keep results exact.

>>> Time(1, 4) + Time(1, 3)
Time(7, 12)
>>> to_time(1.5), to_time("3/4"), to_time(2)
(Time(3, 2), Time(3, 4), Time(2, 1))
>>> Time(7, 4).sam(), Time(7, 4).cycle_pos()
(Time(1, 1), Time(3, 4))
"""

from __future__ import annotations

import math
from fractions import Fraction
from math import gcd

__all__ = ["Time", "to_time", "float_to_time", "ZERO", "ONE"]

_new = object.__new__


def _make(n: int, d: int) -> "Time":
    """A Time from a numerator and a positive denominator, reduced here."""
    g = gcd(n, d)
    if g != 1:
        n //= g
        d //= g
    t = _new(Time)
    t._numerator = n
    t._denominator = d
    return t


class Time(Fraction):
    """An exact point or length in cycles."""

    __slots__ = ()

    @staticmethod
    def _ratio(n: int, d: int) -> "Time":
        """``n/d`` from ints (``d`` > 0), reduced, without checks."""
        g = gcd(n, d)
        t = _new(Time)
        if g != 1:
            n //= g
            d //= g
        t._numerator = n
        t._denominator = d
        return t

    @staticmethod
    def _of(n: int) -> "Time":
        """A whole number of cycles, without checks."""
        t = _new(Time)
        t._numerator = n
        t._denominator = 1
        return t

    # -- arithmetic -------------------------------------------------------
    # Each operation reduces its result inline rather than calling `_make`:
    # the call alone cost 7% of a pattern query (benchmarks/query.py).
    def __add__(self, other):
        if other.__class__ is int:
            d = self._denominator
            t = _new(Time)
            t._numerator = self._numerator + other * d
            t._denominator = d
            return t
        try:
            on, od = other._numerator, other._denominator
        except AttributeError:
            return Fraction.__add__(self, other)
        sd = self._denominator
        if sd == od:
            n, d = self._numerator + on, sd
        else:
            n, d = self._numerator * od + on * sd, sd * od
        g = gcd(n, d)
        t = _new(Time)
        if g != 1:
            n //= g
            d //= g
        t._numerator = n
        t._denominator = d
        return t

    __radd__ = __add__

    def __sub__(self, other):
        if other.__class__ is int:
            d = self._denominator
            t = _new(Time)
            t._numerator = self._numerator - other * d
            t._denominator = d
            return t
        try:
            on, od = other._numerator, other._denominator
        except AttributeError:
            return Fraction.__sub__(self, other)
        sd = self._denominator
        if sd == od:
            n, d = self._numerator - on, sd
        else:
            n, d = self._numerator * od - on * sd, sd * od
        g = gcd(n, d)
        t = _new(Time)
        if g != 1:
            n //= g
            d //= g
        t._numerator = n
        t._denominator = d
        return t

    def __rsub__(self, other):
        if other.__class__ is int:
            d = self._denominator
            t = _new(Time)
            t._numerator = other * d - self._numerator
            t._denominator = d
            return t
        try:
            on, od = other._numerator, other._denominator
        except AttributeError:
            return Fraction.__rsub__(self, other)
        return _make(on * self._denominator - self._numerator * od, od * self._denominator)

    def __mul__(self, other):
        if other.__class__ is int:
            on, od = other, 1
        else:
            try:
                on, od = other._numerator, other._denominator
            except AttributeError:
                return Fraction.__mul__(self, other)
        n, d = self._numerator * on, self._denominator * od
        g = gcd(n, d)
        t = _new(Time)
        if g != 1:
            n //= g
            d //= g
        t._numerator = n
        t._denominator = d
        return t

    __rmul__ = __mul__

    def __truediv__(self, other):
        if other.__class__ is int:
            on, od = other, 1
        else:
            try:
                on, od = other._numerator, other._denominator
            except AttributeError:
                return Fraction.__truediv__(self, other)
        if on == 0:
            raise ZeroDivisionError(f"Time({self}) / 0")
        if on < 0:
            on, od = -on, -od
        n, d = self._numerator * od, self._denominator * on
        g = gcd(n, d)
        t = _new(Time)
        if g != 1:
            n //= g
            d //= g
        t._numerator = n
        t._denominator = d
        return t

    def __rtruediv__(self, other):
        if other.__class__ is int:
            on, od = other, 1
        else:
            try:
                on, od = other._numerator, other._denominator
            except AttributeError:
                return Fraction.__rtruediv__(self, other)
        n, d = on * self._denominator, od * self._numerator
        if d == 0:
            raise ZeroDivisionError(f"{other} / Time(0)")
        if d < 0:
            n, d = -n, -d
        return _make(n, d)

    def __neg__(self):
        t = _new(Time)
        t._numerator = -self._numerator
        t._denominator = self._denominator
        return t

    def __abs__(self):
        return self if self._numerator >= 0 else -self

    # -- comparison -------------------------------------------------------
    def __eq__(self, other):
        if other.__class__ is int:
            return self._denominator == 1 and self._numerator == other
        try:
            return self._numerator == other._numerator and self._denominator == other._denominator
        except AttributeError:
            return Fraction.__eq__(self, other)

    def __lt__(self, other):
        if other.__class__ is int:
            return self._numerator < other * self._denominator
        try:
            return self._numerator * other._denominator < other._numerator * self._denominator
        except AttributeError:
            return Fraction.__lt__(self, other)

    def __le__(self, other):
        if other.__class__ is int:
            return self._numerator <= other * self._denominator
        try:
            return self._numerator * other._denominator <= other._numerator * self._denominator
        except AttributeError:
            return Fraction.__le__(self, other)

    def __gt__(self, other):
        if other.__class__ is int:
            return self._numerator > other * self._denominator
        try:
            return self._numerator * other._denominator > other._numerator * self._denominator
        except AttributeError:
            return Fraction.__gt__(self, other)

    def __ge__(self, other):
        if other.__class__ is int:
            return self._numerator >= other * self._denominator
        try:
            return self._numerator * other._denominator >= other._numerator * self._denominator
        except AttributeError:
            return Fraction.__ge__(self, other)

    __hash__ = Fraction.__hash__

    # -- cycles -----------------------------------------------------------
    def __floor__(self):
        return self._numerator // self._denominator

    def sam(self) -> "Time":
        """The start of the cycle this time falls in."""
        t = _new(Time)
        t._numerator = self._numerator // self._denominator
        t._denominator = 1
        return t

    def next_sam(self) -> "Time":
        """The start of the next cycle."""
        t = _new(Time)
        t._numerator = self._numerator // self._denominator + 1
        t._denominator = 1
        return t

    def cycle_pos(self) -> "Time":
        """Position inside the cycle, in [0, 1)."""
        d = self._denominator
        t = _new(Time)
        t._numerator = self._numerator % d
        t._denominator = d
        return t

    def __repr__(self):
        return f"Time({self._numerator}, {self._denominator})"

    def __reduce__(self):
        return (Time, (self._numerator, self._denominator))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


ZERO = Time(0)
ONE = Time(1)

_LN10 = math.log(10)
_FAREY_LIMIT = 10_000_000


def float_to_time(x: float) -> Time:
    """The rational a float denotes, as performers and Strudel read it.

    A float typed by a person (``1.5``, ``0.1``, ``1/3`` evaluated to
    ``0.333…``) means a simple fraction, not the binary expansion. Like
    Strudel (fraction.js), take the best rational approximation with a
    denominator up to ten million, found by walking the Farey sequence after
    scaling into [0, 1).

    >>> float_to_time(0.1), float_to_time(1 / 3), float_to_time(-2.25)
    (Time(1, 10), Time(1, 3), Time(-9, 4))
    """
    if math.isnan(x) or math.isinf(x):
        raise ValueError(f"time must be a finite number, not {x!r}")
    sign = -1 if x < 0 else 1
    x = abs(x)
    if x % 1 == 0:
        return Time(sign * int(x))
    scale = 1
    if x >= 1:
        scale = 10 ** math.floor(1 + math.log(x) / _LN10)
        x /= scale
    a, b, c, d = 0, 1, 1, 1
    n, den = 0, 1
    limit = _FAREY_LIMIT
    while b <= limit and d <= limit:
        mediant = (a + c) / (b + d)
        if x == mediant:
            if b + d <= limit:
                n, den = a + c, b + d
            elif d > b:
                n, den = c, d
            else:
                n, den = a, b
            break
        # Take the whole run of steps in one direction at once (the step-by-step
        # walk can take 10^7 steps for tiny floats); the mediants of a run move
        # monotonically, so a binary search finds where the run ends.
        if x > mediant:
            k = _run(x, a, b, c, d, (limit - b) // d + 1)
            a, b = a + k * c, b + k * d
        else:
            k = _run(x, c, d, a, b, (limit - d) // b + 1)
            c, d = c + k * a, d + k * b
        n, den = (c, d) if b > limit else (a, b)
    return _make(sign * n * scale, den)


def _run(x: float, p: int, q: int, r: int, s: int, bound: int) -> int:
    """How many steps in a row move ``p/q`` toward ``r/s`` (at least 1, at most ``bound``):
    step j has mediant (p + j·r)/(q + j·s), and the run lasts while x stays strictly
    on the same side of it."""
    toward_up = r * q > p * s
    lo, hi = 1, max(1, bound)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        m = (p + mid * r) / (q + mid * s)
        if (x > m) if toward_up else (x < m):
            lo = mid
        else:
            hi = mid - 1
    return lo


def to_time(x) -> Time:
    """Coerce an int, Fraction, float or ``"n/d"``/decimal string to Time."""
    cls = x.__class__
    if cls is Time:
        return x
    if cls is int:
        t = _new(Time)
        t._numerator = x
        t._denominator = 1
        return t
    if isinstance(x, bool):
        return Time(int(x))
    if isinstance(x, Fraction):
        t = _new(Time)
        t._numerator = x.numerator
        t._denominator = x.denominator
        return t
    if isinstance(x, float):
        return float_to_time(x)
    if isinstance(x, int):
        return Time(int(x))
    if isinstance(x, str):
        try:
            return to_time(Fraction(x.strip()))
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"not a time: {x!r}") from None
    raise ValueError(f"not a time: {x!r} ({cls.__name__})")
