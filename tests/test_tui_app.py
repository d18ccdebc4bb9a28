"""The TUI on a real engine process, driven by Textual's Pilot: every interaction of the main
screen, what reaches the engine, export, sessions and help."""

from __future__ import annotations

from fractions import Fraction

import pytest

from enginefix import EngineProcess
from stepista.clip import Clip, Note
from stepista.midifile import read_midi
from tui.app import KNOBS, Timeline
from tui.commands import COMMANDS
from tui.help import HelpScreen
from tui.session import Session
from tui.widgets.code_prompt import CodePrompt
from tui.widgets.knob import Knob
from tui.widgets.piano_roll import PianoRoll
from tui.widgets.track_list import TrackList
from tuifix import engine_status, make_app, quiet_session, screen_text, settle

SIZE = (160, 48)


@pytest.fixture
def engine(tmp_path):
    with EngineProcess(tmp_path, "--no-link", "--output", "preview") as e:
        yield e


async def connected(pilot, app) -> None:
    await settle(pilot, lambda: app.link is not None and app.link.connected and app.timeline is not None,
                 what="the engine connection")
    await settle(pilot, lambda: 0 in app._in_engine or not app.session.audible(0), what="track 1 sent")


async def engine_tracks(app) -> dict:
    return (await engine_status(app))["tracks"]


# -- starting, playing, live code ----------------------------------------------------------

async def test_a_fresh_start_plays_a_beat_on_track_one_and_shows_it(tmp_path, engine):
    app = make_app(tmp_path, engine)
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot, app)
        assert list(await engine_tracks(app)) == ["t1"]
        text = screen_text(app)
        assert "kick" in text and "closed_hat" in text  # drum lanes named by instrument
        assert "PREVIEW" in text  # the silent preview is called out
        assert app.timeline.playing
        assert app.session.tracks[0].source == "clip" and len(app.session.tracks[0].takes) == 4


async def test_live_code_lands_on_the_next_quantum(tmp_path, engine):
    app = make_app(tmp_path, engine)
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot, app)
        await pilot.press("2", "colon")
        await pilot.press(*'note("c3 [eb3 g3]*2")')
        await pilot.press("enter")
        await settle(pilot, lambda: app.session.tracks[1].source == "code", what="code accepted")
        await settle(pilot, lambda: 1 in app._in_engine)
        await settle(pilot, lambda: any(e.get("event") == "swapped" and e["track"] == "t2"
                                        for e in app.link_events), what="the swap")
        swapped = [e for e in app.link_events if e.get("event") == "swapped" and e["track"] == "t2"]
        assert swapped[0]["beat"] % 4 == 0  # on the bar (quantum 4)
        tracks = await engine_tracks(app)
        assert "t2" in tracks and tracks["t2"]["channel"] == app.session.tracks[1].channel
        roll = app.query_one(PianoRoll)
        assert {n.pitch for n in roll.clip.notes} == {48, 51, 55}


async def test_a_broken_expression_shows_a_caret_and_the_old_pattern_keeps_playing(tmp_path, engine):
    app = make_app(tmp_path, engine)
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot, app)
        before = app.session.tracks[0].clip
        await pilot.press("colon", *'note("c3 [e3")', "enter")
        prompt = app.query_one(CodePrompt)
        await settle(pilot, lambda: prompt.error is not None, what="the error")
        text = screen_text(app)
        assert "column" in text and "^" in text
        assert "still playing the previous pattern" in text
        assert app.session.tracks[0].clip == before and app.session.tracks[0].source == "clip"
        tracks = await engine_tracks(app)
        assert "t1" in tracks and tracks["t1"]["error"] is None


async def test_named_lines_are_refused_with_a_reason(tmp_path, engine):
    app = make_app(tmp_path, engine)
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot, app)
        await pilot.press("colon", *'bass: note("c2")', "enter")
        prompt = app.query_one(CodePrompt)
        await settle(pilot, lambda: prompt.error is not None)
        assert "names a track" in str(prompt.error)
        assert "bass" not in await engine_tracks(app)


async def test_the_playing_token_lights_up(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.action_select_track(1)
        app._play_code(1, 'note("c3 e3")')
        await settle(pilot, lambda: app.session.tracks[1].source == "code")
        now = 10_000_000
        app.clock = lambda: now
        app.timeline = Timeline(beat=2.0, time_us=now, tempo=120.0, playing=True)  # bar 1, beat 3: e3
        app._frame()
        prompt = app.query_one(CodePrompt)
        assert prompt.playing == ('note("c3 e3")', ((9, 11),))


# -- generating and choosing -----------------------------------------------------------------

async def test_generate_fills_the_roll_and_plays_from_the_next_quantum(tmp_path, engine):
    app = make_app(tmp_path, engine)
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot, app)
        await pilot.press("2", "g")
        track = app.session.tracks[1]
        await settle(pilot, lambda: track.source == "clip", what="generation")
        await settle(pilot, lambda: 1 in app._in_engine)
        roll = app.query_one(PianoRoll)
        assert roll.clip is not None and roll.clip.notes == [n.model_copy(update={"channel": track.channel})
                                                              for n in track.clip.notes]
        assert all(n.channel == track.channel for n in roll.clip.notes)
        assert "t2" in await engine_tracks(app)


@pytest.mark.parametrize("style", ["electro", "house", "techno", "minimal", "trap", "lofi", "ambient",
                                   "dnb", "breakbeat", "acid", "dub", "idm"])
async def test_every_style_generates_from_the_picker(tmp_path, style):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        app.query_one("#style").value = style
        await pilot.pause()
        assert app.session.track.style == style
        await pilot.press("g")
        await settle(pilot, lambda: app.session.track.source == "clip", what=f"{style} clip")
        assert app.session.track.clip.style == style and app.session.track.clip.notes


async def test_takes_undo_and_redo(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        track = app.session.tracks[0]
        first = track.clip
        await pilot.press("right_square_bracket")
        assert track.clip == track.takes[1] != first
        await pilot.press("right_square_bracket", "left_square_bracket", "left_square_bracket")
        assert track.clip == first
        await pilot.press("u")
        assert track.clip == track.takes[1]
        await pilot.press("U")
        assert track.clip == first
        assert app.query_one(PianoRoll).clip.notes == first.notes


@pytest.mark.parametrize("key,check", [
    ("b", lambda old, new: new.notes != old.notes),                         # B section
    ("c", lambda old, new: new.length_beats == 2 * old.length_beats),       # continue
    ("f", lambda old, new: new.notes != old.notes),                         # fill
    ("h", lambda old, new: [n.start for n in new.notes] != [n.start for n in old.notes]),  # humanize
])
async def test_clip_commands(tmp_path, key, check):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "g")
        track = app.session.tracks[1]
        await settle(pilot, lambda: track.source == "clip")
        old = track.clip
        await pilot.press(key)
        assert check(old, track.clip)
        await pilot.press("u")
        assert track.clip == old


async def test_knobs_turn_parameters_and_regenerate(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        track = app.session.tracks[0]
        before = track.clip
        knob = app.query_one("#knob-density", Knob)
        knob.focus()
        await pilot.press("shift+up")
        assert track.params.density == 70
        await settle(pilot, lambda: track.clip != before, what="regeneration")
        assert len(track.clip.notes) > len(before.notes)
        await pilot.press("u")
        assert track.clip == before
        await pilot.press("2")  # another track keeps its own knobs
        assert app.query_one("#knob-density", Knob).value == app.session.tracks[1].params.density


async def test_twelve_knobs_and_speed_is_the_tempo(tmp_path, engine):
    app = make_app(tmp_path, engine)
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot, app)
        assert [s.param for s in KNOBS] == ["key", "mode", "density", "velocity", "accent", "swing",
                                            "length", "octave", "bars", "tension", "improvise", "speed"]
        speed = app.query_one("#knob-speed", Knob)
        speed.focus()
        await pilot.press("shift+up")
        await settle(pilot, lambda: app.timeline.tempo == app.session.tempo, what="the tempo change")
        assert (await engine_status(app))["clock"]["tempo"] == app.session.tempo


async def test_speed_knob_locks_while_link_peers_are_present(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        status = {"clock": {"beat": 0.0, "time_us": 0, "tempo": 140.0, "link": True, "peers": 2,
                            "quantum": 4.0, "playing": True}, "playing": True, "tracks": {},
                  "outputs": {"jack:Stepista": "ok"}}
        app._on_status(status)
        speed = app.query_one("#knob-speed", Knob)
        assert speed.locked and speed.value == 140.0 and "2 peers" in speed.lock_reason
        speed.focus()
        await pilot.press("up")
        assert app.session.tempo == 140.0
        await pilot.pause()
        assert "Link" in screen_text(app)


async def test_roll_edits_are_undoable_clip_changes(tmp_path):
    clip = Clip(notes=[Note(pitch=60, velocity=100, start=0, duration=Fraction(1, 4))], length_beats=4)
    session = quiet_session()
    session.tracks[1].source, session.tracks[1].clip, session.tracks[1].part = "clip", clip, "lead"
    session.selected = 1
    app = make_app(tmp_path, session=session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # laid out: the roll has scrolled to the clip's notes
        roll = app.query_one(PianoRoll)
        x, y = roll.cell_offset(60, 0)
        await pilot.click(PianoRoll, offset=(x, y))  # a click on the note removes it
        assert app.session.track.clip.notes == []
        await pilot.click(PianoRoll, offset=(x + 2, y))  # a click on an empty cell adds one
        assert [(n.pitch, n.start) for n in app.session.track.clip.notes] == [(60, Fraction(1, 2))]
        await pilot.press("u", "u")
        assert app.session.track.clip == clip


# -- tracks, mute, solo, output ----------------------------------------------------------------

async def test_mute_and_solo_reach_the_engine(tmp_path, engine):
    app = make_app(tmp_path, engine)
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot, app)
        await pilot.press("2", "g")
        await settle(pilot, lambda: 1 in app._in_engine)
        await pilot.press("1", "m")
        await settle(pilot, lambda: 0 not in app._in_engine, what="mute")
        await pilot.press("m", "2", "s")
        await settle(pilot, lambda: app._in_engine == {1}, what="solo")
        await pilot.press("s")
        await settle(pilot, lambda: app._in_engine == {0, 1}, what="unsolo")
        assert "M" in screen_text(app)


async def test_track_list_selection_by_click_and_keys(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        assert app.session.selected == 2 and app.query_one(TrackList).selected == 2
        app.query_one(TrackList).focus()
        await pilot.press("down")
        assert app.session.selected == 3
        await pilot.click(TrackList, offset=(5, 0))
        assert app.session.selected == 0


async def test_channel_keys(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "greater_than_sign", "greater_than_sign", "less_than_sign")
        assert app.session.tracks[1].channel == 3


# -- export and sessions ---------------------------------------------------------------------

async def test_export_track_and_all(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        files = list((tmp_path / "exports").glob("*.mid"))
        assert len(files) == 1
        clips = read_midi(files[0])
        assert [n.pitch for n in clips[0].notes] == [n.pitch for n in app.session.tracks[0].clip.notes]
        assert str(files[0]) in screen_text(app).replace("\n", "") or app.view.message.endswith(files[0].name)
        await pilot.press("2", "colon", *'note("c3*4")', "enter")
        await settle(pilot, lambda: app.session.tracks[1].source == "code")
        await pilot.press("escape", "E")
        every = tmp_path / "exports" / "session-all.mid"
        assert every.exists() and len(read_midi(every)) == 2


async def test_session_is_saved_on_quit_and_restored(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "colon", *'note("c3 e3")', "enter")
        await settle(pilot, lambda: app.session.tracks[1].source == "code")
        await pilot.press("escape", "3", "m")
        await pilot.press("q")
    saved = Session.load(tmp_path / "session.json")
    assert saved.tracks[1].code == 'note("c3 e3")' and saved.tracks[2].muted and saved.selected == 2
    assert saved.tracks[0].clip == app.session.tracks[0].clip
    again = make_app(tmp_path, session=saved)
    async with again.run_test(size=SIZE) as pilot:
        assert again.query_one(CodePrompt).history[-1] == 'note("c3 e3")'
        await pilot.press("2")
        assert again.query_one(CodePrompt).text == 'note("c3 e3")'
        assert {n.pitch for n in again.query_one(PianoRoll).clip.notes} == {48, 52}


async def test_autosave_writes_changes_without_a_quit(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "m")
        app._autosave()
        assert Session.load(tmp_path / "session.json").tracks[3].muted


# -- help and the command palette --------------------------------------------------------------

async def test_help_lists_every_key(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for c in COMMANDS:
            if c.action.startswith("select_track("):
                continue  # one row: 1 … 8
            assert c.help[:40] in text, c.action
        assert "1 … 8" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_the_palette_lists_every_command(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE):
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {c.title for c in COMMANDS} <= titles


async def test_a_palette_command_runs(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Track 3")
        await command.callback()
        await pilot.pause()
        assert app.session.selected == 2


# -- the playhead --------------------------------------------------------------------------

async def test_playhead_follows_the_interpolated_beat(tmp_path):
    now = [50_000_000]
    app = make_app(tmp_path, clock=lambda: now[0])
    async with app.run_test(size=SIZE):
        app.timeline = Timeline(beat=1.0, time_us=now[0], tempo=120.0, playing=True)
        app._frame()
        roll = app.query_one(PianoRoll)
        first = roll.playhead
        now[0] += 250_000  # half a beat at 120 BPM, with no new reading from the engine
        app._frame()
        assert app.beat_now() == pytest.approx(1.5)
        assert roll.playhead != first
        app.timeline = Timeline(beat=1.5, time_us=now[0], tempo=120.0, playing=False)
        app._frame()
        assert roll.playhead is None
