"""Every golden mini-notation string gives exactly Strudel 1.1.0's events."""

import pytest

from stepista.mini import MiniSyntaxError, mini
from stepista.serialize import events_to_json
from stepista.time import to_time

from golden_compare import GOLDEN, difference, load

CASES = load("mini_strudel.json")


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c['mini']!r}@{c['from']}..{c['to']}" for c in CASES]
)
def test_mini_matches_strudel(case):
    events = mini(case["mini"]).query_arc(to_time(case["from"]), to_time(case["to"]))
    problem = difference(events_to_json(events), case["events"])
    assert problem is None, problem


REJECTED = [line for line in (GOLDEN / "mini_rejected.txt").read_text().split("\n") if line.strip()]


@pytest.mark.parametrize("text", REJECTED)
def test_strudel_rejects_we_reject(text):
    with pytest.raises(MiniSyntaxError):
        mini(text)


def test_golden_corpus_is_large_enough():
    assert len({c["mini"] for c in CASES}) >= 150
