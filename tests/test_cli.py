"""`stepista query` keeps the contract of ../shared/DESIGN.md."""

import json
from fractions import Fraction
import subprocess
import sys

import pytest

from stepista.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_query_json_for_bare_mini_notation(capsys):
    code, out, _ = run(capsys, "query", "bd*2 <sn 3>", "--from", "0", "--to", "2", "--json")
    assert code == 0
    events = json.loads(out)
    assert events[0] == {"whole": ["0/1", "1/4"], "part": ["0/1", "1/4"], "value": "bd"}
    assert [e["value"] for e in events] == ["bd", "bd", "sn", "bd", "bd", 3]
    begins = [(Fraction(e["whole"][0]), Fraction(e["part"][0])) for e in events]
    assert begins == sorted(begins)


def test_query_json_for_an_expression_with_fractional_span(capsys):
    code, out, _ = run(capsys, "query", 'note("c3 e3")', "--from", "1/4", "--to", "3/4", "--json")
    assert code == 0
    assert json.loads(out) == [
        {"whole": ["0/1", "1/2"], "part": ["1/4", "1/2"], "value": {"note": 48}},
        {"whole": ["1/2", "1/1"], "part": ["1/2", "3/4"], "value": {"note": 52}},
    ]


def test_continuous_events_have_null_wholes(capsys):
    code, out, _ = run(capsys, "query", "sine", "--expr", "--json")
    assert code == 0 and json.loads(out)[0]["whole"] is None


@pytest.mark.parametrize("argv,fragment", [
    (["query", "a [b"], "column 3"),
    (["query", 'note("c3").fsat(2)'], "column 12"),
    (["query", "a", "--from", "x"], "--from"),
    (["query", "a", "--from", "2", "--to", "1"], "before"),
    (["query", "a", "--to", "100000"], "cycles"),
    (["nonsense"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, fragment):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert fragment in err and err.count("\n") == 1


def test_every_command_has_help():
    for argv in (["--help"], ["query", "--help"], ["gen", "--help"], ["styles", "--help"]):
        out = subprocess.run([sys.executable, "-m", "stepista", *argv], capture_output=True, text=True)
        assert out.returncode == 0 and "usage: stepista" in out.stdout


def test_gen_json_follows_the_contract(capsys, tmp_path):
    out_file = tmp_path / "clip.mid"
    code, out, _ = run(capsys, "gen", "--style", "techno", "--part", "bass", "--key", "C minor", "--bars", "2",
                       "--seed", "3", "--json", "-o", str(out_file))
    assert code == 0
    clip = json.loads(out)
    assert list(clip) == ["style", "part", "key", "mode", "bpm", "bars", "length_beats", "notes"]
    assert (clip["style"], clip["part"], clip["key"], clip["mode"], clip["bars"]) == ("techno", "bass", "C", "minor", 2)
    assert clip["length_beats"] == 8 and clip["notes"]
    assert set(clip["notes"][0]) == {"pitch", "velocity", "start", "duration", "channel"}
    from stepista.midifile import read_midi

    assert len(read_midi(out_file)[0].notes) == len(clip["notes"])


def test_gen_is_deterministic(capsys):
    first = run(capsys, "gen", "--style", "idm", "--part", "lead", "--seed", "9", "--json")[1]
    again = run(capsys, "gen", "--style", "idm", "--part", "lead", "--seed", "9", "--json")[1]
    assert first == again


@pytest.mark.parametrize("argv,fragment", [
    (["gen", "--style", "techno", "--part", "bass", "--density", "120"], "--density"),
    (["gen", "--style", "polka", "--part", "bass"], "unknown style"),
    (["gen", "--style", "techno", "--part", "bass", "--length", "1/3"], "--length"),
    (["gen", "--style", "techno", "--part", "bass", "--key", "H major"], "--key"),
])
def test_gen_bad_parameters_exit_2_naming_the_flag(capsys, argv, fragment):
    code, _, err = run(capsys, *argv)
    assert code == 2 and fragment in err and err.count("\n") == 1


def test_styles_lists_the_twelve(capsys):
    code, out, _ = run(capsys, "styles", "--json")
    styles = json.loads(out)
    assert code == 0 and len(styles) == 12
    techno = next(s for s in styles if s["id"] == "techno")
    assert techno["tempo"] == [125, 135] and "kick" in techno["core_drums"]


def test_gen_text_output_shows_drum_names(capsys):
    code, out, _ = run(capsys, "gen", "--style", "dnb", "--part", "drums", "--bars", "1", "--improvise", "0")
    assert code == 0 and "kick x         x" in out
