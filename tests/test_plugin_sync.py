"""The real plugin following an Ableton Link session directly (its Link and Auto sync modes),
in the headless test host running in real time, with a Link peer of the test's own.

In Link mode the host's transport is ignored: the notes fall on the session's beats, in phase
with its quantum, at its tempo. In Auto mode the plugin follows the host while the host plays
and Link while it is stopped. When the session stops, the notes stop and none is left hanging.
The module runs in a private network namespace when it can, so no other Link peer joins in.
"""

from __future__ import annotations

import subprocess
import time
from fractions import Fraction

import pytest

from enginefix import EngineProcess, wait_until
from linkhut import private_link_network
from linkpeer import LinkPeer
from pluginhost import HOST, VST3, HostRun, require_built, sample_at

RATE, BLOCK = 48000, 256
SESSION_BPM = 100.0  # the Link session's; the host's transport says 120
SMALL = [60, 64, 67, 72]  # the test host's "small" clip: one bar of quarter notes C4 E4 G4 C5
ARPEGGIO = [48, 52, 55, 60]  # note("c3 e3 g3 c4"), one cycle = one bar
LEAD_US = round(1e6 * BLOCK / RATE)
"""The plugin plans a block for when it will be heard, one block after its processBlock call."""
TOLERANCE_US = 2000
"""A note-on within 2 ms of its session beat (the callback's wake-up jitter in a paced host;
measured here: 0.07-0.16 ms early)."""
GAP_SAMPLES = 24
"""Consecutive beats within 0.5 ms of 28,800 samples apart (measured here: within 3 samples;
the margin is for a loaded machine, where a late block moves the beat line by up to half a
sample per block)."""

LINK_MODE, AUTO_MODE = 1, 2  # the plugin's sync modes (0 follows the host's transport alone)


@pytest.fixture(scope="module")
def net():
    require_built()
    with private_link_network() as private:
        yield private


@pytest.fixture
def states(tmp_path):
    """State files of the small clip in each sync mode, made before any peer is about."""
    paths = {}
    for sync in (LINK_MODE, AUTO_MODE):
        paths[sync] = tmp_path / f"sync{sync}.state"
        subprocess.run([str(HOST), "state", str(VST3), "--pattern", "small", "--sync", str(sync),
                        "--out", str(paths[sync])], check=True, capture_output=True, timeout=60)
    return paths


@pytest.fixture
def peer(net, states):
    p = LinkPeer(SESSION_BPM, start_stop_sync=True)
    yield p
    p.close()


def host_run(state, *args: str, seconds: float = 5.0) -> HostRun:
    """The host in real time, its 120 BPM transport playing (unless --host-stopped)."""
    return HostRun("--state-in", str(state), "--realtime", "--seconds", str(seconds), "--sr",
                   str(RATE), "--block", str(BLOCK), "--bpm", "120", *args)


def joined_then_played(peer: LinkPeer, host: HostRun) -> None:
    """Once the instance has joined the session, the peer sets the tempo and starts it."""
    host.expect("ready")
    assert wait_until(lambda: peer.peers >= 1, timeout=5), "the instance never joined"
    settle_tempo(peer.set_tempo)
    peer.play()


def settle_tempo(set_tempo) -> None:
    """Set the session's tempo once the instance has joined. Link keeps the older of two
    sessions, or when their ages are within 0.5 s the one with the lower id, tempo included:
    a session founded just before (a session starts afresh when its last other peer leaves, as
    an earlier test's do) may give way to the instance's 120 BPM. A performer meets this
    as "the tempo changed when the plugin joined" and sets it again; so does the test."""
    set_tempo(SESSION_BPM)


def note_ons(played, pitches=None) -> list[dict]:
    return [e for e in played.events if e["status"] & 0xF0 == 0x90 and e["data2"] > 0
            and (pitches is None or e["data1"] in pitches)]


def assert_on_the_session_grid(peer: LinkPeer, ons: list[dict], pitches: list[int],
                               least: int) -> None:
    assert len(ons) >= least, f"only {len(ons)} notes: did the plugin join the session?"
    beat_len_us = 60e6 / SESSION_BPM
    for e in ons:
        beat = peer.beat_at(e["us"] + LEAD_US)
        assert abs(beat - round(beat)) * beat_len_us <= TOLERANCE_US, (e, beat)
        assert e["data1"] == pitches[round(beat) % 4], (e, beat)  # in phase with the quantum
    # at the session's tempo: one beat apart (the plugin keeps its beat line continuous and
    # moves it by at most half a sample a block towards Link's, so the host's jitter shows
    # only as a sample or two)
    gaps = [b["sample"] - a["sample"] for a, b in zip(ons, ons[1:])]
    assert all(abs(g - RATE * 60 / SESSION_BPM) <= GAP_SAMPLES for g in gaps), gaps


def test_a_pattern_from_stepista_plays_on_the_link_session_whatever_the_host_says(
        tmp_path, net, states):
    """Stepista plays in a Link session at 100 BPM; the plugin, in Link mode in a host whose
    transport plays at 120, joins the playing session, gets the pattern and plays it there."""
    sampler = LinkPeer(SESSION_BPM)  # reads the session's beat; starts nothing
    try:
        with EngineProcess(tmp_path, "--link", "--bpm", str(SESSION_BPM), "--output", "preview",
                           "--start") as engine, engine.client() as c:
            assert wait_until(lambda: c.request({"op": "status"})["playing"], timeout=5)
            with host_run(states[LINK_MODE], seconds=6.0) as host:
                port = host.expect("ready")["port"]
                opened = c.request({"op": "open", "spec": f"plugin:#{port}"})
                assert opened["ok"], opened
                reply = c.request({"op": "play", "code": 'note("c3 e3 g3 c4")', "track": "1",
                                   "outputs": [f"plugin:#{port}"]})
                assert reply["ok"], reply
                assert wait_until(lambda: sampler.peers >= 2, timeout=5), "never joined"
                settle_tempo(lambda bpm: c.request({"op": "tempo", "bpm": bpm}))
                played = host.finish(40)
        ons = note_ons(played, ARPEGGIO)
        assert_on_the_session_grid(sampler, ons, ARPEGGIO, least=4)
        assert played.hello["sync"] == LINK_MODE
    finally:
        sampler.close()


def test_auto_mode_follows_link_while_the_host_is_stopped(states, peer):
    with host_run(states[AUTO_MODE], "--host-stopped") as host:
        joined_then_played(peer, host)
        played = host.finish(40)
    assert_on_the_session_grid(peer, note_ons(played), SMALL, least=4)


def test_auto_mode_follows_the_host_while_it_plays(states, peer):
    with host_run(states[AUTO_MODE], seconds=2.0) as host:
        joined_then_played(peer, host)
        played = host.finish(40)
    assert played.note_ons() == [(sample_at(Fraction(b), 120.0, RATE), 1, SMALL[b % 4])
                                 for b in range(4)]


def test_when_the_session_stops_the_notes_stop_and_none_hangs(states, peer):
    with host_run(states[LINK_MODE], seconds=6.0) as host:
        joined_then_played(peer, host)
        time.sleep(3.0)
        stopped = peer.stop_playing()
        played = host.finish(40)
    ons = note_ons(played)
    assert_on_the_session_grid(peer, [e for e in ons if e["us"] < stopped], SMALL, least=2)
    # none starts after the stop reached the plugin (Link tells its peers within milliseconds)
    assert all(e["us"] + LEAD_US < stopped + 50_000 for e in ons), (stopped, ons)
    assert played.sounding_at_end() == []
