"""A stand-in for ``stepista play 'note("c3*16")' --link --output jack:...``.

It exists to validate benchmarks/timing.py before Stepista's own ``play`` does: it joins
Link and writes a note-on on every 16th into a JACK MIDI port at the exact frame the 16th
falls on (plus the output's latency, as Stepista's outputs add it). Measured with the
recorder, its offset should be ~0 and its jitter the pipeline's own noise floor.

    python benchmarks/_timing_standin.py --bpm 120 --output jack:stepista --duration 10

Like Stepista, it takes the JACK server from JACK_DEFAULT_SERVER.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import math
import os
import signal
import sys
from pathlib import Path

import aalink
import jack

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing_recorder import QUANTUM, JackClock, LinkSample, sample_link  # noqa: E402

NOTE, VELOCITY = 48, 100  # c3, as in note("c3*16")
STEP_BEATS = 0.25
GATE_BEATS = 0.125


def parse_output(spec: str) -> tuple[str, float]:
    """``jack:NAME[,latency=MS]`` -> (client name, latency in µs).

    >>> parse_output("jack:stepista,latency=20")
    ('stepista', 20000.0)
    """
    kind, _, rest = spec.partition(":")
    if kind != "jack":
        raise SystemExit(f"the stand-in only speaks JACK, not {spec!r}")
    name, *options = rest.split(",")
    latency_ms = 0.0
    for option in options:
        key, _, value = option.partition("=")
        if key != "latency":
            raise SystemExit(f"unknown output option {key!r}")
        latency_ms = float(value)
    return name or "stepista", latency_ms * 1000


class Sender:
    """Writes the 16ths of the latest Link sample into each JACK cycle, frame-exact."""

    def __init__(self, name: str, latency_us: float) -> None:
        server = os.environ.get("JACK_DEFAULT_SERVER")
        self.client = jack.Client(name, no_start_server=True, servername=server)
        self.port = self.client.midi_outports.register("out")
        self.clock = JackClock(self.client)
        self.latency_us = latency_us
        self.sample: LinkSample | None = None  # replaced whole by the loop: no lock needed
        self.next_step: int | None = None
        self.pending: list[tuple[int, tuple[int, int, int]]] = []  # (host µs, message) heap
        self.shutdown_reason: str | None = None
        self.client.set_process_callback(self._process)
        self.client.set_shutdown_callback(
            lambda status, reason: setattr(self, "shutdown_reason", reason or str(status)))

    def _process(self, frames: int) -> None:
        """Each JACK cycle: queue the 16ths due by its end, write those that fall in it."""
        self.port.clear_buffer()
        sample = self.sample
        if sample is None:
            return
        start = self.client.last_frame_time
        end_us = self.clock.frames_to_us(start + frames)
        self._schedule_steps(sample, end_us)
        self._write_due(start, frames, end_us)

    def _schedule_steps(self, sample: LinkSample, end_us: float) -> None:
        """Queue note-on/off for every 16th whose (latency-shifted) time is before end_us."""
        last_beat = sample.beat_at(end_us - self.latency_us)
        # Start on the next 16th, not on ones already past; and start over if the timeline
        # jumped (Link sessions merging), rather than bursting out the skipped steps.
        if self.next_step is None or abs(self.next_step * STEP_BEATS - last_beat) > 1:
            self.next_step = math.ceil(last_beat / STEP_BEATS)
        while self.next_step * STEP_BEATS < last_beat:
            beat = self.next_step * STEP_BEATS
            on_us = round(sample.time_at(beat) + self.latency_us)
            off_us = round(sample.time_at(beat + GATE_BEATS) + self.latency_us)
            heapq.heappush(self.pending, (on_us, (0x90, NOTE, VELOCITY)))
            heapq.heappush(self.pending, (off_us, (0x80, NOTE, 0)))
            self.next_step += 1

    def _write_due(self, start: int, frames: int, end_us: float) -> None:
        """Write every queued message whose frame falls in this cycle; late ones at frame 0.

        The decision is made in frames, not µs: a stamp a hair before the cycle's end can
        round to the next cycle's first frame, and must then wait for that cycle.
        """
        while self.pending and self.pending[0][0] < end_us + 1000:
            at_us, message = self.pending[0]
            offset = (self.clock.us_to_frames(at_us) - start) & 0xFFFFFFFF
            if frames <= offset < 1 << 31:  # a later cycle's
                break
            heapq.heappop(self.pending)
            self.port.write_midi_event(offset if offset < frames else 0, message)


async def run(args: argparse.Namespace) -> None:
    name, latency_us = parse_output(args.output)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    link = aalink.Link(args.bpm)
    link.quantum = QUANTUM
    link.enabled = True
    sender = Sender(name, latency_us)
    sender.client.activate()
    loop.call_later(args.duration, stop.set)
    while not stop.is_set() and sender.shutdown_reason is None:
        sample = sample_link(link)
        if sample.window_us < 100:
            sender.sample = sample
        try:
            await asyncio.wait_for(stop.wait(), 0.01)
        except asyncio.TimeoutError:
            pass
    link.enabled = False
    if sender.shutdown_reason is not None:
        # Say so and fail: a sender JACK dropped would otherwise look like one that stopped.
        raise SystemExit(f"JACK shut the stand-in down: {sender.shutdown_reason}")
    sender.client.deactivate()
    sender.client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bpm", type=float, default=120.0)
    parser.add_argument("--output", default="jack:stepista", help="jack:NAME[,latency=MS]")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds to play")
    parser.add_argument("--link", action="store_true", help="accepted for CLI parity (always on)")
    parser.add_argument("pattern", nargs="?", help="ignored: the stand-in always plays 16ths")
    asyncio.run(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
