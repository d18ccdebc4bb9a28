"""The TUI's ask line: a brief for the selected track, answered offline or by a faked Claude
(the real SDK runs over a fake HTTP transport), without blocking the app; cancellable; the
answer a new take in the roll."""

from __future__ import annotations

import json
import threading

import pytest

from aifake import FakeClaude, message, notes_answer
from enginefix import EngineProcess
from stepista.ai.brief import parse_brief
from tui.widgets.ask_line import AskLine
from tui.widgets.piano_roll import PianoRoll
from tuifix import engine_status, make_app, settle

SIZE = (160, 48)


@pytest.fixture(autouse=True)
def no_key(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)


async def ask_for(pilot, text: str) -> None:
    await pilot.press("a")
    line = pilot.app.query_one(AskLine)
    assert line.is_open and line.input.has_focus
    line.input.value = text
    await pilot.press("enter")


def state_text(app) -> str:
    return str(app.query_one(AskLine).state.render())


async def test_offline_answer_is_a_new_take_in_the_roll_and_in_the_engine(tmp_path):
    with EngineProcess(tmp_path, "--no-link", "--output", "preview") as engine:
        app = make_app(tmp_path, engine)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: app.link is not None and app.link.connected and app.timeline is not None)
            await pilot.press("2")
            track = app.session.tracks[1]
            before = track.clip
            await ask_for(pilot, "same but darker, 8 bars, with a fill on bar 8")
            await settle(pilot, lambda: track.clip is not before, what="the answer")
            roll = app.query_one(PianoRoll)
            assert roll.clip is not None and roll.clip.bars == 8
            assert [(n.pitch, n.start) for n in roll.clip.notes] == [(n.pitch, n.start) for n in track.clip.notes]
            assert track.part == "bass" and track.params.bars == 8 and track.takes[-1] is track.clip
            assert "take" in state_text(app) and "offline" in state_text(app)
            await settle(pilot, lambda: 1 in app._in_engine, what="the engine")
            status = await engine_status(app)
            assert "t2" in status["tracks"]
            await pilot.press("escape", "u")  # leave the line; undo brings the old clip back
            assert track.clip is before


async def test_a_relative_brief_changes_only_what_it_names(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        track = app.session.tracks[1]
        key, style = track.params.key_name, track.style
        await ask_for(pilot, "same but busier")
        await settle(pilot, lambda: track.source == "clip" and track.takes, what="the answer")
        assert (track.params.key_name, track.style) == (key, style)


async def test_claude_answers_a_validated_clip_and_sees_the_other_tracks(tmp_path):
    brief = "dark techno bassline in A minor"
    reading = parse_brief(brief).model_dump(mode="json")
    off_scale = [(45, 100, 0, 0.5), (46, 200, 1, 0.5), (48, 90, 2, 0.5), (49, 90, 3, 0.5)]
    fake = FakeClaude(message(json.dumps(reading)), notes_answer(off_scale))
    app = make_app(tmp_path, ai_client=fake.client())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "g")  # a bass clip to start from
        track = app.session.tracks[1]
        await settle(pilot, lambda: track.source == "clip", what="generation")
        before = track.clip
        await ask_for(pilot, brief)
        await settle(pilot, lambda: track.clip is not before, what="Claude's answer")
        clip = app.query_one(PianoRoll).clip
        assert clip is not None and clip.notes
        allowed = {9, 11, 0, 2, 4, 5, 7}  # A natural minor
        assert all(n.pitch % 12 in allowed for n in clip.notes)
        assert all(1 <= n.velocity <= 127 and 0 <= n.start < clip.length_beats for n in clip.notes)
        assert "written by Claude" in state_text(app)
        # the clip request carried the other tracks' context (track 1's kicks) and, the track
        # being a bass clip, that clip to vary
        assert "kick" in fake.prompt(1).lower()
        sent = fake.request_json(1)
        assert sent["task"].startswith("variation") and sent["varying"]["notes"]


async def test_asking_never_blocks_and_esc_cancels(tmp_path):
    release = threading.Event()
    reading = parse_brief("acid bassline").model_dump(mode="json")

    def slow(request):
        release.wait(10)
        return message(json.dumps(reading))

    fake = FakeClaude(slow, notes_answer([(36, 100, 0, 0.5)]))
    app = make_app(tmp_path, ai_client=fake.client())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        track = app.session.tracks[1]
        before = (track.source, track.clip, track.style)
        await ask_for(pilot, "acid bassline")
        line = app.query_one(AskLine)
        await settle(pilot, lambda: "Claude is reading the brief" in state_text(app), what="progress")
        assert line.asking and "Esc cancels" in state_text(app)
        await pilot.press("escape")  # cancel, while the request is still on the wire
        await settle(pilot, lambda: not line.asking, what="the cancel")
        assert "cancelled" in state_text(app)
        release.set()
        await pilot.pause(0.3)
        assert (track.source, track.clip, track.style) == before
        await pilot.press("escape")  # nothing under way: Esc closes the line
        assert not line.is_open and app.query_one(PianoRoll).has_focus
        await pilot.press("3")  # keys work again on the main screen
        assert app.session.selected == 2


async def test_a_brief_it_cannot_read_says_so_and_keeps_the_track(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        track = app.session.tracks[0]
        before = (track.source, track.code, track.clip)
        await ask_for(pilot, "make it pop")
        line = app.query_one(AskLine)
        await settle(pilot, lambda: line.has_class("-failed"), what="the error")
        assert "make it pop" in state_text(app) and line.input.value == "make it pop"
        assert (track.source, track.code, track.clip) == before


async def test_other_parts_of_a_brief_are_named_not_lost(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        track = app.session.tracks[1]
        await ask_for(pilot, "house drums and bass in F minor")
        await settle(pilot, lambda: track.takes and track.source == "clip" and "take" in state_text(app),
                     what="the answer")
        assert track.part == "bass" and "also made drums" in state_text(app)
