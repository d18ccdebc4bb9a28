"""Patterns: pure functions from a query span to the events inside it.

Everything here follows the TidalCycles/Strudel model so that a pattern means
exactly what it means there. A pattern is immutable; every transform returns a
new pattern built from two primitives, *change the query time* and *change the
event time*. Time is `Time` (an exact `fractions.Fraction`).

>>> [str(e) for e in sequence("a", "b").fast(2).query_arc(0, 1)]
['0 → 1/4 | a', '1/4 → 1/2 | b', '1/2 → 3/4 | a', '3/4 → 1 | b']
"""

from __future__ import annotations

import inspect
from typing import Callable, Iterable

from .budget import check_budget
from .event import Event
from .span import MAX_STEPS, Span, TooDense
from .time import Time, to_time

_time_of = Time._of
_ratio = Time._ratio

__all__ = [
    "Pattern", "register", "pure", "silence", "reify", "stack", "slowcat", "cat",
    "fastcat", "sequence", "seq", "timecat", "js_truthy", "set_string_parser", "FUNCTIONS",
    "METHOD_NAMES",
]

_NOT_PURE = object()

# Every name `register` (and the controls) made: free functions by name, and
# the names that are Pattern methods. The live-code language reads only these.
FUNCTIONS: dict[str, Callable] = {}
METHOD_NAMES: set[str] = set()

_string_parser: Callable[[str], "Pattern"] | None = None


def set_string_parser(parser: Callable[[str], "Pattern"] | None) -> None:
    """Make `reify` read strings with ``parser`` (the mini-notation installs itself).

    The hook keeps the core from importing the parser (layers point down only).
    """
    global _string_parser
    _string_parser = parser


def js_truthy(value) -> bool:
    """Truthiness as Strudel sees it: only 0, NaN, "", None and False are false."""
    if value is None or value is False:
        return False
    if isinstance(value, (int, float)):
        return value == value and value != 0
    if isinstance(value, str):
        return value != ""
    return True


def _locs(a: tuple, b: tuple) -> tuple:
    if not a:
        return b
    if not b:
        return a
    return a + b


class Pattern:
    """A function from a query `Span` to a list of `Event`s."""

    __slots__ = ("query", "_pure", "_locations", "_signal", "_per_cycle", "weight", "__weakref__")

    def __init__(self, query: Callable[[Span], list[Event]]):
        self.query = query
        self._pure = _NOT_PURE
        self._locations = ()  # the source spans a pure pattern's events carry
        # Known answers, used to skip layers (exactly the same events):
        # _signal = (f, offset, everywhere): a query span S (inside one cycle, or
        #   any span when `everywhere`) gets [Event(None, S, f(float(mid(S) + offset)))];
        # _per_cycle = (f, offset): a query span S inside cycle c gets
        #   [Event([c, c+1), S, f(float(c + 1/2 + offset)))].
        self._signal = None
        self._per_cycle = None
        self.weight = None  # relative length in a mini-notation sequence (``@``)

    # -- querying -----------------------------------------------------------
    def query_arc(self, begin, end) -> list[Event]:
        """The events over ``begin..end`` (cycles)."""
        return self.query(Span.of(begin, end))

    def first_cycle(self) -> list[Event]:
        return self.query(Span.of(0, 1))

    # -- the two primitives and their relatives -----------------------------
    def with_query_span(self, f) -> "Pattern":
        query = self.query
        return Pattern(lambda span: query(f(span)))

    def with_query_span_maybe(self, f) -> "Pattern":
        query = self.query

        def q(span):
            new = f(span)
            return [] if new is None else query(new)

        return Pattern(q)

    def with_query_time(self, f) -> "Pattern":
        query = self.query
        return Pattern(lambda span: query(Span.of(f(span.begin), f(span.end))))

    def with_event_span(self, f) -> "Pattern":
        query = self.query
        return Pattern(lambda span: [e.with_span(f) for e in query(span)])

    def with_event_time(self, f) -> "Pattern":
        return self.with_event_span(lambda s: Span.of(f(s.begin), f(s.end)))

    def with_events(self, f) -> "Pattern":
        query = self.query
        return Pattern(lambda span: f(query(span)))

    def with_event(self, f) -> "Pattern":
        query = self.query
        return Pattern(lambda span: [f(e) for e in query(span)])

    def fmap(self, f) -> "Pattern":
        """Apply ``f`` to every value."""
        query = self.query
        result = Pattern(
            lambda span: [Event(e.whole, e.part, f(e.value), e.locations) for e in query(span)]
        )
        if self._signal is not None:
            g, offset, everywhere = self._signal
            result._signal = (lambda t: f(g(t)), offset, everywhere)
        return result

    with_value = fmap

    def filter_events(self, test) -> "Pattern":
        query = self.query
        return Pattern(lambda span: [e for e in query(span) if test(e)])

    def filter_values(self, test) -> "Pattern":
        query = self.query
        return Pattern(lambda span: [e for e in query(span) if test(e.value)])

    def remove_undefined(self) -> "Pattern":
        return self.filter_values(lambda v: v is not None)

    def onsets_only(self) -> "Pattern":
        return self.filter_events(Event.has_onset)

    def discrete_only(self) -> "Pattern":
        return self.filter_events(lambda e: e.whole is not None)

    def split_queries(self) -> "Pattern":
        """Query cycle by cycle, so the inner query never crosses a cycle boundary."""
        query = self.query

        def q(span):
            begin, end = span.begin, span.end
            if begin.sam() == end.sam() or (end._denominator == 1 and end == begin.sam() + 1):
                return query(span)
            out = []
            for sub in span.cycles():
                out.extend(query(sub))
            return out

        return Pattern(q)

    def with_locations(self, locations: tuple) -> "Pattern":
        """Add source locations to every event (pure-ness is kept)."""
        query = self.query
        result = Pattern(
            lambda span: [
                Event(e.whole, e.part, e.value, _locs(e.locations, locations)) for e in query(span)
            ]
        )
        result._pure = self._pure
        result._locations = _locs(self._locations, locations)
        return result

    # -- applicative and monadic combination --------------------------------
    def app_both(self, other: "Pattern") -> "Pattern":
        """Apply function values to ``other``'s values; structure from both."""
        fq, vq = self.query, other.query

        def q(span):
            out = []
            vals = vq(span)
            for ef in fq(span):
                for ev in vals:
                    part = ef.part.intersection(ev.part)
                    if part is None:
                        continue
                    if ef.whole is None or ev.whole is None:
                        whole = None
                    else:
                        whole = ef.whole.intersection(ev.whole)
                        if whole is None:
                            raise ValueError("spans do not intersect")
                    out.append(Event(whole, part, ef.value(ev.value), _locs(ev.locations, ef.locations)))
            return out

        return Pattern(q)

    def app_left(self, other: "Pattern") -> "Pattern":
        """Apply function values to ``other``'s values; structure from the left."""
        fq, vq = self.query, other.query
        if other._pure is not _NOT_PURE:
            return self._app_left_pure(other)
        if other._signal is not None:
            return self._app_left_signal(other)

        def q(span):
            out = []
            for ef in fq(span):
                _apply_left(ef, vq(ef.whole_or_part()), out)
            return out

        return Pattern(q)

    def _app_left_pure(self, other: "Pattern") -> "Pattern":
        # A pure pattern queried over a span inside one cycle answers that very
        # span, so each left event keeps its part; only the rare events that
        # cross a cycle or have zero width need the general route.
        fq, vq = self.query, other.query
        value, locations = other._pure, other._locations

        def q(span):
            out = []
            for ef in fq(span):
                w = ef.whole if ef.whole is not None else ef.part
                part = ef.part
                if w.end <= w.begin.sam() + 1 and part.begin != part.end:
                    out.append(Event(ef.whole, part, ef.value(value), _locs(locations, ef.locations)))
                else:
                    _apply_left(ef, vq(w), out)
            return out

        result = Pattern(q)
        if self._signal is not None and not locations:
            g, offset, _ = self._signal
            result._signal = (lambda t: g(t)(value), offset, False)
        return result

    def _app_left_signal(self, other: "Pattern") -> "Pattern":
        # A signal queried over a left event's whole answers one event over that
        # whole, valued at its midpoint; the left part survives the intersection
        # unless it is empty at the whole's end.
        fq, vq = self.query, other.query
        f, offset, everywhere = other._signal

        def q(span):
            out = []
            for ef in fq(span):
                w = ef.whole if ef.whole is not None else ef.part
                if everywhere or w.end <= w.begin.sam() + 1:
                    part = ef.part
                    if part.begin == part.end and part.begin == w.end and w.begin < w.end:
                        continue
                    value = f(float((w.begin + w.end) / 2 + offset))
                    out.append(Event(ef.whole, part, ef.value(value), ef.locations))
                else:
                    _apply_left(ef, vq(w), out)
            return out

        return Pattern(q)

    def app_right(self, other: "Pattern") -> "Pattern":
        """Apply function values to ``other``'s values; structure from the right."""
        fq, vq = self.query, other.query

        def q(span):
            out = []
            for ev in vq(span):
                for ef in fq(ev.whole_or_part()):
                    part = ef.part.intersection(ev.part)
                    if part is not None:
                        out.append(Event(ev.whole, part, ef.value(ev.value), _locs(ev.locations, ef.locations)))
            return out

        return Pattern(q)

    def bind_whole(self, choose_whole, f) -> "Pattern":
        outer_q = self.query

        def q(span):
            out = []
            for a in outer_q(span):
                for b in f(a.value).query(a.part):
                    out.append(Event(choose_whole(a.whole, b.whole), b.part, b.value, _locs(a.locations, b.locations)))
            return out

        return Pattern(q)

    def bind(self, f) -> "Pattern":
        def whole(a, b):
            if a is None or b is None:
                return None
            span = a.intersection(b)
            if span is None:
                raise ValueError("spans do not intersect")
            return span

        return self.bind_whole(whole, f)

    def join(self) -> "Pattern":
        return self.bind(lambda p: p)

    def outer_bind(self, f) -> "Pattern":
        return self.bind_whole(lambda a, b: a, f)

    def outer_join(self) -> "Pattern":
        return self.outer_bind(lambda p: p)

    def inner_bind(self, f) -> "Pattern":
        return self.bind_whole(lambda a, b: b, f)

    def inner_join(self) -> "Pattern":
        """Flatten a pattern of patterns, keeping the inner events' structure."""
        outer_q = self.query

        def q(span):
            out = []
            for a in outer_q(span):
                for b in a.value.query(a.part):
                    out.append(Event(b.whole, b.part, b.value, _locs(a.locations, b.locations)))
            return out

        return Pattern(q)

    def squeeze_join(self) -> "Pattern":
        """Flatten a pattern of patterns, fitting a cycle of each inner into its outer event."""
        outer_q = self.discrete_only().query

        def q(span):
            out = []
            for outer in outer_q(span):
                inner = outer.value.focus_span(outer.whole_or_part())
                for e in inner.query(outer.part):
                    whole = None
                    if e.whole is not None and outer.whole is not None:
                        whole = e.whole.intersection(outer.whole)
                        if whole is None:
                            continue
                    part = e.part.intersection(outer.part)
                    if part is None:
                        continue
                    out.append(Event(whole, part, e.value, _locs(e.locations, outer.locations)))
            return out

        return Pattern(q)

    def squeeze_bind(self, f) -> "Pattern":
        return self.fmap(f).squeeze_join()

    def focus_span(self, span: Span) -> "Pattern":
        return _focus(span.begin, span.end, self)

    # -- composition with plain values ("op in/out/mix") ---------------------
    def _op_in(self, other, op) -> "Pattern":
        return self.fmap(lambda a: lambda b: op(a, b)).app_left(reify(other))

    def _op_out(self, other, op) -> "Pattern":
        return self.fmap(lambda a: lambda b: op(a, b)).app_right(reify(other))

    def _op_mix(self, other, op) -> "Pattern":
        return self.fmap(lambda a: lambda b: op(a, b)).app_both(reify(other))

    def struct(self, *args) -> "Pattern":
        """Take structure from ``args`` (true values keep, false ones drop)."""
        keep = self._op_out(_sequence_args(args), lambda a, b: a if js_truthy(b) else None)
        return keep.remove_undefined()

    def mask(self, *args) -> "Pattern":
        """Keep this pattern's structure where ``args`` is true."""
        keep = self._op_in(_sequence_args(args), lambda a, b: a if js_truthy(b) else None)
        return keep.remove_undefined()

    def superimpose(self, *funcs) -> "Pattern":
        """Play the pattern together with each function applied to it."""
        return stack(self, *(f(self) for f in funcs))

    def layer(self, *funcs) -> "Pattern":
        """Each function applied to the pattern, played together (without the original)."""
        return stack(*(f(self) for f in funcs))

    def stack(self, *pats) -> "Pattern":
        return stack(self, *pats)

    def seq(self, *pats) -> "Pattern":
        return sequence(self, *pats)

    sequence = seq
    fastcat = seq

    def cat(self, *pats) -> "Pattern":
        return slowcat(self, *pats)

    slowcat = cat

    # -- display -------------------------------------------------------------
    def __repr__(self):
        if self._pure is not _NOT_PURE:
            return f"pure({self._pure!r})"
        return "Pattern(" + " ".join(str(e) for e in self.first_cycle()[:8]) + ")"


def _apply_left(ef: Event, values: list[Event], out: list[Event]) -> None:
    """Apply the function event ``ef`` to each value event it overlaps (left structure)."""
    for ev in values:
        part = ef.part.intersection(ev.part)
        if part is not None:
            out.append(Event(ef.whole, part, ef.value(ev.value), _locs(ev.locations, ef.locations)))


def _sequence_args(args) -> "Pattern":
    if len(args) == 1:
        arg = args[0]
        if isinstance(arg, (list, tuple)):
            return fastcat(*arg)
        return reify(arg)
    return fastcat(*args)


# -- elemental patterns -----------------------------------------------------

def _silent_query(span):
    return []


silence = Pattern(_silent_query)


def pure(value, locations: tuple = ()) -> Pattern:
    """One event per cycle, filling it, with ``value``."""

    def query(span):
        begin, end = span.begin, span.end
        sam = begin.sam()
        next_sam = sam + 1
        if end <= next_sam:
            if begin == sam and end == next_sam:
                return [Event(span, span, value, locations)]
            return [Event(Span(sam, next_sam), span, value, locations)]
        return [
            Event(Span(s.begin.sam(), s.begin.sam() + 1), s, value, locations) for s in span.cycles()
        ]

    result = Pattern(query)
    result._pure = value
    result._locations = locations
    return result


def reify(thing) -> Pattern:
    """A pattern from anything: patterns pass, strings are parsed, values become `pure`."""
    if isinstance(thing, Pattern):
        return thing
    if _string_parser is not None and isinstance(thing, str):
        return _string_parser(thing)
    return pure(thing)


def _reify_item(pat) -> Pattern:
    return sequence(*pat) if isinstance(pat, (list, tuple)) else reify(pat)


def stack(*pats) -> Pattern:
    """Play patterns at the same time."""
    pats = [_reify_item(p) for p in pats]
    queries = [p.query for p in pats]
    if len(queries) == 1:
        return Pattern(queries[0])

    def q(span):
        out = []
        for query in queries:
            out.extend(query(span))
        return out

    return Pattern(q)


def slowcat(*pats) -> Pattern:
    """One pattern per cycle, in turn (``<a b c>``)."""
    pats = [fastcat(*p) if isinstance(p, (list, tuple)) else reify(p) for p in pats]
    if len(pats) == 1:
        return pats[0]
    if not pats:
        return silence
    n = len(pats)
    queries = [p.query for p in pats]

    def q(span):
        begin = span.begin
        cycle = begin.__floor__()
        # Shift so the chosen pattern plays its own next cycle, not the global one.
        offset = cycle - (begin / n).__floor__()
        query = queries[cycle % n]
        if offset == 0:
            return query(span)
        return _shift_events(query(Span(begin - offset, span.end - offset)), offset)

    return Pattern(q).split_queries()


def slowcat_prime(*pats) -> Pattern:
    """Like `slowcat`, but each pattern is queried at the global cycle."""
    pats = [reify(p) for p in pats]
    n = len(pats)

    def q(span):
        index = span.begin.__floor__()
        if index < 0 and index % n:  # JS's remainder keeps the sign: pats[-k] is nothing
            return []
        return pats[index % n].query(span)

    return Pattern(q).split_queries()


cat = slowcat


def fastcat(*pats) -> Pattern:
    """Squeeze patterns into one cycle, one after another (``a b c``).

    The same events as ``slowcat(*pats).fast(len(pats))``, computed in one step:
    step ``k`` (counting steps from time zero) plays pattern ``k mod n`` at
    its own cycle ``k // n``. Steps that are plain values (`pure`) are made
    directly, without a query.
    """
    if len(pats) <= 1:
        return slowcat(*pats)
    pats = [fastcat(*p) if isinstance(p, (list, tuple)) else reify(p) for p in pats]
    n = len(pats)
    steps = [(p.query, p._pure, p._pure is not _NOT_PURE, p._locations) for p in pats]
    scale = Time(1, n)
    count = Time(n)

    def q(span):
        out = []
        for k, part in _step_parts(span, count):
            query, value, is_pure, locations = steps[k % n]
            if is_pure:
                out.append(_step_event(k, part, count, value, locations))
                continue
            offset = k - k // n
            inner = query(Span(part.begin * n - offset, part.end * n - offset))
            out.extend(_affine_events(inner, offset, scale))
        return out

    return Pattern(q)


def _step_parts(span: Span, factor: Time) -> list[tuple[int, Span]]:
    """For steps of length ``1/factor``: each step index ``k`` the query touches,
    with the part of the query inside it (a zero-width query touches one)."""
    b, e = span.begin, span.end
    fn, fd = factor._numerator, factor._denominator
    k = (b._numerator * fn) // (b._denominator * fd)
    if b == e:
        return [(k, span)]
    check_budget()
    if (e._numerator * fn) // (e._denominator * fd) - k > MAX_STEPS:
        raise TooDense(f"more than {MAX_STEPS} steps in one query (a factor of {float(factor):.3g})")
    out = []
    step_begin = b
    while True:
        step_end = _ratio((k + 1) * fd, fn)
        if step_end >= e:
            out.append((k, Span(step_begin, e) if step_begin is not b else span))
            return out
        out.append((k, Span(step_begin, step_end)))
        step_begin = step_end
        k += 1


def _step_event(k: int, part: Span, factor: Time, value, locations) -> Event:
    """The event of a constant step ``k`` (``[k/factor, (k+1)/factor)``) seen through ``part``."""
    fn, fd = factor._numerator, factor._denominator
    begin, end = _ratio(k * fd, fn), _ratio((k + 1) * fd, fn)
    if part.begin == begin and part.end == end:
        return Event(part, part, value, locations)
    return Event(Span(begin, end), part, value, locations)


sequence = seq = fastcat


def timecat(*pairs) -> Pattern:
    """Like `fastcat`, but each pattern gets a relative length: ``timecat((1, a), (3, b))``."""
    if not pairs:
        return silence
    if len(pairs) == 1:
        return reify(pairs[0][1])
    weights = [to_time(w) for w, _ in pairs]
    total = sum(weights, Time(0))
    begin = Time(0)
    pats = []
    for weight, (_, pat) in zip(weights, pairs):
        if weight == 0:
            continue
        end = begin + weight
        pats.append(_compress(begin / total, end / total, reify(pat)))
        begin = end
    return stack(*pats)


# -- registration: one definition gives a method, a curried function, and
#    patterned arguments ------------------------------------------------------

def _curry(f, arity):
    def curried(*args):
        if len(args) >= arity:
            return f(*args)
        return lambda *more: curried(*args, *more)

    curried.__name__ = getattr(f, "__name__", "curried")
    return curried


def _patterned(func, arity):
    """``func(args..., pat)`` with every argument allowed to be a pattern."""

    def patterned(*args):
        args = [reify(a) for a in args]
        pat = args[-1]
        if arity == 1:
            return func(pat)
        first = args[:-1]
        if all(a._pure is not _NOT_PURE for a in first):
            return func(*(a._pure for a in first), pat)
        left, *right = first
        acc = left.fmap(lambda v: (v,))
        for p in right:
            acc = acc.fmap(lambda t: lambda v: t + (v,)).app_left(p)
        return acc.fmap(lambda t: func(*t, pat)).inner_join()

    return patterned


def register(names: str | Iterable[str], *, patterned: bool = True):
    """Register ``func(args..., pat)`` as a Pattern method and a curried function.

    Every argument but the pattern may itself be a pattern (inner join, as in
    Strudel); ``Pattern._name`` calls ``func`` with plain values.
    """
    names = [names] if isinstance(names, str) else list(names)

    def decorate(func):
        arity = len(inspect.signature(func).parameters)
        pfunc = _patterned(func, arity) if patterned else (lambda *a: func(*(reify(x) for x in a)))

        def method(self, *args):
            if arity == 2 and len(args) != 1:
                args = (sequence(*args),)
            elif arity != len(args) + 1:
                raise TypeError(f".{names[0]}() expects {arity - 1} argument(s) but got {len(args)}")
            return pfunc(*args, self)

        def raw(self, *args):
            return func(*args, self)

        free = _curry(pfunc, arity)
        free.__name__ = names[0]
        free.__doc__ = func.__doc__
        free.arity = arity
        method.__doc__ = func.__doc__
        for name in names:
            setattr(Pattern, name, method)
            if arity > 1:
                setattr(Pattern, "_" + name, raw)
            FUNCTIONS[name] = free
            METHOD_NAMES.add(name)
        return free

    return decorate


# -- the few transforms the constructors above need ---------------------------

def _fast(factor, pat: Pattern) -> Pattern:
    if factor == 0:
        return silence
    factor = to_time(factor)
    query = pat.query

    inverse = 1 / factor
    if pat._pure is not _NOT_PURE and factor > 0:
        value, locations = pat._pure, pat._locations

        def q_pure(span):
            return [
                _step_event(k, part, factor, value, locations)
                for k, part in _step_parts(span, factor)
            ]

        return Pattern(q_pure)

    def q(span):
        return _scale_events(query(Span(span.begin * factor, span.end * factor)), inverse)

    return Pattern(q)


def _scale_events(events: list[Event], k: Time) -> list[Event]:
    """Events with every time multiplied by ``k``."""
    out = []
    for e in events:
        whole, part = e.whole, e.part
        new_part = Span(part.begin * k, part.end * k)
        if whole is part:
            new_whole = new_part
        elif whole is None:
            new_whole = None
        else:
            new_whole = Span(whole.begin * k, whole.end * k)
        out.append(Event(new_whole, new_part, e.value, e.locations))
    return out


def _affine_events(events: list[Event], offset, k: Time) -> list[Event]:
    """Events with every time ``t`` mapped to ``(t + offset) * k``."""
    out = []
    for e in events:
        whole, part = e.whole, e.part
        new_part = Span((part.begin + offset) * k, (part.end + offset) * k)
        if whole is part:
            new_whole = new_part
        elif whole is None:
            new_whole = None
        else:
            new_whole = Span((whole.begin + offset) * k, (whole.end + offset) * k)
        out.append(Event(new_whole, new_part, e.value, e.locations))
    return out


def _shift_events(events: list[Event], offset: Time) -> list[Event]:
    """Events with every time moved by ``offset``."""
    out = []
    for e in events:
        whole, part = e.whole, e.part
        new_part = Span(part.begin + offset, part.end + offset)
        if whole is part:
            new_whole = new_part
        elif whole is None:
            new_whole = None
        else:
            new_whole = Span(whole.begin + offset, whole.end + offset)
        out.append(Event(new_whole, new_part, e.value, e.locations))
    return out


def _early(offset, pat: Pattern) -> Pattern:
    offset = to_time(offset)
    if offset == 0:
        return pat
    query = pat.query

    back = -offset

    def q(span):
        return _shift_events(query(Span(span.begin + offset, span.end + offset)), back)

    result = Pattern(q)
    if pat._signal is not None and pat._signal[2]:
        f, shift, _ = pat._signal
        result._signal = (f, shift + offset, True)
    return result


def _fast_gap(factor, pat: Pattern) -> Pattern:
    """Speed up by ``factor`` but only play the first cycle's worth, leaving a gap."""
    factor = to_time(factor)
    query = pat.query

    def q(span):
        cycle = span.begin.sam()
        bpos = min((span.begin - cycle) * factor, 1)
        epos = min((span.end - cycle) * factor, 1)
        if bpos >= 1:
            return []
        out = []
        for e in query(Span(cycle + bpos, cycle + epos)):
            begin, end = e.part.begin, e.part.end
            ecycle = begin.sam()
            part = Span(ecycle + min((begin - ecycle) / factor, 1), ecycle + min((end - ecycle) / factor, 1))
            whole = e.whole
            if whole is not None:
                whole = Span(part.begin - (begin - whole.begin) / factor, part.end + (whole.end - end) / factor)
            out.append(Event(whole, part, e.value, e.locations))
        return out

    return Pattern(q).split_queries()


def _compress(b, e, pat: Pattern) -> Pattern:
    b, e = to_time(b), to_time(e)
    if b > e or b > 1 or e > 1 or b < 0 or e < 0:
        return silence
    return _early(-b, _fast_gap(1 / (e - b), pat))


def _focus(b, e, pat: Pattern) -> Pattern:
    b, e = to_time(b), to_time(e)
    return _early(-b.cycle_pos(), _fast(1 / (e - b), pat))

