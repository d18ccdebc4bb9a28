"""Stepista in a real Ableton Link session: with Ableton's LinkHut and with a second Stepista.

Tempo follows within a beat, notes land on the session's beat grid in phase with the quantum,
start/stop sync works both ways, peers come and go. Each module runs in a private network
namespace when it can, so no other Link peer on the machine joins in.
"""

import time

import pytest

from enginefix import EngineProcess, wait_until
from jackserver import JackServer, MidiRecorder, jackd_path
from linkhut import LinkHut, private_link_network, require_linkhut
from linkpeer import LinkPeer

pytestmark = pytest.mark.skipif(jackd_path() is None, reason="jackd is not installed (Debian jackd2)")


@pytest.fixture(scope="module")
def net():
    require_linkhut()
    with private_link_network() as private:
        yield private


@pytest.fixture(scope="module")
def server(net):
    with JackServer() as s:
        yield s


@pytest.fixture
def hut(server):
    with LinkHut(jack_server=server.name) as h:
        h.enable()
        yield h


@pytest.fixture
def rec(server):
    with MidiRecorder(server, name=f"lrec{time.monotonic_ns() % 10**8}") as r:
        yield r


def status(engine, c):
    return c.request({"op": "status"})


def test_tempo_follows_linkhut_within_a_beat(server, hut, rec, tmp_path):
    with EngineProcess(tmp_path, "--link", "--output", f"jack:lt,connect={rec.name}",
                       env=server.env) as engine, engine.client() as c:
        assert wait_until(lambda: status(engine, c)["clock"]["peers"] >= 1, timeout=10)
        assert c.request({"op": "play", "code": 'note("c3*16")'})["ok"]
        assert c.request({"op": "start"})["ok"]
        assert rec.wait_count(8, timeout=10)
        hut.tempo_up(10)
        changed = time.monotonic()
        assert wait_until(lambda: status(engine, c)["clock"]["tempo"] == 130.0, timeout=2)
        assert time.monotonic() - changed < 0.5  # one beat at 120
        time.sleep(1.5)
        ons = [usecs for _, usecs, m in rec.events if m[0] == 0x90]  # µs: see test_play_jack
        gaps = [b - a for a, b in zip(ons, ons[1:])][-6:]
        assert all(abs(g - 60e6 / 130 / 4) <= 50 for g in gaps), gaps


def test_notes_land_on_the_session_grid_in_phase(server, hut, rec, tmp_path):
    sampler = LinkPeer()
    try:
        with EngineProcess(tmp_path, "--link", "--output", f"jack:lp,connect={rec.name}",
                           env=server.env) as engine, engine.client() as c:
            assert wait_until(lambda: status(engine, c)["clock"]["peers"] >= 2, timeout=10)
            time.sleep(0.5)  # let the timeline settle after the peers met
            assert c.request({"op": "play", "code": 'note("c3 e3 g3 b3")'})["ok"]
            assert c.request({"op": "start"})["ok"]
            assert rec.wait_count(16, timeout=10)
        for _, usecs, m in [e for e in rec.events if e[2][0] == 0x90][2:]:
            beat = sampler.beat_at(usecs)
            assert abs(beat - round(beat)) * 500 < 1.0, beat  # on a beat, within 1 ms at 120
            assert (m[1] == 48) == (round(beat) % 4 == 0), (beat, m)  # c3 on the quantum's 1
    finally:
        sampler.close()


def test_start_stop_sync_both_ways(server, hut, rec, tmp_path):
    hut.toggle_sync()
    hut.wait_for(lambda s: s.sync)
    with EngineProcess(tmp_path, "--link", "--output", f"jack:ls,connect={rec.name}",
                       env=server.env) as engine, engine.client() as c:
        assert wait_until(lambda: status(engine, c)["clock"]["peers"] >= 1, timeout=10)
        assert c.request({"op": "play", "code": 'note("c3").slow(2)'})["ok"]
        # Stepista starts the session: LinkHut starts too
        assert c.request({"op": "start"})["ok"]
        hut.wait_for(lambda s: s.playing, timeout=3)
        assert rec.wait_for(lambda ev: any(m[0] == 0x90 for _, _, m in ev), timeout=5)
        # LinkHut stops the session: Stepista stops, and its sounding note ends
        hut.toggle_play()
        assert wait_until(lambda: not status(engine, c)["playing"], timeout=2)
        assert rec.wait_for(lambda ev: ev[-1][2][:2] == (0xB0, 123), timeout=2)
        # LinkHut starts it again: Stepista plays again
        before = len(rec.events)
        hut.toggle_play()
        assert wait_until(lambda: status(engine, c)["playing"], timeout=2)
        assert rec.wait_for(lambda ev: any(m[0] == 0x90 for _, _, m in ev[before:]), timeout=5)
        # Stepista stops the session: LinkHut stops
        assert c.request({"op": "stop"})["ok"]
        hut.wait_for(lambda s: not s.playing, timeout=3)


def test_two_stepistas_share_tempo_and_peers_come_and_go(server, tmp_path):
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    a_dir.mkdir(), b_dir.mkdir()
    with EngineProcess(a_dir, "--link", "--output", "preview", env=server.env) as a, a.client() as ca:
        with EngineProcess(b_dir, "--link", "--output", "preview", env=server.env) as b, b.client() as cb:
            assert wait_until(lambda: status(a, ca)["clock"]["peers"] == 1, timeout=10)
            assert ca.request({"op": "tempo", "bpm": 97})["ok"]
            assert wait_until(lambda: status(b, cb)["clock"]["tempo"] == 97.0, timeout=1)
            assert cb.request({"op": "link", "enabled": False})["ok"]
            assert wait_until(lambda: status(a, ca)["clock"]["peers"] == 0, timeout=10)
            assert cb.request({"op": "link", "enabled": True})["ok"]
            assert wait_until(lambda: status(a, ca)["clock"]["peers"] == 1, timeout=10)
            beat_a = status(a, ca)["clock"]["phase"]
            beat_b = status(b, cb)["clock"]["phase"]
            assert abs(beat_a - beat_b) < 0.2 or abs(abs(beat_a - beat_b) - 4) < 0.2


def test_a_peer_that_joins_while_stepista_plays_learns_that_the_session_plays(server, tmp_path):
    # Link 3.0 forgets the start/stop state a joining peer saw before it joined; Stepista says
    # "playing" again when a peer joins, so LinkHut (or a plugin instance) starts at once
    with EngineProcess(tmp_path, "--link", "--output", "preview", env=server.env) as engine, \
            engine.client() as c:
        assert c.request({"op": "start"})["ok"]
        assert wait_until(lambda: status(engine, c)["playing"], timeout=2)
        beat = status(engine, c)["clock"]["beat"]
        with LinkHut(jack_server=server.name) as hut:
            hut.toggle_sync()  # start/stop sync on before it joins
            hut.enable()
            hut.wait_for(lambda s: s.peers >= 1, timeout=10)
            assert hut.wait_for(lambda s: s.playing, timeout=3).playing
        # Stepista played on, on the same timeline (saying "playing" again moved no beat)
        now = status(engine, c)
        assert now["playing"] and now["clock"]["beat"] > beat
