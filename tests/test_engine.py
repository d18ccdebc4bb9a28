"""The engine as a process: requests over IPC, bad input rejected without losing the music,
clients that vanish take their tracks with them, signals end it cleanly."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from enginefix import EngineProcess, wait_until
from test_ipc import junk_lines


@pytest.fixture
def engine(tmp_path):
    with EngineProcess(tmp_path, "--no-link", "--output", "preview") as e:
        yield e


def test_play_status_and_swap(engine):
    with engine.client() as c:
        reply = c.request({"op": "play", "code": 'note("c3*4")', "track": "lead"})
        assert reply["ok"], reply
        assert wait_until(lambda: c.request({"op": "status"})["playing"])
        status = c.request({"op": "status"})
        assert "lead" in status["tracks"] and status["clock"]["link"] is False
        assert status["outputs"] == {"preview": "ok"}
        again = c.request({"op": "play", "code": 'note("e3*4")', "track": "lead", "quantize": "bar"})
        assert again["ok"] and again["tracks"]["lead"] % 4 == 0


def test_a_broken_expression_is_refused_and_the_old_one_keeps_playing(engine):
    with engine.client() as c:
        assert c.request({"op": "play", "code": 'note("c3*4")'})["ok"]
        bad = c.request({"op": "play", "code": 'note("c3 [e3")'})
        assert not bad["ok"] and "line 1, column" in bad["error"] and "'['" in bad["error"]
        status = c.request({"op": "status"})
        assert list(status["tracks"]) == ["d1"] and status["tracks"]["d1"]["error"] is None


def test_malformed_messages_are_rejected_logged_and_survived(engine):
    with engine.client() as c:
        assert c.request({"op": "play", "code": 'note("c3*4")'})["ok"]
        raw = c.sock
        lines = [line for line in junk_lines(99, 600) if not _valid(line)]
        assert len(lines) > 300
        raw.sendall(b"\n".join(lines) + b"\n")
        raw.sendall(b"{" * 2_000_000 + b"\n")  # longer than MAX_LINE
        status = c.request({"op": "status"})  # replies to the junk are skipped by id
        assert status["ok"] and "d1" in status["tracks"]
    assert "rejected a message" in engine.log()
    assert engine.proc.poll() is None


def _valid(line: bytes) -> bool:
    from stepista.engine import ipc
    try:
        ipc.parse_request(line)
        return True
    except ipc.BadMessage:
        return False


def test_tracks_of_a_killed_client_are_cut(engine, tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        from stepista.engine import ipc
        c = ipc.Client({engine.address!r}, name="doomed")
        c.request({{"op": "play", "code": 'note("c2").slow(8)', "track": "drone"}})
        print("ready", flush=True)
        time.sleep(60)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert child.stdout.readline().strip() == b"ready"
    with engine.client() as c:
        assert "drone" in c.request({"op": "status"})["tracks"]
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert wait_until(lambda: "drone" not in c.request({"op": "status"})["tracks"])
    assert "cut its tracks drone" in engine.log()


def test_sigterm_ends_the_engine_and_removes_its_socket(engine):
    path = engine.address[len("unix:"):]
    assert os.path.exists(path)
    assert engine.stop() == 0
    assert not os.path.exists(path)


def test_an_orphaned_private_engine_exits_when_its_client_leaves(tmp_path):
    with EngineProcess(tmp_path, "--no-link", "--output", "preview", "--exit-when-orphaned") as e:
        with e.client() as c:
            assert c.request({"op": "play", "code": 'note("c3")'})["ok"]
        assert e.proc.wait(timeout=10) == 0


def test_outputs_open_and_close_over_ipc(engine, tmp_path):
    target = tmp_path / "take.mid"
    with engine.client() as c:
        opened = c.request({"op": "open", "spec": f"file:{target}"})
        assert opened["ok"], opened
        label = opened["output"]
        assert c.request({"op": "play", "code": 'note("c3*4")', "outputs": [label],
                          "quantize": "now"})["ok"]
        assert wait_until(lambda: (c.request({"op": "status"})["beat"] or 0) > 2)
        assert c.request({"op": "close", "output": label})["ok"]
        bad = c.request({"op": "play", "code": 'note("c3")', "outputs": ["nope:x"]})
        assert not bad["ok"] and "no output nope:x" in bad["error"]
    import mido
    notes = [m for m in mido.MidiFile(target).play(meta_messages=False) if m.type == "note_on"]
    assert notes and {m.note for m in notes} == {48}


def test_tempo_and_link_switch(engine):
    with engine.client() as c:
        assert c.request({"op": "tempo", "bpm": 140})["ok"]
        assert c.request({"op": "status"})["clock"]["tempo"] == 140
        assert not c.request({"op": "tempo", "bpm": 5000})["ok"]
        on = c.request({"op": "link", "enabled": True, "quantum": 3})
        assert on["ok"] and on["clock"]["link"] and on["clock"]["quantum"] == 3
        assert c.request({"op": "link", "enabled": False})["clock"]["link"] is False


def test_a_lingering_engine_waits_for_its_client_to_come_back(tmp_path):
    """The TUI's engine: when the TUI dies, its notes are cut at once, but the engine waits
    --linger seconds so a restarted TUI reattaches; only then does it exit."""
    with EngineProcess(tmp_path, "--no-link", "--output", "preview", "--exit-when-orphaned",
                       "--linger", "1.5") as e:
        first = e.client("tui")
        first.request({"op": "play", "code": 'note("c3*4")', "track": "t1"})
        first.close()
        time.sleep(0.5)
        with e.client("tui") as again:  # back within the linger time
            assert again.request({"op": "status"})["tracks"] == {}  # the first one's track was cut
            time.sleep(1.5)
            assert e.proc.poll() is None  # a client is here: no exit
        assert wait_until(lambda: e.proc.poll() is not None, timeout=5)
        assert e.proc.returncode == 0


def test_status_carries_the_reading_time_and_timing_health(tmp_path):
    from stepista.engine.hosttime import now_us

    with EngineProcess(tmp_path, "--no-link", "--output", "preview") as e, e.client() as c:
        before = now_us()
        status = c.request({"op": "status"})
        after = now_us()
        assert before <= status["clock"]["time_us"] <= after  # the same host clock as ours
        health = status["health"]
        assert health["late"] == 0 and 0 < health["tick_ms"] < 1000
        assert status["notices"] == []
