"""Stepista: a live-coding MIDI instrument for the terminal.

The pattern core lives in small modules layered one way: `time` and `span`,
then `event`, then `pattern`, then `combinators`, `signals` and `controls`,
then `mini` (the mini-notation) and `lang` (the live-code language).
"""

__version__ = "0.1.0"

from . import combinators as _combinators  # noqa: F401  (registers the methods)
from . import signals as _signals  # noqa: F401
from .event import Event
from .mini import MiniSyntaxError, mini
from .pattern import Pattern, fastcat, pure, reify, sequence, silence, slowcat, stack, timecat
from .span import Span
from .time import Time, to_time

__all__ = [
    "Event", "MiniSyntaxError", "Pattern", "Span", "Time", "fastcat", "mini", "pure", "reify",
    "sequence", "silence", "slowcat", "stack", "timecat", "to_time",
]
