"""Finding plugin instances (a ping sweep, the announcement listener) and the plugin output
talking to fake instances: clips acknowledged or sent again, a notice when none answers, a clear
when its tracks go, several tracks as one loop, a reloaded plugin sent its loop again."""

import socket
import time
from fractions import Fraction

import pytest

from pluginfake import ANNOUNCE_PORT, FakeInstance, fake_instances
from stepista.engine.outputs import OutputError, list_ports, open_output
from stepista.engine.outputs import plugin as plugin_module
from stepista.engine.plugins import (AnnouncementListener, Instance, Loop, LoopError, LoopNote,
                                     Start, find_instances, instance_spec, pick)
from stepista.engine.plugins.discovery import reply_socket
from stepista.engine.plugins.protocol import NEXT_QUANTUM, NOW

F = Fraction


def one_note(pitch=60, length=4):
    return Loop(F(length), 1, (LoopNote(F(0), F(1), pitch, 100),))


# -- discovery -------------------------------------------------------------------------------

def test_eight_instances_are_found_at_once_each_as_itself():
    with fake_instances(8) as fakes:
        found = find_instances()
    # another instance may be listening in the range (a real plugin, a straggler of an earlier
    # test): each fake must be found, once, as itself
    ports = {f.port for f in fakes}
    ours = [i for i in found if i.port in ports]
    # the fakes take the first free ports, not necessarily in order: compare by port
    assert sorted((i.port, i.id, i.name) for i in ours) == \
        sorted((f.port, f.id, f.name) for f in fakes)
    assert all(i.protocol == 1 and i.playing for i in ours)


def test_an_instance_that_does_not_answer_is_not_found():
    with FakeInstance(answer_pings=False) as mute, FakeInstance(name="Bass") as bass:
        found = find_instances(timeout=0.1)
    ours = [i.name for i in found if i.port in (mute.port, bass.port)]
    assert ours == ["Bass"] and mute.pings == 1


def test_the_reply_socket_stays_out_of_the_instances_range():
    socks = [reply_socket() for _ in range(50)]
    try:
        assert all(not 47800 <= s.getsockname()[1] <= 47864 for s in socks)
        assert all(s.getsockname()[0] == "127.0.0.1" for s in socks)
    finally:
        for s in socks:
            s.close()


def instance(name, port, ident=None):
    return Instance(ident or f"{port:08x}", name, port, 1, 0, 0, 0, True)


def test_a_target_picks_by_port_id_name_then_name_in_any_case():
    here = [instance("Drums", 47801), instance("Bass", 47802, "0a1b2c3d"), instance("bass", 47803)]
    assert pick("#47802", here).name == "Bass"
    assert pick("0a1b2c3d", here).port == 47802
    assert pick("bass", here).port == 47803 and pick("DRUMS", here).port == 47801
    with pytest.raises(LookupError) as none:
        pick("Lead", here)
    assert str(none.value) == ("plugin:Lead: no instance with that name, id or port answered on"
                               " 127.0.0.1:47801-47864; these did: 'Drums' (id 0000bab9, #47801);"
                               " 'Bass' (id 0a1b2c3d, #47802); 'bass' (id 0000babb, #47803)")
    with pytest.raises(LookupError, match=r"plugin:Lead: no Stepista plugin instance answered on"
                                          r" 127.0.0.1:47801-47864; load the plugin in your DAW"):
        pick("Lead", [])
    twins = [instance("Keys", 47801), instance("Keys", 47805)]
    with pytest.raises(LookupError, match=r"2 instances are named 'Keys' \(#47801, #47805\): rename"
                                          r" one in its editor, or use plugin:ID or plugin:#PORT"):
        pick("Keys", twins)


def test_the_spec_of_an_instance_reads_back_as_that_instance():
    here = [instance("Drums", 47801), instance("Keys", 47802), instance("keys", 47803),
            instance("a,b", 47804), instance("#1", 47805)]
    assert [instance_spec(i, here) for i in here] == [
        "plugin:Drums", "plugin:0000baba", "plugin:0000babb", "plugin:0000babc", "plugin:0000babd"]


def test_ports_lists_each_instance_or_says_none_answered():
    rows = [p for p in list_ports() if p.spec.startswith("plugin:")]
    assert [(p.spec, p.available) for p in rows] == [("plugin:NAME", False)]
    assert rows[0].description == "no Stepista plugin instance answered on 127.0.0.1:47801-47864"
    with FakeInstance(name="Drums") as drums, FakeInstance() as other:
        other.playing = False
        rows = [p for p in list_ports() if p.spec.startswith("plugin:")]
    assert [p.spec for p in rows] == ["plugin:Drums", f"plugin:{other.name}"]
    assert rows[0].description == (f"Stepista plugin 'Drums' (id {drums.id}, port {drums.port}),"
                                   " following the host transport, which is playing")
    assert rows[1].description.endswith("which is stopped")


def test_the_announcement_listener_keeps_a_table_and_forgets_the_silent():
    now = [100.0]
    listener = AnnouncementListener(clock=lambda: now[0])
    if not listener.start():
        pytest.skip(f"127.0.0.1:{ANNOUNCE_PORT} is taken by another program")
    with listener, FakeInstance(name="Drums") as drums, FakeInstance(name="Bass") as bass:
        assert not AnnouncementListener().start()  # a second app does not get them
        drums.announce()
        bass.announce()
        assert _eventually(lambda: len(listener.instances()) == 2)
        now[0] += 4.0
        drums.name = "Kick"
        drums.announce()  # a rename is announced
        assert _eventually(lambda: [i.name for i in listener.instances()] == ["Kick", "Bass"])
        now[0] += 2.5  # Bass silent for 6.5 s, Kick for 2.5 s
        assert [i.name for i in listener.instances()] == ["Kick"]
        junk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        junk.sendto(b"/stepista/hello\0,s\0\0x\0\0\0", ("127.0.0.1", ANNOUNCE_PORT))
        junk.close()
        drums.announce()
        assert _eventually(lambda: listener.instances()[0].name == "Kick")
    assert not listener.listening


def _eventually(pred, timeout=2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


# -- the output ----------------------------------------------------------------------------

@pytest.fixture
def notices():
    return []


def opened(target, notices):
    out = open_output(f"plugin:{target}")
    out.on_notice = notices.append
    return out


def test_an_unknown_instance_is_an_output_error_naming_what_answered():
    with FakeInstance(name="Drums") as drums:
        with pytest.raises(OutputError) as caught:
            open_output("plugin:Lead")
    assert str(caught.value).startswith("plugin:Lead: no instance with that name, id or port")
    assert f"'Drums' (id {drums.id}, #{drums.port})" in str(caught.value)


def test_a_clip_goes_once_and_is_acknowledged(notices):
    with FakeInstance(name="Drums") as fake:
        out = opened("Drums", notices)
        out.set_loop("d1", one_note(), Start(NEXT_QUANTUM, F(4)))
        assert fake.wait(lambda f: f.clips)
        time.sleep(0.35)
        clip = fake.last
        assert len(fake.clip_datagrams) == 1 and out.status == "ok" and notices == []
        assert (clip.reply_port, clip.start, clip.quantum_beats, clip.loop_beats) == \
            (out.reply_port, 1, 4, 4)
        out.close()
        assert fake.wait(lambda f: f.clears)  # closing stops what it played, at once
        assert fake.clears[-1][1] == NOW


def test_a_lost_clip_is_sent_again_with_the_same_seq(notices):
    with FakeInstance(ignore_clips=2) as fake:
        out = opened(f"#{fake.port}", notices)
        out.set_loop("d1", one_note(), Start())
        assert fake.wait(lambda f: f.clips, timeout=2)
        seqs = {d[28:32] for d in fake.clip_datagrams}  # after the address and the type tags
        assert len(fake.clip_datagrams) == 3 and len(seqs) == 1
        assert notices == [] and out.status == "ok"
        out.close()


def test_no_ack_is_sent_again_then_told_once(notices):
    with FakeInstance(name="Drums", ack=False) as fake:
        out = opened("Drums", notices)
        out.set_loop("2", one_note(), Start())
        assert _eventually(lambda: notices, timeout=2)
        assert len(fake.clip_datagrams) == plugin_module.SEND_TRIES
        assert notices == ["plugin 'Drums' did not acknowledge track 2's clip: is the plugin loaded"
                           " and the DAW running?"]
        assert out.status == f"no answer from 127.0.0.1:{fake.port}"
        out.close()


def test_changes_send_newer_seqs_and_removing_the_last_track_clears(notices):
    with FakeInstance() as fake:
        out = opened(f"#{fake.port}", notices)
        out.set_loop("d1", one_note(60), Start())
        out.set_loop("d1", one_note(62), Start(NOW, F(4)))
        assert fake.wait(lambda f: len(f.clips) == 2)
        assert fake.clips[1].seq == fake.clips[0].seq + 1 and fake.clips[1].start == NOW
        assert [n[2] for n in fake.last.notes] == [62]
        out.set_loop("d9", None, Start())  # a track that was never here: nothing is sent
        out.set_loop("d1", None, Start(NEXT_QUANTUM, F(4)))
        assert fake.wait(lambda f: f.clears)
        assert fake.clears[0] == (fake.clips[1].seq + 1, NEXT_QUANTUM)
        out.close()


def test_two_tracks_on_one_instance_play_as_one_loop(notices):
    with FakeInstance() as fake:
        out = opened(f"#{fake.port}", notices)
        out.set_loop("d1", Loop(F(4), 1, (LoopNote(F(0), F(1), 36, 100),)), Start())
        out.set_loop("d2", Loop(F(8), 10, (LoopNote(F(5), F(1), 42, 80),)), Start())
        assert fake.wait(lambda f: len(f.clips) == 2)
        assert fake.last.loop_beats == 8 and fake.last.channel == 1
        assert fake.last.beats() == [(0, 1, 36, 100), (4, 1, 36, 100), (5, 1, 42, 80)]
        assert any("channels 1 and 10" in n for n in notices)
        out.set_loop("d1", None, Start())
        assert fake.wait(lambda f: len(f.clips) == 3) and fake.last.beats() == [(5, 1, 42, 80)]
        with pytest.raises(LoopError, match="tracks d2 and d3 on plugin:#"):
            out.check_loop("d3", Loop(F(1001)))
        out.close()


def drums_playing(notices, monkeypatch, lost_s: float = plugin_module.LOST_S):
    """An output to a fake instance "Drums" that has taken one loop; pings every 50 ms."""
    monkeypatch.setattr(plugin_module, "KEEPALIVE_S", 0.05)
    monkeypatch.setattr(plugin_module, "LOST_S", lost_s)
    fake = FakeInstance(name="Drums")
    out = opened("Drums", notices)
    out.set_loop("d1", one_note(), Start())
    assert fake.wait(lambda f: f.clips)
    return fake, out


def test_a_plugin_that_comes_back_is_sent_its_loop_again(notices, monkeypatch):
    fake, out = drums_playing(notices, monkeypatch, lost_s=0.3)
    fake.close()  # the DAW unloads it
    assert _eventually(lambda: out.status.startswith("no answer"), timeout=3)
    assert notices[-1] == ("plugin 'Drums' stopped answering on 127.0.0.1:"
                           f"{fake.port}; its loop is sent again when it answers")
    with FakeInstance(name="Drums", ident=fake.id) as back:  # reloaded with its project
        assert back.wait(lambda f: f.clips, timeout=3)
        assert back.last.beats() == [(0, 1, 60, 100)] and back.last.start == NEXT_QUANTUM
        assert _eventually(lambda: out.status == "ok")
        assert f"was loaded again on 127.0.0.1:{back.port}" in notices[-1]  # a new run
    out.close()


def test_a_plugin_that_was_only_silent_answers_again_and_is_sent_its_loop(notices, monkeypatch):
    """The same run after a silence (a DAW that hung for a while): "answers again"."""
    fake, out = drums_playing(notices, monkeypatch, lost_s=0.3)
    fake.close()
    assert _eventually(lambda: out.status.startswith("no answer"), timeout=3)
    with FakeInstance(name="Drums", ident=fake.id, port=fake.port, run=fake.run) as back:
        assert back.wait(lambda f: f.clips, timeout=3)
        assert notices[-1] == ("plugin 'Drums' answers again on 127.0.0.1:"
                               f"{fake.port}: sent it track d1's loop again")
    out.close()


def test_a_plugin_reloaded_before_it_is_missed_is_sent_its_loop_again(notices, monkeypatch):
    """Reloaded within the keepalive, on the same port, with the same id: only hello's run
    tells; the output sends the loop again (the reloaded plugin plays what its project saved)."""
    fake, out = drums_playing(notices, monkeypatch)
    fake.close()
    with FakeInstance(name="Drums", ident=fake.id, port=fake.port) as back:
        assert back.run != fake.run
        assert back.wait(lambda f: f.clips, timeout=3)
        assert back.last.beats() == [(0, 1, 60, 100)] and back.last.start == NEXT_QUANTUM
        assert notices[-1] == ("plugin 'Drums' was loaded again on 127.0.0.1:"
                               f"{fake.port}: sent it track d1's loop again")
        clips = len(back.clips)
        time.sleep(0.3)  # six more keepalives from the same run: nothing more is sent
        assert len(back.clips) == clips
    out.close()
