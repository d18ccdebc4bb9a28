"""`stepista play` into a real JACK server, read back by a recording client with frame times:
right notes, channels and durations; swaps on the boundary; nothing left hanging however the
player or the engine ends."""

import os
import signal
import subprocess
import sys
import time

import pytest

from enginefix import EngineProcess, wait_until
from jackserver import JackServer, MidiRecorder, jackd_path

pytestmark = pytest.mark.skipif(jackd_path() is None, reason="jackd is not installed (Debian jackd2)")

RATE = 48000


@pytest.fixture(scope="module")
def server():
    with JackServer() as s:
        yield s


@pytest.fixture
def rec(server):
    with MidiRecorder(server, name=f"rec{time.monotonic_ns() % 10**8}") as r:
        yield r


def play(server, tmp_path, *args, wait=True, **kw):
    env = dict(server.env, STEPISTA_ENGINE=f"unix:{tmp_path / 'none.sock'}")
    proc = subprocess.Popen([sys.executable, "-m", "stepista", "play", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if wait:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    return proc


def notes(events, kind):
    """(µs, message) of the note-ons (0x90) or note-offs (0x80) recorded.

    Times are the recorder's host µs of each event's frame. Under load the dummy driver's
    cycles wander and JACK's frame clock follows, so frame counts between events stretch a
    little; the µs of a frame is what both sides agree on (within a frame, 21 µs at 48 kHz).
    """
    return [(usecs, m) for _, usecs, m in events if len(m) == 3 and m[0] & 0xF0 == kind
            and (kind != 0x90 or m[2] > 0)]


def near(values, target, tolerance=50):
    return all(abs(v - target) <= tolerance for v in values)


def balanced(events) -> bool:
    sounding = {}
    for _, _, m in events:
        if m[0] & 0xF0 == 0x90 and m[2] > 0:
            sounding[(m[0] & 15, m[1])] = sounding.get((m[0] & 15, m[1]), 0) + 1
        elif m[0] & 0xF0 == 0x80 or (m[0] & 0xF0 == 0x90 and m[2] == 0):
            key = (m[0] & 15, m[1])
            if sounding.get(key):
                sounding[key] -= 1
    return not any(sounding.values())


def test_sixteenths_arrive_on_exact_frames_with_their_offs(server, rec, tmp_path):
    play(server, tmp_path, 'note("c3*16").velocity(0.5)', "--no-link", "--bpm", "120",
         "--output", f"jack:p16,connect={rec.name}", "--duration", "2.2")
    ons, offs = notes(rec.events, 0x90), notes(rec.events, 0x80)
    assert len(ons) >= 16 and {m for _, m in ons} == {(0x90, 48, 64)}
    gaps = [b[0] - a[0] for a, b in zip(ons, ons[1:])]
    assert near(gaps, 125_000), gaps  # a 16th at 120 BPM
    durations = [off - on for (on, _), (off, _) in zip(ons, offs)]
    assert near(durations[:-1], 125_000), durations  # the last one is cut when play stops
    assert 0 < durations[-1] <= 125_050
    assert balanced(rec.events)
    assert rec.events[-1][2][:2] == (0xB0, 123)  # the end: CC 123 after the last note-off


def test_channels_drums_and_two_tracks(server, rec, tmp_path):
    play(server, tmp_path, "bd*2", 'note("c2").channel(2)', "--no-link",
         "--output", f"jack:p2,connect={rec.name}", "--duration", "1")
    ons = {m for _, m in notes(rec.events, 0x90)}
    assert ons == {(0x99, 36, 100), (0x91, 36, 100)}
    assert balanced(rec.events)


def test_swap_lands_exactly_on_the_bar(server, rec, tmp_path):
    with EngineProcess(tmp_path, "--no-link", "--bpm", "120", "--output", f"jack:sw,connect={rec.name}",
                       env=server.env) as engine, engine.client() as c:
        assert c.request({"op": "play", "code": 'note("c3*4")'})["ok"]
        assert rec.wait_for(lambda ev: len(notes(ev, 0x90)) >= 3, timeout=5)
        reply = c.request({"op": "play", "code": 'note("e3*4")', "quantize": "bar"})
        at = reply["tracks"]["d1"]
        assert rec.wait_for(lambda ev: any(m[1] == 52 for _, m in notes(ev, 0x90)), timeout=5)
        ons = notes(rec.events, 0x90)
        first = ons[0][0]
        swap = next(frame for frame, m in ons if m[1] == 52)
        assert at % 4 == 0
        assert near([(swap - first) - at * 500_000], 0)  # a beat at 120 BPM is 500 ms
        assert all(m[1] == 48 for frame, m in ons if frame < swap)


def test_killing_the_player_ends_every_note(server, rec, tmp_path):
    proc = play(server, tmp_path, 'note("c3 e3").slow(4)', "--no-link",
                "--output", f"jack:pk,connect={rec.name}", wait=False)
    assert rec.wait_for(lambda ev: notes(ev, 0x90), timeout=10)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert rec.wait_for(lambda ev: ev and ev[-1][2][:2] == (0xB0, 123), timeout=5)
    assert balanced(rec.events)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signals_to_the_player_end_every_note(server, rec, tmp_path, sig):
    proc = play(server, tmp_path, 'note("c3").slow(4)', "--no-link",
                "--output", f"jack:ps,connect={rec.name}", wait=False)
    assert rec.wait_for(lambda ev: notes(ev, 0x90), timeout=10)
    proc.send_signal(sig)
    assert proc.wait(timeout=10) == 0
    assert balanced(rec.events)
    assert any(m[:2] == (0xB0, 123) for _, _, m in rec.events)


def test_sigterm_to_the_engine_ends_every_note(server, rec, tmp_path):
    with EngineProcess(tmp_path, "--no-link", "--output", f"jack:pe,connect={rec.name}",
                       env=server.env) as engine, engine.client() as c:
        assert c.request({"op": "play", "code": 'note("c3").slow(4)'})["ok"]
        assert rec.wait_for(lambda ev: notes(ev, 0x90), timeout=10)
        assert engine.stop() == 0
    assert balanced(rec.events)
    assert any(m[:2] == (0xB0, 123) for _, _, m in rec.events)


def test_midi_clock_out_at_24_ppqn(server, rec, tmp_path):
    play(server, tmp_path, 'note("c3*4")', "--no-link", "--bpm", "120",
         "--output", f"jack:pc,clock,connect={rec.name}", "--duration", "1.5")
    msgs = [(usecs, m) for _, usecs, m in rec.events]
    assert msgs[0][1] == (0xFA,)  # start, just before the first pulse
    pulses = [usecs for usecs, m in msgs if m == (0xF8,)]
    assert len(pulses) >= 36  # 1.5 s is 72 at 120 BPM; a busy machine starts later
    assert near([b - a for a, b in zip(pulses, pulses[1:])], 500_000 / 24)  # 24 per beat
    first_note = next(usecs for usecs, m in msgs if m[0] == 0x90)
    assert near([first_note - pulses[0]], 0)  # the downbeat is a pulse
    assert (0xFC,) in [m for _, m in msgs]  # stop at the end
