"""The real plugin, loaded from its .vst3 by the headless test host (JUCE's VST3PluginFormat, as
a DAW loads it), fed over OSC by Stepista's own side: the engine, the TUI, and the protocol
encoder. Every note is checked at its sample. Also: a fuzz of the OSC input, eight instances at
once, state save and restore, and pedalboard as an independent host."""

from __future__ import annotations

import random
import time
import subprocess
import sys
from fractions import Fraction

import pytest

from enginefix import EngineProcess
from pluginhost import HOST, VST3, HostRun, require_built, sample_at, send
from stepista.engine.plugins.protocol import NOW, Loop, LoopNote, Start, clip_message
from tuifix import make_app, settle

RATE, BPM = 48000, 120.0
ARPEGGIO = [48, 52, 55, 60]  # note("c3 e3 g3 c4"): C4 is 60


@pytest.fixture(autouse=True)
def built():
    require_built()


def quarter_notes(pitches: list[int], beats: int) -> list[tuple[int, int]]:
    """(sample, pitch) of a loop of quarter notes over ``beats`` beats."""
    return [(sample_at(Fraction(b), BPM, RATE), pitches[b % len(pitches)]) for b in range(beats)]


def on_samples(played) -> list[tuple[int, int]]:
    return [(sample, pitch) for sample, _, pitch in played.note_ons()]


# -- from Stepista to the plugin -----------------------------------------------------------

def test_stepista_play_reaches_the_plugin_at_the_right_samples(tmp_path):
    with HostRun("--wait-clip", "any", "--seconds", "4", "--bpm", "120", "--sr", "48000",
                 "--block", "64") as host:
        port = host.expect("ready")["port"]
        play = subprocess.Popen(
            [sys.executable, "-m", "stepista", "play", 'note("c3 e3 g3 c4")', "--output",
             f"plugin:#{port}", "--no-link", "--duration", "3"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            host.expect("clip")
            played = host.finish()
        finally:
            out, _ = play.communicate(timeout=30)
        assert play.returncode == 0, out
    assert on_samples(played) == quarter_notes(ARPEGGIO, 8)  # two bars, every note on its sample
    offs = [(sample, pitch) for sample, _, pitch in played.note_offs()]
    assert offs == [(sample + 24000, pitch) for sample, pitch in quarter_notes(ARPEGGIO, 7)]
    assert [pitch for _, pitch in played.sounding_at_end()] == [60]  # the last, until the run ends


async def test_a_pattern_typed_in_the_tui_comes_out_of_the_plugin_at_the_right_samples(tmp_path):
    with HostRun("--wait-clip", "any", "--seconds", "4", "--block", "128") as host, \
            EngineProcess(tmp_path, "--no-link", "--output", "preview") as engine:
        host.expect("ready")
        app = make_app(tmp_path, engine)
        async with app.run_test(size=(160, 48)) as pilot:
            await settle(pilot, lambda: app.link is not None and app.link.connected and app.timeline is not None)
            await pilot.press("colon")
            app.prompt.input.value = 'note("c3 e3 g3 c4")'
            await pilot.press("enter")
            track = app.session.tracks[0]
            await settle(pilot, lambda: track.source == "code" and "c3" in track.code, what="the code")
            await pilot.press("escape")
            await settle(pilot, lambda: app.plugins, timeout=10, what="the plugin instance")
            for _ in range(4):  # all -> preview -> the plugin
                await pilot.press("o")
                await pilot.pause(0.3)
                if (track.output or "").startswith("plugin"):
                    break
            assert (track.output or "").startswith("plugin"), track.output
            channel = track.channel
            await pilot.pause(0.5)  # the clip travels while the host waits for it
        host.expect("clip")
        played = host.finish()
    assert on_samples(played) == quarter_notes(ARPEGGIO, 8)
    assert {ch for _, ch, _ in played.note_ons()} == {channel}
    assert played.sounding_at_end() == [(channel, 60)]


def test_exact_triplets_and_quintuplets_and_state_saved_and_restored(tmp_path):
    notes = tuple([LoopNote(Fraction(i, 3), Fraction(1, 6), 60, 100) for i in range(3)]
                  + [LoopNote(1 + Fraction(i, 5), Fraction(1, 10), 72, 90) for i in range(5)])
    loop = Loop(Fraction(2), channel=5, notes=notes)
    state = tmp_path / "triplets.state"
    with HostRun("--wait-clip", "7", "--seconds", "2", "--bpm", "97.3", "--block", "441",
                 "--state-out", str(state)) as host:
        port = host.expect("ready")["port"]
        send(port, clip_message(loop, seq=7, reply_port=0, start=Start(NOW, Fraction(4))))
        host.expect("clip")
        live = host.finish()
    seconds = 2.0
    beats = Fraction(seconds * 97.3 / 60).limit_denominator(1000)
    expected = sorted((sample_at(k * 2 + n.start, 97.3, RATE), n.pitch)
                      for k in range(2) for n in notes if k * 2 + n.start < beats)
    assert sorted(on_samples(live)) == expected
    assert {ch for _, ch, _ in live.note_ons()} == {5}
    # the project reopened offline: no OSC, the saved state alone plays the same notes
    with HostRun("--state-in", str(state), "--seconds", "2", "--bpm", "97.3", "--block", "441") as host:
        host.expect("ready")
        restored = host.finish()
    assert restored.events == live.events
    assert restored.hello is None or restored.hello["seq"] == 7
    # the same instance (its id saved with the project), but a new run: the app can tell it
    # was reloaded and send it the loop it plays now
    assert restored.hello["id"] == live.hello["id"]
    assert 0 < restored.hello["run"] != live.hello["run"]


# -- robustness --------------------------------------------------------------------------------

def malformed_packets(rng: random.Random, valid: bytes) -> list[bytes]:
    """Packets PROTOCOL.md says to drop: noise, truncations, oversize, wrong tags, bundles."""
    packets = []
    for i in range(3000):
        kind = i % 6
        if kind == 0:
            packets.append(rng.randbytes(rng.randint(1, 300)))
        elif kind == 1:
            packets.append(valid[:rng.randint(1, len(valid) - 1)])
        elif kind == 2:
            packets.append(b"/stepista/clip\x00\x00,iiiiiiib\x00\x00\x00" + rng.randbytes(rng.randint(0, 40)))
        elif kind == 3:
            packets.append(b"/stepista/clip\x00\x00,sss\x00\x00\x00\x00a\x00\x00\x00b\x00\x00\x00c\x00\x00\x00")
        elif kind == 4:
            packets.append(b"#bundle\x00" + rng.randbytes(rng.randint(8, 64)))
        else:
            packets.append(b"/stepista/clip\x00\x00" + rng.randbytes(65_010))
    return packets


def kernel_udp_drops() -> int:
    """UDP datagrams the kernel dropped for full receive buffers, machine-wide."""
    rows = [line.split() for line in open("/proc/net/snmp") if line.startswith("Udp:")]
    return int(rows[1][rows[0].index("RcvbufErrors")])


def test_thousands_of_malformed_packets_are_dropped_and_counted_and_the_music_plays_on(tmp_path):
    state = tmp_path / "small.state"
    subprocess.run([str(HOST), "state", str(VST3), "--pattern", "small", "--out", str(state)],
                   check=True, capture_output=True, timeout=60)
    valid = clip_message(Loop(Fraction(4), 1, (LoopNote(Fraction(0), Fraction(1), 60, 100),)),
                         seq=5, reply_port=0, start=Start())
    packets = malformed_packets(random.Random(7), valid)
    with HostRun("--state-in", str(state), "--seconds", "5", "--realtime") as host:
        port = host.expect("ready")["port"]
        lost_before = kernel_udp_drops()
        for i, packet in enumerate(packets):
            send(port, packet)
            if i % 20 == 19:
                time.sleep(0.002)  # let the instance read: a full socket buffer loses packets in the kernel
        lost = kernel_udp_drops() - lost_before
        played = host.finish()
    # every packet that reached the instance was dropped and counted (the kernel's own counter
    # says how many never reached it: a burst can overflow a UDP socket's buffer)
    assert played.hello is not None and played.hello["dropped"] + lost >= len(packets)
    assert played.hello["dropped"] >= len(packets) * 0.9
    assert played.hello["seq"] == 1  # the saved clip, untouched by the noise
    assert on_samples(played) == quarter_notes([60, 64, 67, 72], 10)
    assert len(played.sounding_at_end()) <= 1


def test_eight_instances_stay_independent(tmp_path):
    hosts = [HostRun("--wait-clip", "3", "--seconds", "1") for _ in range(8)]
    try:
        ports = [h.expect("ready", 60)["port"] for h in hosts]
        assert len(set(ports)) == 8
        for i, port in enumerate(ports):
            loop = Loop(Fraction(1), channel=i + 1, notes=(LoopNote(Fraction(0), Fraction(1, 2), 60 + i, 100),))
            send(port, clip_message(loop, seq=3, reply_port=0, start=Start(NOW, Fraction(4))))
        played = [h.finish(60) for h in hosts]
    finally:
        for h in hosts:
            h.close()
    for i, p in enumerate(played):
        assert p.note_ons() == [(sample_at(Fraction(b)), i + 1, 60 + i) for b in range(2)]


# -- an independent host -----------------------------------------------------------------------

PEDALBOARD_RUN = """
import sys
import pedalboard
# pedalboard waits up to initialization_timeout for a plugin to make sound (for samplers that
# load in the background); this one never does, by design
plugin = pedalboard.load_plugin(sys.argv[1], initialization_timeout=0.1)
audio = plugin([], duration=1.0, sample_rate=int(sys.argv[2]), num_channels=2, buffer_size=256)
print(plugin.is_instrument, plugin.is_effect, audio.shape, float(abs(audio).max()))
"""


def test_pedalboard_loads_the_plugin_as_an_instrument_and_renders_silence():
    pytest.importorskip("pedalboard")
    # in a process of its own: a plugin loaded here would hold a port of the instances' range
    # (and announce itself) until the garbage collector happened to free it, in the middle of
    # some later test that counts the instances it finds
    run = subprocess.run([sys.executable, "-c", PEDALBOARD_RUN, str(VST3), str(RATE)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    # an instrument, not an effect; its audio output is silent (a MIDI source)
    assert run.stdout.splitlines()[-1] == f"True False (2, {RATE}) 0.0"


def test_a_late_clear_never_silences_a_newer_clip():
    from stepista.engine.plugins.protocol import clear_message

    loop = Loop(Fraction(1), channel=2, notes=(LoopNote(Fraction(0), Fraction(1, 2), 62, 100),))
    with HostRun("--wait-clip", "10", "--seconds", "2") as host:
        port = host.expect("ready")["port"]
        send(port, clip_message(loop, seq=10, reply_port=0, start=Start(NOW, Fraction(4))))
        send(port, clear_message(9, NOW))  # a straggler from before the clip
        host.expect("clip")
        played = host.finish()
    assert played.note_ons() == [(sample_at(Fraction(b)), 2, 62) for b in range(4)]
    assert played.hello["seq"] == 10
