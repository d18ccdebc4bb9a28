"""The engine and the command line with plugin outputs, against fake instances: a track routed
to `plugin:NAME` reaches the instance as one clip (notes, loop, channel, start rule), a change
sends a newer seq, removal clears, silence brings a notice; `plugins` lists the instances; bad
input is refused naming what and where (exit 2 at the command line)."""

import json
import signal

import pytest

from enginefix import EngineProcess, wait_until
from pluginfake import FakeInstance
from stepista.engine.outputs import OutputSpec, parse_spec
from stepista.engine.plugins.protocol import NEXT_QUANTUM, NOW
from test_engine_cli import stepista


@pytest.fixture
def drums():
    with FakeInstance(name="Drums") as fake:
        yield fake


@pytest.fixture
def engine(tmp_path, drums):
    with EngineProcess(tmp_path, "--no-link", "--output", "preview", "--output",
                       "plugin:Drums") as e:
        yield e


def test_a_track_routed_to_the_plugin_arrives_as_one_clip(engine, drums):
    with engine.client() as c:
        reply = c.request({"op": "play", "code": 'note("c3 [e3 g3]")', "track": "lead",
                           "channel": 3, "outputs": ["plugin:Drums"]})
        assert reply["ok"], reply
        assert drums.wait(lambda f: f.clips)
        clip = drums.last
        assert (clip.channel, clip.loop_beats, clip.start, clip.quantum_beats) == (3, 4, NEXT_QUANTUM, 4)
        assert clip.beats() == [(0, 2, 48, 100), (2, 1, 52, 100), (3, 1, 55, 100)]
        assert c.request({"op": "status"})["outputs"] == {"preview": "ok", "plugin:Drums": "ok"}

        assert c.request({"op": "play", "code": 'note("<c3 e3>*3")', "track": "lead",
                          "quantize": "now"})["ok"]  # the routing and channel are kept
        assert drums.wait(lambda f: len(f.clips) == 2)
        newer = drums.last
        assert newer.seq == clip.seq + 1 and newer.start == NOW and newer.channel == 3
        assert newer.loop_beats == 8 and newer.tpq == 3 and len(newer.notes) == 6

        assert c.request({"op": "remove", "track": "lead"})["ok"]
        assert drums.wait(lambda f: f.clears)
        assert drums.clears[0] == (newer.seq + 1, NOW)
        assert len(drums.clips) == 2  # the track's notes never went as messages: one clip each


def test_tracks_routed_to_every_output_do_not_reach_the_plugin(engine, drums):
    with engine.client() as c:
        assert c.request({"op": "play", "code": 'note("c3*4")'})["ok"]
        assert wait_until(lambda: c.request({"op": "status"})["playing"])
    assert not drums.wait(lambda f: f.clips, timeout=0.3)


def test_a_clip_over_ipc_keeps_its_length_and_channel(engine, drums):
    clip = {"length_beats": 6, "notes": [
        {"pitch": 36, "velocity": 120, "start": 0, "duration": 0.25, "channel": 10},
        {"pitch": 38, "velocity": 90, "start": "7/2", "duration": "1/3", "channel": 10}]}
    with engine.client() as c:
        reply = c.request({"op": "clip", "track": "t1", "clip": clip, "outputs": ["plugin:Drums"],
                           "quantize": "bar"})
        assert reply["ok"], reply
        assert drums.wait(lambda f: f.clips)
    assert (drums.last.loop_beats, drums.last.channel, drums.last.tpq) == (6, 10, 12)
    assert [(float(s), float(d), p, v) for s, d, p, v in drums.last.beats()] == \
        [(0, 0.25, 36, 120), (3.5, 1 / 3, 38, 90)]


def test_a_client_that_goes_away_takes_its_loop_with_it(engine, drums):
    c = engine.client()
    assert c.request({"op": "play", "code": 'note("c3")', "outputs": ["plugin:Drums"]})["ok"]
    assert drums.wait(lambda f: f.clips)
    c._file.close()
    c.sock.close()  # no bye: a crash
    assert drums.wait(lambda f: f.clears)
    assert drums.clears[0][1] == NOW


def test_the_engine_ending_stops_what_the_plugin_plays(engine, drums):
    with engine.client() as c:
        assert c.request({"op": "play", "code": 'note("c3")', "outputs": ["plugin:Drums"]})["ok"]
        assert drums.wait(lambda f: f.clips)
        engine.proc.send_signal(signal.SIGTERM)
        assert engine.proc.wait(timeout=10) == 0
    assert drums.wait(lambda f: f.clears)


def test_open_by_port_no_answer_brings_a_notice_and_plugins_lists_instances(tmp_path, drums):
    with FakeInstance(name="Mute", ack=False) as mute, \
            EngineProcess(tmp_path, "--no-link", "--output", "preview") as engine, \
            engine.client() as c:
        assert c.request({"op": "subscribe"})["ok"]
        opened = c.request({"op": "open", "spec": f"plugin:#{mute.port}"})
        assert opened == {"id": opened["id"], "ok": True, "output": f"plugin:#{mute.port}"}
        assert c.request({"op": "play", "code": 'note("c3")', "track": "2",
                          "outputs": [f"plugin:#{mute.port}"]})["ok"]
        told = "plugin 'Mute' did not acknowledge track 2's clip: is the plugin loaded and the DAW running?"
        assert wait_until(lambda: told in c.request({"op": "status"})["notices"], timeout=3)
        assert len(mute.clip_datagrams) == 3
        assert any(e["event"] == "notice" and e["message"] == told for e in c.events)

        listed = c.request({"op": "plugins"})
        rows = {p["name"]: p for p in listed["plugins"]}
        assert rows["Drums"] == {"id": drums.id, "name": "Drums", "port": drums.port, "protocol": 1,
                                 "seq": 0, "sync": 0, "dropped": 0, "playing": True,
                                 "spec": "plugin:Drums", "output": None}
        assert rows["Mute"]["output"] == f"plugin:#{mute.port}"
        assert isinstance(listed["announcements"], bool)


def test_bad_input_is_refused_naming_what_and_where(engine, drums):
    with engine.client() as c:
        missing = c.request({"op": "open", "spec": "plugin:Lead"})
        assert not missing["ok"] and missing["error"].startswith(
            "plugin:Lead: no instance with that name, id or port answered on 127.0.0.1:47801-47864")
        dense = c.request({"op": "play", "code": 'note("c3*2311")', "track": "3",
                           "outputs": ["plugin:Drums"]})
        assert dense == {"id": dense["id"], "ok": False, "error": "track 3: 2,311 notes, the plugin"
                         " takes at most 2,048 per loop (thin the pattern or shorten the loop)"}
        long = c.request({"op": "clip", "track": "t1", "clip": {"length_beats": 1100, "notes": []},
                          "outputs": ["plugin:Drums"]})
        assert not long["ok"] and "a loop of 1100 beats; the plugin takes more than 0 and at most"\
            " 1,024 beats (256 bars): shorten it" in long["error"]
        status = c.request({"op": "status"})
        assert status["tracks"] == {}  # nothing refused was placed
    assert drums.clips == []


@pytest.mark.parametrize("text,spec", [
    ("plugin:Drums", OutputSpec("plugin", "Drums")),
    ("plugin:Stepista 1", OutputSpec("plugin", "Stepista 1")),
    ("plugin:#47864", OutputSpec("plugin", "#47864")),
    ("plugin:0a1b2c3d", OutputSpec("plugin", "0a1b2c3d")),
])
def test_plugin_specs(text, spec):
    assert parse_spec(text) == spec and str(parse_spec(text)) == text


@pytest.mark.parametrize("text,message", [
    ("plugin:", "output 'plugin:': missing name after 'plugin:' at column 8 (expected e.g."
                " plugin:Drums)"),
    ("plugin:#80", "output 'plugin:#80': expected #PORT with a port in 47801-47864 (e.g."
                   " plugin:#47801)"),
    ("plugin:Drums,latency=3", "output 'plugin:Drums,latency=3': latency at column 14 does not"
                               " apply to a plugin output (the plugin plays on the DAW's own clock)"),
])
def test_bad_plugin_specs(text, message):
    with pytest.raises(ValueError) as caught:
        parse_spec(text)
    assert str(caught.value) == message


# -- the command line ------------------------------------------------------------------------

def test_play_sends_its_expression_to_a_plugin_by_port_and_clears_at_the_end(tmp_path, drums):
    env = {"PATH": "/usr/bin:/bin", "STEPISTA_ENGINE": f"unix:{tmp_path / 'e.sock'}",
           "HOME": str(tmp_path), "JACK_NO_START_SERVER": "1"}
    r = stepista("play", 'note("c3 e3")', "--no-link", "--output", f"plugin:#{drums.port}",
                 "--duration", "0.5", env=env)
    assert r.returncode == 0, r.stderr
    assert f"to plugin:#{drums.port} (ok)" in r.stderr
    assert [c.beats() for c in drums.clips] == [[(0, 2, 48, 100), (2, 2, 52, 100)]]
    assert drums.clears and drums.clears[-1][1] == NOW


def test_play_to_an_unknown_plugin_exits_2_with_one_line(drums):
    r = stepista("play", "bd", "--output", "plugin:Lead")
    assert r.returncode == 2
    assert r.stderr.startswith("stepista play: plugin:Lead: no instance with that name")
    assert "'Drums'" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_play_with_too_many_notes_exits_2(drums, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "STEPISTA_ENGINE": f"unix:{tmp_path / 'e.sock'}",
           "HOME": str(tmp_path), "JACK_NO_START_SERVER": "1"}
    r = stepista("play", 'note("c3*4096")', "--no-link", "--output", "plugin:Drums",
                 "--duration", "1", env=env)
    assert r.returncode == 2
    assert "EXPR: track d1: 4,096 notes, the plugin takes at most 2,048 per loop" in r.stderr


def test_ports_json_keeps_its_shape_with_plugins(drums):
    r = stepista("ports", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert all(set(row) == {"spec", "description", "available"} for row in rows)
    plugin = [row for row in rows if row["spec"].startswith("plugin:")]
    assert plugin == [{"spec": "plugin:Drums", "available": True, "description":
                       f"Stepista plugin 'Drums' (id {drums.id}, port {drums.port}), following"
                       " the host transport, which is playing"}]
    assert [row["spec"] for row in rows][-2:] == ["file:PATH.mid", "preview"]


def test_an_engine_asked_for_an_unknown_plugin_exits_2(drums):
    r = stepista("engine", "--no-link", "--output", "plugin:Lead", "--address", "unix:/nonexistent/e.sock")
    assert r.returncode == 2
    assert r.stderr.startswith("stepista engine: plugin:Lead: no instance with that name")
