"""``stepista ask``: a brief to clips, offline and (over a faked HTTP layer) through Claude."""

from __future__ import annotations

import argparse
import json

from aifake import FakeClaude, message, notes_answer, rate_limited
from stepista.ai.ask import ask, cmd_ask
from stepista.ai.brief import parse_brief
from stepista.cli import main
from stepista.midifile import read_midi

BRIEF = "dark trap drums at 140 with triplet rolls in bar 4"


def test_offline_json_has_one_clip_per_part(capsys, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    assert main(["ask", "uplifting house in F major, 8 bars", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["read_by"] == "offline" and out["request"]["style"] == "house"
    assert [c["part"] for c in out["clips"]] == out["request"]["parts"]
    assert all(c["source"] == "offline" and c["bars"] == 8 and c["notes"] for c in out["clips"])
    assert "no ANTHROPIC_API_KEY" in out["notices"][0]


def test_offline_writes_a_track_a_part(tmp_path, capsys):
    path = tmp_path / "ask.mid"
    assert main(["ask", BRIEF, "--offline", "-o", str(path)]) == 0
    assert len(read_midi(path)) == 1  # drums only
    assert "wrote" in capsys.readouterr().out


def test_a_brief_with_nothing_usable_is_bad_input(capsys):
    assert main(["ask", "make it pop", "--offline"]) == 2
    assert "make it pop" in capsys.readouterr().err


def test_claude_reads_the_brief_and_writes_validated_clips():
    reading = parse_brief(BRIEF).model_dump(mode="json")
    hits = [(36 if i % 4 == 0 else 42, 100, i / 2, 0.25) for i in range(8)]
    loud = [(38, 200, 1, 0.25), (38, 200, 3, 0.25)]  # velocity 200: clamped, counted
    fake = FakeClaude(message(json.dumps(reading)), notes_answer([*hits, *loud]))
    result = ask(BRIEF, client=fake.client())
    assert result.read_by == "claude" and result.sources == {"drums": "claude"}
    clip = result.clips["drums"]
    assert all(1 <= n.velocity <= 127 for n in clip.notes)
    assert all(0 <= n.start and n.end <= clip.length_beats for n in clip.notes)
    assert [n.velocity for n in clip.notes if n.pitch == 38] == [127, 127]
    assert any("drums:" in notice for notice in result.notices)


def test_claude_unavailable_for_a_clip_keeps_the_generators_clip():
    reading = parse_brief("dark techno bassline in A minor").model_dump(mode="json")
    fake = FakeClaude(message(json.dumps(reading)), *[rate_limited(0)] * 3)
    result = ask("dark techno bassline in A minor", client=fake.client())
    assert result.read_by == "claude" and result.sources == {"bass": "offline"}
    assert result.clips["bass"].notes
    assert any("offline generator used" in notice for notice in result.notices)


def test_cmd_ask_prints_who_answered(capsys):
    reading = parse_brief(BRIEF).model_dump(mode="json")
    fake = FakeClaude(message(json.dumps(reading)), notes_answer([(36, 110, 0, 0.25), (38, 100, 1, 0.25)]))
    args = argparse.Namespace(brief=BRIEF, offline=False, seed=0, output=None, json=False)
    assert cmd_ask(args, client=fake.client()) == 0
    out = capsys.readouterr().out
    assert "read by Claude" in out and "by Claude" in out
