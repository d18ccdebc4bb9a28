"""TUI speed: the piano roll's full render and its playhead frame rate, headless.

1. Render: a dense 16-bar clip with notes on all 128 pitches, every line of the roll
   rendered from a cold strip cache (what a scroll costs), timed over many runs. Also a new
   clip (show() then every line: grouping the notes and laying them out in columns too),
   and the warm figure (every row a cache hit), what a redraw of an unchanged view costs.
   Full garbage collections of the process (generation 2) land in the p95; their count and
   longest pause are printed under the table.
2. Playhead: a 60 Hz timer moves the playhead at 174 BPM with one 32nd per column for a few
   seconds; the figures are the frames the roll asked to redraw per second, the frames
   Textual painted (ruler lines rendered), and the cost per frame: the roll's own time
   (set_playhead plus render_line) and the whole process's CPU time per painted frame.

    python benchmarks/tui.py [--runs 50] [--seconds 3] [--sizes 160x48,240x70]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.app import App, ComposeResult  # noqa: E402

from stepista.clip import Clip, Note  # noqa: E402
from tui.widgets.piano_roll import PianoRoll  # noqa: E402

BARS = 16
BPM = 174
TIMER_HZ = 60
RENDER_TARGET_MS = 4.0
FPS_TARGET = 30.0


def dense_clip(bars: int = BARS, seed: int = 1) -> Clip:
    """Notes on every pitch 0-127: back-to-back notes of 1-8 sixteenths, one step in three left empty."""
    rng = random.Random(seed)
    steps = bars * 16
    notes = []
    for pitch in range(128):
        step = rng.randrange(3)
        while step < steps:
            length = min(rng.randint(1, 8), steps - step)
            if rng.random() < 0.67:
                notes.append(Note(pitch=pitch, velocity=rng.randint(1, 127), start=Fraction(step, 4),
                                  duration=Fraction(length, 4)))
            step += length
    return Clip(notes=notes, length_beats=bars * 4)


class RollApp(App):
    """Just a piano roll, full screen."""

    def compose(self) -> ComposeResult:
        yield PianoRoll()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed_ms(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


class FullCollections:
    """Counts the process's generation-2 garbage collections and their longest pause."""

    def __init__(self) -> None:
        self.count, self.longest_ms, self._start = 0, 0.0, 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.count += 1
            self.longest_ms = max(self.longest_ms, (time.perf_counter() - self._start) * 1000)

    def __enter__(self) -> "FullCollections":
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self)


async def measure_render(size: tuple[int, int], clip: Clip, runs: int) -> dict:
    """Milliseconds per full render of the roll: cold strips (median, p95), new clip, warm."""
    app = RollApp()
    async with app.run_test(size=size) as pilot:
        roll = app.query_one(PianoRoll)
        roll.show(clip)
        await pilot.pause()
        roll.render_all()
        with FullCollections() as collections:
            cold = timed_ms(roll.render_all, runs)
            new_clip = timed_ms(lambda: (roll.show(clip), roll.render_all()), runs)
            warm = timed_ms(lambda: [roll.render_line(y) for y in range(roll.size.height)], runs)
    return {"cold_median": statistics.median(cold), "cold_p95": percentile(cold, 0.95),
            "new_clip": statistics.median(new_clip), "warm_median": statistics.median(warm),
            "collections": collections.count, "longest_gc_ms": collections.longest_ms}


async def measure_playhead(size: tuple[int, int], clip: Clip, seconds: float) -> dict:
    """Frames per second the playhead drew at 174 BPM, 1/8 beat per column, and their cost."""
    app = RollApp()
    async with app.run_test(size=size) as pilot:
        roll = app.query_one(PianoRoll)
        roll.show(clip)
        roll.beats_per_column = Fraction(1, 8)
        app.set_focus(None)  # as when the performer types in the prompt: the roll follows the playhead
        await pilot.pause()
        spent = [0.0]
        painted = [0]
        render_line = roll.render_line

        def timed_render_line(y: int):
            start = time.perf_counter()
            strip = render_line(y)
            spent[0] += time.perf_counter() - start
            painted[0] += y == 0
            return strip

        roll.render_line = timed_render_line
        began = time.perf_counter()

        def tick() -> None:
            start = time.perf_counter()
            roll.set_playhead((start - began) * BPM / 60)
            spent[0] += time.perf_counter() - start

        frames_before = roll.frames_drawn
        cpu_before = time.process_time()
        timer = app.set_interval(1 / TIMER_HZ, tick)
        await asyncio.sleep(seconds)
        timer.stop()
        elapsed = time.perf_counter() - began
        cpu = time.process_time() - cpu_before
        await pilot.pause()
    frames = roll.frames_drawn - frames_before
    return {"fps": frames / elapsed, "painted_fps": painted[0] / elapsed,
            "roll_ms": spent[0] * 1000 / max(frames, 1),
            "cpu_ms": cpu * 1000 / max(painted[0], 1), "cpu_share": cpu / elapsed}


def parse_size(text: str) -> tuple[int, int]:
    width, height = text.lower().split("x")
    return int(width), int(height)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50, help="full renders timed per size")
    parser.add_argument("--seconds", type=float, default=3.0, help="playhead run per size")
    parser.add_argument("--sizes", default="160x48,240x70", help="terminal sizes, WxH,WxH")
    args = parser.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    clip = dense_clip()
    print(f"dense clip: {BARS} bars, {len(clip.notes)} notes on 128 pitches")
    print(f"\n1. full render of the roll, ms (target {RENDER_TARGET_MS:g} ms; {args.runs} runs)")
    print(f"{'size':>8}{'cold median':>13}{'cold p95':>10}{'new clip':>10}{'warm':>8}")
    pauses = []
    for size in sizes:
        r = asyncio.run(measure_render(size, clip, args.runs))
        pauses.append(f"{r['collections']} at {size[0]}x{size[1]} (longest {r['longest_gc_ms']:.0f} ms)")
        print(f"{size[0]:>4}x{size[1]:<3}{r['cold_median']:13.2f}{r['cold_p95']:10.2f}{r['new_clip']:10.2f}"
              f"{r['warm_median']:8.2f}")
    print(f"full garbage collections while timing: {', '.join(pauses)}")
    print(f"\n2. playhead at {BPM} BPM, 1/8 beat per column, {TIMER_HZ} Hz timer, {args.seconds:g} s "
          f"(target {FPS_TARGET:g} fps)")
    print(f"{'size':>8}{'fps':>7}{'painted':>9}{'roll ms/frame':>15}{'cpu ms/frame':>14}{'cpu':>6}")
    for size in sizes:
        r = asyncio.run(measure_playhead(size, clip, args.seconds))
        print(f"{size[0]:>4}x{size[1]:<3}{r['fps']:7.1f}{r['painted_fps']:9.1f}{r['roll_ms']:15.3f}"
              f"{r['cpu_ms']:14.2f}{r['cpu_share']:6.0%}")


if __name__ == "__main__":
    main()
