"""The plugin protocol's datagrams (plugin/PROTOCOL.md): clips on an exact tick grid, checked
byte for byte against a hand-assembled datagram and decoded by the python-osc fake instance;
what the plugin could not take refused with a message that says what and how to fix it; hellos
and acks read back, junk ignored."""

import struct
from fractions import Fraction
from pathlib import Path

import pytest
from pythonosc.osc_message import OscMessage

from pluginfake import FakeInstance
from stepista.engine.plugins.protocol import (LOOP_END, NEXT_QUANTUM, NOW, Ack, Instance, Loop,
                                              LoopError, LoopNote, Start, clear_message,
                                              clip_message, name_message, ping_message,
                                              read_reply, ticks_per_beat, wire_seq)

F = Fraction
FIXTURE = Path(__file__).parent / "data" / "plugin_clip_fixture.bin"


def note(start, duration, pitch=60, velocity=100):
    return LoopNote(F(start), F(duration), pitch, velocity)


def osc_string(text: str) -> bytes:
    raw = text.encode() + b"\0"
    return raw + b"\0" * (-len(raw) % 4)


def fixture_clip() -> Loop:
    """The fixture: a triplet eighth and an off-beat eighth in a one-bar loop on channel 2."""
    return Loop(F(4), 2, (note(0, "1/3", 60, 100), note("5/2", "1/2", 64, 90)))


def hand_assembled() -> bytes:
    """The same clip written out by hand from PROTOCOL.md: tpq 6 (thirds and halves)."""
    header = osc_string("/stepista/clip") + osc_string(",iiiiiiib")
    ints = struct.pack(">7i", 7, 50000, 2, 6, 24, 1, 24)  # seq, reply, ch, tpq, loop, start, q
    notes = struct.pack(">4i", 0, 2, 60, 100) + struct.pack(">4i", 15, 3, 64, 90)
    return header + ints + struct.pack(">i", len(notes)) + notes


def test_a_clip_is_byte_exact_against_a_hand_assembled_datagram():
    packet = clip_message(fixture_clip(), seq=7, reply_port=50000,
                          start=Start(NEXT_QUANTUM, F(4)))
    assert packet == hand_assembled()
    assert FIXTURE.read_bytes() == packet  # the C++ side reads the same bytes


def test_an_empty_clip_carries_an_empty_blob():
    packet = clip_message(Loop(F(2), 1), seq=1, reply_port=0, start=Start(NOW, F(4)))
    assert packet.endswith(struct.pack(">i", 0))
    assert OscMessage(packet).params == [1, 0, 1, 1, 2, 0, 4, b""]


@pytest.mark.parametrize("notes,length,quantum,tpq", [
    ([note(0, 1)], 4, 4, 1),
    ([note(0, "1/3"), note("1/3", "1/3"), note("2/3", "1/3")], 1, 4, 3),        # triplets
    ([note(F(k, 5), "1/5") for k in range(5)], 1, 4, 5),                           # quintuplets
    ([note(0, "1/3"), note("1/5", "1/5"), note("1/4", "1/8")], 4, 4, 120),        # lcm(3, 5, 8)
    ([note("1/7", "1/7")], "3/2", "3/2", 14),                                      # loop and quantum
    ([note(0, 1)], 4, "1/3", 3),                                                   # the quantum counts
])
def test_tpq_is_the_least_common_multiple(notes, length, quantum, tpq):
    loop = Loop(F(length), 1, tuple(notes))
    assert ticks_per_beat(loop, F(quantum)) == tpq
    packet = clip_message(loop, seq=3, reply_port=0, start=Start(NEXT_QUANTUM, F(quantum)))
    assert OscMessage(packet).params[3] == tpq


def test_triplets_and_quintuplets_reach_the_fake_instance_exactly():
    notes = [note(F(k, 3), "1/3", 60 + k) for k in range(3)] + \
        [note(1 + F(k, 5), "1/5", 70 + k, 50 + k) for k in range(5)] + [note("7/2", 1, 40)]
    loop = Loop(F(4), 5, tuple(notes))
    with FakeInstance() as fake:
        packet = clip_message(loop, seq=9, reply_port=0, start=Start(LOOP_END, F(4)))
        fake.sock.sendto(packet, ("127.0.0.1", fake.port))
        assert fake.wait(lambda f: f.clips)
        got = fake.last
    assert (got.tpq, got.loop_ticks, got.channel, got.start, got.quantum_ticks) == (30, 120, 5, 2, 120)
    assert got.beats() == sorted((n.start, n.duration, n.pitch, n.velocity) for n in notes)
    assert [s for s, *_ in sorted(got.notes)][:4] == [0, 10, 20, 30]  # exact ticks, no rounding


def test_a_note_running_past_the_loop_end_is_kept_for_the_plugin_to_wrap():
    loop = Loop(F(4), 1, (note("7/2", 2),))
    assert OscMessage(clip_message(loop, seq=1, reply_port=0, start=Start())).params[7] == \
        struct.pack(">4i", 7, 4, 60, 100)


def test_seq_wraps_to_a_signed_32_bit_integer():
    assert wire_seq(2**32 - 1) == -1 and wire_seq(2**31 - 1) == 2**31 - 1
    packet = clip_message(Loop(F(1)), seq=2**32 + 5, reply_port=0, start=Start())
    assert OscMessage(packet).params[0] == 5


@pytest.mark.parametrize("loop,message", [
    (Loop(F(4), 1, tuple(note(F(k, 1024), "1/1024") for k in range(2311))),
     "track 3: 2,311 notes, the plugin takes at most 2,048 per loop (thin the pattern or"
     " shorten the loop)"),
    (Loop(F(1028)), "track 3: a loop of 1028 beats; the plugin takes more than 0 and at most"
                    " 1,024 beats (256 bars): shorten it"),
    (Loop(F(4), 1, (note(F(1, 1009 * 1013 * 3), 1),)),
     "track 3: its times need 3,066,351 ticks per beat to be exact; the plugin takes at most"
     " 1,048,576"),
    (Loop(F(4), 1, (note(4, 1),)), "track 3: note 1 (pitch 60) starts at beat 4, outside the"
                                    " loop of 4 beats"),
    (Loop(F(4), 1, (note(1, 1), note(-1, 1))), "track 3: note 2 (pitch 60) starts at beat -1"),
    (Loop(F(4), 1, (note(1, 0),)), "track 3: note 1 (pitch 60) has no length (duration 0"),
    (Loop(F(4), 1, (note(1, -1),)), "has no length (duration -1 beats)"),
    (Loop(F(4), 1, (note(0, 5),)), "note 1 (pitch 60) lasts 5 beats, longer than the loop of 4"),
    (Loop(F(4), 1, (note(0, 1, 128),)), "note 1 has pitch 128, outside MIDI's 0-127"),
    (Loop(F(4), 1, (note(0, 1, 60, 0),)), "note 1 (pitch 60) has velocity 0, outside 1-127"),
    (Loop(F(4), 17), "channel 17 is not 1-16"),
])
def test_what_the_plugin_cannot_take_is_refused_with_what_and_how(loop, message):
    with pytest.raises(LoopError) as caught:
        clip_message(loop, seq=1, reply_port=0, start=Start(), what="track 3")
    assert message in str(caught.value)


def test_a_quantum_past_64_beats_or_a_bad_reply_port_is_refused():
    with pytest.raises(LoopError, match="a quantum of 65 beats"):
        clip_message(Loop(F(4)), seq=1, reply_port=0, start=Start(NEXT_QUANTUM, F(65)))
    with pytest.raises(LoopError, match="reply port 80 is not 0 or 1024-65535"):
        clip_message(Loop(F(4)), seq=1, reply_port=80, start=Start())


def test_the_largest_clip_fits_in_a_datagram():
    notes = tuple(note(F(k, 512), "1/512", k % 128) for k in range(2048))
    packet = clip_message(Loop(F(4), 1, notes), seq=1, reply_port=0, start=Start())
    assert 32_768 < len(packet) < 65_000


def test_clear_name_and_ping():
    assert OscMessage(clear_message(12, NEXT_QUANTUM)).params == [12, 1]
    assert clear_message(1) == osc_string("/stepista/clear") + osc_string(",ii") + \
        struct.pack(">ii", 1, 0)
    assert OscMessage(name_message("Drums ü")).params == ["Drums ü"]
    assert ping_message(50123) == osc_string("/stepista/ping") + osc_string(",i") + \
        struct.pack(">i", 50123)
    for bad in ("", "x" * 65, "tab\there"):
        with pytest.raises(ValueError, match="1-64 bytes"):
            name_message(bad)


def hello(*args, tags=",ssiiiiii"):
    from pythonosc.osc_message_builder import OscMessageBuilder
    b = OscMessageBuilder("/stepista/hello")
    for tag, value in zip(tags[1:], args):
        b.add_arg(value, tag)
    return b.build().dgram


def test_a_hello_and_an_ack_read_back():
    assert read_reply(hello("0a1b2c3d", "Drums", 47802, 1, 5, 1, 0, 1)) == \
        Instance("0a1b2c3d", "Drums", 47802, 1, 5, 1, 0, True)
    later = hello("0a1b2c3d", "Drums", 47802, 2, 5, 1, 3, 0, "more", 9, tags=",ssiiiiiisi")
    assert read_reply(later) == Instance("0a1b2c3d", "Drums", 47802, 2, 5, 1, 3, False)
    with_run = hello("0a1b2c3d", "Drums", 47802, 1, 5, 1, 0, 1, 77, "more", tags=",ssiiiiiiis")
    assert read_reply(with_run).run == 77  # version 1's ninth argument; 0 when absent, above
    from pythonosc.osc_message_builder import OscMessageBuilder
    ack = OscMessageBuilder("/stepista/ack")
    for tag, value in (("s", "0a1b2c3d"), ("i", -4), ("i", 0)):
        ack.add_arg(value, tag)
    assert read_reply(ack.build().dgram) == Ack("0a1b2c3d", -4, False)


@pytest.mark.parametrize("datagram", [
    b"", b"junk", b"/stepista/hello\0", b"/stepista/hello\0,ss\0" + b"\xff" * 40,
    hello("0a1b2c3d", "Drums", 47802, 1, 5, 1, 0, tags=",ssiiiii"),       # a tag short
    hello("0A1B2C3D", "Drums", 47802, 1, 5, 1, 0, 1),                      # not lowercase hex
    hello("0a1b2c3d", "Drums", 80, 1, 5, 1, 0, 1),                         # outside the range
    hello("0a1b2c3d", "Drums", 47802, 1, 5, 1, 0, 1)[:-3],                 # cut short
    osc_string("/stepista/hello") + osc_string(",ssiiiiii") + b"\xff\xfe\0\0" * 12,  # not UTF-8
    ping_message(47801), b"/stepista/" + b"x" * 70_000,
])
def test_junk_is_ignored_never_raised(datagram):
    assert read_reply(datagram) is None
