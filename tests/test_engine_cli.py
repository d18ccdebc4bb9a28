"""`stepista ports`, `play` and `engine` at the command line: what they list, and bad input
refused with exit 2 and one line before anything starts."""

import json
import subprocess
import sys

import pytest


def stepista(*args, env=None, timeout=60):
    return subprocess.run([sys.executable, "-m", "stepista", *args], capture_output=True,
                          text=True, env=env, timeout=timeout)


def test_ports_lists_every_kind_with_its_spec():
    r = stepista("ports", "--json")
    assert r.returncode == 0, r.stderr
    specs = [p["spec"] for p in json.loads(r.stdout)]
    assert specs[0].startswith("virtual:") and "preview" in specs and "file:PATH.mid" in specs
    assert any(s.startswith("jack:") for s in specs)
    assert "ALSA lib" not in r.stderr


@pytest.mark.parametrize("args,message", [
    (['note("c3'], 'line 1, column 6: this string has no closing "'),
    (["bd*2", "--output", "jak:x"], "unknown kind 'jak'"),
    (["bd*2", "--output", "jack:x,latency=soon"], "latency='soon' is not a number of ms"),
    (["bd*2", "--output", "file:take.wav"], "a file output writes a .mid file"),
    (["bd*2", "--duration", "0"], "--duration 0.0: must be more than 0 seconds"),
    (["bd*2", "--bpm", "5"], "--bpm 5.0: must be 20-999"),
    (["bd*2", "--engine", "unix:/nonexistent/engine.sock"], "no engine answers there"),
])
def test_play_refuses_bad_input_before_starting(args, message):
    r = stepista("play", *args)
    assert r.returncode == 2
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_play_to_a_file_without_any_midi_system(tmp_path):
    target = tmp_path / "take.mid"
    env = {"PATH": "/usr/bin:/bin", "STEPISTA_ENGINE": f"unix:{tmp_path / 'e.sock'}",
           "HOME": str(tmp_path), "JACK_NO_START_SERVER": "1"}
    r = stepista("play", 'note("c3 e3 g3 b3")', "--no-link", "--bpm", "240",
                 "--output", f"file:{target}", "--duration", "1.2", env=env)
    assert r.returncode == 0, r.stderr
    import mido
    mid = mido.MidiFile(target)
    ons = [m.note for m in mid.tracks[0] if m.type == "note_on" and m.velocity]
    assert ons[:4] == [48, 52, 55, 59]
    assert mid.tracks[0][0].type == "set_tempo"
