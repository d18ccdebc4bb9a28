"""Controls: the named values an event carries (note, velocity, channel, …),
and arithmetic on pattern values.

``note("c3 e3")`` makes events valued ``{"note": 48}``, ``{"note": 52}``;
``pat.velocity("0.5 1")`` adds a control to an existing pattern, keeping its
structure (values from the right are sampled at each event's onset span).

>>> [e.value for e in note("c3 e3").velocity(0.5).first_cycle()]
[{'note': 48, 'velocity': 0.5}, {'note': 52, 'velocity': 0.5}]
>>> [e.value for e in note("c3").add(note(12)).first_cycle()]
[{'note': 60}]
"""

from __future__ import annotations

import operator

from .notes import is_note_name, note_to_midi
from .pattern import FUNCTIONS, METHOD_NAMES, Pattern, reify, sequence

__all__ = ["CONTROLS", "control", "note", "n", "s", "velocity", "channel", "legato", "gain",
           "numeral", "compose"]


def numeral(value):
    """A number from a number or a note name (``"c4"`` is 60)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if is_note_name(value):
        return note_to_midi(value)
    raise ValueError(f"not a number or note name: {value!r}")


def _note_value(value):
    if isinstance(value, list):  # "c3:2" style tails: keep the head as the note
        value = value[0]
    return numeral(value)


def compose(a, b, op):
    """Combine two values; dicts combine key by key, other values as ``{"value": …}``."""
    if isinstance(a, dict) or isinstance(b, dict):
        a = a if isinstance(a, dict) else {"value": a}
        b = b if isinstance(b, dict) else {"value": b}
        merged = {**a, **b}
        for key in a.keys() & b.keys():
            merged[key] = op(a[key], b[key])
        return merged
    return op(a, b)


def _numeric(op):
    return lambda a, b: op(numeral(a), numeral(b))


_OPS = {
    "set": lambda a, b: b,
    "keep": lambda a, b: a,
    "add": _numeric(operator.add),
    "sub": _numeric(operator.sub),
    "mul": _numeric(operator.mul),
    "div": _numeric(operator.truediv),
    "mod": _numeric(lambda a, b: a - b * (a // b)),
}


def _install_op(name, op):
    def method(self, *args):
        other = sequence(*args) if len(args) != 1 else reify(args[0])
        return self._op_in(other, lambda a, b: compose(a, b, op))

    method.__name__ = name
    method.__doc__ = f"Combine values with {name} (structure from this pattern)."
    setattr(Pattern, name, method)
    METHOD_NAMES.add(name)


for _name, _op in _OPS.items():
    _install_op(_name, _op)


CONTROLS: dict[str, "callable"] = {}


def control(name: str, convert=None, aliases=()):
    """Make ``name(pat)`` (a new pattern of ``{name: value}``) and ``pat.name(pat)``."""

    def make(*args):
        pat = sequence(*args) if len(args) != 1 else reify(args[0])
        if convert is None:
            return pat.fmap(lambda v: {name: v})
        return pat.fmap(lambda v: {name: convert(v)})

    def method(self, *args):
        return self._op_in(make(*args), lambda a, b: compose(a, b, _OPS["set"]))

    make.__name__ = name
    for alias in (name, *aliases):
        CONTROLS[alias] = make
        FUNCTIONS[alias] = make
        setattr(Pattern, alias, method)
        METHOD_NAMES.add(alias)
    return make


def _sound_value(v):
    if isinstance(v, list):  # "bd:3" is sound "bd", variant 3
        return v[0]
    return v


note = control("note", _note_value)
n = control("n")
s = control("s", _sound_value, aliases=("sound",))
velocity = control("velocity", aliases=("vel",))
channel = control("channel", aliases=("midichan",))
legato = control("legato", aliases=("clip",))
gain = control("gain")
pan = control("pan")
ccn = control("ccn")
ccv = control("ccv")


def _transpose(pat: Pattern, semitones) -> Pattern:
    return pat._op_in(reify(semitones), lambda a, b: _shift_note(a, numeral(b)))


def _shift_note(value, semitones):
    if isinstance(value, dict):
        if "note" not in value:
            raise ValueError("transpose needs a note control (use note(...))")
        return {**value, "note": value["note"] + semitones}
    return numeral(value) + semitones


def transpose(semitones, pat):
    """Shift notes by semitones (patterned: ``transpose("<0 5 7>")``)."""
    return _transpose(reify(pat), semitones)


Pattern.transpose = lambda self, semitones: _transpose(self, semitones)
FUNCTIONS["transpose"] = transpose
METHOD_NAMES.add("transpose")
