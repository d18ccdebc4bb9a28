"""The piano roll widget: drawing, zoom and pitch modes, the playhead, mouse and keyboard edits."""

from fractions import Fraction

import pytest
from textual import events
from textual.app import App, ComposeResult

from stepista.clip import Clip, Note
from stepista.drums import GM_DRUMS
from stepista.theory import parse_key
from tui.widgets.piano_roll import EIGHTHS, EMPTY_MESSAGE, PianoRoll, note_runs, position

SIZE = (80, 24)


class RollApp(App):
    """Just a piano roll, recording the edits it announces."""

    def __init__(self) -> None:
        super().__init__()
        self.edits: list[PianoRoll.ClipEdited] = []

    def compose(self) -> ComposeResult:
        yield PianoRoll()

    def on_piano_roll_clip_edited(self, message: PianoRoll.ClipEdited) -> None:
        self.edits.append(message)


def clip(*notes, length=16, **meta) -> Clip:
    """A clip from (pitch, start, duration[, velocity[, channel]]) tuples."""
    return Clip(notes=[Note(pitch=n[0], start=n[1], duration=n[2],
                            velocity=n[3] if len(n) > 3 else 100, channel=n[4] if len(n) > 4 else 1)
                       for n in notes], length_beats=length, **meta)


def lines(roll: PianoRoll) -> list[str]:
    return [roll.render_line(y).text for y in range(roll.size.height)]


def row(roll: PianoRoll, label: str) -> str:
    """The grid cells of the row labelled ``label`` (the gutter cut off)."""
    gutter = roll.gutter_width
    for line in lines(roll)[1:]:
        if line[:gutter].strip() == label:
            return line[gutter:]
    raise AssertionError(f"no row {label!r} in view: {[l[:gutter] for l in lines(roll)]}")


def labels(roll: PianoRoll) -> list[str]:
    gutter = roll.gutter_width
    return [line[:gutter].strip() for line in lines(roll)[1:] if line[:gutter].strip()]


def style_at(roll: PianoRoll, y: int, x: int):
    at = 0
    for segment in roll.render_line(y):
        if at <= x < at + len(segment.text):
            return segment.style
        at += len(segment.text)
    raise AssertionError(f"no cell {x} on line {y}")


async def shown(pilot, roll: PianoRoll, *args, **kwargs) -> PianoRoll:
    roll.show(*args, **kwargs)
    await pilot.pause()
    return roll


# --- drawing -----------------------------------------------------------------------------------

async def test_gutter_names_each_semitone_high_to_low():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((48, 0, 1), (52, 2, 1)))
        names = labels(roll)
        assert names.index("E3") + 4 == names.index("C3")
        assert names[names.index("E3"):names.index("C3") + 1] == ["E3", "D#3", "D3", "C#3", "C3"]


async def test_drum_clip_shows_standard_lanes_and_used_ones_by_note_number():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        drums = clip((36, 0, Fraction(1, 4), 110, 10), (56, 1, Fraction(1, 4), 90, 10), length=4)
        roll = await shown(pilot, app.query_one(PianoRoll), drums, drums=True)
        assert labels(roll) == ["cowbell", "ride", "high_tom", "crash", "open_hat", "low_tom",
                                "closed_hat", "clap", "snare", "rim", "kick"]
        assert row(roll, "kick")[0] == "█" and row(roll, "cowbell")[4] == "█"


async def test_onset_cell_then_held_cells_at_the_zoomed_columns():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((60, 1, 1)))
        assert row(roll, "C4")[3:9] == "·█━━━┆"  # a 16th per column: beat 2 is columns 4-7
        roll.beats_per_column = Fraction(1, 8)
        await pilot.pause()
        assert row(roll, "C4")[7:17] == " █━━━━━━━┆"


async def test_a_note_started_before_the_view_shows_as_held():
    app = RollApp()
    async with app.run_test(size=(40, 24)) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((60, 4, 8), length=64))
        roll.first_column = 20
        await pilot.pause()
        assert row(roll, "C4")[:12] == "━" * 12


async def test_quiet_and_loud_notes_are_drawn_in_different_shades():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((60, 0, 1, 20), (62, 0, 1, 120)))
        x = roll.gutter_width
        quiet = style_at(roll, roll.cell_offset(60, 0)[1], x).color.triplet
        loud = style_at(roll, roll.cell_offset(62, 0)[1], x).color.triplet
        assert quiet != loud
        assert sum(loud) > sum(quiet)


async def test_bar_and_beat_lines_and_bar_numbers():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((60, 0, 1)))
        empty = row(roll, "D4")
        assert empty[0] == empty[16] == empty[32] == "│"
        assert empty[4] == empty[8] == empty[20] == "┆"
        assert empty[1] == empty[5] == "·"
        ruler = lines(roll)[0][roll.gutter_width:]
        assert ruler[0] == "1" and ruler[16] == "2" and ruler[32] == "3"
        assert ruler[4] == "╵" and ruler[1] == " "


async def test_zoom_keys_change_the_columns_per_beat():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((60, 0, 1)))
        roll.focus()
        await pilot.press("minus")
        assert roll.beats_per_column == Fraction(1, 2)
        ruler = lines(roll)[0][roll.gutter_width:]
        assert ruler[8] == "2" and row(roll, "C4")[:3] == "█━┆"
        await pilot.press("minus", "minus")
        assert roll.beats_per_column == 1
        assert lines(roll)[0][roll.gutter_width:][4] == "2"
        await pilot.press("plus", "plus", "plus", "plus")
        assert roll.beats_per_column == Fraction(1, 8)
        assert lines(roll)[0].startswith("1/32")


async def test_scale_mode_keeps_the_key_and_the_clip_pitches():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((48, 0, 1), (51, 1, 1)), key=parse_key("C"))
        assert "C#3" in labels(roll)
        roll.focus()
        await pilot.press("z")
        assert roll.pitch_mode == "scale"
        names = labels(roll)
        assert "C#3" not in names and "F#3" not in names
        assert names[names.index("E3"):names.index("C3") + 1] == ["E3", "D#3", "D3", "C3"]
        await pilot.press("z")
        assert "C#3" in labels(roll)


async def test_in_key_and_octave_rows_are_shaded_apart_from_out_of_key_rows():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((60, 0, 1)), key=parse_key("D dorian"))
        x = roll.gutter_width + 3
        background = {name: style_at(roll, roll.cell_offset(p, 3)[1], x).bgcolor
                      for name, p in (("C4", 60), ("D4", 62), ("E4", 64), ("D#4", 63), ("C#4", 61))}
        assert background["D4"] == background["E4"]
        assert background["D#4"] == background["C#4"] != background["D4"]
        assert background["C4"] not in (background["D4"], background["D#4"])


async def test_show_centres_notes_out_of_view_and_none_shows_a_message():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((110, 0, 1), (116, 1, 1)))
        assert roll.cell_offset(110, 0) is not None and roll.cell_offset(116, 4) is not None
        await shown(pilot, roll, None)
        assert roll.clip is None
        assert EMPTY_MESSAGE in lines(roll)[SIZE[1] // 2]


async def test_a_roll_set_up_before_mounting_draws_once_mounted():
    # regression: set_playhead before mounting asked for component styles that did not exist yet
    class EarlyApp(RollApp):
        def compose(self) -> ComposeResult:
            roll = PianoRoll()
            roll.show(clip((100, 0, 1), length=8))
            roll.set_playhead(1.0)
            roll.beats_per_column = Fraction(1, 2)
            yield roll

    app = EarlyApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        roll = app.query_one(PianoRoll)
        assert roll.playhead == (2, 0)
        assert row(roll, "E7")[:3] == "█━┆"
        assert lines(roll)[0][roll.gutter_width + 2] == EIGHTHS[0]


# --- playhead ----------------------------------------------------------------------------------

async def test_playhead_drawn_at_its_column_and_eighth_without_clearing_the_cache():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((60, 0, 1)))
        lines(roll)
        cache = roll.strip_cache
        misses, size = cache.misses, len(cache)
        roll.set_playhead(16 + 1.5 + 0.125)  # free-running: one loop later, beat 1.5 + half a 16th
        await pilot.pause()
        assert roll.playhead == (6, 4)
        x = roll.gutter_width + 6
        assert lines(roll)[0][x] == EIGHTHS[4]
        y = roll.cell_offset(60, 6)[1]
        assert style_at(roll, y, x).bgcolor != style_at(roll, y, x + 1).bgcolor
        assert (cache.misses, len(cache)) == (misses, size)


async def test_playhead_refreshes_two_columns_and_only_when_the_drawing_changes():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((60, 0, 1)))
        regions = []
        roll.refresh = lambda *r, **kw: regions.append(r)
        roll.set_playhead(1.0)
        frames = roll.frames_drawn
        regions.clear()
        roll.set_playhead(1.01)  # same column, same eighth
        roll.set_playhead(17.0)  # the same place a loop later
        assert roll.frames_drawn == frames and regions == []
        roll.set_playhead(1.0 + 0.25 * 0.5)  # half a column on: only the ruler cell
        x = roll.gutter_width + 4
        assert [[(r.x, r.y, r.width, r.height) for r in call] for call in regions] == [[(x, 0, 1, 1)]]
        regions.clear()
        roll.set_playhead(1.25)  # next column: the old and new columns, full height
        assert [[(r.x, r.width, r.height) for r in call] for call in regions] == \
            [[(x, 1, SIZE[1]), (x + 1, 1, SIZE[1])]]
        assert roll.frames_drawn == frames + 2
        regions.clear()
        roll.set_playhead(None)
        assert roll.playhead is None and len(regions) == 1


async def test_playhead_pages_the_view_when_it_leaves_it_unless_the_user_is_editing():
    app = RollApp()
    async with app.run_test(size=(40, 24)) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((60, 0, 1), length=64))
        app.set_focus(None)  # as when the performer types in the prompt
        await pilot.pause()
        width = 40 - roll.gutter_width
        roll.set_playhead(width / 4 + 1)
        assert roll.first_column == width
        roll.focus()
        await pilot.pause()
        frames = roll.frames_drawn
        roll.set_playhead(0.5)  # out of view: the view stays put, the old column is cleared
        roll.set_playhead(0.75)  # and then there is nothing to draw
        assert roll.first_column == width and roll.frames_drawn == frames + 1


# --- mouse edits -------------------------------------------------------------------------------

async def test_click_on_an_empty_cell_adds_a_note_there():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        original = clip((48, 0, 1, 90, 3))
        roll = await shown(pilot, app.query_one(PianoRoll), original)
        await pilot.click(PianoRoll, offset=roll.cell_offset(52, 6))
        await pilot.pause()
        (edit,) = app.edits
        added = Note(pitch=52, velocity=100, start=Fraction(3, 2), duration=Fraction(1, 4), channel=3)
        assert edit.clip.notes == [original.notes[0], added]
        assert edit.description == "add E3 at 1.2.3"
        assert roll.clip is edit.clip and len(original.notes) == 1
        assert row(roll, "E3")[6] == "█"


async def test_click_on_a_note_removes_it():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((48, 0, 1), (48, 2, 1)))
        await pilot.click(PianoRoll, offset=roll.cell_offset(48, 10))  # a held cell of the second
        await pilot.pause()
        (edit,) = app.edits
        assert [n.start for n in edit.clip.notes] == [0]
        assert edit.description == "remove C3 at 1.3.1"


async def test_drag_moves_a_note_by_the_pitch_and_time_moved():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((48, 1, 1, 70)))
        await pilot.mouse_down(PianoRoll, offset=roll.cell_offset(48, 5))
        await pilot.mouse_up(PianoRoll, offset=roll.cell_offset(50, 9))
        await pilot.pause()
        (edit,) = app.edits
        (note,) = edit.clip.notes
        assert (note.pitch, note.start, note.duration, note.velocity) == (50, 2, 1, 70)
        assert edit.description == "move C3 1.2.1 → D3 1.3.1"
        assert roll.cursor == (50, 2)


async def test_drag_past_the_loop_end_keeps_the_note_inside():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((48, 2, 1), length=4))
        await pilot.mouse_down(PianoRoll, offset=roll.cell_offset(48, 8))
        await pilot.mouse_up(PianoRoll, offset=(SIZE[0] - 1, roll.cell_offset(48, 8)[1]))
        await pilot.pause()
        (note,) = app.edits[0].clip.notes
        assert note.start == 3 and note.end == 4


async def test_drag_along_an_empty_row_draws_a_longer_note():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((48, 0, 1)))
        await pilot.mouse_down(PianoRoll, offset=roll.cell_offset(55, 4))
        await pilot.mouse_up(PianoRoll, offset=roll.cell_offset(55, 7))
        await pilot.pause()
        added = [n for n in app.edits[0].clip.notes if n.pitch == 55]
        assert [(n.start, n.duration) for n in added] == [(1, 1)]


async def test_a_new_drum_hit_goes_on_channel_10_and_is_named_by_instrument():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip(length=4), drums=True)
        await pilot.click(PianoRoll, offset=roll.cell_offset(GM_DRUMS["snare"], 4))
        await pilot.pause()
        (edit,) = app.edits
        assert edit.clip.notes[0].channel == 10
        assert edit.description == "add snare at 1.2.1"


async def test_a_bordered_roll_maps_clicks_to_the_cells_drawn():
    class Bordered(RollApp):
        CSS = "PianoRoll { border: round red; padding: 0 1; }"

    app = Bordered()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((48, 0, 1)))
        x, y = roll.cell_offset(50, 3)
        assert lines(roll)[y][:3] == "D3 "
        await pilot.click(PianoRoll, offset=(x + 2, y + 1))  # border and padding before the content
        await pilot.pause()
        assert app.edits[0].description == "add D3 at 1.1.4"


async def test_the_mouse_wheel_scrolls_rows_and_columns():
    app = RollApp()
    async with app.run_test(size=(40, 12)) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((60, 0, 1), length=64))
        top = roll.top_pitch
        roll.post_message(events.MouseScrollUp(roll, 10, 5, 0, 0, 0, False, False, False))
        await pilot.pause()
        assert roll.top_pitch == top + 3
        roll.post_message(events.MouseScrollRight(roll, 10, 5, 0, 0, 0, False, False, False))
        await pilot.pause()
        assert roll.first_column == 3


# --- keyboard edits ----------------------------------------------------------------------------

async def test_enter_and_x_toggle_a_note_at_the_cursor():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((60, 3, 1)))
        roll.focus()
        await pilot.press("right", "right", "up")
        assert roll.cursor == (61, Fraction(1, 2))
        await pilot.press("enter")
        assert app.edits[-1].description == "add C#4 at 1.1.3"
        assert any(n.pitch == 61 and n.start == Fraction(1, 2) for n in roll.clip.notes)
        await pilot.press("x")
        assert app.edits[-1].description == "remove C#4 at 1.1.3"
        assert [n.pitch for n in roll.clip.notes] == [60]


async def test_the_cursor_is_drawn_only_with_focus():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((60, 3, 1)))
        app.set_focus(None)
        await pilot.pause()
        x, y = roll.cell_offset(60, 0)
        unfocused = style_at(roll, y, x).bgcolor
        roll.focus()
        await pilot.pause()
        assert style_at(roll, y, x).bgcolor != unfocused
        assert style_at(roll, y, x + 1).bgcolor == unfocused


async def test_shift_arrows_move_the_note_under_the_cursor():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((60, 0, Fraction(1, 2))))
        roll.focus()
        await pilot.press("right")  # on the note's held cell
        await pilot.press("shift+up")
        assert app.edits[-1].description == "move C4 → C#4 at 1.1.1"
        await pilot.press("shift+right")
        assert app.edits[-1].description == "move C#4 1.1.1 → 1.1.2"
        (note,) = roll.clip.notes
        assert (note.pitch, note.start, note.duration) == (61, Fraction(1, 4), Fraction(1, 2))
        assert roll.cursor == (61, Fraction(1, 4))


async def test_shift_right_at_the_loop_end_changes_nothing():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        roll = await shown(pilot, app.query_one(PianoRoll), clip((60, Fraction(15, 4), Fraction(1, 4)), length=4))
        roll.focus()
        await pilot.press("minus", "minus", "right", "right", "right")  # a beat a column: the last one
        await pilot.press("shift+right")
        assert app.edits == []
        await pilot.press("right", "enter")  # the cursor cannot leave the loop either
        assert app.edits[-1].description == "remove C4 at 1.4.4"


async def test_drum_notes_move_lane_by_lane():
    app = RollApp()
    async with app.run_test(size=SIZE) as pilot:
        drums = clip((36, 0, Fraction(1, 4), 100, 10), length=4)
        roll = await shown(pilot, app.query_one(PianoRoll), drums, drums=True)
        roll.focus()
        await pilot.click(PianoRoll, offset=roll.cell_offset(36, 1))  # an empty cell: adds a kick
        await pilot.press("left", "shift+up")
        assert app.edits[-1].description == "move kick → rim at 1.1.1"


async def test_arrows_scroll_the_view_to_keep_the_cursor_in_it():
    app = RollApp()
    async with app.run_test(size=(15, 6)) as pilot:  # 5 rows of 10 columns
        roll = await shown(pilot, app.query_one(PianoRoll), clip((60, 0, 1), length=64))
        roll.focus()
        top = roll.top_pitch
        await pilot.press(*["up"] * 5)
        assert roll.top_pitch > top and roll.cell_offset(65, 0) is not None
        await pilot.press(*["right"] * 12)
        assert roll.first_column == 3 and roll.cell_offset(65, 12) is not None
        await pilot.press("home")
        assert roll.first_column == 0 and roll.cursor == (65, 0)
        top = roll.top_pitch
        await pilot.press("pageup")
        assert roll.top_pitch == top + 12 and roll.cursor[0] == 77
        await pilot.press("pagedown")
        assert roll.top_pitch == top


async def test_bindings_are_described_for_the_help_screen():
    # the footer keeps room for the app's keys: only note on/off shows there; every binding
    # has a description for the help screen
    shown_keys = {b.key for b in PianoRoll.BINDINGS if b.show}
    assert all(b.description for b in PianoRoll.BINDINGS)
    assert shown_keys == {"enter,x"}


# --- pure helpers ------------------------------------------------------------------------------

@pytest.mark.parametrize("beat,text", [
    (0, "1.1.1"), (Fraction(3, 4), "1.1.4"), (4, "2.1.1"), (Fraction(63, 4), "4.4.4"),
    (Fraction(1, 8), "1.1.1+1/2"),
])
def test_positions_count_bars_beats_sixteenths_from_one(beat, text):
    assert position(beat) == text


def test_overlapping_notes_keep_every_onset_visible():
    # a long quiet note under a short loud one starting inside it: both onsets show
    assert note_runs([(0, 1920, 0), (480, 720, 4)], 240) == [
        (0, 2, 0, "█━"), (2, 3, 4, "█"), (3, 8, 0, "━━━━━")]
