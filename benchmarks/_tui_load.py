"""A stand-in TUI load for benchmarks/timing.py: a Textual app that redraws all the time.

Until Stepista's TUI lands, this is what "the TUI is running" means in the timing
benchmark: a full-screen Textual app, headless (Textual still lays out, renders and
composites every frame; it skips only encoding it for the terminal and writing it out),
redrawing an animated ASCII grid at ``--fps`` frames a second. It runs in a process of its
own, as the real TUI will run beside the engine. On exit it prints one JSON line with the
frame rate it achieved.

    python benchmarks/_tui_load.py --seconds 10 --fps 60
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import time

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

SHADES = " .:-=+*#%@"
WIDTH, HEIGHT = 96, 24


def plasma(t: float, width: int = WIDTH, height: int = HEIGHT) -> str:
    """One frame of a moving interference pattern, so every cell changes every frame.

    >>> frame = plasma(0.0, 8, 2)
    >>> len(frame.splitlines()), len(frame.splitlines()[0])
    (2, 8)
    """
    rows = []
    for y in range(height):
        row = []
        for x in range(width):
            v = (math.sin(x * 0.21 + t * 3) + math.sin(y * 0.37 - t * 2)
                 + math.sin((x + y) * 0.13 + t))
            row.append(SHADES[int((v + 3) / 6 * (len(SHADES) - 1))])
        rows.append("".join(row))
    return "\n".join(rows)


class LoadApp(App):
    """Header, grid, footer: a small but real widget tree, redrawn by a timer."""

    def __init__(self, fps: float, seconds: float) -> None:
        super().__init__()
        self.fps = fps
        self.seconds = seconds
        self.started = time.monotonic()
        self.stop_requested = False
        self.frames = 0

    def _display(self, screen, renderable) -> None:
        """Count composited screen updates: Textual hands each one here to be written out
        (headless, it then skips only the terminal write)."""
        if renderable is not None:
            self.frames += 1
        super()._display(screen, renderable)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(plasma(0.0), id="grid")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(1 / self.fps, self.tick)
        self.set_timer(self.seconds, self.exit)

    def tick(self) -> None:
        if self.stop_requested:
            self.exit()
            return
        self.query_one("#grid", Static).update(plasma(time.monotonic() - self.started))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--fps", type=float, default=60.0)
    args = parser.parse_args(argv)
    app = LoadApp(args.fps, args.seconds)
    # SIGTERM from the benchmark ends the app at its next tick, so the frame count still
    # gets out; the handler only sets a flag, as it may interrupt the loop anywhere.
    signal.signal(signal.SIGTERM, lambda *_: setattr(app, "stop_requested", True))
    start = time.monotonic()
    app.run(headless=True, size=(WIDTH + 4, HEIGHT + 6))
    seconds = time.monotonic() - start
    print(json.dumps({"frames": app.frames, "seconds": seconds,
                      "fps": app.frames / seconds if seconds else 0.0}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
