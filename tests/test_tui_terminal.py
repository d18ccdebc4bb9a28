"""The TUI as a performer runs it: ``stepista`` in a real terminal (a private tmux server),
starting its own engine on a private JACK server, read back by a recording JACK client.

Everything here is private to the test: the JACK server has a name of its own, tmux runs on a
socket under ``tmp_path``, and XDG_DATA_HOME / XDG_STATE_HOME / XDG_RUNTIME_DIR point under
``tmp_path`` too, so the session file, the engine's log and the engine's socket never touch
the user's. Every process started is ended at teardown (tmux kill-server on our socket; the
engine, which the TUI started detached, by its pid).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from jackserver import JackServer, MidiRecorder, jackd_path

ROOT = Path(__file__).resolve().parent.parent
STEPISTA = ROOT / ".venv" / "bin" / "stepista"
COLUMNS, ROWS = 160, 48
CLIENT = "tui"  # --output jack:tui opens the port tui:out
DRUMS = 9  # MIDI channel 10, zero-based as in the status byte
BASS = 1   # channel 2: track 2's channel in a fresh session
C3 = 48


def _missing() -> str | None:
    if jackd_path() is None:
        return "jackd is not installed (Debian/Ubuntu: apt install jackd2)"
    if shutil.which("tmux") is None:
        return "tmux is not installed (Debian/Ubuntu: apt install tmux)"
    if not STEPISTA.exists():
        return f"{STEPISTA} is missing (make the project's .venv)"
    return None


MISSING = _missing()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=str(MISSING))


# -- MIDI as recorded ------------------------------------------------------------------------

def note_ons(events, channel: int | None = None, since: int = 0) -> list[tuple[int, int]]:
    """(channel, note) of every note-on (velocity > 0) from event index ``since`` on."""
    return [(m[0] & 15, m[1]) for _, _, m in events[since:]
            if len(m) == 3 and m[0] & 0xF0 == 0x90 and m[2] > 0
            and (channel is None or m[0] & 15 == channel)]


def sounding(events) -> dict[tuple[int, int], int]:
    """(channel, note) -> how many note-ons have no note-off yet. A note-off for a note-on the
    recorder missed (it connected late) is ignored."""
    count: dict[tuple[int, int], int] = {}
    for _, _, m in events:
        if len(m) != 3:
            continue
        key = (m[0] & 15, m[1])
        if m[0] & 0xF0 == 0x90 and m[2] > 0:
            count[key] = count.get(key, 0) + 1
        elif m[0] & 0xF0 == 0x80 or m[0] & 0xF0 == 0x90:
            if count.get(key):
                count[key] -= 1
    return {key: n for key, n in count.items() if n}


def all_notes_off(events, channel: int, since: int = 0) -> bool:
    """Whether a CC 123 (all notes off) on ``channel`` was recorded from event ``since`` on."""
    return any(m[:2] == (0xB0 | channel, 123) for _, _, m in events[since:])


def swapped_to(events, channel: int, note: int, count: int = 4) -> bool:
    """The swap landed: at least ``count`` note-ons of ``note`` on ``channel``, and none of
    another note on that channel after the first of them."""
    ons = note_ons(events, channel)
    if ons.count((channel, note)) < count:
        return False
    first = ons.index((channel, note))
    return all(n == note for _, n in ons[first:])


# -- the engine the TUI starts -----------------------------------------------------------------

def pid_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie nobody reaped yet counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def processes_mentioning(text: str) -> list[int]:
    """Pids of the processes whose command line contains ``text`` (our private socket path)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid() and text in cmdline(int(entry)):
            if pid_alive(int(entry)):
                pids.append(int(entry))
    return pids


def poll(pred, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return bool(pred())


class Rig:
    """A JACK server, a recorder, private XDG folders and a private tmux server with one pane
    that runs ``stepista``. ``why()`` is what a failing assertion shows: the pane and the logs."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.data = tmp_path / "data"
        self.state = tmp_path / "state"
        self.exports = tmp_path / "exports"
        for folder in (self.data, self.state):
            folder.mkdir()
        # A Unix socket path must stay under 108 bytes: pytest's tmp_path can be long.
        runtime = tmp_path / "run"
        if len(str(runtime)) > 70:
            runtime = Path(tempfile.mkdtemp(prefix="stx-run-"))
            self._extra_dirs = [runtime]
        else:
            runtime.mkdir()
            self._extra_dirs = []
        runtime.chmod(0o700)
        self.runtime = runtime
        self.socket = runtime / f"stepista-{os.getuid()}" / "engine.sock"
        self.session_file = self.data / "stepista" / "session.json"
        self.engine_log = self.state / "stepista" / "engine.log"
        self.tmux_socket = tmp_path / "tmux.sock"
        self.target = "stx"
        self.jack = JackServer()
        self.rec: MidiRecorder | None = None
        self._tmux_started = False

    # -- life cycle ---------------------------------------------------------------------------

    def __enter__(self) -> "Rig":
        self.jack.start()
        try:
            self.rec = MidiRecorder(self.jack, name="rec")
        except BaseException:
            self.jack.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._tmux_started:
                self.tmux("kill-server", check=False)
            for pid in self.engine_pids():
                self._end(pid)
        finally:
            self.jack.__exit__(None, None, None)  # closes the recorder first
            for folder in self._extra_dirs:
                shutil.rmtree(folder, ignore_errors=True)

    @staticmethod
    def _end(pid: int) -> None:
        for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            if poll(lambda: not pid_alive(pid), wait):
                return

    # -- the terminal -------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = dict(self.jack.env, TERM="xterm-256color", JACK_NO_START_SERVER="1",
                   XDG_DATA_HOME=str(self.data), XDG_STATE_HOME=str(self.state),
                   XDG_RUNTIME_DIR=str(self.runtime), HOME=str(self.tmp))
        env.pop("STEPISTA_ENGINE", None)
        env.pop("TMUX", None)
        return env

    def command(self) -> str:
        """``exec`` so that the pane's pid is the TUI's; ``env`` so that what the TUI sees does
        not depend on what the tmux server inherited."""
        env = self.env()
        keep = ("TERM", "JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER", "XDG_DATA_HOME",
                "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "HOME")
        argv = ["env", "-u", "STEPISTA_ENGINE", *(f"{k}={env[k]}" for k in keep),
                str(STEPISTA), "--no-link", "--output", f"jack:{CLIENT}",
                "--export-dir", str(self.exports)]
        return "exec " + shlex.join(argv)

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-S", str(self.tmux_socket), *args], check=check,
                              capture_output=True, text=True, timeout=10, env=self.env(),
                              cwd=self.tmp)

    def start_tui(self) -> int:
        """Start ``stepista`` in the pane (a new one the first time, the same pane again after
        it ended); return the TUI's pid."""
        if not self._tmux_started:
            # remain-on-exit keeps the pane of a TUI that ended, to read what it last showed
            self.tmux("-f", "/dev/null", "start-server", ";",
                      "set-option", "-g", "remain-on-exit", "on", ";",
                      "new-session", "-d", "-s", self.target, "-x", str(COLUMNS), "-y", str(ROWS),
                      "-c", str(self.tmp), self.command())
            self._tmux_started = True
        else:
            self.tmux("respawn-pane", "-k", "-t", self.target, "-c", str(self.tmp), self.command())
        return self.pane_pid()

    def pane_pid(self) -> int:
        return int(self.tmux("display-message", "-p", "-t", self.target, "#{pane_pid}").stdout)

    def pane_dead(self) -> tuple[bool, str]:
        """(whether the pane's program ended, how: "0", its exit status, or "signal N").

        tmux marks a pane dead when its terminal closes, and knows how the program ended once
        it reaps it on SIGCHLD. Debian's tmux is built with libutempter, which swaps in a
        SIGCHLD handler of its own for a moment when the pane closes; a child that exits in
        that moment is never reaped (tmux/tmux#311, #4559) and the pane says "dead" with no
        status for ever. So a dead pane without a status gets our tmux server a SIGCHLD."""
        out = self.tmux("display-message", "-p", "-t", self.target,
                        "#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}|#{pid}",
                        check=False).stdout.strip().split("|")
        if len(out) != 4 or out[0] != "1":
            return False, ""
        if not (out[1] or out[2]):
            if out[3].isdigit():
                os.kill(int(out[3]), signal.SIGCHLD)  # our private server (see above)
            return False, ""
        return True, out[1] or f"signal {out[2]}"

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.target, check=False).stdout

    def keys(self, *keys: str) -> None:
        """tmux key names (``Enter``, ``Escape``, ``q``...), in order."""
        self.tmux("send-keys", "-t", self.target, *keys)

    def type(self, text: str) -> None:
        """Type ``text`` literally (no key-name lookup)."""
        self.tmux("send-keys", "-t", self.target, "-l", text)

    def wait_screen(self, pred, timeout: float, what: str) -> str:
        """Poll the pane until ``pred(screen)``; return that screen, or fail showing why."""
        seen = [""]

        def check() -> bool:
            seen[0] = self.screen()
            return pred(seen[0])

        assert poll(check, timeout, 0.1), f"waited {timeout:g} s for {what}\n{self.why(seen[0])}"
        return seen[0]

    def wait_midi(self, pred, timeout: float, what: str) -> None:
        assert self.rec.wait_for(pred, timeout), f"waited {timeout:g} s for {what}\n{self.why()}"

    def wait_quit(self, timeout: float = 10.0) -> str:
        """Wait until the TUI's process ended; return its exit status."""
        state = [False, ""]

        def ended() -> bool:
            state[:] = self.pane_dead()
            return state[0]

        assert poll(ended, timeout), f"the TUI did not end within {timeout:g} s\n{self.why()}"
        return state[1]

    # -- the engine -----------------------------------------------------------------------------

    def log(self) -> str:
        try:
            return self.engine_log.read_text(errors="replace")
        except OSError:
            return "(no engine log)"

    def engine_starts(self) -> list[int]:
        """The pid of every engine that started listening at our socket, from its log."""
        return [int(p) for p in re.findall(r"engine listening at \S+ \(pid (\d+)\)", self.log())]

    def engine_pids(self) -> list[int]:
        """The engines running on our private socket now (from the log and the process table)."""
        pids = {p for p in self.engine_starts() if pid_alive(p) and str(self.socket) in cmdline(p)}
        pids.update(processes_mentioning(str(self.socket)))
        return sorted(pids)

    def why(self, screen: str | None = None) -> str:
        screen = self.screen() if screen is None else screen
        events = self.rec.events if self.rec else []
        tail = [m for _, _, m in events[-12:]]
        dead, how = self.pane_dead()
        return (f"--- pane ({'ended: ' + how if dead else 'running'})"
                f" ---\n{screen.rstrip()}\n--- engine log ---\n{self.log().rstrip()}\n"
                f"--- MIDI: {len(events)} events, last {tail}; sounding {sounding(events)} ---")


@pytest.fixture
def rig(tmp_path):
    with Rig(tmp_path) as r:
        yield r


def row(screen: str, index: int) -> str:
    """Line ``index`` of the screen ("" when there is no such line: the pane is gone)."""
    lines = screen.rstrip("\n").splitlines()
    return lines[index] if -len(lines) <= index < len(lines) else ""


def main_screen(screen: str) -> bool:
    """The main screen is up: the track list, the drum lanes and the transport running."""
    return "1 ● drums" in screen and "kick" in screen and "▶ playing" in screen


def prompt_focused(screen: str) -> bool:
    """The live-code prompt has the keyboard: the footer offers its keys."""
    return "⏎ Evaluate" in row(screen, -1)


def in_prompt(code: str):
    """A screen predicate: ``code`` is the prompt's text (not its placeholder)."""
    return lambda screen: any(line.startswith(f"▊  {code} ") for line in screen.splitlines())


def roll_focused(screen: str) -> bool:
    """The prompt is left: the footer offers the main screen's keys, not the prompt's."""
    footer = row(screen, -1)
    return "g Generate" in footer and "^g Generate" not in footer


def connect_recorder(rig: Rig) -> None:
    """Connect ``tui:out`` (the engine's JACK port) to the recorder once it exists."""
    port = f"{CLIENT}:out"
    assert poll(lambda: bool(rig.rec.client.get_ports(port)), 10), f"no JACK port {port}\n{rig.why()}"
    rig.rec.connect_from(port)


def saved_code(rig: Rig) -> str | None:
    """Track 1's code in the session file as it is on disk now (None while there is none)."""
    try:
        return json.loads(rig.session_file.read_text())["tracks"][0]["code"]
    except (OSError, ValueError, KeyError, IndexError):
        return None


def flat(screen: str) -> str:
    """The screen's text with every line's padding and the toasts' borders taken out, so that
    a path that a notification wrapped over two lines reads whole again."""
    return "".join(line.strip(" ▊▎▌▏▔▁") for line in screen.splitlines())


# -- the tests -----------------------------------------------------------------------------------

def test_a_performance_in_a_real_terminal(rig):
    """Start, hear the beat, live-code, generate, export, quit: what the terminal shows and
    what reaches JACK at each step, and no note left hanging at the end."""
    started = time.monotonic()
    rig.start_tui()
    screen = rig.wait_screen(main_screen, 20, "the main screen")
    assert "new session" in screen and "(empty) techno bass" in screen, rig.why(screen)
    assert rig.socket.exists(), f"the engine is not at {rig.socket}\n{rig.why(screen)}"
    connect_recorder(rig)
    rig.wait_midi(lambda ev: len(note_ons(ev, DRUMS)) >= 4, 10, "the drum clip on channel 10")
    assert not note_ons(rig.rec.events, BASS), rig.why()
    up = time.monotonic() - started

    # live code on track 1: from the next bar only c3 plays on its channel
    rig.keys(":")
    rig.wait_screen(prompt_focused, 5, "the prompt focused")  # see test_typing_ahead_...
    rig.type('note("c3*4")')
    rig.wait_screen(in_prompt('note("c3*4")'), 5, "the typed expression in the prompt")
    rig.keys("Enter")
    rig.wait_midi(lambda ev: swapped_to(ev, DRUMS, C3), 10, "c3 replacing the drum clip")
    rig.keys("Escape")
    rig.wait_screen(lambda s: 'note("c3*4")' in row(s, 0), 5, "the code as track 1's summary")
    rig.wait_screen(roll_focused, 5, "the prompt left (the footer shows the main keys again)")

    # generate on track 2: a techno bassline, shown as notes in the roll, heard on channel 2
    rig.keys("2")
    rig.wait_screen(lambda s: "no clip: type an expression or press g" in s, 5,
                    "track 2 (empty) selected")
    rig.keys("g")
    screen = rig.wait_screen(lambda s: "● bass       techno bass C minor" in row(s, 1), 10,
                             "track 2 playing its generated clip")
    assert re.search(r"^.{40,}\b[A-G][#b]?-?\d\s+[│┆·█]", screen, re.M), \
        f"no note-name row in the roll\n{rig.why(screen)}"
    rig.wait_midi(lambda ev: len(note_ons(ev, BASS)) >= 2, 10, "the bassline on channel 2")
    assert swapped_to(rig.rec.events, DRUMS, C3), rig.why()  # track 1 plays on, unchanged

    # export the selected track
    rig.keys("e")
    screen = rig.wait_screen(lambda s: "exported" in s, 5, "the export notice")
    files = list(rig.exports.glob("*.mid"))
    assert len(files) == 1, f"{files}\n{rig.why(screen)}"
    assert files[0].stat().st_size > 0
    assert str(files[0]) in flat(screen), f"the path {files[0]} is not shown\n{rig.why(screen)}"
    assert "exported 1 track to" in flat(screen), rig.why(screen)

    # quit: the TUI ends cleanly, the session is saved, and the engine cuts every note
    mark = len(rig.rec.events)
    rig.keys("q")
    assert rig.wait_quit() == "0", rig.why()
    saved = json.loads(rig.session_file.read_text())
    assert saved["tracks"][0]["source"] == "code" and saved["tracks"][0]["code"] == 'note("c3*4")'
    assert saved["tracks"][1]["source"] == "clip" and saved["selected"] == 1
    rig.wait_midi(lambda ev: not sounding(ev), 5, "a note-off for every note-on after the quit")
    assert "left: cut its tracks" in rig.log(), rig.why()
    assert rig.engine_pids(), f"the engine did not linger\n{rig.why()}"
    print(f"main screen and first beat after {up:.1f} s; whole test {time.monotonic() - started:.1f} s;"
          f" {len(rig.rec.events)} MIDI events ({len(rig.rec.events) - mark} after q)")


def test_sigkill_cuts_every_note_and_a_restart_reattaches(rig):
    """A TUI killed with SIGKILL while long notes sound: the engine ends them at once and
    lingers; a new TUI reattaches to that same engine, restores the session and plays again."""
    code = 'note("[c3,g3]").slow(2)'  # two notes, each 8 beats long: they are nearly always on
    started = time.monotonic()
    first = rig.start_tui()
    rig.wait_screen(main_screen, 20, "the main screen")
    connect_recorder(rig)
    rig.wait_midi(lambda ev: note_ons(ev, DRUMS), 10, "the drum clip")
    rig.keys(":")
    rig.wait_screen(prompt_focused, 5, "the prompt focused")
    rig.type(code)
    rig.wait_screen(in_prompt(code), 5, "the typed expression in the prompt")
    rig.keys("Enter")
    rig.wait_midi(lambda ev: (DRUMS, C3) in note_ons(ev, DRUMS), 10, "the long c3")
    assert poll(lambda: saved_code(rig) == code, 5), f"the code was not autosaved\n{rig.why()}"

    # kill the TUI while c3 and g3 sound
    assert "stepista" in cmdline(first) and "engine" not in cmdline(first), cmdline(first)
    engines = rig.engine_pids()
    assert len(engines) == 1, f"engines: {engines}\n{rig.why()}"
    engine = engines[0]
    # right after a fresh c3, so that its own note-off is 8 beats (over 3 s) away
    fresh = len(rig.rec.events)
    rig.wait_midi(lambda ev: (DRUMS, C3) in note_ons(ev, DRUMS, since=fresh), 10, "a new c3")
    mark = len(rig.rec.events)
    ringing = sounding(rig.rec.events)
    os.kill(first, signal.SIGKILL)
    killed = time.monotonic()
    assert rig.wait_quit(5) == "signal 9", rig.why()
    rig.wait_midi(lambda ev: not sounding(ev), 2, f"note-offs for {ringing} after the SIGKILL")
    cut_after = time.monotonic() - killed
    # the notes were cut, not left to end on their own 8 beats (over 3 s) later
    assert cut_after < 1.5, f"the notes ended {cut_after:.2f} s after the kill\n{rig.why()}"
    offs = {(m[0] & 15, m[1]) for _, _, m in rig.rec.events[mark:] if m[0] & 0xF0 == 0x80}
    assert set(ringing) <= offs, rig.why()
    # (CC 123 too, says the README: see test_a_tui_leaving_sends_all_notes_off)
    assert poll(lambda: "left: cut its tracks" in rig.log(), 2), rig.why()

    # the engine lingers, silent
    quiet = len(rig.rec.events)
    time.sleep(0.5)
    assert pid_alive(engine) and rig.engine_pids() == [engine], rig.why()
    assert not note_ons(rig.rec.events, since=quiet), f"the engine plays on alone\n{rig.why()}"

    # a new TUI attaches to the same engine and restores the session
    second = rig.start_tui()
    assert second != first
    rig.wait_screen(lambda s: "1 ● drums" in s and "▶ playing" in s, 20, "the restored main screen")
    rig.wait_screen(in_prompt(code), 5, "the code in the prompt")
    rig.wait_screen(lambda s: "1 ● drums      " + code[:15] in row(s, 0), 5,
                    "the code as track 1's summary")  # (the roll: see test_a_restored_code_...)
    back = len(rig.rec.events)
    rig.wait_midi(lambda ev: (DRUMS, C3) in note_ons(ev, DRUMS, since=back), 10,
                  "c3 again after the restart")
    assert (DRUMS, C3 + 7) in note_ons(rig.rec.events, DRUMS, since=back), rig.why()
    assert rig.engine_starts() == [engine], f"another engine started\n{rig.why()}"
    assert rig.engine_pids() == [engine] and pid_alive(engine), rig.why()

    # and quits cleanly
    rig.keys("q")
    assert rig.wait_quit() == "0", rig.why()
    rig.wait_midi(lambda ev: not sounding(ev), 5, "a note-off for every note-on after the quit")
    print(f"notes cut {cut_after * 1000:.0f} ms after the SIGKILL; whole test "
          f"{time.monotonic() - started:.1f} s")


def test_typing_ahead_of_the_prompt_focus(rig):
    """``:`` and the expression in one write, as a paste or tmux send-keys delivers them: the
    whole expression must land in the prompt and nothing else must happen."""
    rig.start_tui()
    rig.wait_screen(main_screen, 20, "the main screen")
    rig.type(':note("c3*4")')
    rig.wait_screen(prompt_focused, 5, "the prompt focused")
    rig.wait_screen(in_prompt('note("c3*4")'), 3, "the expression typed ahead in the prompt")
    assert not list(rig.exports.glob("*.mid")), f"the e of note() exported a track\n{rig.why()}"


def test_a_restored_code_track_shows_its_notes_in_the_roll(rig):
    """Code typed on track 1 shows as notes in the roll (c3 on channel 10 is the high-mid tom
    lane); after a quit and a restart the roll shows them again."""
    code = 'note("c3*4")'
    lane = re.compile(r"high_mid_tom\s+█")
    rig.start_tui()
    rig.wait_screen(main_screen, 20, "the main screen")
    rig.keys(":")
    rig.wait_screen(prompt_focused, 5, "the prompt focused")
    rig.type(code)
    rig.wait_screen(in_prompt(code), 5, "the typed expression in the prompt")
    rig.keys("Enter")
    rig.wait_screen(lambda s: lane.search(s), 5, "c3 in the roll")
    rig.keys("Escape")
    rig.wait_screen(roll_focused, 5, "the prompt left")
    rig.keys("q")
    assert rig.wait_quit() == "0", rig.why()
    assert saved_code(rig) == code, rig.why()
    rig.start_tui()
    rig.wait_screen(in_prompt(code), 20, "the restored code in the prompt")
    rig.wait_screen(lambda s: lane.search(s), 5, "c3 in the roll after the restart")
