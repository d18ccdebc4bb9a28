"""The clock: tempo, beat, phase and transport, from an Ableton Link session or on its own.

Both clocks hand out a :class:`Timeline`: a (time, beat, tempo) triple read together, plus
whether the transport plays. The scheduler converts beats to host time with it; there is no
time-at-beat call in aalink, so the conversion is an extrapolation from that triple, which is
exact for as long as the tempo holds (the scheduler takes a fresh one every tick).

aalink's rules (see DESIGN.md): build ``aalink.Link`` inside the running asyncio loop, and do
not schedule on its ``sync()`` futures (they can fire off-target when a peer joins).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import timedelta

from .hosttime import now_us

START_LEAD_US = 100_000
"""When this clock starts the transport, beat 0 falls this far in the future, so the first
notes still reach the lookahead window."""


@dataclass(frozen=True)
class Timeline:
    """A straight line from host time to beats: ``beat`` at ``time_us`` and ``tempo`` BPM.

    >>> t = Timeline(time_us=1_000_000, beat=8.0, tempo=120.0)
    >>> t.beat_at(1_500_000), t.time_at(10.0)
    (9.0, 2000000)
    """
    time_us: int
    beat: float
    tempo: float
    playing: bool = True

    def beat_at(self, t_us: int) -> float:
        return self.beat + (t_us - self.time_us) * self.tempo / 60e6

    def time_at(self, beat: float) -> int:
        return self.time_us + round((beat - self.beat) * 60e6 / self.tempo)


class Clock:
    """What the scheduler needs of a clock. ``quantum`` is in beats (Link's default 4)."""

    link_enabled = False

    def __init__(self, tempo: float = 120.0, quantum: float = 4.0) -> None:
        self.quantum = quantum
        self._check_tempo(tempo)

    @staticmethod
    def _check_tempo(bpm: float) -> None:
        if not 20.0 <= bpm <= 999.0:  # Link's own range
            raise ValueError(f"tempo {bpm} BPM is outside 20-999")

    def timeline(self) -> Timeline: ...
    def set_tempo(self, bpm: float) -> None: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...

    @property
    def peers(self) -> int:
        return 0

    @property
    def start_stop_sync(self) -> bool:
        return False

    def status(self) -> dict:
        t = self.timeline()
        now = now_us()
        beat = t.beat_at(now)
        return {"tempo": round(t.tempo, 3), "beat": round(beat, 6), "time_us": now,
                "phase": round(beat % self.quantum, 4), "quantum": self.quantum,
                "playing": t.playing, "link": self.link_enabled, "peers": self.peers,
                "start_stop_sync": self.start_stop_sync}

    def close(self) -> None:
        pass


class FreeClock(Clock):
    """A clock that runs alone (Link off): its own line, moved only by tempo, start and stop.

    >>> c = FreeClock(120); c.start(); t = c.timeline()
    >>> t.playing, t.beat, t.time_us > now_us()    # beat 0 lies START_LEAD_US ahead
    (True, 0.0, True)
    """

    def __init__(self, tempo: float = 120.0, quantum: float = 4.0) -> None:
        super().__init__(tempo, quantum)
        self._line = Timeline(now_us(), 0.0, float(tempo), playing=False)

    def timeline(self) -> Timeline:
        return self._line

    def set_tempo(self, bpm: float) -> None:
        self._check_tempo(bpm)
        t = now_us()
        self._line = Timeline(t, self._line.beat_at(t), float(bpm), self._line.playing)

    def start(self) -> None:
        if not self._line.playing:
            t = now_us()
            self._line = Timeline(t + START_LEAD_US, 0.0, self._line.tempo, playing=True)

    def stop(self) -> None:
        self._line = replace(self._line, playing=False)


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class LinkClock(Clock):
    """A peer in an Ableton Link session (aalink). Must be built inside a running asyncio loop.

    With ``start_stop_sync`` on (the default), the session's play/stop is this clock's: a peer
    pressing play starts us, and :meth:`start` starts the peers.
    """

    link_enabled = True
    MAX_READ_US = 50
    """A (time, beat) read that took longer than this was interrupted; it is read again."""

    def __init__(self, tempo: float = 120.0, quantum: float = 4.0, *,
                 start_stop_sync: bool = True) -> None:
        super().__init__(tempo, quantum)
        asyncio.get_running_loop()  # aalink needs one; fail here with a clear error if absent
        import aalink  # imported late: the library core never needs it
        self._link = aalink.Link(float(tempo))
        self._link.quantum = float(quantum)
        self._link.start_stop_sync_enabled = start_stop_sync
        self._link.enabled = True
        self._running = False  # our own transport, used when start/stop sync is off
        self._peers_seen = 0
        self._link.set_num_peers_callback(self._peers_changed)

    def _peers_changed(self, count: int) -> None:
        """When a peer joins while the session plays, say again that it plays.

        Link (3.0) resets a peer's start/stop state when it joins a session and learns the
        session's only when it changes next, so a plugin instance or an app joining a playing
        session would stay stopped until someone pressed stop and play. Saying "playing" again
        changes nothing for the peers that play already (the timeline is untouched) and starts
        the newcomers on the session's beat. Called by aalink on the event loop.
        """
        if count > self._peers_seen and self.start_stop_sync and self._link.playing:
            self._link.playing = True
        self._peers_seen = count

    def timeline(self) -> Timeline:
        link = self._link
        for _ in range(3):
            before = link.time
            beat, tempo, playing = link.beat, link.tempo, link.playing
            after = link.time
            a, b = _micros(before), _micros(after)
            if b - a <= self.MAX_READ_US:
                break
        if not self.start_stop_sync:
            playing = self._running
        return Timeline((a + b) // 2, beat, tempo, playing)

    def set_tempo(self, bpm: float) -> None:
        self._check_tempo(bpm)
        self._link.tempo = float(bpm)

    @property
    def quantum(self) -> float:
        return self._quantum

    @quantum.setter
    def quantum(self, value: float) -> None:
        self._quantum = float(value)
        if hasattr(self, "_link"):
            self._link.quantum = float(value)

    def start(self) -> None:
        """Start the session, beat 0 at the next quantum boundary a moment from now (Link
        moves the request to keep the session's phase); if it plays already, join it.
        With start/stop sync off, only this clock starts; the session is left alone."""
        self._running = True
        if self._link.playing or not self.start_stop_sync:
            return
        at = timedelta(microseconds=now_us() + START_LEAD_US)
        self._link.set_is_playing_and_request_beat_at_time(True, at, 0.0)

    def stop(self) -> None:
        self._running = False
        if self._link.playing and self.start_stop_sync:
            self._link.playing = False

    @property
    def peers(self) -> int:
        return self._link.num_peers

    @property
    def start_stop_sync(self) -> bool:
        return self._link.start_stop_sync_enabled

    @start_stop_sync.setter
    def start_stop_sync(self, on: bool) -> None:
        self._link.start_stop_sync_enabled = bool(on)

    def close(self) -> None:
        self._link.enabled = False
