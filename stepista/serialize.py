"""Events as JSON, the shape `stepista query --json` promises.

>>> from .mini import mini
>>> events_to_json(mini("a b").query_arc(0, 1))[0]
{'whole': ['0/1', '1/2'], 'part': ['0/1', '1/2'], 'value': 'a'}
"""

from __future__ import annotations

import math
from fractions import Fraction

from .event import Event

__all__ = ["frac", "event_to_json", "events_to_json", "sort_events", "json_value"]


def frac(t: Fraction) -> str:
    """``"n/d"``, always with a denominator."""
    return f"{t.numerator}/{t.denominator}"


def json_value(value):
    """A value JSON can carry: fractions as floats, non-finite floats as null."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return str(value)


def sort_key(e: Event):
    whole = e.whole
    return (
        whole is None,
        whole.begin if whole is not None else e.part.begin,
        e.part.begin,
        whole.end if whole is not None else 0,
        e.part.end,
    )


def sort_events(events: list[Event]) -> list[Event]:
    """By whole begin (continuous events last), then part begin; stable otherwise."""
    return sorted(events, key=sort_key)


def event_to_json(e: Event) -> dict:
    return {
        "whole": None if e.whole is None else [frac(e.whole.begin), frac(e.whole.end)],
        "part": [frac(e.part.begin), frac(e.part.end)],
        "value": json_value(e.value),
    }


def events_to_json(events: list[Event]) -> list[dict]:
    return [event_to_json(e) for e in sort_events(events)]
