"""ALSA sequencer output: a virtual port that synths subscribe to, delivered by the kernel.

:class:`AlsaOutput` opens a sequencer client ``NAME`` with a port ``NAME`` (readable and
subscribable: ``aconnect`` or a patchbay connects it to a synth) and a queue of its own. Each
message goes to the kernel at once, stamped with the queue's real time its host time maps to,
and the kernel's timer delivers it then: no thread of ours has to wake on time.

Host µs map onto queue time by reading the queue's real time between two readings of
:func:`~stepista.engine.hosttime.now_us`; the mapping is read again every second, since the
kernel's timer and CLOCK_MONOTONIC_RAW drift apart slowly.

- ``cancel_after`` removes our scheduled events stamped after the cut from the kernel queue
  (``snd_seq_remove_events``, output events, time after);
- ``panic`` drops all our scheduled events (``snd_seq_drop_output``) and sends the note-offs
  for what sounds and CC 123 directly.

What sounds is known without a thread too: a message counts as delivered once its time has
passed, checked whenever the output is used.
"""

from __future__ import annotations

import os
import threading

try:
    import alsa_midi
    from alsa_midi import MidiBytesEvent, PortCaps, PortType, RealTime, RemoveCondition
except (ImportError, OSError) as _exc:  # not Linux, or no libasound: say so when used
    alsa_midi = None
    ALSA_MISSING: str | None = f"alsa-midi is not installed here ({_exc})"
else:
    ALSA_MISSING = None

from ..hosttime import now_us
from .base import Message, Output, OutputError, Sounding, TimedQueue

SEQ_DEVICE = "/dev/snd/seq"
RESYNC_US = 1_000_000
"""How often the host-to-queue time mapping is read again."""


def sequencer_problem() -> str | None:
    """Why the ALSA sequencer cannot be used here, or None."""
    if ALSA_MISSING:
        return ALSA_MISSING
    if not os.path.exists(SEQ_DEVICE):
        return f"no ALSA sequencer ({SEQ_DEVICE} is missing; is the snd-seq module loaded?)"
    return None


def real_time(us: int) -> RealTime:
    """Queue time ``us`` (µs, clamped at 0) as an ALSA RealTime: 1_500_002 is 1 s 500002000 ns."""
    us = max(0, us)
    return RealTime(us // 1_000_000, (us % 1_000_000) * 1000)


class AlsaOutput(Output):
    """An ALSA sequencer port ``NAME`` with kernel-timed delivery.

    ``late`` counts messages sent after their time (the kernel plays them at once);
    ``errors`` counts sends the sequencer refused. ``sequencer`` is for tests: a stand-in for
    ``alsa_midi.SequencerClient``.
    """

    kind = "alsa"

    def __init__(self, name: str, *, latency_ms: float = 0.0, clock: bool = False,
                 sequencer: type | None = None) -> None:
        super().__init__(name, latency_ms=latency_ms, clock=clock)
        self.late = self.errors = 0
        self._sounding = Sounding()
        self._scheduled = TimedQueue()  # what the kernel holds, to know what has sounded
        self._lock = threading.Lock()  # one sequencer handle, used from any thread
        self._offset_us = 0  # host µs = queue µs + offset
        self._synced_at: int | None = None
        self._client, self._port, self._queue = self._open(sequencer)

    # -- opening ---------------------------------------------------------------------------

    def _open(self, sequencer: type | None):
        if alsa_midi is None:
            raise OutputError(f"{self.label}: {ALSA_MISSING}")
        if sequencer is None:
            problem = sequencer_problem()
            if problem:
                raise OutputError(f"{self.label}: {problem}")
            sequencer = alsa_midi.SequencerClient
        try:
            client = sequencer(self.name)
        except alsa_midi.Error as exc:
            raise OutputError(f"{self.label}: cannot open the ALSA sequencer: {exc}") from exc
        try:
            port = client.create_port(  # others read from it by subscribing
                self.name, caps=PortCaps.READ | PortCaps.SUBS_READ,
                type=PortType.MIDI_GENERIC | PortType.SOFTWARE | PortType.APPLICATION)
            queue = client.create_queue(f"{self.name} queue")
            queue.start()
            client.drain_output()
        except alsa_midi.Error as exc:
            client.close()
            raise OutputError(f"{self.label}: cannot set up the sequencer port: {exc}") from exc
        return client, port, queue

    # -- time ------------------------------------------------------------------------------

    def _sync(self) -> None:
        """Read the queue's real time between two host readings (best of three)."""
        best = None
        for _ in range(3):
            before = now_us()
            queue_time = self._queue.get_status().real_time
            after = now_us()
            if best is None or after - before < best[0]:
                best = (after - before, (before + after) // 2, queue_time)
        _, host_us, queue_time = best
        queue_us = queue_time.seconds * 1_000_000 + queue_time.nanoseconds // 1000
        self._offset_us = host_us - queue_us
        self._synced_at = host_us

    def _queue_time(self, at_us: int) -> RealTime:
        now = now_us()
        if self._synced_at is None or now - self._synced_at > RESYNC_US:
            self._sync()
        return real_time(at_us - self._offset_us)

    # -- the engine's side -----------------------------------------------------------------

    def _send_at(self, message: Message, at_us: int, beat: float) -> None:
        with self._lock:
            self._settle()
            if at_us < now_us():
                self.late += 1
            event = MidiBytesEvent(bytes(message), time=self._queue_time(at_us))
            if self._output(event, self._queue):
                self._scheduled.push(message, at_us, beat)

    def _cancel_after(self, at_us: int) -> None:
        with self._lock:
            self._settle()
            self._scheduled.cancel_after(at_us)
            # the kernel removes events stamped at or after the time given: one µs later
            try:
                self._client.remove_events(RemoveCondition.OUTPUT, queue=self._queue,
                                           time=self._queue_time(at_us + 1))
            except alsa_midi.Error as exc:
                self._failed(exc)

    def _panic(self) -> None:
        with self._lock:
            try:
                self._client.drop_output()
            except alsa_midi.Error as exc:
                self._failed(exc)
            self._settle()  # what was due by now has been played; the rest is gone
            self._scheduled.clear()
            for message in self._sounding.panic_messages():
                self._output(MidiBytesEvent(bytes(message)), None, direct=True)

    def _close(self) -> None:
        with self._lock:
            for part in (self._queue, self._port, self._client):
                try:
                    part.close()
                except alsa_midi.Error:
                    pass  # closing anyway
        self.status = "closed"

    # -- helpers ---------------------------------------------------------------------------

    def _settle(self) -> None:
        """Count what the kernel has played by now as delivered."""
        for timed in self._scheduled.pop_until(now_us() + 1):
            self._sounding.delivered(timed.message)

    def _output(self, event: MidiBytesEvent, queue, direct: bool = False) -> bool:
        try:
            if direct:
                self._client.event_output_direct(event, port=self._port)
            else:
                self._client.event_output(event, queue=queue, port=self._port)
                self._client.drain_output()
        except alsa_midi.Error as exc:
            self._failed(exc)
            return False
        if self.status.startswith("failed"):
            self.status = "ok"
        return True

    def _failed(self, exc: Exception) -> None:
        self.errors += 1
        self.status = f"failed: the ALSA sequencer refused an event ({exc})"
