"""Test helpers for JACK: a private ``jackd`` (dummy driver) and a recording MIDI client.

Tests import these as ``from jackserver import JackServer, MidiRecorder`` (``tests/`` is on
pytest's pythonpath). Every server gets a name of its own, so servers left running by other
people or other test runs are never touched.

    with JackServer() as server:
        rec = MidiRecorder(server)
        ...
        rec.close()
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Callable

RATE = 48000
PERIOD = 256
_serial = itertools.count()


def _die_with_parent() -> None:
    """In the child: have Linux stop this jackd if the test process dies without cleaning up
    (killed by a CI timeout, say), so no stray server is left running."""
    if sys.platform.startswith("linux"):
        import ctypes
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def jackd_path() -> str | None:
    """Where ``jackd`` is, or None when it is not installed."""
    return shutil.which("jackd")


class JackServer:
    """A ``jackd --no-realtime -d dummy`` with a unique name, started on enter and stopped on
    exit. :meth:`stop` and :meth:`start` let a test take the server away and bring it back
    under the same name. ``env`` is a copy of ``os.environ`` with ``JACK_DEFAULT_SERVER`` set.
    """

    def __init__(self, name: str | None = None, *, rate: int = RATE, period: int = PERIOD,
                 timeout: float = 10.0) -> None:
        self.name = name or f"stepista-test-{os.getpid()}-{next(_serial)}"
        self.rate, self.period, self.timeout = rate, period, timeout
        self.env = dict(os.environ, JACK_DEFAULT_SERVER=self.name)
        self.recorders: list[MidiRecorder] = []  # closed before the server stops
        self._process: subprocess.Popen | None = None
        self._log = None

    @property
    def period_us(self) -> float:
        return self.period * 1e6 / self.rate

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> JackServer:
        """Start jackd and wait until a client can connect to it."""
        if self.running:
            return self
        path = jackd_path()
        if path is None:
            raise RuntimeError("jackd is not installed")
        self._log = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            [path, "--no-realtime", "-n", self.name, "-d", "dummy", "-r", str(self.rate),
             "-p", str(self.period)],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, env=self.env,
            preexec_fn=_die_with_parent)
        try:
            self._wait_ready()
        except BaseException:  # never leave a jackd behind
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        from stepista.engine.outputs.jack import server_running
        deadline = time.monotonic() + self.timeout
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"jackd -n {self.name} exited with {self._process.returncode}:"
                                   f"\n{self.log()}")
            if server_running(self.name):
                return
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"jackd -n {self.name} did not accept clients within"
                                   f" {self.timeout:.0f} s:\n{self.log()}")
            time.sleep(0.05)

    def log(self) -> str:
        """What jackd printed so far."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def stop(self) -> None:
        """Close the recorders still open on it, then terminate jackd (SIGTERM, then SIGKILL
        after 5 s) and wait for it. A client must not outlive its server here: libjack frees
        such a client under its owner the next time anything opens a client."""
        for recorder in list(self.recorders):
            recorder.close()
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def __enter__(self) -> JackServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        if self._log is not None:
            self._log.close()
            self._log = None


class MidiRecorder:
    """A JACK client ``name`` with one MIDI input port ``in`` that records every event as
    ``(absolute_frame, usecs, bytes_tuple)``; ``usecs`` is the host time of that frame
    (``jack_frames_to_time``), on the same clock as :func:`stepista.engine.hosttime.now_us`.
    ``lags`` says, per event, how long after that time the recorder read it: a few hundred µs
    normally, much more when the machine keeps the JACK server from running its cycles on time.
    """

    def __init__(self, server: JackServer, name: str = "rec") -> None:
        from stepista.engine.hosttime import now_us
        from stepista.engine.outputs.jack import frames_to_time, open_client
        self._frames_to_time, self._now_us = frames_to_time, now_us
        self.events: list[tuple[int, int, tuple[int, ...]]] = []
        self.lags: list[int] = []  # per event: µs between its frame's time and its reading
        self._changed = threading.Condition()
        self._server = server
        self.client = open_client(name, server.name, exact=True)
        server.recorders.append(self)
        self.port = self.client.midi_inports.register("in")
        self.client.set_process_callback(self._process)
        self.client.activate()
        self.name = self.port.name

    def _process(self, nframes: int) -> None:
        base = self.client.last_frame_time
        got = []
        for offset, data in self.port.incoming_midi_events():
            frame = base + offset
            got.append((frame, self._frames_to_time(self.client, frame), tuple(bytes(data))))
        if got:
            now = self._now_us()
            with self._changed:
                self.events.extend(got)
                self.lags.extend(now - usecs for _, usecs, _ in got)
                self._changed.notify_all()

    def connect_from(self, port_name: str) -> None:
        """Connect the output port ``port_name`` to this recorder's input."""
        self.client.connect(port_name, self.port)

    def messages(self) -> list[tuple[int, ...]]:
        """The bytes of every event so far, in arrival order."""
        with self._changed:
            return [e[2] for e in self.events]

    def wait_for(self, pred: Callable[[list], bool], timeout: float = 10.0) -> bool:
        """Wait until ``pred(events)`` is true; return whether it became true in time."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not pred(self.events):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))
            return True

    def wait_count(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until at least ``count`` events arrived."""
        return self.wait_for(lambda events: len(events) >= count, timeout)

    def close(self) -> None:
        """Deactivate and close the client (while its server still runs: see the notes in
        stepista.engine.outputs.jack on closing clients)."""
        if self.client is not None:
            self.client.deactivate()
            time.sleep(0.02)  # let a notification callback that is under way finish
            self.client.close()
            self.client = None
        if self in self._server.recorders:
            self._server.recorders.remove(self)

    def __enter__(self) -> MidiRecorder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
