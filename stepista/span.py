"""Spans: half-open stretches of rational time, ``[begin, end)``.

>>> s = Span.of("1/2", "5/2")
>>> [str(c) for c in s.cycles()]
['1/2 → 1', '1 → 2', '2 → 5/2']
>>> print(Span.of(0, 1).intersection(Span.of("1/2", 2)))
1/2 → 1
"""

from __future__ import annotations

from .budget import check_budget
from .time import Time, to_time

__all__ = ["Span", "MAX_STEPS", "TooDense"]

# A query may walk at most this many cycles or steps: beyond it the pattern is
# far denser than any MIDI output can play, and listing it would exhaust memory.
MAX_STEPS = 100_000


class TooDense(ValueError):
    """A query that would produce more steps than `MAX_STEPS`."""


class Span:
    """A stretch of time from ``begin`` to ``end`` (cycles)."""

    __slots__ = ("begin", "end")

    def __init__(self, begin: Time, end: Time):
        # Trusting: the core always passes Time. Use `Span.of` for other numbers.
        self.begin = begin
        self.end = end

    @classmethod
    def of(cls, begin, end) -> "Span":
        """A span from any two times (ints, Fractions, floats, "n/d" strings)."""
        return cls(to_time(begin), to_time(end))

    def cycles(self) -> list["Span"]:
        """Split at cycle boundaries; a zero-width span stays whole."""
        begin, end = self.begin, self.end
        if begin == end:
            return [self]
        check_budget()
        end_sam = end.sam()
        if end_sam - begin.sam() > MAX_STEPS:
            raise TooDense(f"a query over {float(end - begin):.3g} cycles (the limit is {MAX_STEPS})")
        spans = []
        while end > begin:
            sam = begin.sam()
            if sam == end_sam:
                spans.append(Span(begin, end))
                break
            next_begin = sam + 1
            spans.append(Span(begin, next_begin))
            begin = next_begin
        return spans

    @property
    def duration(self) -> Time:
        return self.end - self.begin

    def midpoint(self) -> Time:
        return self.begin + (self.end - self.begin) / 2

    def with_time(self, f) -> "Span":
        """Apply ``f`` to both ends."""
        return Span.of(f(self.begin), f(self.end))

    def with_cycle(self, f) -> "Span":
        """Apply ``f`` to both ends measured from the start of the begin's cycle."""
        sam = self.begin.sam()
        return Span.of(sam + f(self.begin - sam), sam + f(self.end - sam))

    def intersection(self, other: "Span") -> "Span | None":
        """The overlap, or None; a zero-width touch at an end is no overlap."""
        sb, se, ob, oe = self.begin, self.end, other.begin, other.end
        begin = sb if sb > ob else ob
        end = se if se < oe else oe
        if begin > end:
            return None
        if begin == end:
            if begin == se and sb < se:
                return None
            if begin == oe and ob < oe:
                return None
        return Span(begin, end)

    def __eq__(self, other):
        return (
            isinstance(other, Span) and self.begin == other.begin and self.end == other.end
        )

    def __hash__(self):
        return hash((self.begin, self.end))

    def __repr__(self):
        return f"Span({self.begin}, {self.end})"

    def __str__(self):
        return f"{self.begin} → {self.end}"
