"""The text step grid: onsets and holds per value."""

from stepista.lang import evaluate
from stepista.grid import grid


def test_grid_marks_onsets_and_holds():
    lines = grid(evaluate('s("bd sn")').pattern(), cycles=1, steps=4).splitlines()
    assert lines[1:] == ["bd x=  ", "sn   x="]
