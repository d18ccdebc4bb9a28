"""Mini-notation: equivalences, values, source spans and errors."""

import pytest

from stepista import mini
from stepista.errors import MiniSyntaxError
from stepista.serialize import events_to_json


def same(a: str, b: str, cycles: int = 4) -> bool:
    return events_to_json(mini(a).query_arc(0, cycles)) == events_to_json(mini(b).query_arc(0, cycles))


@pytest.mark.parametrize("a,b", [
    ("a*3 b", "[a a a] b"),
    ("a!3 b", "a a a b"),
    ("a ! ! b", "a!3 b"),
    ("a _ _ b", "a@3 b"),
    ("a . b c", "[a] [b c]"),
    ("[a b]!2", "[a b] [a b]"),
    ("a(3,8)", "a ~ ~ a ~ ~ a ~"),
    ("a(3,8,2)", "a ~ a ~ ~ a ~ ~"),
    ("<a b>!2", "<a b> <a b>"),
    ("{a b c}%4", "<[a b c a] [b c a b] [c a b c]>"),
    ("[a b]/2", "<a b>"),
    ("0 .. 3", "[0 1 2 3]"),
])
def test_equivalences(a, b):
    assert same(a, b, cycles=6)


def test_values_keep_numbers_and_words():
    values = [e.value for e in mini("bd 3 0.5 -2 c#4 ~ bd:3").first_cycle()]
    assert values == ["bd", 3, 0.5, -2, "c#4", ["bd", 3]]


def test_dotdot_without_spaces_is_one_word_as_in_strudel():
    assert [e.value for e in mini("0..3").first_cycle()] == ["0..3"]


def test_every_token_carries_its_source_span():
    text = "bd [sn <cp hh>]"
    for e in mini(text).query_arc(0, 2):
        (start, end), = e.locations
        assert text[start:end] == e.value


def test_offset_shifts_spans_for_embedded_strings():
    (e,) = mini("bd", offset=10).first_cycle()
    assert e.locations == ((10, 12),)


@pytest.mark.parametrize("text,column,fragment", [
    ("a [b c", 3, "never closed"),
    ("a b]", 4, "no matching"),
    ("<a [b>]", 6, "cannot close"),
    ("a*", 3, "expected a step"),
    ("a,,b", 3, "expected a step"),
    ("", 1, "empty"),
    ("a 'b'", 3, "quotes"),
])
def test_errors_say_where(text, column, fragment):
    with pytest.raises(MiniSyntaxError) as info:
        mini(text)
    err = info.value
    assert err.line == 1 and err.column == column and fragment in err.message
    assert err.pretty().splitlines()[-1].index("^") == 2 + column - 1


def test_errors_on_later_lines_report_that_line():
    with pytest.raises(MiniSyntaxError) as info:
        mini("a b\nc [d")
    assert (info.value.line, info.value.column) == (2, 3)


def test_unbuildable_patterns_are_syntax_errors_not_crashes():
    with pytest.raises(MiniSyntaxError):
        mini("a(5,3)")
    with pytest.raises(MiniSyntaxError):
        mini("[" * 500 + "a" + "]" * 500)
