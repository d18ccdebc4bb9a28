"""The mini-notation grammar: text to nodes that remember where they came from.

A hand-written recursive-descent parser with the same ordered choices, greedy
words and operator set as Strudel's (krill) grammar, so every string reads
the same way. Random operators (``?``, ``|``, ``.``) number themselves in
the order the parse completes them; the translator uses those numbers as
seeds, as Strudel does.

>>> parse("bd*2 [sn cp]").elements[0].ops[0].kind
'stretch'
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Union

from ..errors import MiniSyntaxError

__all__ = ["parse", "Atom", "Element", "Op", "Seq", "Group", "Polymeter", "Alternation", "Node"]

_WS = " \n\r\t\u00a0"
_STEP_PUNCT = "~-#.^_"
_LETTER_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nl"}
MAX_LENGTH = 20_000
MAX_DEPTH = 200


def is_step_char(c: str) -> bool:
    if c.isascii():
        return c.isalnum() or c in _STEP_PUNCT
    return unicodedata.category(c) in _LETTER_CATEGORIES


@dataclass(slots=True)
class Atom:
    """A word or number (``bd``, ``c#4``, ``0.25``) or a rest (``~``, ``-``)."""
    source: str
    start: int
    end: int


@dataclass(slots=True)
class Op:
    """An operator after a slice: ``*2``, ``/3``, ``!``, ``(3,8)``, ``?``, ``:2``, ``..4``."""
    kind: str  # stretch | replicate | bjorklund | degradeBy | tail | range
    args: dict
    start: int


@dataclass(slots=True)
class Element:
    """A slice with its operators and its relative length (``@``)."""
    slice: "Node"
    start: int
    end: int = 0
    ops: list = field(default_factory=list)
    weight: float = 1
    reps: float = 1


@dataclass(slots=True)
class Seq:
    """Elements one after another in a cycle."""
    elements: list
    start: int


@dataclass(slots=True)
class Group:
    """Sequences combined: ``,`` stack, ``|`` random choice, ``.`` feet."""
    kind: str  # stack | rand | feet
    children: list
    start: int
    seed: int | None = None


@dataclass(slots=True)
class Polymeter:
    """``{a b c, d e}`` with optional ``%steps``."""
    children: list
    start: int
    steps: "Node | None" = None


@dataclass(slots=True)
class Alternation:
    """``<a b c>``: one step per cycle."""
    children: list
    start: int


Node = Union[Atom, Seq, Group, Polymeter, Alternation]


class _Parser:
    def __init__(self, text: str):
        self.s = text
        self.n = len(text)
        self.seed = 0
        self.depth = 0
        self.fail_pos = -1
        self.expected: list[str] = []

    # -- failure bookkeeping (report the furthest point reached) ------------
    def expect(self, pos: int, what: str) -> None:
        if pos > self.fail_pos:
            self.fail_pos, self.expected = pos, [what]
        elif pos == self.fail_pos and what not in self.expected:
            self.expected.append(what)

    def ws(self, pos: int) -> int:
        s, n = self.s, self.n
        while pos < n and s[pos] in _WS:
            pos += 1
        return pos

    def char(self, pos: int, c: str) -> int | None:
        if pos < self.n and self.s[pos] == c:
            return pos + 1
        self.expect(pos, repr(c))
        return None

    def sep(self, pos: int, c: str) -> int | None:
        p = self.char(self.ws(pos), c)
        return None if p is None else self.ws(p)

    # -- numbers (operator arguments: @1.5, !3, ?0.3) ----------------------
    def number(self, pos: int):
        s, n, p = self.s, self.n, pos
        if p < n and s[p] == "-":
            p += 1
        if p < n and s[p] == "0":
            p += 1
        elif p < n and s[p] in "123456789":
            while p < n and s[p].isascii() and s[p].isdigit():
                p += 1
        else:
            self.expect(p, "a number")
            return None
        if p + 1 < n and s[p] == "." and s[p + 1].isascii() and s[p + 1].isdigit():
            p += 1
            while p < n and s[p].isascii() and s[p].isdigit():
                p += 1
        if p < n and s[p] in "eE":
            q = p + 1
            if q < n and s[q] in "+-":
                q += 1
            if q < n and s[q].isascii() and s[q].isdigit():
                while q < n and s[q].isascii() and s[q].isdigit():
                    q += 1
                p = q
        return float(s[pos:p]), p

    # -- structure ----------------------------------------------------------
    def stack_or_choose(self, pos: int):
        head = self.sequence(pos)
        if head is None:
            return None
        first, pos = head
        for kind, c in (("stack", ","), ("rand", "|"), ("feet", ".")):
            items, p = self.separated(pos, c)
            if items:
                seed = None
                if kind != "stack":
                    seed, self.seed = self.seed, self.seed + 1
                return Group(kind, [first, *items], first.start, seed), p
        return first, pos

    def polymeter_stack(self, pos: int):
        head = self.sequence(pos)
        if head is None:
            return None
        more, p = self.separated(head[1], ",")
        return [head[0], *more], p

    def separated(self, pos: int, c: str):
        """Further sequences, each after a ``c`` (``, seq`` …); stops before a dangling one."""
        items = []
        while True:
            q = self.sep(pos, c)
            r = None if q is None else self.sequence(q)
            if r is None:
                return items, pos
            items.append(r[0])
            pos = r[1]

    def sequence(self, pos: int):
        p = pos
        if p < self.n and self.s[p] == "^":  # Strudel's step marker: no effect on events
            p += 1
        elements = []
        while True:
            r = self.slice_with_ops(p)
            if r is None:
                break
            elements.append(r[0])
            p = r[1]
        if not elements:
            return None
        return Seq(elements, elements[0].start), p

    def slice_with_ops(self, pos: int):
        r = self.slice(pos)
        if r is None:
            return None
        node, p = r
        element = Element(node, _node_start(node))
        element.end = p
        actions = []
        while True:
            r = self.slice_op(p)
            if r is None:
                break
            actions.append(r[0])
            p = r[1]
        for act in actions:
            act(element)
        element.end = p
        return element, p

    def slice(self, pos: int):
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise MiniSyntaxError(f"nested more than {MAX_DEPTH} levels deep", self.s, pos)
            return (
                self.step(pos) or self.sub_cycle(pos) or self.polymeter(pos) or self.slow_sequence(pos)
            )
        finally:
            self.depth -= 1

    def step(self, pos: int):
        start = p = self.ws(pos)
        s, n = self.s, self.n
        while p < n and is_step_char(s[p]):
            p += 1
        if p == start:
            self.expect(start, "a word, number or rest")
            return None
        chars = s[start:p]
        if chars in (".", "_"):
            return None
        return Atom(chars, start, p), self.ws(p)

    def _bracketed(self, pos: int, open_: str, close: str, inner):
        p = self.char(self.ws(pos), open_)
        if p is None:
            return None
        start = p - 1
        r = inner(self.ws(p))
        if r is None:
            return None
        value, p = r
        p = self.char(self.ws(p), close)
        if p is None:
            return None
        return start, value, p

    def sub_cycle(self, pos: int):
        r = self._bracketed(pos, "[", "]", self.stack_or_choose)
        if r is None:
            return None
        _, node, p = r
        return node, self.ws(p)

    def polymeter(self, pos: int):
        r = self._bracketed(pos, "{", "}", self.polymeter_stack)
        if r is None:
            return None
        start, children, p = r
        steps = None
        if p < self.n and self.s[p] == "%":
            q = self.slice(p + 1)
            if q is not None:
                steps, p = q
            else:
                self.expect(p + 1, "steps after '%'")
        return Polymeter(children, start, steps), self.ws(p)

    def slow_sequence(self, pos: int):
        r = self._bracketed(pos, "<", ">", self.polymeter_stack)
        if r is None:
            return None
        start, children, p = r
        return Alternation(children, start), self.ws(p)

    # -- operators after a slice ---------------------------------------------
    def slice_op(self, pos: int):
        for op in (self.op_weight, self.op_bjorklund, self.op_slow, self.op_fast,
                   self.op_replicate, self.op_degrade, self.op_tail, self.op_range):
            r = op(pos)
            if r is not None:
                return r
        return None

    def _optional_number(self, pos: int):
        r = self.number(pos)
        return (None, pos) if r is None else r

    def op_weight(self, pos: int):
        p = self.ws(pos)
        if p < self.n and self.s[p] in "@_":
            amount, p = self._optional_number(p + 1)

            def act(x: Element):
                x.weight = x.weight + (2 if amount is None else amount) - 1

            return act, p
        self.expect(p, "'@'")
        return None

    def op_replicate(self, pos: int):
        p = self.ws(pos)
        if p < self.n and self.s[p] == "!":
            start = p
            amount, p = self._optional_number(p + 1)

            def act(x: Element):
                x.reps = x.reps + (2 if amount is None else amount) - 1
                x.ops = [o for o in x.ops if o.kind != "replicate"]
                x.ops.append(Op("replicate", {"amount": x.reps}, start))
                x.weight = x.reps

            return act, p
        self.expect(p, "'!'")
        return None

    def op_bjorklund(self, pos: int):
        p = self.char(pos, "(")
        if p is None:
            return None
        start = pos
        r = self.slice_with_ops(self.ws(p))
        if r is None:
            return None
        pulses, p = r
        p = self.sep(self.ws(p), ",")
        if p is None:
            return None
        r = self.slice_with_ops(self.ws(p))
        if r is None:
            return None
        steps, p = r
        p = self.ws(p)
        if p < self.n and self.s[p] == ",":
            p = self.ws(p + 1)
        p = self.ws(p)
        rotation = None
        r = self.slice_with_ops(p)
        if r is not None:
            rotation, p = r
        p = self.char(self.ws(p), ")")
        if p is None:
            return None
        args = {"pulse": pulses, "step": steps, "rotation": rotation}
        return (lambda x: x.ops.append(Op("bjorklund", args, start))), p

    def _op_with_slice(self, pos: int, c: str, kind: str, key: str, extra=None):
        if not self.s.startswith(c, pos):
            self.expect(pos, repr(c))
            return None
        r = self.slice(pos + len(c))
        if r is None:
            return None
        node, p = r
        args = {key: node, **(extra or {})}
        return (lambda x: x.ops.append(Op(kind, args, pos))), p

    def op_slow(self, pos: int):
        return self._op_with_slice(pos, "/", "stretch", "amount", {"type": "slow"})

    def op_fast(self, pos: int):
        return self._op_with_slice(pos, "*", "stretch", "amount", {"type": "fast"})

    def op_tail(self, pos: int):
        return self._op_with_slice(pos, ":", "tail", "element")

    def op_range(self, pos: int):
        return self._op_with_slice(pos, "..", "range", "element")

    def op_degrade(self, pos: int):
        p = self.char(pos, "?")
        if p is None:
            return None
        amount, p = self._optional_number(p)

        def act(x: Element):
            x.ops.append(Op("degradeBy", {"amount": amount, "seed": self.seed}, pos))
            self.seed += 1

        return act, p


def _node_start(node) -> int:
    return node.start


def parse(text: str) -> Node:
    """Parse a mini-notation string; raise `MiniSyntaxError` with a position if it is not one."""
    if not isinstance(text, str):
        raise MiniSyntaxError(f"mini-notation must be a string, not {type(text).__name__}", "", 0)
    if len(text) > MAX_LENGTH:
        raise MiniSyntaxError(f"longer than {MAX_LENGTH} characters", text, MAX_LENGTH)
    for i, c in enumerate(text):
        if c in "\"'":
            raise MiniSyntaxError("quotes cannot appear inside mini-notation", text, i)
    _check_brackets(text)
    parser = _Parser(text)
    try:
        r = parser.stack_or_choose(parser.ws(0))
    except RecursionError:
        raise MiniSyntaxError("nested too deeply", text, parser.fail_pos) from None
    if r is not None:
        node, p = r
        p = parser.ws(p)
        if p == len(text):
            return node
        parser.expect(p, "end of input")
    raise _syntax_error(parser, text)


_PAIRS = {"[": "]", "{": "}", "<": ">", "(": ")"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}


def _check_brackets(text: str) -> None:
    """Report unbalanced brackets by name and place before anything else."""
    stack: list[tuple[str, int]] = []
    for i, c in enumerate(text):
        if c in _PAIRS:
            stack.append((c, i))
        elif c in _CLOSERS:
            if not stack:
                raise MiniSyntaxError(f"{c!r} has no matching {_CLOSERS[c]!r}", text, i)
            opener, at = stack.pop()
            if _PAIRS[opener] != c:
                col = at + 1
                raise MiniSyntaxError(
                    f"{c!r} cannot close the {opener!r} at column {col} (expected {_PAIRS[opener]!r})", text, i
                )
    if stack:
        opener, at = stack[-1]
        raise MiniSyntaxError(f"{opener!r} is never closed (add {_PAIRS[opener]!r})", text, at)


_STEP = "a word, number or rest"


def _syntax_error(parser: _Parser, text: str) -> MiniSyntaxError:
    pos = max(parser.fail_pos, 0)
    found = repr(text[pos]) if pos < len(text) else "the end"
    if not text.strip():
        return MiniSyntaxError("empty pattern: write at least one step, e.g. \"bd\" or \"~\"", text, 0)
    expected = sorted(set(parser.expected))
    if _STEP in expected and len(expected) > 3:
        wanted = "a step (a word, number, rest, or a [ ], < > or { } group)"
    elif len(expected) > 4:
        wanted = ", ".join(expected[:4]) + " or another operator"
    else:
        wanted = " or ".join(expected) or "more input"
    return MiniSyntaxError(f"expected {wanted} but found {found}", text, pos)
