"""Draw docs/main-screen.svg: the main screen mid-performance (Textual's SVG export).

    .venv/bin/python docs/make_screenshot.py

No engine is started: the engine's state (Link with a peer, playing at 128 BPM) is fed in,
and tracks are filled the way a performer would fill them, so the picture is the same every run.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tui.app import StepistaApp, Timeline  # noqa: E402
from tui.session import Session  # noqa: E402

NOW_US = 5_000_000_000
STATUS = {"clock": {"beat": 21.3, "time_us": NOW_US, "tempo": 128.0, "link": True, "peers": 1,
                    "quantum": 4.0, "playing": True},
          "playing": True, "tracks": {}, "outputs": {"jack:Stepista": "ok"},
          "health": {"late": 0, "tick_ms": 2.2}, "notices": []}


async def main(path: Path, size: tuple[int, int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = StepistaApp(Session.fresh(), Path(tmp) / "s.json", connect=False, clock=lambda: NOW_US)
        async with app.run_test(size=size) as pilot:
            for key in ("2", "g", "3", "g", "4", "g"):
                await pilot.press(key)
                await pilot.pause(0.3)
            await pilot.press("5", "colon", *'note("<c4 eb4> [g4 bb4]*2 ~ f4").fast(2)', "enter")
            await pilot.pause(0.5)
            await pilot.press("escape", "2")
            app._on_status(STATUS)
            app.timeline = Timeline(beat=21.3, time_us=NOW_US, tempo=128.0, playing=True)
            app._frame()
            await pilot.pause(0.2)
            app.save_screenshot(str(path))
            if "--text" in sys.argv:
                print("\n".join(s.text for s in app.screen._compositor.render_strips()))


if __name__ == "__main__":
    asyncio.run(main(HERE / "main-screen.svg", (140, 42)))
    print(f"wrote {HERE / 'main-screen.svg'}")
