"""Events: a value active over a span (Strudel's "hap").

``whole`` is the event's full extent (onset to offset), or None for a sample
of a continuous signal; ``part`` is the fragment that falls inside the query.
``locations`` holds the source spans (character offsets) of the tokens that
made the event, so an editor can light up what is playing.

>>> from .span import Span
>>> e = Event(Span.of(0, 1), Span.of(0, "1/2"), "bd")
>>> e.has_onset(), str(e)
(True, '(0 → 1/2) ⇝ 1 | bd')
"""

from __future__ import annotations

from .span import Span

__all__ = ["Event"]


class Event:
    __slots__ = ("whole", "part", "value", "locations")

    def __init__(self, whole: Span | None, part: Span, value, locations: tuple = ()):
        self.whole = whole
        self.part = part
        self.value = value
        self.locations = locations

    def whole_or_part(self) -> Span:
        return self.whole if self.whole is not None else self.part

    def has_onset(self) -> bool:
        """True when this fragment contains the event's onset."""
        return self.whole is not None and self.whole.begin == self.part.begin

    def with_span(self, f) -> "Event":
        whole, part = self.whole, self.part
        if whole is part:  # the common, unfragmented event: one span, transformed once
            span = f(part)
            return Event(span, span, self.value, self.locations)
        return Event(f(whole) if whole is not None else None, f(part), self.value, self.locations)

    def with_value(self, f) -> "Event":
        return Event(self.whole, self.part, f(self.value), self.locations)

    def __eq__(self, other):
        return (
            isinstance(other, Event)
            and self.whole == other.whole
            and self.part == other.part
            and self.value == other.value
        )

    __hash__ = None

    def __repr__(self):
        return f"Event({self.whole!r}, {self.part!r}, {self.value!r})"

    def __str__(self):
        whole, part = self.whole, self.part
        if whole is None:
            return f"~{part} | {self.value}"
        text = str(part)
        if whole != part:
            text = f"({text})"
        if whole.begin != part.begin:
            text = f"{whole.begin} ⇜ {text}"
        if whole.end != part.end:
            text = f"{text} ⇝ {whole.end}"
        return f"{text} | {self.value}"
