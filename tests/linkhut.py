"""Drive Ableton's LinkHut (Debian's ``ableton-link-utils``) from a test, through tmux.

LinkHut is the reference Link peer: if Stepista agrees with it on tempo, beat and
start/stop, it agrees with any Link app. It is a full-screen terminal program, so it runs
in a detached tmux pane that we type keys into and read the screen of.

    with LinkHut(jack_server="mytest") as hut:
        hut.enable()
        hut.wait_for(lambda s: s.peers >= 1, timeout=5)
        hut.tempo_up(3)

The Debian build plays its metronome through JACK, so it needs a JACK server to be running
under the name given (the caller owns that server). Each LinkHut gets a tmux *server* of its
own (``tmux -S`` on a socket in a temporary folder), so we never touch anyone's tmux
sessions and our teardown cannot hit them.

Link sessions span every peer the network reaches, including other people's LinkHuts on
this machine. :func:`private_link_network` moves the calling thread into a fresh network
namespace where only loopback exists (Link discovers peers over loopback too), so a test's
peers meet only each other.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from typing import Callable, Iterator

LINKHUT = "LinkHut"
HEADER_START = "enabled |"
COLUMNS, ROWS = 100, 30


@dataclass(frozen=True)
class HutState:
    """One reading of LinkHut's status line."""
    enabled: bool
    peers: int
    quantum: int
    sync: bool
    playing: bool
    tempo: float
    beats: float


def parse_screen(screen: str) -> HutState | None:
    """Read the status line under LinkHut's column header; None if it is not on screen.

    >>> parse_screen('''enabled | num peers | quantum | start stop sync | tempo   | beats   | metro
    ... yes     | 2         | 4       | yes [playing]   | 121.00  | 3.61    | XXXX''')
    HutState(enabled=True, peers=2, quantum=4, sync=True, playing=True, tempo=121.0, beats=3.61)
    """
    lines = screen.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.startswith(HEADER_START):
            return _parse_values(lines[i + 1])
    return None


def _parse_values(line: str) -> HutState | None:
    """Parse the value row; None when LinkHut was caught mid-redraw (a short or garbled row)."""
    cells = [cell.strip() for cell in line.split("|")]
    if len(cells) < 6:
        return None
    try:
        return HutState(
            enabled=cells[0] == "yes",
            peers=int(cells[1]),
            quantum=int(cells[2]),
            sync=cells[3].startswith("yes"),
            playing="[playing]" in cells[3],
            tempo=float(cells[4]),
            beats=float(cells[5]),
        )
    except ValueError:
        return None


def missing_tools() -> str | None:
    """Why LinkHut cannot be driven here, or None if it can."""
    for tool, package in ((LINKHUT, "ableton-link-utils"), ("tmux", "tmux")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian package {package})"
    return None


def require_linkhut() -> None:
    """Skip the calling test when LinkHut or tmux is missing."""
    import pytest

    reason = missing_tools()
    if reason:
        pytest.skip(reason)


class LinkHut:
    """A LinkHut running in a private tmux server; a context manager that quits it on exit."""

    def __init__(self, jack_server: str, name: str | None = None) -> None:
        self.jack_server = jack_server
        # Unique, so that parallel tests' sessions never collide (the tmux server is ours
        # alone anyway, on a socket in a folder of our own).
        self.name = name or f"linkhut-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._socket_dir: str | None = None
        self._started = False

    # -- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> "LinkHut":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, timeout: float = 10.0) -> None:
        """Start LinkHut and wait until its status line is on screen."""
        # JACK_NO_START_SERVER: if the server is missing, fail at once rather than have
        # libjack try to start one (on ALSA, which fails slowly and litters /dev/shm).
        command = (f"env JACK_DEFAULT_SERVER={self.jack_server} JACK_NO_START_SERVER=1 "
                   f"{LINKHUT}")
        # tmux leaves its socket file behind after kill-server: keep it in a folder we delete.
        self._socket_dir = tempfile.mkdtemp(prefix="linkhut-tmux-")
        # remain-on-exit keeps a pane whose program died, so we can show why it died.
        self._tmux("-f", "/dev/null", "start-server", ";",
                   "set-option", "-g", "remain-on-exit", "on", ";",
                   "new-session", "-d", "-s", self.name, "-x", str(COLUMNS), "-y", str(ROWS),
                   command)
        self._started = True
        try:
            self.wait_for(lambda state: True, timeout)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        """Quit LinkHut politely (so it leaves the Link session at once), then end tmux."""
        if not self._started:
            return
        self._started = False
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            if not self._pane_dead():
                self._tmux("send-keys", "-t", self.name, "q")
                self._wait_dead(timeout=3.0)
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._tmux("kill-server", check=False)
        if self._socket_dir:
            shutil.rmtree(self._socket_dir, ignore_errors=True)

    # -- keys ----------------------------------------------------------------------------

    def enable(self, timeout: float = 5.0) -> HutState:
        """Turn Link on (a no-op if it is on) and wait until the screen says so."""
        if not self.state().enabled:
            self.press("a")
        return self.wait_for(lambda s: s.enabled, timeout)

    def disable(self, timeout: float = 5.0) -> HutState:
        """Turn Link off (a no-op if it is off) and wait until the screen says so."""
        if self.state().enabled:
            self.press("a")
        return self.wait_for(lambda s: not s.enabled, timeout)

    def toggle_play(self, timeout: float = 2.0) -> HutState:
        """Start or stop the transport (space); wait until the screen shows the change."""
        return self._toggle("Space", lambda s: s.playing, timeout)

    def toggle_sync(self, timeout: float = 2.0) -> HutState:
        """Turn start/stop sync on or off (s); wait until the screen shows the change."""
        return self._toggle("s", lambda s: s.sync, timeout)

    def _toggle(self, key: str, read: Callable[[HutState], bool], timeout: float) -> HutState:
        """Press a toggle key and wait for the flip, so a second toggle never lands before
        LinkHut has applied the first (it applies them in its audio callback)."""
        was = read(self.state())
        self.press(key)
        return self.wait_for(lambda s: read(s) != was, timeout)

    def tempo_up(self, n: int = 1, timeout: float = 2.0) -> HutState:
        """Raise the tempo by n BPM (e), one press at a time; return the state after."""
        return self._step("e", n, lambda s: s.tempo, +1, timeout)

    def tempo_down(self, n: int = 1, timeout: float = 2.0) -> HutState:
        """Lower the tempo by n BPM (w), one press at a time; return the state after."""
        return self._step("w", n, lambda s: s.tempo, -1, timeout)

    def quantum_up(self, n: int = 1, timeout: float = 2.0) -> HutState:
        """Raise the quantum by n beats (t), one press at a time; return the state after."""
        return self._step("t", n, lambda s: s.quantum, +1, timeout)

    def quantum_down(self, n: int = 1, timeout: float = 2.0) -> HutState:
        """Lower the quantum by n beats (r), one press at a time; return the state after."""
        return self._step("r", n, lambda s: s.quantum, -1, timeout)

    def _step(self, key: str, n: int, read: Callable[[HutState], float], sign: int,
              timeout: float) -> HutState:
        """Press ``key`` n times, waiting after each press until ``read`` has moved by one.

        LinkHut hands each change to its audio callback, which computes it from the tempo
        it last committed: presses that land within one audio period all read the same
        old value, so three quick e's raise the tempo by 1, not 3. Hence one at a time.
        """
        state = self.state()
        for _ in range(n):
            target = read(state) + sign
            self.press(key)
            state = self.wait_for(lambda s: abs(read(s) - target) < 0.5, timeout)
        return state

    def press(self, *keys: str) -> None:
        """Send tmux key names (``a``, ``Space``...) to LinkHut, in order."""
        self._tmux("send-keys", "-t", self.name, *keys)

    # -- reading -------------------------------------------------------------------------

    def screen(self) -> str:
        """The pane's text as it is now."""
        return self._tmux("capture-pane", "-p", "-t", self.name).stdout

    def state(self, timeout: float = 2.0) -> HutState:
        """The status line now. Retries briefly, since a capture can land mid-redraw."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            state = parse_screen(screen)
            if state is not None:
                return state
            if self._pane_dead():
                text = "\n".join(line for line in screen.splitlines() if line.strip())
                raise RuntimeError(f"LinkHut exited (JACK server {self.jack_server!r} "
                                   f"running?). Its screen:\n{text}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no LinkHut status line on screen:\n{screen}")
            time.sleep(0.02)

    def wait_for(self, pred: Callable[[HutState], bool], timeout: float = 5.0,
                 interval: float = 0.02) -> HutState:
        """Poll the screen until ``pred(state)`` holds; return that state.

        Raises TimeoutError naming the last state seen, which is what a failing test needs.
        """
        deadline = time.monotonic() + timeout
        state = None
        while True:
            state = self.state(timeout=max(0.1, deadline - time.monotonic()))
            if pred(state):
                return state
            if time.monotonic() > deadline:
                raise TimeoutError(f"LinkHut did not reach the state in {timeout} s; last: {state}")
            time.sleep(interval)

    # -- tmux ----------------------------------------------------------------------------

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        socket_path = os.path.join(self._socket_dir or "", "tmux.sock")
        return subprocess.run(["tmux", "-S", socket_path, *args], check=check,
                              capture_output=True, text=True, timeout=10)

    def _pane_dead(self) -> bool:
        """True when LinkHut has exited (or the session is gone)."""
        result = self._tmux("display-message", "-p", "-t", self.name, "#{pane_dead}",
                            check=False)
        return result.returncode != 0 or result.stdout.strip() == "1"

    def _wait_dead(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._pane_dead():
                return True
            time.sleep(0.05)
        return False


# -- a private network for Link ----------------------------------------------------------

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


@contextlib.contextmanager
def private_link_network() -> Iterator[bool]:
    """Run the block in a new network namespace holding only loopback; yield True if it did.

    Only the calling thread moves (namespaces belong to threads), and so does whatever it
    starts inside the block: aalink's threads, subprocesses, a tmux server. The thread moves
    back on exit; sockets made inside stay inside. Needs CAP_SYS_ADMIN: without it the block
    runs on the shared network and this yields False, so the caller can check for strangers.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    except OSError:
        yield False
        return
    try:
        if libc.unshare(CLONE_NEWNET) != 0:
            if ctypes.get_errno() not in (errno.EPERM, errno.EINVAL, errno.ENOSYS):
                raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")
            yield False
            return
        try:
            _loopback_up()
            yield True
        finally:
            if libc.setns(home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "could not return to the original network")
    finally:
        os.close(home)


def _loopback_up() -> None:
    """Bring ``lo`` up: a new namespace starts with it down, and Link needs it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))
