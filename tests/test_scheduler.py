"""The lookahead scheduler, driven by a hand-set clock into a logging output: exact stamps,
swaps on boundaries, cut, latency, tempo changes and jumps inside the window, stop, errors."""


import pytest

from fakes import LogOutput, ManualClock
from stepista.engine.clock import Timeline
from stepista.engine.scheduler import Scheduler
from stepista.lang import evaluate
from stepista.pattern import Pattern


def pat(src: str) -> Pattern:
    return evaluate(src).pattern()


def rig(tempo=120.0, lookahead_ms=50.0, **out_kw):
    clock = ManualClock(tempo)
    events = []
    sched = Scheduler(clock, lookahead_ms=lookahead_ms, notify=lambda k, **f: events.append((k, f)))
    out = LogOutput(**out_kw)
    sched.add_output(out)
    return clock, sched, out, events


def run(sched, start_us, end_us, step_us=5000):
    for now in range(start_us, end_us, step_us):
        sched.tick(now)


def test_sixteenths_land_exactly_on_the_grid():
    clock, sched, out, _ = rig()
    sched.set_track("d1", pat('note("c3*16")'))
    run(sched, 0, 2_000_000)
    ons = out.notes(0x90)
    assert [at for at, _, _ in ons] == [k * 125_000 for k in range(len(ons))]
    assert len(ons) == 16 + 1  # two seconds is one bar at 120, plus the next downbeat in the window
    assert {m for _, _, m in ons} == {(0x90, 48, 100)}
    offs = out.notes(0x80)
    assert [at for at, _, _ in offs] == [k * 125_000 for k in range(1, 17)]


def test_window_is_only_lookahead_ahead():
    _, sched, out, _ = rig(lookahead_ms=50)
    sched.set_track("d1", pat('note("c3*16")'))
    sched.tick(100_000)
    assert max(at for at, _, _ in out.log) <= 150_000
    sched.tick(130_000)
    assert [at for at, _, _ in out.notes()] == [125_000]  # started 100 ms late: no catch-up


def test_channel_and_drums():
    _, sched, out, _ = rig()
    sched.set_track("d", pat('s("bd sn")'), channel=3)
    sched.set_track("b", pat('note("c2").channel(2)'), channel=3)
    sched.set_track("c", pat('note("e3")'), channel=5)
    run(sched, 0, 100_000)
    assert {m for _, _, m in out.notes()} == {(0x99, 36, 100), (0x91, 36, 100), (0x94, 52, 100)}


def test_swap_lands_on_the_next_quantum_boundary_and_keeps_phase():
    clock, sched, out, events = rig()
    sched.set_track("d1", pat('note("c3*4")'))
    run(sched, 0, 2_650_000)           # beat 5.3
    at = sched.set_track("d1", pat('note("<c4 e3 g3>")'))
    assert at == 8
    run(sched, 2_650_000, 5_000_000)
    ons = [(beat, m[1]) for _, beat, m in out.notes()]
    assert [b for b, _ in ons] == [float(b) for b in range(9)]
    # phase kept: the new pattern plays its cycle 2 (g3), not a restart from cycle 0 (c4)
    assert [p for b, p in ons if b < 8] == [48] * 8
    assert [p for b, p in ons if b >= 8] == [55]
    assert ("swapped", {"track": "d1", "beat": 8.0}) in events


@pytest.mark.parametrize("quantize,expected", [("bar", 8), ("beat", 6), (2, 6), ("now", None)])
def test_quantize_choices(quantize, expected):
    clock, sched, out, _ = rig()
    sched.set_track("d1", pat('note("c3")'))
    run(sched, 0, 2_630_001, 10_000)  # the cursor (end of the last window) sits near beat 5.3
    assert 5 < sched._cursor < 6
    assert sched.boundary(quantize) == (sched._cursor if expected is None else expected)


def test_a_new_track_waits_for_the_boundary_too():
    _, sched, out, _ = rig()
    sched.set_track("a", pat('note("c3*4")'))
    run(sched, 0, 600_000)  # beat 1.2
    sched.set_track("b", pat('note("e3*4")'))
    run(sched, 600_000, 2_500_000)
    assert [beat for _, beat, m in out.notes() if m[1] == 52] == [4.0, 5.0]


def test_swap_with_cut_ends_old_notes_on_the_boundary():
    _, sched, out, _ = rig()
    sched.set_track("pad", pat('note("c3").slow(2)'))   # one note, 8 beats long
    run(sched, 0, 500_000)
    sched.set_track("pad", pat('note("e3*4")'), cut=True)
    run(sched, 500_000, 2_500_000)
    offs = [(beat, m[1]) for _, beat, m in out.notes(0x80)]
    assert (4.0, 48) in offs and all(p != 48 or b == 4.0 for b, p in offs)


def test_swap_without_cut_lets_old_notes_ring():
    _, sched, out, _ = rig()
    sched.set_track("pad", pat('note("c3").slow(2)'))
    run(sched, 0, 500_000)
    sched.set_track("pad", pat('note("e3*4")'))
    run(sched, 500_000, 4_500_000)
    assert [(beat, m[1]) for _, beat, m in out.notes(0x80) if m[1] == 48] == [(8.0, 48)]


@pytest.mark.parametrize("latency_ms", [12.5, -7.25, 0.0])
def test_latency_offset_shifts_every_stamp(latency_ms):
    clock, sched, out, _ = rig(latency_ms=latency_ms)
    clock.line = Timeline(100_000, 0.0, 120.0)
    sched.set_track("d1", pat('note("c3*16")'))
    late = []
    for now in range(0, 1_000_000, 5000):
        before = len(out.log)
        sched.tick(now)
        late += [at for at, _, _ in out.log[before:] if at < now]
    ons = out.notes()
    shift = round(latency_ms * 1000)
    assert [at for at, _, _ in ons[:8]] == [100_000 + k * 125_000 + shift for k in range(8)]
    assert late == []  # a negative latency is met by handing messages out that much earlier


def test_tempo_change_inside_the_window_retimes_what_was_handed_out():
    clock, sched, out, events = rig(lookahead_ms=150)
    sched.set_track("d1", pat('note("c3*16")'))
    run(sched, 0, 400_000)   # handed out up to 545 ms: the note at beat 1.0 (500 ms) is out
    assert max(at for at, _, _ in out.notes()) == 500_000
    clock.set_tempo(150.0, at_us=400_000)
    run(sched, 400_000, 1_000_000)
    ons = out.notes()
    # beats up to the change keep their times; after it, each 16th is 100 ms apart
    beat_at_change = 0.8
    expected = [round(b * 500_000) if b <= beat_at_change else
                400_000 + round((b - beat_at_change) * 400_000) for b in (k / 4 for k in range(len(ons)))]
    assert [at for at, _, _ in ons] == expected
    assert [beat for _, beat, _ in ons] == [k / 4 for k in range(len(ons))]  # no doubles, no gaps
    assert any(k == "tempo" for k, _ in events)


def test_beat_jump_requeries_without_a_burst():
    clock, sched, out, events = rig()
    sched.set_track("d1", pat('note("c3*16")'))
    run(sched, 0, 400_000)
    clock.line = Timeline(400_000, 2.5, 120.0)  # the session moved us from beat 0.8 to 2.5
    run(sched, 400_000, 1_000_000)
    ons = [(at, beat) for at, beat, _ in out.notes()]
    times = [at for at, _ in ons]
    assert times == sorted(times) and len(set(times)) == len(times)
    after = [beat for at, beat in ons if at > 402_000]
    assert after[0] == 2.75 and after == [2.75 + k / 4 for k in range(len(after))]
    assert ("tempo", {"tempo": 120.0, "jumped": True}) in events


def test_stop_panics_and_nothing_sounds():
    clock, sched, out, events = rig()
    sched.set_track("pad", pat('note("c3 e3").slow(4)'))
    run(sched, 0, 300_000)
    out.panic_at = 300_000
    clock.stop()
    sched.tick(300_000)
    assert out.panics == 1
    assert (300_000, None, (0x80, 48, 0)) in out.log and (300_000, None, (0xB0, 123, 0)) in out.log
    assert ("stopped", {}) in events
    before = len(out.log)
    sched.tick(400_000)
    assert len(out.log) == before and not sched.playing


def test_start_catches_the_downbeat_it_just_missed():
    clock, sched, out, _ = rig()
    clock.line = Timeline(0, 8.02, 120.0)  # started 10 ms ago
    sched.set_track("d1", pat('note("c3*4")'))
    sched.tick(0)
    assert out.notes()[0][1] == 8.0


def test_start_ahead_plays_nothing_before_beat_zero():
    clock, sched, out, _ = rig()
    clock.line = Timeline(100_000, 0.0, 120.0)  # beat 0 lies 100 ms ahead
    sched.set_track("d1", pat('note("c3*16")'))
    run(sched, 0, 300_000)
    assert out.notes()[0][:2] == (100_000, 0.0)


def test_a_pattern_failing_at_play_time_falls_back_and_says_so():
    clock, sched, out, events = rig()
    sched.set_track("d1", pat('note("c3*4")'))
    run(sched, 0, 500_000)

    def broken(span):
        if span.begin >= 1:
            raise RuntimeError("boom")
        return []
    sched.set_track("d1", Pattern(broken))
    run(sched, 500_000, 3_000_000)
    kinds = [k for k, _ in events]
    assert "error" in kinds
    err = dict(events[kinds.index("error")][1])
    assert "boom" in err["error"] and err["action"] == "back to the previous pattern"
    assert [beat for _, beat, _ in out.notes()][-1] >= 5.0  # still playing c3 after beat 4


def test_unplayable_values_are_skipped_and_named():
    _, sched, out, events = rig()
    sched.set_track("d1", pat('s("bd nosuchdrum bd bd")'))
    run(sched, 0, 2_000_000)
    assert len(out.notes()) == 3 * 1 + 1  # three playable per bar, plus the next downbeat
    errors = [f for k, f in events if k == "error"]
    assert len(errors) == 1 and "nosuchdrum" in errors[0]["error"]


def test_midi_clock_24_ppqn_with_start():
    _, sched, out, _ = rig(clock=True)
    run(sched, 0, 1_000_000)
    clocks = [(at, m) for at, _, m in out.log]
    assert clocks[0][1] == (0xFA,)
    ticks = [at for at, m in clocks if m == (0xF8,)]
    assert ticks[:25] == [round(k * 500_000 / 24) for k in range(25)]


def test_tracks_of_a_client_that_left_are_cut_now():
    _, sched, out, _ = rig()
    me = object()
    sched.set_track("pad", pat('note("c3").slow(2)'), owner=me)
    sched.set_track("keep", pat('note("g3").slow(2)'))
    run(sched, 0, 1_000_000)
    assert sched.remove_owned(me) == ["pad"]
    run(sched, 1_000_000, 2_000_000)
    assert "pad" not in sched.tracks and "keep" in sched.tracks
    off = [beat for _, beat, m in out.notes(0x80) if m[1] == 48]
    assert len(off) == 1 and 2.0 < off[0] < 2.2


def test_bad_quantize_is_a_clear_error():
    _, sched, _, _ = rig()
    with pytest.raises(ValueError, match="quantize 'soon'"):
        sched.set_track("d1", pat('note("c3")'), quantize="soon")
