"""Golden expressions (Strudel 1.1.0 under Node) give the same events here.

The expressions are Strudel JavaScript; our live-code language reads the same
text (``x => x.fast(2)``, ``mini("…")``, method chains), so they run as written.
"""

import pytest

from stepista.lang import evaluate
from stepista.serialize import events_to_json
from stepista.time import to_time

from golden_compare import difference, load

CASES = load("core_strudel.json")


@pytest.mark.parametrize("case", CASES, ids=[f"{c['expr']}@{c['from']}..{c['to']}" for c in CASES])
def test_expression_matches_strudel(case):
    pattern = evaluate(case["expr"], check=False).pattern()
    events = pattern.query_arc(to_time(case["from"]), to_time(case["to"]))
    problem = difference(events_to_json(events), case["events"])
    assert problem is None, problem


def test_golden_expressions_cover_the_combinators():
    assert len({c["expr"] for c in CASES}) >= 100
