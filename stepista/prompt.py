"""A line prompt: type an expression, see its next cycles as a step grid.

It stands in for the TUI until that lands. It does not play sound (the engine
is not built yet); it shows what a pattern would play.
"""

from __future__ import annotations

import sys

from .errors import StepistaSyntaxError
from .lang import evaluate
from .drums import DRUM_CHANNEL, drum_name
from .notes import midi_to_note

STEPS_PER_CYCLE = 16


def label(value) -> str:
    """A short name for an event value: note names for notes, sounds by name."""
    if isinstance(value, dict):
        if "note" in value and isinstance(value["note"], (int, float)):
            if value.get("channel") == DRUM_CHANNEL:
                return drum_name(round(value["note"]))
            return midi_to_note(round(value["note"]))
        for key in ("s", "n", "value"):
            if key in value:
                return label(value[key])
        return ",".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return ":".join(label(v) for v in value)
    return str(value)


def grid(pattern, cycles: int = 2, steps: int = STEPS_PER_CYCLE) -> str:
    """Rows of ``x`` (onset) and ``=`` (held) per value, one column per step."""
    rows: dict[str, list[str]] = {}
    width = cycles * steps
    for e in pattern.query_arc(0, cycles):
        if e.whole is None or not e.has_onset():
            continue
        row = rows.setdefault(label(e.value), [" "] * width)
        start = int(e.whole.begin * steps)
        end = max(start + 1, -(-int(e.whole.end * steps * 1000) // 1000))
        for col in range(max(start, 0), min(end, width)):
            row[col] = "x" if col == start else ("=" if row[col] == " " else row[col])
    if not rows:
        return "(silence)"
    name_width = max(len(k) for k in rows)
    ruler = "".join("|" if i % steps == 0 else ("." if i % 4 == 0 else " ") for i in range(width))
    lines = [" " * name_width + " " + ruler]
    for name in sorted(rows, key=_sort_key):
        lines.append(f"{name:>{name_width}} " + "".join(rows[name]))
    return "\n".join(lines)


def _sort_key(name: str):
    return (len(name), name)


def run(stdin=sys.stdin, stdout=sys.stdout) -> int:
    interactive = stdin.isatty()
    if interactive:
        print("Stepista: type a pattern expression, e.g. note(\"c3 [eb3 g3]*2\").every(4, rev)", file=stdout)
        print("  :q quits. (Sound arrives with the engine; this shows the next two cycles.)", file=stdout)
    while True:
        try:
            line = input("» ") if interactive else stdin.readline()
        except EOFError:
            return 0
        except KeyboardInterrupt:
            print(file=stdout)
            return 0
        if not interactive and not line:
            return 0
        text = line.strip()
        if text in (":q", ":quit", "exit"):
            return 0
        if not text:
            continue
        try:
            print(grid(evaluate(text).pattern()), file=stdout)
        except StepistaSyntaxError as exc:
            print(exc.pretty(), file=stdout)
