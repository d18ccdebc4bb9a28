"""A Link peer of the test's own (aalink, in a thread), to read the session's beat at a host time.

It samples (host µs, beat) every few milliseconds; :meth:`LinkPeer.beat_at` interpolates
between the samples, so a test can ask which session beat a recorded note arrived on. It can
also set the session's tempo and, with start/stop sync, start and stop the session.

Build it inside :func:`linkhut.private_link_network` when the test should meet no other peer:
its thread is started from the calling thread and so lives in the same network namespace.
"""

from __future__ import annotations

import asyncio
import bisect
import threading
from datetime import timedelta

from stepista.engine.clock import _micros
from stepista.engine.hosttime import now_us


class LinkPeer:
    READ_US = 50
    """A (time, beat) read that took longer than this was interrupted and is not kept."""

    def __init__(self, tempo: float = 120.0, *, start_stop_sync: bool = False) -> None:
        self.samples: list[tuple[int, float]] = []
        self._tempo, self._sync = float(tempo), start_stop_sync
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._thread.start()
        assert self._ready.wait(5), "the Link peer did not start"

    async def _run(self) -> None:
        import aalink
        link = aalink.Link(self._tempo)
        link.quantum = 4.0
        link.start_stop_sync_enabled = self._sync
        link.enabled = True
        self.link, self._loop = link, asyncio.get_running_loop()
        self._ready.set()
        while not self._stop.is_set():
            a = _micros(link.time)
            beat = link.beat
            b = _micros(link.time)
            if b - a < self.READ_US:
                self.samples.append(((a + b) // 2, beat))
            await asyncio.sleep(0.003)
        link.enabled = False

    def _call(self, fn) -> None:
        """Run ``fn(link)`` on the peer's own loop and wait for it."""
        done = threading.Event()

        def run() -> None:
            try:
                fn(self.link)
            finally:
                done.set()

        self._loop.call_soon_threadsafe(run)
        assert done.wait(5)

    def play(self, lead_us: int = 100_000) -> int:
        """Start the session: beat 0 (a quantum's start) ``lead_us`` from now, or the next
        quantum boundary if Link moves it to keep the session's phase. Returns the host µs
        asked for."""
        at = now_us() + lead_us
        self._call(lambda link: link.set_is_playing_and_request_beat_at_time(
            True, timedelta(microseconds=at), 0.0))
        return at

    def set_tempo(self, bpm: float) -> None:
        self._call(lambda link: setattr(link, "tempo", float(bpm)))

    def stop_playing(self) -> int:
        """Stop the session; returns the host µs just before the stop was committed."""
        at = now_us()
        self._call(lambda link: setattr(link, "playing", False))
        return at

    @property
    def peers(self) -> int:
        return self.link.num_peers

    def beat_at(self, t_us: int) -> float:
        samples = list(self.samples)
        times = [t for t, _ in samples]
        i = min(max(bisect.bisect(times, t_us), 1), len(times) - 1)
        (t0, b0), (t1, b1) = samples[i - 1], samples[i]
        return b0 + (b1 - b0) * (t_us - t0) / (t1 - t0)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
