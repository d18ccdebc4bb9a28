"""The built plugin and its headless VST3 test host, for the Python tests.

`plugin/build.sh` (which `make test` runs first) builds both into plugin/build. Where they are
missing the tests skip, saying how to build them; with STEPISTA_REQUIRE_PLUGIN=1 (CI) they fail.

`HostRun` runs ``stepista_testhost run`` (plugin/README.md: it loads the .vst3 as a DAW would,
drives a playhead, and prints one JSON line per MIDI event with its absolute sample) and reads
its lines as they come, so a test can send the instance packets while it waits or plays.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import threading
import time
from fractions import Fraction
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("STEPISTA_PLUGIN_BUILD", ROOT / "plugin" / "build"))
VST3 = BUILD / "StepistaPlugin_artefacts" / "Release" / "VST3" / "Stepista.vst3"
HOST = BUILD / "host" / "stepista_testhost_artefacts" / "Release" / "stepista_testhost"


def require_built() -> None:
    if VST3.is_dir() and HOST.is_file():
        return
    why = f"the plugin is not built ({VST3.relative_to(ROOT)} missing): run plugin/build.sh"
    if os.environ.get("STEPISTA_REQUIRE_PLUGIN") == "1":
        pytest.fail(why)
    pytest.skip(why)


class HostRun:
    """``stepista_testhost run VST3 ARGS`` in the background, its JSON lines collected."""

    def __init__(self, *args: str, cwd: Path | None = None) -> None:
        require_built()
        self.command = [str(HOST), "run", str(VST3), *args]
        self.proc = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, cwd=cwd)
        self.lines: queue.Queue[dict] = queue.Queue()
        self.seen: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            line = line.strip()
            if line.startswith("{"):
                self.lines.put(json.loads(line))

    def expect(self, key: str, timeout: float = 20.0) -> dict:
        """The next line that has ``key`` (earlier lines are kept in ``seen``)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(0.01, left))
            except queue.Empty:
                if left <= 0:
                    raise AssertionError(f"{key!r} never came from {' '.join(self.command)}:"
                                         f"\n{self.stderr()}") from None
                continue
            self.seen.append(line)
            if "error" in line:
                raise AssertionError(f"the test host failed: {line['error']}")
            if key in line:
                return line

    def finish(self, timeout: float = 60.0) -> "Played":
        done = self.expect("done", timeout)
        assert self.proc.wait(timeout) == 0, self.stderr()
        events = [line for line in self.seen if "sample" in line]
        hello = next((line["hello"] for line in self.seen if "hello" in line), None)
        return Played(events, hello, done)

    def stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        return self.proc.stderr.read()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def __enter__(self) -> "HostRun":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Played:
    """What a run printed: every MIDI event, the instance's last hello, the counts."""

    def __init__(self, events: list[dict], hello: dict | None, done: dict) -> None:
        self.events, self.hello, self.done = events, hello, done

    def note_ons(self) -> list[tuple[int, int, int]]:
        """(sample, channel 1-16, pitch) of every note-on."""
        return [(e["sample"], (e["status"] & 0x0F) + 1, e["data1"]) for e in self.events
                if e["status"] & 0xF0 == 0x90 and e["data2"] > 0]

    def note_offs(self) -> list[tuple[int, int, int]]:
        return [(e["sample"], (e["status"] & 0x0F) + 1, e["data1"]) for e in self.events
                if e["status"] & 0xF0 == 0x80 or (e["status"] & 0xF0 == 0x90 and e["data2"] == 0)]

    def sounding_at_end(self) -> list[tuple[int, int]]:
        """(channel, pitch) of the notes still on when the run ended; an AssertionError if a
        note-off came for a note that was not on."""
        sounding: dict[tuple[int, int], int] = {}
        for e in self.events:
            kind, key = e["status"] & 0xF0, ((e["status"] & 0x0F) + 1, e["data1"])
            if kind == 0x90 and e["data2"] > 0:
                sounding[key] = sounding.get(key, 0) + 1
            elif kind in (0x80, 0x90):
                assert sounding.get(key), f"a note-off for {key} at sample {e['sample']} without its note-on"
                sounding[key] -= 1
        return sorted(key for key, count in sounding.items() for _ in range(count))


def sample_at(beat: Fraction, bpm: float = 120.0, rate: int = 48000) -> int:
    """The sample a beat falls on, rounded half up as the player rounds."""
    exact = Fraction(beat) * Fraction(60) / Fraction(bpm).limit_denominator(10**6) * rate
    return int(exact + Fraction(1, 2))


def send(port: int, datagram: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(datagram, ("127.0.0.1", port))
