"""Patterns and clips as plugin loops (the period found among 1-16 cycles, the scheduler's MIDI
rules, one channel), several tracks merged for one instance, and how the scheduler hands loops
to loop outputs: only tracks routed to them by name, on the swap's boundary, never messages."""

from fractions import Fraction

import pytest

from fakes import LogOutput, ManualClock
from stepista.clip import Clip, Note
from stepista.engine.outputs.base import LoopOutput
from stepista.engine.plugins.loops import clip_loop, merge_loops, pattern_loop
from stepista.engine.plugins.protocol import (NEXT_QUANTUM, NOW, Loop, LoopError, LoopNote,
                                              Start, clip_message)
from stepista.engine.scheduler import Scheduler
from stepista.lang import evaluate

F = Fraction


def loop_of(code, **kwargs):
    return pattern_loop(evaluate(code).pattern(), **kwargs)


def starts(loop):
    return [(n.start, n.pitch) for n in loop.notes]


@pytest.mark.parametrize("code,cycles", [
    ('note("c3*4")', 1), ('note("<c3 e3>")', 2), ('note("c3 e3").slow(2)', 2),
    ('note("<c3 d3 e3 f3>")', 4), ('note("<c3 d3 e3 f3 g3 a3 b3 c4>")', 8),
    ('note("c3 e3").every(4, fast(2))', 4), ('note("<[c3 e3]!15 g3>")', 16),
])
def test_the_loop_is_the_shortest_period(code, cycles):
    loop = loop_of(code)
    assert loop.length == 4 * cycles and loop.notices == ()
    pattern = evaluate(code).pattern()
    again = pattern_loop(pattern.early(cycles))  # the loop repeats: a period on is the same
    assert again.length == loop.length and starts(again) == starts(loop)


def test_notes_keep_exact_times_velocity_and_length():
    loop = loop_of('note("c3 [e3 g3 b3]").velocity(0.5)')
    assert [(n.start, n.duration, n.pitch, n.velocity) for n in loop.notes] == [
        (0, 2, 48, 64), (2, F(2, 3), 52, 64), (F(8, 3), F(2, 3), 55, 64), (F(10, 3), F(2, 3), 59, 64)]


def test_a_pattern_that_does_not_repeat_plays_its_first_16_cycles_with_a_notice():
    loop = loop_of('note("<c3 d3 e3>")', track="2")
    assert loop.length == 64 and [n.pitch for n in loop.notes][:4] == [48, 50, 52, 48]
    assert loop.notices == ("track 2's pattern does not repeat within 16 cycles; the plugin"
                            " plays its first 16 cycles as a loop",)


def test_drums_go_on_channel_10_and_mixed_channels_are_told():
    assert loop_of('s("bd sn")').channel == 10
    assert loop_of('note("c3 e3")', channel=4).channel == 4
    mixed = loop_of('stack(note("c3*3"), s("bd"))', channel=2, track="d1")
    assert mixed.channel == 2 and len(mixed.notes) == 4
    assert mixed.notices == ("track d1 plays on channels 2 and 10; a plugin loop has one"
                             " channel, so all its notes go out on channel 2",)


def test_control_changes_and_unplayable_events_are_left_out_with_a_notice():
    loop = loop_of('note("c3 e3").ccn(74).ccv(0.5)', track="d1")
    assert len(loop.notes) == 2
    assert loop.notices == ("track d1: control changes (ccn/ccv) do not reach a plugin; its"
                            " notes do",)
    bad = loop_of('s("bd zz")', track="d1")
    assert [n.pitch for n in bad.notes] == [36] and "unknown drum 'zz'" in bad.notices[0]


def test_a_note_longer_than_the_loop_is_cut_to_it():
    assert [n.duration for n in loop_of('note("c3").legato(3)').notes] == [4]


def test_a_pattern_that_fails_or_is_too_slow_gives_a_loop_error():
    with pytest.raises(LoopError, match="track d1: no loop for the plugin: QueryTimeout"):
        pattern_loop(evaluate('note("c3*64")').pattern(), budget_s=0.0)
    with pytest.raises(LoopError, match="a loop of 300 bars; the plugin takes at most 256"):
        pattern_loop(evaluate('note("c3")').pattern(), cycles=300)


def test_a_clip_is_its_own_loop():
    clip = Clip(notes=[Note(pitch=36, velocity=110, start=0, duration="1/4", channel=10),
                       Note(pitch=38, velocity=90, start="11/2", duration="1/2", channel=10)],
                length_beats=6)
    loop = clip_loop(clip, track="t1")
    assert loop == Loop(F(6), 10, (LoopNote(F(0), F(1, 4), 36, 110), LoopNote(F(11, 2), F(1, 2), 38, 90)))


def test_merged_tracks_loop_over_the_least_common_multiple():
    a = Loop(F(4), 1, (LoopNote(F(0), F(1), 36, 100),))
    b = Loop(F(6), 2, (LoopNote(F(1), F(1), 60, 90),))
    merged = merge_loops({"d2": b, "d1": a}, "tracks d1 and d2 on plugin:Drums")
    assert merged.length == 12 and merged.channel == 1
    assert [(n.start, n.pitch) for n in merged.notes] == [(0, 36), (1, 60), (4, 36), (7, 60), (8, 36)]
    assert merged.notices == ("tracks d1 and d2 on plugin:Drums play on channels 1 and 2; a"
                              " plugin plays one channel, so all go out on channel 1",)
    assert merge_loops({"d1": a}, "x") is a
    with pytest.raises(LoopError, match=r"only line up every 3000 beats; the plugin takes at most"
                                        r" 1,024: give them lengths that divide each other"):
        merge_loops({"d1": Loop(F(12)), "d2": Loop(F(1000))}, "tracks d1 and d2")


# -- the scheduler and loop outputs ------------------------------------------------------------

class LoopLog(LoopOutput):
    """A loop output that keeps what it was handed."""
    kind = "loops"

    def __init__(self, name="p", refuse=None):
        super().__init__(name)
        self.calls, self.refuse = [], refuse

    def check_loop(self, track, loop):
        if self.refuse:
            raise LoopError(self.refuse)
        clip_message(loop, seq=1, reply_port=0, start=Start(), what=f"track {track}")

    def set_loop(self, track, loop, start):
        self.calls.append((track, loop, start))

    def _panic(self):
        pass

    def _close(self):
        pass


@pytest.fixture
def rig():
    clock = ManualClock(tempo=120.0, quantum=4.0, beat=0.0)
    notices = []
    sched = Scheduler(clock, lookahead_ms=100,
                      notify=lambda kind, **f: notices.append(f) if kind == "notice" else None)
    midi, plugin = LogOutput("midi"), LoopLog("p")
    sched.add_output(midi)
    sched.add_output(plugin)
    return sched, midi, plugin, notices


def pattern(code):
    return evaluate(code).pattern()


def test_only_tracks_routed_by_name_reach_a_loop_output_and_it_gets_no_messages(rig):
    sched, midi, plugin, _ = rig
    sched.set_track("all", pattern('note("c3*4")'))
    sched.set_track("bass", pattern('note("e2*2")'), outputs=("loops:p",), channel=3)
    for k in range(40):
        sched.tick(now=k * 25_000)
    assert {m[1] for _, _, m in midi.notes()} == {48}  # bass went to the plugin only
    assert [(t, l.channel, [n.pitch for n in l.notes]) for t, l, _ in plugin.calls] == \
        [("bass", 3, [40, 40])]


def test_the_start_rule_follows_the_quantize(rig):
    sched, _, plugin, _ = rig
    sched.tick(now=0)
    for quantize, start in [("quantum", Start(NEXT_QUANTUM, F(4))), ("bar", Start(NEXT_QUANTUM, F(4))),
                            ("beat", Start(NEXT_QUANTUM, F(1))), ("now", Start(NOW, F(4))),
                            (1.5, Start(NEXT_QUANTUM, F(3, 2))), (0, Start(NOW, F(4)))]:
        sched.set_track("d1", pattern('note("c3")'), outputs=("loops:p",), quantize=quantize)
        assert plugin.calls[-1][2] == start, quantize
    sched.clock.quantum = 3
    sched.set_track("d1", pattern('note("c3")'))
    assert plugin.calls[-1][2] == Start(NEXT_QUANTUM, F(3))


def test_removing_or_rerouting_a_track_takes_its_loop_away(rig):
    sched, _, plugin, _ = rig
    other = LoopLog("q")
    sched.add_output(other)
    sched.set_track("d1", pattern('note("c3")'), outputs=("loops:p",))
    sched.set_track("d1", pattern('note("c3")'), outputs=("loops:q", "log:midi"))
    assert plugin.calls[-1][:2] == ("d1", None) and other.calls[-1][0] == "d1"
    sched.set_track("d1", None, quantize="now", cut=True)
    assert other.calls[-1] == ("d1", None, Start(NOW, F(4)))


def test_a_loop_an_output_refuses_changes_nothing(rig):
    sched, _, _, _ = rig
    refusing = LoopLog("r", refuse="track d1: 2,311 notes, the plugin takes at most 2,048 per loop")
    sched.add_output(refusing)
    sched.set_track("d1", pattern('note("c3")'))
    with pytest.raises(LoopError, match="2,311 notes"):
        sched.set_track("d1", pattern('note("e3")'), outputs=("loops:r",))
    assert sched.tracks["d1"].outputs is None and len(sched.tracks["d1"].changes) == 1
    assert refusing.calls == []


def test_a_loop_output_opened_again_gets_the_loops_routed_to_it(rig):
    sched, _, plugin, notices = rig
    sched.set_track("d1", pattern('note("<c3 d3 e3>")'), outputs=("loops:p",))
    assert notices and "does not repeat within 16 cycles" in notices[0]["message"]
    again = LoopLog("p")
    sched.add_output(again)
    assert [(t, l.length) for t, l, _ in again.calls] == [("d1", 64)]
