"""The live-code language: what a performer types at the prompt.

A small, Strudel-flavoured expression language, read by its own parser and
run by a restricted evaluator (never Python's ``eval``)::

    note("c3 [eb3 g3]*2").fast(2).every(4, rev)
    bass: note("<c2 g1>*8").velocity(0.8)       // binds the track "bass"
    drums: s("bd*4, ~ sn").sometimesBy(0.3, x => x.ply(2))

- ``"..."`` and `` `...` `` are mini-notation; ``'...'`` is a plain string.
- Names are the registered pattern functions, controls and signals; methods
  are the registered pattern methods; nothing else is reachable.
- ``x => expr`` makes a function (for ``every``, ``off``, ``superimpose``…).
- ``name: expr`` or ``name = expr`` binds a track; lines without a name are
  stacked. A line starting with ``.`` continues the chain above.
- ``//`` starts a comment.

Errors are `LangError` (a `SyntaxError`) with the line and column of the
offending token.

>>> program = evaluate('note("c3 e3").fast(2)')
>>> [e.value["note"] for e in program.pattern().first_cycle()]
[48, 52, 48, 52]
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from . import combinators, signals
from . import controls as _controls  # noqa: F401  (registers the controls)
from .budget import QueryTimeout, query_budget
from .errors import LangError, MiniSyntaxError
from .mini import mini
from .pattern import (
    FUNCTIONS, METHOD_NAMES, Pattern, fastcat, pure, reify, sequence, silence, slowcat, stack,
    timecat,
)

__all__ = ["evaluate", "Program", "LangError", "NAMES", "METHODS", "probe"]

MAX_SOURCE = 10_000
MAX_NODES = 5_000
MAX_DEPTH = 64
MAX_EVAL_DEPTH = 250
EVAL_SECONDS = 1.0
PROBE_SECONDS = 0.5
MAX_EVENTS_PER_CYCLE = 4096


# -- tokens -------------------------------------------------------------------

@dataclass(slots=True)
class Token:
    kind: str  # num str name op nl eof
    text: str
    pos: int
    value: object = None


_OPS2 = ("=>", "..")
_OPS1 = "()[],.:;=+-*/%{}"


def _tokenize(src: str) -> list[Token]:
    tokens: list[Token] = []
    i, n, depth = 0, len(src), 0
    while i < n:
        c = src[i]
        if c in " \t\r":
            i += 1
        elif c == "\n":
            if depth == 0:
                tokens.append(Token("nl", "\n", i))
            i += 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j == -1 else j
        elif c in "\"'`":
            j, buf = i + 1, []
            while j < n and src[j] != c:
                if src[j] == "\\" and j + 1 < n:
                    buf.append({"n": "\n", "t": "\t"}.get(src[j + 1], src[j + 1]))
                    j += 2
                    continue
                if src[j] == "\n" and c != "`":
                    break
                buf.append(src[j])
                j += 1
            if j >= n or src[j] != c:
                raise LangError(f"this string has no closing {c}", src, i)
            tokens.append(Token("str", src[i : j + 1], i, ("".join(buf), c)))
            i = j + 1
        elif c.isdigit() or (c == "." and i + 1 < n and src[i + 1].isdigit()):
            j = i
            while j < n and (src[j].isdigit() or src[j] == "."):
                j += 1
            if j < n and src[j] in "eE":
                k = j + 1
                if k < n and src[k] in "+-":
                    k += 1
                if k < n and src[k].isdigit():
                    j = k
                    while j < n and src[j].isdigit():
                        j += 1
            text = src[i:j]
            try:
                value = float(text) if any(ch in text for ch in ".eE") else int(text)
            except ValueError:
                raise LangError(f"not a number: {text}", src, i, j) from None
            tokens.append(Token("num", text, i, value))
            i = j
        elif c.isalpha() or c in "_$":
            j = i
            while j < n and (src[j].isalnum() or src[j] in "_$"):
                j += 1
            tokens.append(Token("name", src[i:j], i))
            i = j
        elif src[i : i + 2] in _OPS2:
            tokens.append(Token("op", src[i : i + 2], i))
            i += 2
        elif c in _OPS1:
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth = max(0, depth - 1)
            tokens.append(Token("op", c, i))
            i += 1
        else:
            raise LangError(f"unexpected character {c!r}", src, i)
    tokens.append(Token("eof", "", n))
    return tokens


# -- syntax tree ---------------------------------------------------------------

@dataclass(slots=True)
class Node:
    kind: str  # num str name attr call list arrow binop neg
    pos: int
    end: int
    value: object = None
    children: list = field(default_factory=list)


class _Parser:
    def __init__(self, src: str):
        self.src = src
        self.tokens = _tokenize(src)
        self.i = 0
        self.count = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def advance(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def error(self, message: str, tok: Token | None = None) -> LangError:
        tok = tok or self.tok
        return LangError(message, self.src, tok.pos, tok.pos + max(1, len(tok.text)))

    def expect(self, text: str) -> Token:
        if self.tok.kind == "op" and self.tok.text == text:
            return self.advance()
        found = "the end" if self.tok.kind == "eof" else repr(self.tok.text)
        raise self.error(f"expected {text!r} but found {found}")

    def node(self, kind, pos, end, value=None, children=None) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise LangError(f"expression too large (over {MAX_NODES} parts)", self.src, pos)
        return Node(kind, pos, end, value, children or [])

    # statements: [label ':'] expr, separated by newlines or ';'
    def program(self) -> list[tuple[str | None, Node, int]]:
        statements = []
        while True:
            while self.tok.kind == "nl" or (self.tok.kind == "op" and self.tok.text == ";"):
                self.advance()
            if self.tok.kind == "eof":
                return statements
            label, pos = None, self.tok.pos
            if self.tok.kind == "name" and self.peek().kind == "op" and self.peek().text in (":", "="):
                label = self.advance().text
                self.advance()
                if label == "$":
                    label = None
            statements.append((label, self.expr(), pos))
            if self.tok.kind not in ("nl", "eof") and not (self.tok.kind == "op" and self.tok.text == ";"):
                raise self.error(f"unexpected {self.tok.text!r}: one expression per line (or join with ';')")

    def expr(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} levels deep")
        try:
            arrow = self.try_arrow()
            return arrow if arrow is not None else self.additive()
        finally:
            self.depth -= 1

    def try_arrow(self) -> Node | None:
        t = self.tok
        if t.kind == "name" and self.peek().text == "=>":
            self.i += 2
            body = self.expr()
            return self.node("arrow", t.pos, body.end, [t.text], [body])
        if t.text == "(" and t.kind == "op":
            j, params = self.i + 1, []
            while self.tokens[j].kind == "name":
                params.append(self.tokens[j].text)
                j += 1
                if self.tokens[j].text == ",":
                    j += 1
            if self.tokens[j].text == ")" and self.tokens[j + 1].text == "=>":
                self.i = j + 2
                body = self.expr()
                return self.node("arrow", t.pos, body.end, params, [body])
        return None

    def additive(self) -> Node:
        left = self.term()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.advance()
            right = self.term()
            left = self.node("binop", left.pos, right.end, op.text, [left, right])
        return left

    def term(self) -> Node:
        left = self.unary()
        while self.tok.kind == "op" and self.tok.text in "*/%":
            op = self.advance()
            right = self.unary()
            left = self.node("binop", left.pos, right.end, op.text, [left, right])
        return left

    def unary(self) -> Node:
        if self.tok.kind == "op" and self.tok.text == "-":
            t = self.advance()
            operand = self.unary()
            return self.node("neg", t.pos, operand.end, None, [operand])
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while True:
            t = self.tok
            if t.kind == "nl" and self._chain_continues():
                while self.tok.kind == "nl":
                    self.advance()
                continue
            if t.kind != "op":
                return node
            if t.text == ".":
                self.advance()
                name = self.tok
                if name.kind != "name":
                    raise self.error("expected a method name after '.'")
                self.advance()
                node = self.node("attr", node.pos, name.pos + len(name.text), name.text, [node])
                node.value = (name.text, name.pos)
            elif t.text == "(":
                self.advance()
                args = self.arguments(")")
                end = self.expect(")").pos + 1
                node = self.node("call", node.pos, end, t.pos, [node, *args])
            else:
                return node

    def _chain_continues(self) -> bool:
        j = self.i
        while self.tokens[j].kind == "nl":
            j += 1
        return self.tokens[j].kind == "op" and self.tokens[j].text == "."

    def arguments(self, close: str) -> list[Node]:
        args = []
        while not (self.tok.kind == "op" and self.tok.text == close):
            args.append(self.expr())
            if self.tok.kind == "op" and self.tok.text == ",":
                self.advance()
            elif not (self.tok.kind == "op" and self.tok.text == close):
                found = "the end" if self.tok.kind == "eof" else repr(self.tok.text)
                raise self.error(f"expected ',' or {close!r} but found {found}")
        return args

    def primary(self) -> Node:
        t = self.tok
        if t.kind == "num":
            self.advance()
            return self.node("num", t.pos, t.pos + len(t.text), t.value)
        if t.kind == "str":
            self.advance()
            return self.node("str", t.pos, t.pos + len(t.text), t.value)
        if t.kind == "name":
            self.advance()
            return self.node("name", t.pos, t.pos + len(t.text), t.text)
        if t.kind == "op" and t.text == "(":
            self.advance()
            inner = self.expr()
            self.expect(")")
            return inner
        if t.kind == "op" and t.text == "[":
            self.advance()
            items = self.arguments("]")
            end = self.expect("]").pos + 1
            return self.node("list", t.pos, end, None, items)
        if t.kind == "eof":
            raise self.error("the expression ends too soon")
        raise self.error(f"unexpected {t.text!r}")


# -- the vocabulary --------------------------------------------------------------

def _snake_to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _build_names() -> dict[str, object]:
    names = dict(FUNCTIONS)
    names.update({_snake_to_camel(k): v for k, v in FUNCTIONS.items()})
    names.update({
        "mini": _mini, "m": _mini, "pure": _pure, "silence": silence,
        "stack": stack, "cat": slowcat, "slowcat": slowcat, "seq": sequence,
        "sequence": sequence, "fastcat": fastcat, "timecat": timecat, "timeCat": timecat,
        "superimpose": combinators.superimpose, "struct": combinators.struct,
        "mask": combinators.mask,
        "sine": signals.sine, "cosine": signals.cosine, "saw": signals.saw, "isaw": signals.isaw,
        "square": signals.square, "tri": signals.tri, "rand": signals.rand, "perlin": signals.perlin,
        "irand": signals.irand, "run": signals.run, "choose": signals.choose,
        "chooseCycles": signals.choose_cycles, "randcat": signals.choose_cycles,
        "true": True, "false": False, "null": None,
    })
    return names


def _mini(*texts):
    """``mini("a b")``: a string in double quotes already is mini-notation; pass it on."""
    return sequence(*texts)


def _pure(value):
    """``pure(x)``; a quoted string is already a pattern of itself, so it passes."""
    return value if isinstance(value, Pattern) else pure(value)


NAMES: dict[str, object] = _build_names()
METHODS: set[str] = METHOD_NAMES | {
    "struct", "mask", "superimpose", "layer", "stack", "seq", "sequence", "fastcat", "cat", "slowcat",
}


# -- evaluation ------------------------------------------------------------------

@dataclass
class Program:
    """What a text evaluates to: patterns by track name (``None`` for unnamed lines)."""
    source: str
    tracks: dict[str | None, Pattern]

    def pattern(self, track: str | None = None) -> Pattern:
        """The pattern of one track; with no name, everything stacked."""
        if track is not None:
            return self.tracks[track]
        pats = list(self.tracks.values())
        return pats[0] if len(pats) == 1 else stack(*pats)


class _Function:
    """A function written in the language (``x => x.fast(2)``)."""

    def __init__(self, evaluator: "_Evaluator", node: Node, scope: dict):
        self.evaluator, self.node, self.scope = evaluator, node, scope
        self.__name__ = "=>"

    def __call__(self, *args):
        params = self.node.value
        scope = {**self.scope, **dict(zip(params, args))}
        return self.evaluator.run(self.node.children[0], scope, fresh_budget=True)


class _Evaluator:
    def __init__(self, src: str):
        self.src = src
        self.deadline = time.perf_counter() + EVAL_SECONDS
        self.depth = 0

    def error(self, node: Node, message: str) -> LangError:
        return LangError(message, self.src, node.pos, node.end)

    def run(self, node: Node, scope: dict, fresh_budget: bool = False):
        if fresh_budget:
            self.deadline = time.perf_counter() + EVAL_SECONDS
        return self.eval(node, scope)

    def eval(self, node: Node, scope: dict):
        if time.perf_counter() > self.deadline:
            raise self.error(node, f"evaluation took longer than {EVAL_SECONDS:g} s")
        if self.depth >= MAX_EVAL_DEPTH:
            raise self.error(node, f"nested more than {MAX_EVAL_DEPTH} levels deep (a very long chain?)")
        self.depth += 1
        try:
            return getattr(self, "eval_" + node.kind)(node, scope)
        finally:
            self.depth -= 1

    def eval_num(self, node, scope):
        return node.value

    def eval_str(self, node, scope):
        text, quote = node.value
        if quote == "'":
            return text
        try:
            return mini(text, offset=node.pos + 1)
        except MiniSyntaxError as exc:
            raise LangError(exc.message, self.src, node.pos + 1 + exc.position) from None

    def eval_name(self, node, scope):
        name = node.value
        if name in scope:
            return scope[name]
        if name in NAMES:
            return NAMES[name]
        raise self.error(node, f"unknown name {name!r}" + _suggest(name, set(NAMES) | set(scope)))

    def eval_list(self, node, scope):
        return [self.eval(child, scope) for child in node.children]

    def eval_arrow(self, node, scope):
        return _Function(self, node, scope)

    def eval_neg(self, node, scope):
        value = self.eval(node.children[0], scope)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
        raise self.error(node, "'-' works on numbers only (use .mul(-1) on a pattern)")

    def eval_binop(self, node, scope):
        a, b = (self.eval(c, scope) for c in node.children)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b)):
            raise self.error(node, f"'{node.value}' works on numbers only (use .add/.sub/.mul/.div on patterns)")
        if node.value in "/%" and b == 0:
            raise self.error(node, "division by zero")
        try:
            if node.value == "+":
                return a + b
            if node.value == "-":
                return a - b
            if node.value == "*":
                return a * b
            if node.value == "/":
                return a / b
            return math.fmod(a, b)
        except ZeroDivisionError:
            raise self.error(node, "division by zero") from None
        except (ValueError, OverflowError) as exc:
            raise self.error(node, f"cannot compute '{node.value}': {exc}") from None

    def as_pattern(self, value, node: Node):
        """A plain '...' string read as mini-notation, with errors placed in the program."""
        try:
            return reify(value)
        except MiniSyntaxError as exc:
            start = node.pos + 1 if node.kind == "str" else node.pos
            raise LangError(exc.message, self.src, start + exc.position) from None

    def eval_attr(self, node, scope):
        name, _ = node.value
        target = self.eval(node.children[0], scope)
        if isinstance(target, str):
            target = self.as_pattern(target, node.children[0])
        if isinstance(target, (int, float)) and not isinstance(target, bool):
            target = pure(target)
        if not isinstance(target, Pattern):
            raise self.error(node, f"'.{name}' needs a pattern on its left, not {_describe(target)}")
        if name not in METHODS:
            _, at = node.value
            raise LangError(f"unknown method '.{name}'" + _suggest(name, METHODS), self.src, at, at + len(name))
        return getattr(target, name)

    def eval_call(self, node, scope):
        func_node, *arg_nodes = node.children
        func = self.eval(func_node, scope)
        args = [self.eval(a, scope) for a in arg_nodes]
        if not callable(func) or isinstance(func, Pattern):
            raise self.error(func_node, f"{_describe(func)} cannot be called")
        try:
            return func(*args)
        except LangError:
            raise
        except MiniSyntaxError as exc:
            raise self.error(node, exc.message) from None
        except RecursionError:
            raise self.error(node, "nested too deeply") from None
        except Exception as exc:  # a library error: report it at the call
            raise self.error(node, _explain(func_node, exc)) from None


def _describe(value) -> str:
    if isinstance(value, Pattern):
        return "a pattern"
    if isinstance(value, bool) or value is None:
        return repr(value).lower()
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    return "a function"


def _explain(func_node: Node, exc: Exception) -> str:
    name = func_node.value[0] if func_node.kind == "attr" else func_node.value
    message = str(exc) or type(exc).__name__
    if isinstance(exc, TypeError) and "argument" in message:
        message = message.split(") ")[-1] if ") " in message else message
    return f"{name}: {message}" if isinstance(name, str) else message


def _suggest(name: str, known) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(k for k in known if isinstance(k, str)), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def evaluate(src: str, *, check: bool = True) -> Program:
    """Read and run a program; raise `LangError` (with line/column) if it is not valid.

    With ``check`` the result is queried once (first cycle) under a time and
    event budget, so a pattern that would stall the engine is refused here.
    """
    if not isinstance(src, str):
        raise LangError(f"expected text, not {type(src).__name__}", "", 0)
    if len(src) > MAX_SOURCE:
        raise LangError(f"program longer than {MAX_SOURCE} characters", src, MAX_SOURCE)
    try:
        statements = _Parser(src).program()
    except RecursionError:
        raise LangError("nested too deeply", src, 0) from None
    if not statements:
        raise LangError("nothing to play: write an expression, e.g. note(\"c3 e3\")", src, 0)
    evaluator = _Evaluator(src)
    tracks: dict[str | None, Pattern] = {}
    anonymous = []
    for label, node, pos in statements:
        try:
            value = evaluator.run(node, {})
        except RecursionError:
            raise LangError("nested too deeply", src, node.pos, node.end) from None
        if isinstance(value, str):
            value = evaluator.as_pattern(value, node)
        if not isinstance(value, Pattern):
            raise LangError(f"this line gives {_describe(value)}, not a pattern", src, node.pos, node.end)
        if check:
            _probe_or_raise(value, src, node)
        if label is None:
            anonymous.append(value)
        else:
            tracks[label] = value
    if anonymous:
        tracks = {None: anonymous[0] if len(anonymous) == 1 else stack(*anonymous), **tracks}
    return Program(src, tracks)


def _probe_or_raise(pat: Pattern, src: str, node: Node) -> None:
    try:
        probe(pat)
    except LangError:
        raise
    except QueryTimeout:
        raise LangError(f"this pattern takes longer than {PROBE_SECONDS:g} s to play one cycle",
                        src, node.pos, node.end) from None
    except RecursionError:
        raise LangError("this pattern is nested too deeply to play", src, node.pos, node.end) from None
    except Exception as exc:
        raise LangError(f"this pattern fails when played: {exc}", src, node.pos, node.end) from None


def probe(pat: Pattern, cycles: int = 1) -> int:
    """Query ``cycles`` cycles within PROBE_SECONDS; return the event count or raise.

    Raises `QueryTimeout` past the time budget, and ``ValueError`` when a cycle holds
    more than MAX_EVENTS_PER_CYCLE events.
    """
    with query_budget(PROBE_SECONDS):
        events = pat.query_arc(0, cycles)
    if len(events) > MAX_EVENTS_PER_CYCLE * cycles:
        raise ValueError(
            f"{len(events)} events in {cycles} cycle(s); the limit is {MAX_EVENTS_PER_CYCLE} per cycle"
        )
    return len(events)
