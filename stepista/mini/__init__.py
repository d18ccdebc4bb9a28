"""Mini-notation: the TidalCycles/Strudel pattern language in a string.

>>> [str(e) for e in mini("bd*2 <sn cp>").query_arc(0, 1)]
['0 → 1/4 | bd', '1/4 → 1/2 | bd', '1/2 → 1 | sn']

Importing this package makes strings given to any pattern function read as
mini-notation (``fast("<1 2>")``), as in Strudel's REPL.
"""

from __future__ import annotations

from ..errors import MiniSyntaxError
from ..pattern import Pattern, set_string_parser
from .grammar import parse
from .translate import js_number, to_pattern

__all__ = ["mini", "parse", "MiniSyntaxError", "js_number"]


def mini(text: str, offset: int = 0) -> Pattern:
    """The pattern a mini-notation string denotes.

    ``offset`` shifts the source spans the events carry (for a string that sits
    inside a longer expression). Raises `MiniSyntaxError`, and nothing else,
    for input that is not mini-notation or cannot be built.
    """
    node = parse(text)
    try:
        return to_pattern(node, offset)
    except MiniSyntaxError:
        raise
    except RecursionError:
        raise MiniSyntaxError("nested too deeply", text, 0) from None
    except (ValueError, ZeroDivisionError, TypeError, ArithmeticError) as exc:
        raise MiniSyntaxError(f"cannot build this pattern: {exc}", text, 0) from None


set_string_parser(mini)
