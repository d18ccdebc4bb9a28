"""Snapshots of the main screen (80x24 and 160x48) and the help screen, playing, on a fixed
clock: the engine's state is fed in, so every run draws the same frame.

After a deliberate change to the looks: ``pytest tests/test_tui_snapshots.py --snapshot-update``
and look at the SVGs under tests/__snapshots__ before committing them."""

from __future__ import annotations

from tui.app import Timeline
from tuifix import make_app

NOW_US = 1_000_000_000
STATUS = {"clock": {"beat": 6.5, "time_us": NOW_US, "tempo": 130.0, "link": True, "peers": 1,
                    "quantum": 4.0, "playing": True},
          "playing": True, "tracks": {"t1": {"error": None}},
          "outputs": {"jack:Stepista": "ok"},
          "health": {"late": 0, "tick_ms": 2.1}, "notices": []}


def playing_app(tmp_path):
    app = make_app(tmp_path, clock=lambda: NOW_US)

    async def run_before(pilot) -> None:
        app._on_status(STATUS)
        app.timeline = Timeline(beat=6.5, time_us=NOW_US, tempo=130.0, playing=True)
        app._frame()
        await pilot.pause()

    return app, run_before


def test_main_screen_80x24(snap_compare, tmp_path):
    app, run_before = playing_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_main_screen_160x48(snap_compare, tmp_path):
    app, run_before = playing_app(tmp_path)
    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)


def test_help_screen(snap_compare, tmp_path):
    app, run_before = playing_app(tmp_path)
    assert snap_compare(app, press=["question_mark"], terminal_size=(120, 40), run_before=run_before)
