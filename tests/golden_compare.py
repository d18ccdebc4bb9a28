"""Compare our events with Strudel's golden events (floats within a tolerance)."""

from __future__ import annotations

import json
import math
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"


def load(name: str) -> list[dict]:
    return json.loads((GOLDEN / name).read_text())


def _norm_value(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, list):
        return [_norm_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _norm_value(x) for k, x in v.items()}
    return v


def _key(e: dict):
    return (json.dumps(e["whole"]), json.dumps(e["part"]), json.dumps(_norm_value(e["value"]), sort_keys=True))


def _values_close(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_values_close(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_values_close(a[k], b[k]) for k in a)
    return a == b


def difference(ours: list[dict], theirs: list[dict]) -> str | None:
    """None when the event lists match as multisets; else a short description."""
    if len(ours) != len(theirs):
        return f"{len(ours)} events, Strudel has {len(theirs)}:\n ours  {_show(ours)}\n strudel {_show(theirs)}"
    a = sorted(ours, key=_key)
    b = sorted(theirs, key=_key)
    for x, y in zip(a, b):
        if x["whole"] != y["whole"] or x["part"] != y["part"] or not _values_close(
            _norm_value(x["value"]), _norm_value(y["value"])
        ):
            return f"first difference: ours {x} vs Strudel {y}"
    return None


def _show(events, limit=12):
    text = " ".join(f"{e['whole']}/{e['part']}={e['value']}" for e in events[:limit])
    return text + (" …" if len(events) > limit else "")
