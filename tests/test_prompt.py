"""The line prompt shows a step grid and keeps going after an error."""

import io

from stepista.lang import evaluate
from stepista.prompt import grid, run


def test_grid_marks_onsets_and_holds():
    lines = grid(evaluate('s("bd sn")').pattern(), cycles=1, steps=4).splitlines()
    assert lines[1:] == ["bd x=  ", "sn   x="]


def test_prompt_reports_errors_and_continues():
    out = io.StringIO()
    assert run(stdin=io.StringIO('note("c3 [e3")\nnote("c3")\n:q\n'), stdout=out) == 0
    text = out.getvalue()
    assert "column 10: '[' is never closed" in text and "^" in text
    assert "C3 x" in text
