"""The live-code language: syntax, tracks, restrictions and errors."""

import pytest

from stepista.errors import LangError
from stepista.lang import evaluate


def values(src, begin=0, end=1, key=None):
    events = sorted(evaluate(src).pattern().query_arc(begin, end), key=lambda e: e.part.begin)
    return [e.value[key] if key else e.value for e in events]


def test_method_chains_and_controls():
    assert values('note("c3 e3").velocity(0.5)') == [{"note": 48, "velocity": 0.5}, {"note": 52, "velocity": 0.5}]


def test_arrow_functions_and_free_functions():
    assert len(evaluate('note("c3 e3").off(0.25, x => x.add(note(12)))').pattern().first_cycle()) == 5
    assert values('note("c3 e3").every(2, rev)', key="note") == [52, 48]
    assert values('note("c3 e3").every(2, fast(2))', key="note") == [48, 52, 48, 52]


def test_strudel_and_python_spellings():
    a = values('s("bd*4").someCyclesBy(0.5, fast(2))', 0, 4)
    b = values('s("bd*4").some_cycles_by(0.5, fast(2))', 0, 4)
    assert a == b


def test_single_quotes_are_plain_strings_and_numbers_do_arithmetic():
    assert values("pure('x')") == ["x"]
    assert values('note("c3").add(note(3 * 4))', key="note") == [60]


def test_named_tracks_and_continued_chains():
    program = evaluate('''
bass: note("c2*2")
  .velocity(0.8)   // a comment
drums = s("bd sn")
note("e4")
''')
    assert set(program.tracks) == {"bass", "drums", None}
    assert len(program.pattern("bass").first_cycle()) == 2
    assert len(program.pattern().first_cycle()) == 5


@pytest.mark.parametrize("src,fragment,column", [
    ('note("c3").fsat(2)', "did you mean 'fast'", 12),
    ('nope("c3")', "unknown name 'nope'", 1),
    ('note("c3").__class__', "unknown method", 12),
    ('note("c3" ', "expected ',' or ')'", 11),
    ('note("c3 [e3")', "never closed", 10),
    ("open('x')", "unknown name 'open'", 1),
    ('note("c3") + 1', "numbers only", 1),
    ('note("c3").every(0, rev)', "every", 1),
    ('3', "the number 3, not a pattern", 1),
    ('"unterminated', "no closing", 1),
])
def test_errors_point_at_the_problem(src, fragment, column):
    with pytest.raises(LangError) as info:
        evaluate(src)
    assert fragment in info.value.message, info.value.message
    assert info.value.column == column


def test_size_and_time_bounds():
    with pytest.raises(LangError, match="longer than"):
        evaluate('note("c3")' + " " * 20_000)
    with pytest.raises(LangError, match="takes longer|events"):
        evaluate('s("hh*100000")')
    with pytest.raises(LangError, match="nested"):
        evaluate("fast(2, " * 100 + 's("a")' + ")" * 100)


def test_no_python_escape_hatches():
    for src in ["__import__('os')", "().__class__", "note.__globals__", "eval('1')", "x = 1; x.__class__"]:
        with pytest.raises(LangError):
            evaluate(src)
