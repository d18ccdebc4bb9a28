"""The real Stepista TUI in a terminal of its own, for the benchmarks.

A helper module of benchmarks/tui.py and benchmarks/timing.py, not a script. It runs
``stepista`` (no command: the TUI) in a private tmux server (its own socket, no config
file, ``TERM=xterm-256color``) with private ``XDG_DATA_HOME``, ``XDG_STATE_HOME`` and
``XDG_RUNTIME_DIR`` under a directory the caller owns, so the TUI starts an engine of its
own and touches none of the user's files. The pane's command is ``exec``'d, so the pane's
pid is the TUI's; the engine is the TUI's child (found by its command line, or by the pid
its log names).

    with TuiInTmux(workdir, ["--no-link", "--output", "preview"]) as tui:
        tui.wait_playing()
        meter = CpuMeter({"tui": tui.tui_pid, "engine": tui.engine_pid})
        time.sleep(20)
        print(meter.shares())  # {"tui": 0.12, "engine": 0.05}

``profile=PATH`` (cProfile stats) or ``widgets=PATH`` (renders per widget class) runs the
TUI through a ``python -c`` wrapper around ``stepista.cli.main`` that watches it between
:meth:`TuiInTmux.profile_start` and :meth:`TuiInTmux.profile_stop`, which writes PATH.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

PROFILE_WRAPPER = """\
import cProfile, json, os, signal, sys, time
from textual.widget import Widget
from stepista.cli import main
stats_path = os.environ.get("STEPISTA_BENCH_PROFILE")
widgets_path = os.environ.get("STEPISTA_BENCH_WIDGETS")
profile = cProfile.Profile()
widgets = {}
counting = False
render_lines, refresh = Widget.render_lines, Widget.refresh
def entry(widget):
    return widgets.setdefault(type(widget).__name__, {"renders": 0, "rows": 0, "seconds": 0.0,
                                                       "refreshes": 0})
def timed_render_lines(self, crop):
    if not counting:
        return render_lines(self, crop)
    began = time.perf_counter()
    try:
        return render_lines(self, crop)
    finally:
        e = entry(self)
        e["renders"] += 1
        e["rows"] += crop.height
        e["seconds"] += time.perf_counter() - began
def counted_refresh(self, *args, **kwargs):
    if counting:
        entry(self)["refreshes"] += 1
    return refresh(self, *args, **kwargs)
if widgets_path:
    Widget.render_lines, Widget.refresh = timed_render_lines, counted_refresh
def start(*_):
    global counting
    widgets.clear()
    counting = True
    if stats_path:
        profile.enable()
def stop(*_):
    global counting
    counting = False
    if stats_path:
        profile.disable()
        profile.dump_stats(stats_path)
    if widgets_path:
        with open(widgets_path, "w") as out:
            json.dump(widgets, out)
signal.signal(signal.SIGUSR1, start)
signal.signal(signal.SIGUSR2, stop)
sys.exit(main(sys.argv[1:]))
"""
"""Run as ``python -c PROFILE_WRAPPER ARGS...``: ``stepista ARGS``, watched between SIGUSR1
and SIGUSR2. ``$STEPISTA_BENCH_PROFILE``: its main thread under cProfile, the stats written
there. ``$STEPISTA_BENCH_WIDGETS``: per widget class, how often Textual rendered it (calls
of ``Widget.render_lines``, rows, seconds) and how often it was asked to (``refresh``), as
JSON there."""


# -- /proc -------------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of a process (all its threads) so far, or None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the name in (...) may hold spaces
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime: fields 14, 15


def rss_mb(pid: int) -> float | None:
    """Resident set size in MiB, or None if the process is gone."""
    try:
        resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident * PAGE_KB / 1024


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def children(pid: int) -> list[int]:
    """The direct children of a process, over all its threads."""
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    for task in tasks:
        try:
            found += [int(p) for p in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        except OSError:
            pass
    return sorted(set(found))


def write_calls(pid: int) -> int | None:
    """How many write system calls the process made so far (/proc/PID/io), or None."""
    try:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("syscw:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def stop_pid(pid: int | None, timeout: float = 5.0) -> None:
    """SIGTERM a process we started (directly or through the TUI), then SIGKILL it."""
    if not alive(pid):
        return
    with _suppress_gone():
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(pid):
        with _suppress_gone():
            os.kill(pid, signal.SIGKILL)


class _suppress_gone:
    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        return kind is ProcessLookupError


class CpuMeter:
    """CPU time of named processes between its creation and :meth:`shares`, per wall second."""

    def __init__(self, pids: dict[str, int | None]) -> None:
        self.pids = {name: pid for name, pid in pids.items() if pid is not None}
        self.began = time.monotonic()
        self.start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def shares(self) -> dict[str, float | None]:
        """Share of one core each process used since the start (0.15 = 15 %); None if it
        was gone at either end."""
        elapsed = time.monotonic() - self.began
        out = {}
        for name, pid in self.pids.items():
            now, then = cpu_seconds(pid), self.start[name]
            out[name] = None if now is None or then is None else (now - then) / elapsed
        return out

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.began


# -- the TUI in tmux -----------------------------------------------------------------------

class TuiInTmux:
    """``stepista ARGS`` in a private tmux server under ``workdir``; see the module doc.

    ``env`` is the environment to start from (os.environ by default); ``STEPISTA_ENGINE`` is
    taken out of it, so the TUI's engine is its own, at the default address in the private
    runtime directory.
    """

    def __init__(self, workdir: Path, args: list[str], *, env: dict | None = None,
                 size: tuple[int, int] = (160, 48), profile: Path | None = None,
                 widgets: Path | None = None) -> None:
        self.workdir = Path(workdir)
        self.args = list(args)
        self.size = size
        self.profile = profile
        self.widgets = widgets
        self.socket = self.workdir / "tmux.sock"
        base = dict(os.environ if env is None else env)
        base.pop("STEPISTA_ENGINE", None)
        base.pop("TMUX", None)  # we may be inside the user's tmux: talk to ours only
        dirs = {"XDG_DATA_HOME": "data", "XDG_STATE_HOME": "state", "XDG_RUNTIME_DIR": "run"}
        for var, name in dirs.items():
            path = self.workdir / name
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            base[var] = str(path)
        base["TERM"] = "xterm-256color"
        if profile is not None:
            base["STEPISTA_BENCH_PROFILE"] = str(profile)
        if widgets is not None:
            base["STEPISTA_BENCH_WIDGETS"] = str(widgets)
        self.env = base
        self.engine_log = self.workdir / "state" / "stepista" / "engine.log"
        self.tui_pid: int | None = None
        self._engine_pid: int | None = None
        self.server_pid: int | None = None

    # -- tmux ---------------------------------------------------------------------------

    def tmux(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(["tmux", "-S", str(self.socket), "-f", "/dev/null", *args],
                                env=self.env, capture_output=True, text=True, timeout=10)
        if check and result.returncode != 0:
            raise RuntimeError(f"tmux {args[0]}: {result.stderr.strip()}")
        return result.stdout

    def command(self) -> str:
        """The pane's shell command: exec the TUI (or its profiling wrapper) in place."""
        if self.profile is None and self.widgets is None:
            argv = [str(Path(sys.executable).parent / "stepista"), *self.args]
            if not Path(argv[0]).exists():
                argv = [sys.executable, "-m", "stepista", *self.args]
        else:
            argv = [sys.executable, "-c", PROFILE_WRAPPER, *self.args]
        # tmux hands the pane its own environment; say ours again, for the pane only
        assignments = [f"{k}={self.env[k]}" for k in
                       ("TERM", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR",
                        "STEPISTA_BENCH_PROFILE", "STEPISTA_BENCH_WIDGETS") if k in self.env]
        return "exec " + shlex.join(["env", "-u", "STEPISTA_ENGINE", *assignments, *argv])

    def start(self) -> "TuiInTmux":
        width, height = self.size
        self.tmux("new-session", "-d", "-x", str(width), "-y", str(height),
                  "-c", str(self.workdir), self.command())
        self.tmux("set-option", "-g", "status", "off")  # the pane is the whole window
        self.tmux("resize-window", "-x", str(width), "-y", str(height))
        self.tui_pid = int(self.tmux("list-panes", "-F", "#{pane_pid}").split()[0])
        self.server_pid = int(self.tmux("display-message", "-p", "#{pid}").strip())
        return self

    def screen(self) -> str:
        """The pane's text now ('' once tmux is gone)."""
        try:
            return self.tmux("capture-pane", "-p", check=False)
        except subprocess.TimeoutExpired:
            return ""

    def wait_for(self, condition: Callable[[str], bool], timeout: float, what: str) -> str:
        """Poll the screen until ``condition(screen)``; the screen, or RuntimeError saying
        what was on it and the engine's log."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if condition(text):
                return text
            if not alive(self.tui_pid):
                raise RuntimeError(f"the TUI exited before {what}:\n{text}\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no {what} within {timeout:g} s; the screen:\n{text}\n"
                                   f"{self.log_tail()}")
            time.sleep(0.2)

    def wait_playing(self, timeout: float = 40.0) -> str:
        """Until the status bar says it plays and the roll shows the first track's drums."""
        return self.wait_for(lambda s: "▶ playing" in s and "kick" in s, timeout,
                             "playing screen (▶ and the roll)")

    def resize(self, width: int, height: int, timeout: float = 10.0) -> str:
        self.tmux("resize-window", "-x", str(width), "-y", str(height))
        self.size = (width, height)
        return self.wait_for(lambda s: _width(s) == width and "▶ playing" in s, timeout,
                             f"redraw at {width}x{height}")

    def log_tail(self) -> str:
        try:
            return "engine log: " + self.engine_log.read_text()[-1500:]
        except OSError:
            return "no engine log"

    # -- the engine --------------------------------------------------------------------

    @property
    def engine_pid(self) -> int | None:
        """The engine the TUI started: its child running ``stepista engine``."""
        if self._engine_pid is None or not alive(self._engine_pid):
            self._engine_pid = self._find_engine()
        return self._engine_pid

    def _find_engine(self) -> int | None:
        if self.tui_pid is not None:
            for pid in children(self.tui_pid):
                argv = command_line(pid)
                if "stepista" in argv and "engine" in argv:
                    return pid
        try:  # the TUI is gone (or the engine is not its child): the log names the pid
            found = re.findall(r"listening at \S+ \(pid (\d+)\)", self.engine_log.read_text())
        except OSError:
            return None
        return int(found[-1]) if found and alive(int(found[-1])) else None

    # -- profiling ----------------------------------------------------------------------

    def profile_start(self) -> None:
        os.kill(self.tui_pid, signal.SIGUSR1)

    def profile_stop(self, timeout: float = 10.0) -> None:
        """Stop watching and wait for the files."""
        os.kill(self.tui_pid, signal.SIGUSR2)
        deadline = time.monotonic() + timeout
        wanted = [p for p in (self.profile, self.widgets) if p is not None]
        while not all(p.exists() for p in wanted) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # let the dump finish writing

    # -- the end -----------------------------------------------------------------------

    def quit(self, timeout: float = 10.0) -> bool:
        """Press q, as a performer quits; True if the TUI exited by itself."""
        if not alive(self.tui_pid):
            return False
        engine = self.engine_pid  # remember it while it is still the TUI's child
        self.tmux("send-keys", "q", check=False)
        deadline = time.monotonic() + timeout
        while alive(self.tui_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self._engine_pid = engine
        return not alive(self.tui_pid)

    def close(self) -> None:
        """Quit the TUI if it still runs, then end the tmux server and the engine."""
        engine = self.engine_pid
        if alive(self.tui_pid):
            self.quit()
        subprocess.run(["tmux", "-S", str(self.socket), "kill-server"], env=self.env,
                       capture_output=True, timeout=10)
        stop_pid(self.tui_pid)
        stop_pid(engine)  # it lingers 30 s for a TUI to come back: not for us
        stop_pid(self.server_pid)

    def __enter__(self) -> "TuiInTmux":
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc) -> None:
        self.close()


def _width(screen: str) -> int:
    return max((len(line) for line in screen.splitlines()), default=0)


def tmux_available() -> bool:
    try:
        return subprocess.run(["tmux", "-V"], capture_output=True).returncode == 0
    except OSError:
        return False
