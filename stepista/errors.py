"""Errors a performer can act on: what was wrong, where, with a caret."""

from __future__ import annotations

__all__ = ["StepistaSyntaxError", "MiniSyntaxError", "LangError", "locate"]


def locate(text: str, offset: int) -> tuple[int, int, str]:
    """(line, column, that line's text) of a 0-based character offset; both 1-based."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return line, offset - start + 1, text[start : end if end != -1 else len(text)]


class StepistaSyntaxError(SyntaxError):
    """Bad input in an expression or mini-notation, with line, column and a caret.

    >>> e = MiniSyntaxError("expected ']'", "a [b c", 6)
    >>> print(e.pretty())
    line 1, column 7: expected ']'
      a [b c
            ^
    """

    kind = "syntax error"

    def __init__(self, message: str, text: str, offset: int, end_offset: int | None = None):
        self.message = message
        self.text_source = text
        self.position = offset
        self.line, self.column, self.source_line = locate(text, offset)
        width = max(1, (end_offset or offset + 1) - offset)
        super().__init__(message, ("<input>", self.line, self.column, self.source_line))
        self.caret_width = width

    def caret(self) -> str:
        return " " * (self.column - 1) + "^" * min(self.caret_width, max(1, len(self.source_line) - self.column + 1))

    def pretty(self) -> str:
        return (
            f"line {self.line}, column {self.column}: {self.message}\n"
            f"  {self.source_line}\n  {self.caret()}"
        )

    def one_line(self) -> str:
        return f"{self.kind} at line {self.line}, column {self.column}: {self.message}"

    def __str__(self):
        return self.one_line()


class MiniSyntaxError(StepistaSyntaxError):
    """A mini-notation string that cannot be read."""

    kind = "mini-notation error"


class LangError(StepistaSyntaxError):
    """A live-code expression that cannot be evaluated."""

    kind = "expression error"
