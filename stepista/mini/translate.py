"""Mini-notation nodes to patterns, with the meaning Strudel gives them.

Each word becomes a `pure` event carrying its source span, so the UI can light
up the token that is playing. A sequence gives its steps relative lengths
(``@``); ``< >`` slows a sequence by its length; ``{ }`` aligns steps; ``?``
and ``|`` draw from the random stream shifted by their seed.
"""

from __future__ import annotations

import math
import re

from ..pattern import Pattern, fastcat, pure, silence, stack, timecat
from ..signals import RAND_SEED_OFFSET, choose_in_with, degrade_by_with, rand
from ..time import Time, to_time
from .grammar import Alternation, Atom, Element, Group, Polymeter, Seq

__all__ = ["to_pattern", "js_number"]

_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")
_RADIX = re.compile(r"0([xX][0-9a-fA-F]+|[bB][01]+|[oO][0-7]+)\Z")
MAX_RANGE = 4096


def js_number(text: str):
    """The number a word denotes, read as JavaScript's ``Number()`` reads it, or None.

    >>> js_number("0.25"), js_number("-3"), js_number("1e3"), js_number("bd"), js_number("0x10")
    (0.25, -3, 1000, None, 16)
    """
    if _DECIMAL.match(text):
        value = float(text)
    elif _RADIX.match(text):
        return int(text, 0)
    elif text in ("Infinity", "-Infinity"):
        value = float(text.replace("Infinity", "inf"))
    else:
        return None
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def to_pattern(node, offset: int = 0) -> Pattern:
    """The pattern a parsed node denotes; source spans are shifted by ``offset``."""
    return _Translator(offset).enter(node)


class _Translator:
    def __init__(self, offset: int):
        self.offset = offset

    def enter(self, node) -> Pattern:
        kind = node.__class__
        if kind is Atom:
            return self.atom(node)
        if kind is Element:
            return self.enter(node.slice)
        if kind is Seq:
            return self.seq(node)
        if kind is Group:
            return self.group(node)
        if kind is Alternation:
            return self.alternation(node)
        if kind is Polymeter:
            return self.polymeter(node)
        raise TypeError(f"unknown mini-notation node {node!r}")

    def atom(self, node: Atom) -> Pattern:
        if node.source in ("~", "-"):
            return Pattern(silence.query)
        number = js_number(node.source)
        value = node.source if number is None else number
        return pure(value, ((node.start + self.offset, node.end + self.offset),))

    def seq(self, node: Seq) -> Pattern:
        elements = node.elements
        children = [self.apply_ops(e, self.enter(e.slice)) for e in elements]
        weights = [e.weight for e in elements]
        if not any(weights):
            return fastcat(*children)
        weights = [to_time(w or 1) for w in weights]
        if all(w == weights[0] for w in weights):
            # Equal lengths: the same events as timecat, by a cheaper route.
            pat = fastcat(*children) if len(children) > 1 else Pattern(children[0].query)
        else:
            pat = timecat(*zip(weights, children))
            if len(children) == 1:
                pat = Pattern(pat.query)
        pat.weight = sum(weights, Time(0))
        return pat

    def group(self, node: Group) -> Pattern:
        children = [self.enter(c) for c in node.children]
        if node.kind == "stack":
            return stack(*children)
        if node.kind == "feet":
            return fastcat(*children)
        chooser = rand._early(RAND_SEED_OFFSET * node.seed)._segment(1)
        return choose_in_with(chooser, children)

    def alternation(self, node: Alternation) -> Pattern:
        children = [self.enter(c) for c in node.children]
        return stack(*(c._slow(_weight(c)) for c in children))

    def polymeter(self, node: Polymeter) -> Pattern:
        children = [self.enter(c) for c in node.children]
        if node.steps is not None:
            steps = self.enter(node.steps).fmap(to_time)
        else:
            steps = pure(_weight(children[0]) if children else Time(1))
        return stack(*(c.fast(steps.fmap(_divide_by(_weight(c)))) for c in children))

    # -- operators ------------------------------------------------------------
    def apply_ops(self, element: Element, pat: Pattern) -> Pattern:
        for op in element.ops:
            pat = getattr(self, "op_" + op.kind)(op.args, pat)
        return pat

    def op_stretch(self, args, pat):
        amount = self.enter(args["amount"])
        return pat.fast(amount) if args["type"] == "fast" else pat.slow(amount)

    def op_replicate(self, args, pat):
        amount = args["amount"]
        return pat._repeatCycles(amount)._fast(amount)

    def op_bjorklund(self, args, pat):
        pulse, step = self.enter(args["pulse"]), self.enter(args["step"])
        if args["rotation"] is not None:
            return pat.euclidRot(pulse, step, self.enter(args["rotation"]))
        return pat.euclid(pulse, step)

    def op_degradeBy(self, args, pat):
        amount = 0.5 if args["amount"] is None else args["amount"]
        return degrade_by_with(rand._early(RAND_SEED_OFFSET * args["seed"]), amount, pat)

    def op_tail(self, args, pat):
        friend = self.enter(args["element"])
        return pat.fmap(lambda a: lambda b: [*a, b] if isinstance(a, list) else [a, b]).app_left(friend)

    def op_range(self, args, pat):
        friend = self.enter(args["element"])
        return pat.squeeze_bind(lambda a: friend.bind(lambda b: fastcat(*_number_range(a, b))))


def _weight(pat: Pattern) -> Time:
    if pat.weight is None:
        raise ValueError("a sequence with no length cannot be aligned")
    return pat.weight


def _divide_by(weight):
    return lambda x: to_time(x) / weight


def _number_range(a, b) -> list:
    """``a .. b`` counted in whole steps either way, as Strudel counts it."""
    try:
        length = abs(b - a) + 1
    except TypeError:
        return []
    if isinstance(length, float) and (math.isnan(length) or math.isinf(length)):
        return []
    count = math.floor(length)
    if count > MAX_RANGE:
        raise ValueError(f"range {a} .. {b} has more than {MAX_RANGE} steps")
    return [a + i if a < b else a - i for i in range(count)]

