"""The TUI lists the Stepista plugin instances the engine finds and routes a track to one (a
fake instance speaking plugin/PROTOCOL.md; the real plugin's end-to-end test is in
test_plugin_host.py)."""

from __future__ import annotations

from enginefix import EngineProcess
from pluginfake import FakeInstance
from tuifix import make_app, settle

SIZE = (160, 48)


async def test_o_routes_the_track_to_a_plugin_instance_and_back(tmp_path):
    with FakeInstance(name="Drums") as drums, \
            EngineProcess(tmp_path, "--no-link", "--output", "preview") as engine:
        app = make_app(tmp_path, engine)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: app.link is not None and app.link.connected and app.timeline is not None)
            await settle(pilot, lambda: any(p["name"] == "Drums" for p in app.plugins), timeout=8,
                         what="the instance to be found")
            counted = [p.long for p in app.status_bar.pieces() if p.long.endswith(("plugin", "plugins"))]
            assert counted == [f"{len(app.plugins)} plugin{'s' if len(app.plugins) != 1 else ''}"]
            track = app.session.tracks[0]  # the beat that plays on a fresh start
            for _ in range(3):  # all -> preview -> the plugin
                await pilot.press("o")
                await pilot.pause(0.3)
                if track.output and track.output.startswith("plugin"):
                    break
            assert track.output and track.output.startswith("plugin")
            await settle(pilot, lambda: drums.clips, what="a clip at the instance")
            clip = drums.last
            assert clip.channel == track.channel and clip.notes
            assert clip.start == 1  # next quantum
            seen = len(drums.clips)
            await pilot.press("o")  # back to all: the instance is told to stop
            await settle(pilot, lambda: track.output is None, what="all")
            await settle(pilot, lambda: drums.clears, what="the instance to be cleared")
            assert len(drums.clips) == seen
