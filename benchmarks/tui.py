"""TUI speed: the piano roll's full render and its playhead frame rate, headless; and the
real TUI's CPU use while it plays, in a real terminal.

1. Render: a dense 16-bar clip with notes on all 128 pitches, every line of the roll
   rendered from a cold strip cache (what a scroll costs), timed over many runs. Also a new
   clip (show() then every line: grouping the notes and laying them out in columns too),
   and the warm figure (every row a cache hit), what a redraw of an unchanged view costs.
   Full garbage collections of the process (generation 2) land in the p95; their count and
   longest pause are printed under the table. Each size is timed twice: as it is, and with
   ``gc.freeze()`` after start-up (every object alive then moved out of the collector's
   sight, as the TUI could do once mounted), to show what that does to the p95 and the
   pauses; the last column is what one full collection (``gc.collect()``) costs then.
2. Playhead: a 60 Hz timer moves the playhead at 174 BPM with one 32nd per column for a few
   seconds; the figures are the frames the roll asked to redraw per second, the frames
   Textual painted (ruler lines rendered), and the cost per frame: the roll's own time
   (set_playhead plus render_line) and the whole process's CPU time per painted frame.
3. CPU: ``stepista --no-link --session TMP/s.json --output OUT`` in a private tmux server
   (``TERM=xterm-256color``, private XDG data/state/runtime directories, so it starts its own
   engine and touches none of your files). OUT is ``jack:stepista-bench`` on a private
   ``jackd -d dummy`` with a recorder taking its notes, when jackd and JACK-Client are here,
   so the engine does real MIDI work; else ``preview``. Once the screen shows the roll and
   "▶ playing" (a fresh session plays a generated drum clip), /proc/PID/stat's utime+stime of
   the TUI (the pane's process), its engine and the tmux server (the terminal's side) are read
   over ``--cpu-seconds``, as % of one core, with the TUI's resident memory and its write
   calls per second to the terminal (about one per painted frame, plus ten status polls a
   second to the engine). The window is then resized to each further size and measured again.
   ``q`` quits the TUI; the tmux server and the engine are ended after.
   ``--profile`` then runs the TUI twice more at the first size through a ``python -c``
   wrapper around ``stepista.cli.main`` (benchmarks/_tui_tmux.py; SIGUSR1/SIGUSR2 start and
   stop the watching, so only the playing window counts): once counting what Textual
   rendered per widget class (renders, rows and time a second, refreshes asked), once under
   cProfile, printing where the main thread spends its time.

    python benchmarks/tui.py [--sections render,playhead,cpu] [--runs 50] [--seconds 3]
                             [--sizes 160x48,240x70] [--cpu-seconds 20] [--cpu-output auto]
                             [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib
import json
import os
import pstats
import random
import shutil
import site
import statistics
import sys
import sysconfig
import tempfile
import time
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.append(str(HERE))  # (after the repo: this file would hide the tui package)

from textual.app import App, ComposeResult  # noqa: E402

from stepista.clip import Clip, Note  # noqa: E402
from tui.widgets.piano_roll import PianoRoll  # noqa: E402

from _tui_tmux import CpuMeter, TuiInTmux, alive, rss_mb, tmux_available, write_calls  # noqa: E402

BARS = 16
BPM = 174
TIMER_HZ = 60
RENDER_TARGET_MS = 4.0
FPS_TARGET = 30.0
CPU_TARGET = 0.15
"""The TUI's share of one core while playing, at most."""
SETTLE_S = 2.0
"""Seconds between the TUI playing (or a resize) and the start of a CPU measurement."""
JACK_CLIENT = "stepista-bench"
SECTIONS = ("render", "playhead", "cpu")


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


async def measure_render(size: tuple[int, int], clip: Clip, runs: int, freeze: bool = False) -> dict:
    """Milliseconds per full render of the roll: cold strips (median, p95), new clip, warm.

    ``freeze``: once the app is up, collect and ``gc.freeze()`` (undone at the end), so full
    collections no longer walk the objects start-up left behind.
    """
    app = RollApp()
    async with app.run_test(size=size) as pilot:
        roll = app.query_one(PianoRoll)
        roll.show(clip)
        await pilot.pause()
        roll.render_all()
        tracked = len(gc.get_objects())  # what a full collection walks, unless frozen
        if freeze:
            gc.collect()
            gc.freeze()
        try:
            with FullCollections() as collections:
                cold = timed_ms(roll.render_all, runs)
                new_clip = timed_ms(lambda: (roll.show(clip), roll.render_all()), runs)
                warm = timed_ms(lambda: [roll.render_line(y) for y in range(roll.size.height)], runs)
            collect = timed_ms(gc.collect, 5)  # what one full collection costs now
        finally:
            if freeze:
                gc.unfreeze()
    return {"cold_median": statistics.median(cold), "cold_p95": percentile(cold, 0.95),
            "new_clip": statistics.median(new_clip), "warm_median": statistics.median(warm),
            "collections": collections.count, "longest_gc_ms": collections.longest_ms,
            "tracked": tracked, "collect_ms": statistics.median(collect)}


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


def jack_usable() -> bool:
    """A private jackd can be started here: jackd on PATH and JACK-Client importable."""
    if shutil.which("jackd") is None:
        return False
    try:
        importlib.import_module("jack")
    except (ImportError, OSError):
        return False
    return True


@contextlib.contextmanager
def cpu_output(choice: str):
    """Yields (the TUI's --output spec, the environment for it, and for JACK the server and
    the recorder class to connect, else None).

    ``jack``: a private ``jackd -d dummy`` (tests/jackserver.py) and a recorder connected to
    the engine's port once it appears, so every note really goes through JACK; ``preview``:
    the engine's silent output."""
    if choice == "auto":
        choice = "jack" if jack_usable() else "preview"
    if choice == "preview":
        yield "preview", dict(os.environ), None
        return
    sys.path.append(str(HERE.parent / "tests"))
    from jackserver import JackServer, MidiRecorder

    with JackServer() as server:
        env = dict(server.env, JACK_NO_START_SERVER="1")
        yield f"jack:{JACK_CLIENT}", env, (server, MidiRecorder)


def connect_recorder(jack_parts, timeout: float = 15.0):
    """A recorder on the private server, connected from the engine's output port."""
    server, recorder_class = jack_parts
    recorder = recorder_class(server, name="bench-rec")
    deadline = time.monotonic() + timeout
    while True:
        try:
            recorder.connect_from(f"{JACK_CLIENT}:out")
            return recorder
        except Exception:
            if time.monotonic() > deadline:
                recorder.close()
                raise RuntimeError(f"no JACK port {JACK_CLIENT}:out within {timeout:g} s")
            time.sleep(0.2)


def note_ons(recorder) -> int:
    return sum(1 for m in recorder.messages() if len(m) == 3 and m[0] & 0xF0 == 0x90 and m[2])


def measure_cpu(sizes: list[tuple[int, int]], seconds: float, output: str,
                profile: Path | None = None, widgets: Path | None = None) -> dict:
    """The real TUI playing in tmux: CPU shares of the TUI, its engine and tmux per size.

    With ``profile`` (cProfile stats) or ``widgets`` (renders per widget class), the TUI runs
    under the watching wrapper, watched over the first size's window only; the findings are
    left in those files."""
    watched = profile is not None or widgets is not None
    rows = []
    with tempfile.TemporaryDirectory(prefix="stepista-tui-cpu-") as tmp, \
            cpu_output(output) as (spec, env, jack_parts):
        args = ["--no-link", "--session", f"{tmp}/s.json", "--output", spec]
        with TuiInTmux(Path(tmp), args, env=env, size=sizes[0], profile=profile,
                       widgets=widgets) as tui:
            started = time.monotonic()
            tui.wait_playing()
            startup_s = time.monotonic() - started
            recorder = connect_recorder(jack_parts) if jack_parts else None
            for n, size in enumerate(sizes):
                if n:
                    tui.resize(*size)
                time.sleep(SETTLE_S)
                tui_pid, engine_pid = tui.tui_pid, tui.engine_pid
                notes_before = note_ons(recorder) if recorder else 0
                writes_before = write_calls(tui_pid)
                if watched and n == 0:
                    tui.profile_start()
                meter = CpuMeter({"tui": tui_pid, "engine": engine_pid, "tmux": tui.server_pid})
                time.sleep(seconds)
                shares, elapsed = meter.shares(), meter.elapsed
                if watched and n == 0:
                    tui.profile_stop()
                writes_after = write_calls(tui_pid)
                screen = tui.screen()
                rows.append({"size": size, **shares, "rss_mb": rss_mb(tui_pid),
                             "writes_per_s": (writes_after - writes_before) / elapsed
                             if writes_before is not None and writes_after is not None else None,
                             "notes": note_ons(recorder) - notes_before if recorder else None,
                             "playing": "▶ playing" in screen and alive(engine_pid),
                             "seconds": elapsed})
            quit_ok = tui.quit()
            if recorder is not None:
                recorder.close()
    return {"output": spec, "startup_s": startup_s, "rows": rows, "quit_ok": quit_ok}


def print_profile(path: Path, seconds: float, top: int) -> None:
    """The profiled functions that cost most, as ms per second of the window (= 0.1 % of one
    core each), by own time and by time including callees (leaving out the event loop's
    frames, whose time includes its wait in poll); share is of the busy time."""
    stats = pstats.Stats(str(path))
    entries = []
    for (filename, line, name), (_cc, calls, own, total, _callers) in stats.stats.items():
        entries.append((own, total, calls, _where(filename, line, name)))
    polling = {e for e in entries if "select.epoll" in e[3] or e[3].startswith("selectors.py")}
    blocked = sum(own for own, _t, _c, where in entries if "select.epoll" in where)
    busy = sum(e[0] for e in entries) - blocked
    print(f"main thread under cProfile: {busy * 1000 / seconds:.0f} ms/s busy "
          f"({busy / seconds:.0%} of one core, profiler overhead included), "
          f"{blocked * 1000 / seconds:.0f} ms/s waiting in the event loop's poll")
    print(f"\n{'own ms/s':>9}{'share':>7}{'calls/s':>9}  function (by own time)")
    for own, _total, calls, where in sorted(set(entries) - polling, reverse=True)[:top]:
        print(f"{own * 1000 / seconds:9.1f}{own / busy:7.1%}{calls / seconds:9.0f}  {where}")
    print(f"\n{'cum ms/s':>9}{'share':>7}{'calls/s':>9}  function (by time with callees)")
    waiting = {e for e in entries if e[1] > busy} | polling  # the loop's frames and its poll
    for _own, total, calls, where in sorted(set(entries) - waiting, key=lambda e: -e[1])[:top]:
        print(f"{total * 1000 / seconds:9.1f}{total / busy:7.1%}{calls / seconds:9.0f}  {where}")


def _where(filename: str, line: int, name: str) -> str:
    """A profiled function's place, short: relative to site-packages, the stdlib or the repo."""
    if filename == "~":
        return name  # a builtin, e.g. "<method 'poll' of 'select.epoll' objects>"
    path = Path(filename)
    roots = [*map(Path, site.getsitepackages()), Path(sysconfig.get_paths()["stdlib"]), HERE.parent]
    for root in roots:
        if path.is_relative_to(root):
            path = path.relative_to(root)
            break
    return f"{path}:{line} {name}"


def parse_size(text: str) -> tuple[int, int]:
    width, height = text.lower().split("x")
    return int(width), int(height)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"which to run, comma-separated, from {','.join(SECTIONS)}")
    parser.add_argument("--runs", type=int, default=50, help="full renders timed per size")
    parser.add_argument("--seconds", type=float, default=3.0, help="playhead run per size")
    parser.add_argument("--sizes", default="160x48,240x70", help="terminal sizes, WxH,WxH")
    parser.add_argument("--cpu-seconds", type=float, default=20.0, help="CPU window per size")
    parser.add_argument("--cpu-output", choices=("auto", "jack", "preview"), default="auto",
                        help="the TUI's engine output: a private JACK server if it can (auto)")
    parser.add_argument("--profile", action="store_true",
                        help="then run the TUI under cProfile and print where its time goes")
    parser.add_argument("--profile-top", type=int, default=25, help="functions listed")
    parser.add_argument("--profile-out", type=Path, help="keep the profile's stats in this file")
    args = parser.parse_args()
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    clip = dense_clip()
    if "render" in sections or "playhead" in sections:
        print(f"dense clip: {BARS} bars, {len(clip.notes)} notes on 128 pitches")
    if "render" in sections:
        print(f"\n1. full render of the roll, ms (target {RENDER_TARGET_MS:g} ms; {args.runs} runs; "
              "gc 'frozen': gc.freeze() after start-up)")
        print(f"{'size':>8}{'gc':>8}{'cold median':>13}{'cold p95':>10}{'new clip':>10}{'warm':>8}"
              f"{'gc.collect()':>14}")
        pauses = []
        for size in sizes:
            for freeze in (False, True):
                r = asyncio.run(measure_render(size, clip, args.runs, freeze=freeze))
                gc_label = "frozen" if freeze else "as is"
                pauses.append(f"{r['collections']} at {size[0]}x{size[1]} {gc_label} "
                              f"(longest {r['longest_gc_ms']:.0f} ms)")
                tracked = r["tracked"]
                print(f"{size[0]:>4}x{size[1]:<3}{gc_label:>8}{r['cold_median']:13.2f}{r['cold_p95']:10.2f}"
                      f"{r['new_clip']:10.2f}{r['warm_median']:8.2f}{r['collect_ms']:14.2f}")
        print(f"full garbage collections while timing: {', '.join(pauses)}")
        print(f"objects the collector tracked once the app was up: about {tracked:,} "
              "(frozen: out of its sight); gc.collect(): one full collection after the timing, median of 5")
    if "playhead" in sections:
        print(f"\n2. playhead at {BPM} BPM, 1/8 beat per column, {TIMER_HZ} Hz timer, {args.seconds:g} s "
              f"(target {FPS_TARGET:g} fps)")
        print(f"{'size':>8}{'fps':>7}{'painted':>9}{'roll ms/frame':>15}{'cpu ms/frame':>14}{'cpu':>6}")
        for size in sizes:
            r = asyncio.run(measure_playhead(size, clip, args.seconds))
            print(f"{size[0]:>4}x{size[1]:<3}{r['fps']:7.1f}{r['painted_fps']:9.1f}{r['roll_ms']:15.3f}"
                  f"{r['cpu_ms']:14.2f}{r['cpu_share']:6.0%}")
    if "cpu" in sections:
        run_cpu_section(args, sizes)


def run_cpu_section(args: argparse.Namespace, sizes: list[tuple[int, int]]) -> None:
    if not tmux_available():
        print("\n3. CPU of the real TUI: skipped, tmux is not installed")
        return
    r = measure_cpu(sizes, args.cpu_seconds, args.cpu_output)
    print(f"\n3. CPU of the real TUI playing the fresh session's drum clip in tmux, % of one core "
          f"over {args.cpu_seconds:g} s a size (target: TUI {CPU_TARGET:.0%} or less)")
    print(f"output {r['output']}; playing {r['startup_s']:.1f} s after start; "
          f"quit with q: {'ok' if r['quit_ok'] else 'did not exit'}")
    print(f"{'size':>8}{'tui':>7}{'engine':>8}{'tmux':>6}{'tui RSS MiB':>13}{'writes/s':>10}"
          f"{'notes':>7}  playing")
    for row in r["rows"]:
        w, h = row["size"]
        notes = "-" if row["notes"] is None else str(row["notes"])
        writes = "-" if row["writes_per_s"] is None else f"{row['writes_per_s']:.0f}"
        print(f"{w:>4}x{h:<3}{_share(row['tui']):>7}{_share(row['engine']):>8}{_share(row['tmux']):>6}"
              f"{row['rss_mb'] or 0:13.1f}{writes:>10}{notes:>7}  {'yes' if row['playing'] else 'NO'}")
    over = [f"{w}x{h}" for (w, h), share in ((row["size"], row["tui"]) for row in r["rows"])
            if share is not None and share > CPU_TARGET]
    if over and not args.profile:
        print(f"the TUI is over its {CPU_TARGET:.0%} target at {', '.join(over)}: "
              "--profile shows where its time goes")
    if args.profile:
        with tempfile.TemporaryDirectory(prefix="stepista-tui-prof-") as tmp:
            widgets = Path(tmp) / "widgets.json"
            p = measure_cpu(sizes[:1], args.cpu_seconds, args.cpu_output, widgets=widgets)
            row = p["rows"][0]
            w, h = row["size"]
            print(f"\nwhat Textual rendered at {w}x{h} over {row['seconds']:.0f} s playing, per widget "
                  f"class (TUI CPU meanwhile: {_share(row['tui'])}; render ms/s = 0.1 % of one core)")
            print_widgets(json.loads(widgets.read_text()), row["seconds"])
            path = args.profile_out or Path(tmp) / "tui.prof"
            p = measure_cpu(sizes[:1], args.cpu_seconds, args.cpu_output, profile=path)
            row = p["rows"][0]
            print(f"\nprofile of the TUI's main thread at {w}x{h}, {row['seconds']:.0f} s playing "
                  f"(TUI CPU under the profiler: {_share(row['tui'])}; output {p['output']})")
            print_profile(path, row["seconds"], args.profile_top)


def print_widgets(widgets: dict, seconds: float) -> None:
    """Renders (Widget.render_lines calls), rows and time per second, and refreshes asked."""
    print(f"{'widget':<20}{'renders/s':>10}{'rows/s':>8}{'render ms/s':>13}{'ms/render':>11}"
          f"{'refresh/s':>11}")
    total = 0.0
    for name, w in sorted(widgets.items(), key=lambda item: -item[1]["seconds"]):
        total += w["seconds"]
        per = w["seconds"] * 1000 / w["renders"] if w["renders"] else 0.0
        print(f"{name:<20}{w['renders'] / seconds:10.1f}{w['rows'] / seconds:8.0f}"
              f"{w['seconds'] * 1000 / seconds:13.1f}{per:11.2f}{w['refreshes'] / seconds:11.1f}")
    print(f"{'all':<20}{'':>10}{'':>8}{total * 1000 / seconds:13.1f}")


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


if __name__ == "__main__":
    main()
