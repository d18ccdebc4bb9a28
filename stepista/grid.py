"""A pattern's next cycles as a text step grid (``stepista gen`` prints clips this way)."""

from __future__ import annotations

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
