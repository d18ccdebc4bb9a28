"""A time budget for queries, checked cooperatively by the core's step walkers.

The live-code test-play (and later the engine) runs a query inside
``query_budget(seconds)``; the places where a query's work grows (walking
cycles and steps) call `check_budget`, which raises `QueryTimeout` once the
budget is spent. Unlike a trace function or a signal, the check cannot be lost
inside a ``__del__`` or a gc callback, and it holds per thread (a ContextVar).

>>> with query_budget(0.0):
...     check_budget()
Traceback (most recent call last):
    ...
stepista.budget.QueryTimeout: the query ran past its time budget (0 s)
"""

from __future__ import annotations

import contextvars
import time
from contextlib import contextmanager

__all__ = ["QueryTimeout", "query_budget", "check_budget"]

_DEADLINE: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "stepista_query_deadline", default=None)


class QueryTimeout(ValueError):
    """A query that ran past the time budget it was given."""


@contextmanager
def query_budget(seconds: float):
    """Queries in the block raise `QueryTimeout` once ``seconds`` have passed (nests: the
    tighter budget wins)."""
    deadline = time.perf_counter() + seconds
    outer = _DEADLINE.get()
    if outer is not None and outer[0] < deadline:
        deadline, seconds = outer
    token = _DEADLINE.set((deadline, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_budget() -> None:
    """Raise `QueryTimeout` if the budget in force is spent (free when there is none)."""
    budget = _DEADLINE.get()
    if budget is not None and time.perf_counter() > budget[0]:
        raise QueryTimeout(f"the query ran past its time budget ({budget[1]:g} s)")
