"""Record when MIDI note-ons arrive on a JACK port, as host time and as Link beat.

A helper process of benchmarks/timing.py, run as a script:

    python benchmarks/_timing_recorder.py --server NAME --source stepista:out \\
        --bpm 120 --seconds 70 --out notes.json

It joins the Link session (aalink, quantum 4), opens a JACK client with one MIDI input,
connects it from ``--source`` as soon as that port appears, and prints ``ready`` once it
listens. It stops after ``--seconds`` or on SIGTERM/SIGINT and writes one JSON document.

Why it is accurate to the sample: JACK hands over a cycle's events with their frame offset
in the cycle, so a note's frame is ``last_frame_time + offset`` however late our Python
callback runs, and ``jack_frames_to_time`` turns that frame into host µs (the clock Link
reads too). The beat at that time comes from (time, beat, tempo) triples sampled every
10 ms from Link, keeping only samples whose reads were not interrupted, and extrapolating
from the one nearest the note.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import ctypes
import json
import signal
import sys
import time
from dataclasses import asdict, dataclass
from datetime import timedelta

import aalink
import jack

QUANTUM = 4
SAMPLE_EVERY_S = 0.010
MAX_READ_WINDOW_US = 100
"""A Link sample whose three reads took longer than this was interrupted: dropped."""
CONNECT_POLL_S = 0.02


# -- clocks ------------------------------------------------------------------------------

class JackClock:
    """The libjack calls that JACK-Client does not wrap: frame <-> host µs conversion."""

    def __init__(self, client: jack.Client) -> None:
        self._lib = ctypes.CDLL("libjack.so.0")
        self._lib.jack_frames_to_time.restype = ctypes.c_uint64
        self._lib.jack_frames_to_time.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
        self._lib.jack_time_to_frames.restype = ctypes.c_uint32
        self._lib.jack_time_to_frames.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
        self._lib.jack_get_time.restype = ctypes.c_uint64
        self._lib.jack_get_time.argtypes = []
        # JACK-Client keeps the jack_client_t* as a cffi pointer; ctypes wants an integer.
        self._ptr = int(jack._ffi.cast("uintptr_t", client._ptr))

    def frames_to_us(self, frame: int) -> int:
        """Host µs at which a frame (wrapping 32-bit frame time) is played/captured."""
        return self._lib.jack_frames_to_time(self._ptr, frame & 0xFFFFFFFF)

    def us_to_frames(self, usecs: int) -> int:
        """The frame time (32-bit, wrapping) of a host µs."""
        return self._lib.jack_time_to_frames(self._ptr, usecs)

    def now_us(self) -> int:
        """JACK's host clock now."""
        return self._lib.jack_get_time()


def link_us(link: aalink.Link) -> int:
    """Link's clock (a timedelta from aalink) as integer µs."""
    return link.time // timedelta(microseconds=1)


@dataclass(frozen=True)
class LinkSample:
    """Link's timeline at one instant: the beat at ``usecs`` and the tempo then."""
    usecs: float
    beat: float
    tempo: float
    peers: int
    window_us: int

    def beat_at(self, usecs: float) -> float:
        """Extrapolate the beat to another host time, at this sample's tempo."""
        return self.beat + (usecs - self.usecs) * self.tempo / 60e6

    def time_at(self, beat: float) -> float:
        """Extrapolate the host µs at which a beat falls, at this sample's tempo."""
        return self.usecs + (beat - self.beat) * 60e6 / self.tempo


def sample_link(link: aalink.Link) -> LinkSample:
    """Read time, beat, tempo, time: the beat was read somewhere inside the window."""
    before = link_us(link)
    beat = link.beat
    tempo = link.tempo
    after = link_us(link)
    return LinkSample((before + after) / 2, beat, tempo, link.num_peers, after - before)


class Timeline:
    """Kept Link samples, in time order, and the beat at any time from the nearest one."""

    def __init__(self) -> None:
        self.samples: list[LinkSample] = []
        self.times: list[float] = []
        self.dropped = 0
        self.first_peer_us: float | None = None

    def add(self, sample: LinkSample) -> None:
        if sample.window_us > MAX_READ_WINDOW_US:
            self.dropped += 1
            return
        if sample.peers and self.first_peer_us is None:
            self.first_peer_us = sample.usecs
        self.samples.append(sample)
        self.times.append(sample.usecs)

    def nearest(self, usecs: float) -> LinkSample:
        """The kept sample closest in time (before or after: the beat is computed at the end,
        so a note may use the sample taken just after it arrived)."""
        i = bisect.bisect_left(self.times, usecs)
        return min(self.samples[max(0, i - 1):i + 1], key=lambda s: abs(s.usecs - usecs))

    def residuals_us(self) -> list[float]:
        """How far each sample lands from its predecessor's extrapolation, in µs: the noise
        floor of beat conversion (and any timeline jump, e.g. when sessions merge)."""
        out = []
        for a, b in zip(self.samples, self.samples[1:]):
            out.append((b.beat - a.beat_at(b.usecs)) * 60e6 / b.tempo)
        return out


# -- the recorder ------------------------------------------------------------------------

@dataclass
class Arrival:
    """One note-on as JACK delivered it."""
    frame: int
    usecs: int
    note: int
    velocity: int
    trusted: bool = True
    beat: float | None = None
    tempo: float | None = None
    peers: int | None = None
    sample_gap_us: float | None = None


class Recorder:
    """The JACK side: a MIDI input whose note-ons are stamped in the process callback."""

    def __init__(self, server: str, name: str) -> None:
        self.client = jack.Client(name, no_start_server=True, servername=server)
        self.port = self.client.midi_inports.register("in")
        self.clock = JackClock(self.client)
        self.arrivals: list[Arrival] = []
        self.xruns: list[int] = []  # host µs of each xrun: notes near one are suspect
        self.shutdown_reason: str | None = None
        self.cycles = 0
        self.untrusted_cycles = 0
        self._next_frame: int | None = None
        self.client.set_process_callback(self._process)
        self.client.set_xrun_callback(lambda delay: self.xruns.append(self.clock.now_us()))
        self.client.set_shutdown_callback(self._shutdown)

    def _shutdown(self, status, reason: str) -> None:
        """JACK dropped us (e.g. a starved callback timed out): nothing more will arrive."""
        self.shutdown_reason = reason or str(status)

    def _process(self, frames: int) -> None:
        """Stamp each note-on with its exact frame; list.append is atomic under the GIL."""
        start = self.client.last_frame_time
        trusted = self._cycle_trusted(start, frames)
        for offset, buffer in self.port.incoming_midi_events():
            data = bytes(buffer)  # a cffi buffer indexes as bytes; bytes index as ints
            if len(data) == 3 and data[0] & 0xF0 == 0x90 and data[2] > 0:
                frame = (start + offset) & 0xFFFFFFFF
                usecs = self.clock.frames_to_us(frame)
                self.arrivals.append(Arrival(frame, usecs, data[1], data[2], trusted))

    def _cycle_trusted(self, start: int, frames: int) -> bool:
        """Whether this cycle's frame time can be believed.

        ``last_frame_time`` reads JACK's frame timer as it is *now*: a callback that runs
        after its cycle is over (a starved, non-realtime JACK) reads a later cycle's frame
        and would stamp its events a period or more wrong. Such a callback either finishes
        past the cycle's end or breaks the frame sequence; its notes are flagged, not
        counted, since the error would be ours and not the sender's.
        """
        self.cycles += 1
        in_sequence = self._next_frame is None or start == self._next_frame
        in_time = self.clock.now_us() < self.clock.frames_to_us(start + frames)
        self._next_frame = (start + frames) & 0xFFFFFFFF
        if in_sequence and in_time:
            return True
        self.untrusted_cycles += 1
        return False

    async def connect_when_present(self, source: str, stop: asyncio.Event) -> None:
        """Connect from ``source`` once it exists; the sender may start after us."""
        while not stop.is_set():
            if self.client.get_ports(source, is_midi=True, is_output=True):
                try:
                    self.client.connect(source, self.port)
                    return
                except jack.JackError:
                    pass  # it vanished between the look-up and the connect: try again
            await asyncio.sleep(CONNECT_POLL_S)


async def sample_forever(link: aalink.Link, timeline: Timeline, stop: asyncio.Event) -> None:
    """Sample Link's timeline every 10 ms until told to stop."""
    while not stop.is_set():
        timeline.add(sample_link(link))
        try:
            await asyncio.wait_for(stop.wait(), SAMPLE_EVERY_S)
        except asyncio.TimeoutError:
            pass


def assign_beats(arrivals: list[Arrival], timeline: Timeline) -> None:
    """Give each arrival its Link beat, from the kept sample nearest in time."""
    if not timeline.samples:
        return
    for arrival in arrivals:
        sample = timeline.nearest(arrival.usecs)
        arrival.beat = sample.beat_at(arrival.usecs)
        arrival.tempo = sample.tempo
        arrival.peers = sample.peers
        arrival.sample_gap_us = arrival.usecs - sample.usecs


def percentiles(values: list[float]) -> dict:
    """p50/p99/max of absolute values, for the diagnostics."""
    ordered = sorted(abs(v) for v in values)
    if not ordered:
        return {}
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50": pick(0.5), "p99": pick(0.99), "max": ordered[-1]}


def clock_offset_us(link: aalink.Link, clock: JackClock) -> float:
    """JACK's clock minus Link's (read back to back): ~0 when both read the same clock."""
    best = None
    for _ in range(20):
        a = link_us(link)
        j = clock.now_us()
        b = link_us(link)
        if best is None or b - a < best[0]:
            best = (b - a, j - (a + b) / 2)
    return best[1]


async def record(args: argparse.Namespace) -> dict:
    """Join Link, listen on JACK, stop on time or signal; return the results document."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    link = aalink.Link(args.bpm)
    link.quantum = QUANTUM
    link.enabled = True
    recorder = Recorder(args.server, args.name)
    recorder.client.activate()
    timeline = Timeline()
    tasks = [asyncio.create_task(sample_forever(link, timeline, stop)),
             asyncio.create_task(recorder.connect_when_present(args.source, stop))]
    print("ready", flush=True)
    started = time.monotonic()
    try:
        await asyncio.wait_for(stop.wait(), args.seconds)
    except asyncio.TimeoutError:
        pass
    stop.set()
    await asyncio.gather(*tasks)
    dropped = recorder.shutdown_reason is not None
    if not dropped:
        recorder.client.deactivate()
    offset = clock_offset_us(link, recorder.clock)
    rate, blocksize = recorder.client.samplerate, recorder.client.blocksize
    if not dropped:
        recorder.client.close()
    link.enabled = False

    arrivals = list(recorder.arrivals)
    assign_beats(arrivals, timeline)
    return {
        "bpm_requested": args.bpm,
        "seconds_recorded": time.monotonic() - started,
        "jack": {"rate": rate, "blocksize": blocksize, "clock_minus_link_us": offset,
                 "xruns_us": list(recorder.xruns), "shutdown": recorder.shutdown_reason,
                 "cycles": recorder.cycles, "untrusted_cycles": recorder.untrusted_cycles},
        "link": {"samples_kept": len(timeline.samples), "samples_dropped": timeline.dropped,
                 "first_peer_us": timeline.first_peer_us,
                 "residual_us": percentiles(timeline.residuals_us())},
        "notes": [asdict(a) for a in arrivals],
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="JACK server name")
    parser.add_argument("--source", required=True,
                        help="MIDI output port to record, e.g. stepista:out")
    parser.add_argument("--bpm", type=float, default=120.0,
                        help="tempo if we start the Link session")
    parser.add_argument("--seconds", type=float, default=60.0, help="stop after this long")
    parser.add_argument("--out", help="write the JSON here (default: stdout)")
    parser.add_argument("--name", default="timing-recorder", help="JACK client name")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = asyncio.run(record(args))
    text = json.dumps(result)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
