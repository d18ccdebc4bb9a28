"""Pilot tests for the knob, the track list and the status bar."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.message import Message
from textual.widget import Widget

from tui.widgets.knob import Knob
from tui.widgets.status_bar import EngineView, StatusBar
from tui.widgets.track_list import TrackList, TrackRow


class Recorder(App):
    """A tiny app that shows the given widgets and keeps every message they post."""

    CSS = "Screen { align: center middle; }"

    def __init__(self, *widgets: Widget) -> None:
        super().__init__()
        self.widgets = widgets
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield from self.widgets

    def on_knob_changed(self, message: Knob.Changed) -> None:
        self.messages.append(message)

    def on_knob_refused(self, message: Knob.Refused) -> None:
        self.messages.append(message)

    def on_track_list_selected(self, message: TrackList.Selected) -> None:
        self.messages.append(message)

    def on_track_list_toggle_mute(self, message: TrackList.ToggleMute) -> None:
        self.messages.append(message)

    def on_track_list_toggle_solo(self, message: TrackList.ToggleSolo) -> None:
        self.messages.append(message)

    def of_type(self, kind: type[Message]) -> list:
        return [message for message in self.messages if isinstance(message, kind)]


def lines(widget: Widget) -> list[str]:
    """The widget's rendered rows as plain text, as the screen would show them."""
    strips = widget.render_lines(Region(0, 0, *widget.outer_size))
    return [strip.text for strip in strips]


def middle(widget: Widget) -> tuple[int, int]:
    """Screen coordinates of the cell in the middle of `widget`."""
    region = widget.region
    return region.x + region.width // 2, region.y + region.height // 2


# -- knob ------------------------------------------------------------------------------------


def density() -> Knob:
    return Knob("density", value=64, minimum=0, maximum=127, id="knob")


async def test_knob_fine_coarse_and_ends() -> None:
    app = Recorder(density())
    async with app.run_test(size=(40, 9)) as pilot:
        knob = app.query_one(Knob)
        knob.focus()
        await pilot.press("up", "right")
        assert knob.value == 66
        await pilot.press("down")
        assert knob.value == 65
        await pilot.press("shift+up")
        assert knob.value == 75
        await pilot.press("pagedown", "shift+left")
        assert knob.value == 55
        await pilot.press("pageup", "shift+right")
        assert knob.value == 75
        await pilot.press("end")
        assert knob.value == 127
        await pilot.press("up", "shift+up")
        assert knob.value == 127  # clamped at the top
        await pilot.press("home", "left")
        assert knob.value == 0


async def test_knob_clamps_values_set_by_the_app() -> None:
    app = Recorder(density())
    async with app.run_test(size=(40, 9)):
        knob = app.query_one(Knob)
        knob.value = 500
        assert knob.value == 127
        knob.value = -3
        assert knob.value == 0
        knob.value = 54.5  # a whole-number knob holds whole numbers, rounded half up
        assert knob.value == 55 and isinstance(knob.value, int)


async def test_choice_knob_with_an_unknown_start_falls_back_to_the_first_choice() -> None:
    key = Knob("key", value="H", choices=["C", "D"])
    assert key.value == "C"


async def test_knob_float_steps_round_cleanly() -> None:
    swing = Knob("swing", value=50, minimum=50, maximum=75, step=1, id="swing")
    speed = Knob("speed", value=120.0, minimum=20, maximum=300, step=0.5, coarse=5,
                 fmt=lambda bpm: f"{bpm:.1f} BPM", id="speed")
    app = Recorder(swing, speed)
    async with app.run_test(size=(40, 9)) as pilot:
        swing.focus()
        await pilot.press("up")
        assert swing.value == 51 and isinstance(swing.value, int)
        speed.focus()
        await pilot.press("up")
        assert speed.value == 120.5
        for _ in range(7):
            await pilot.press("up")
        assert speed.value == 124.0  # seven more 0.5 steps add no float noise
        await pilot.press("shift+up")
        assert speed.value == 129.0
        speed.value = 0.1 + 0.2  # 0.30000000000000004 clamps to 20 and stays clean
        assert speed.value == 20
        speed.value = 120.3 + 0.1
        assert repr(speed.value) == "120.4"
        assert speed.value_text == "120.4 BPM"


async def test_knob_choices_cycle() -> None:
    key = Knob("key", value="B", choices=["C", "C#", "D", "A", "A#", "B"], id="key")
    app = Recorder(key)
    async with app.run_test(size=(40, 9)) as pilot:
        key.focus()
        await pilot.press("up")
        assert key.value == "C"  # wraps round
        await pilot.press("down", "down")
        assert key.value == "A#"
        await pilot.press("home")
        assert key.value == "C"
        await pilot.press("end")
        assert key.value == "B"
        key.value = "H"  # not a choice: the knob keeps its value
        assert key.value == "B"
        assert "B" in lines(key)[2]


async def test_knob_scroll_wheel_turns_one_step() -> None:
    app = Recorder(density())
    async with app.run_test(size=(40, 9)) as pilot:
        knob = app.query_one(Knob)
        for event_type in (events.MouseScrollUp, events.MouseScrollUp, events.MouseScrollDown):
            await pilot.pause()
            app.screen._forward_event(wheel(event_type, knob))
        await pilot.pause()
        assert knob.value == 65


def wheel(event_type: type[events.MouseEvent], widget: Widget) -> events.MouseEvent:
    """A wheel notch over the middle of `widget`, as the terminal driver would send it."""
    x, y = middle(widget)
    return event_type(widget, x, y, 0, 0, 0, False, False, False, screen_x=x, screen_y=y)


async def test_knob_mouse_drag() -> None:
    app = Recorder(density())
    async with app.run_test(size=(40, 13)) as pilot:
        knob = app.query_one(Knob)
        x, y = middle(knob)
        await pilot.mouse_down(knob, offset=(x - knob.region.x, 1))
        assert app.mouse_captured is knob
        await pilot.hover(None, offset=(x, y - 3))  # three rows up, off the knob
        assert knob.value == 67
        await pilot.hover(None, offset=(x + 4, y - 3))  # and four columns right
        assert knob.value == 69
        await pilot.mouse_up(None, offset=(x + 4, y + 1))  # back down below the start
        assert knob.value == 65
        assert app.mouse_captured is None
        await pilot.hover(None, offset=(x, y - 4))  # released: moving no longer turns it
        assert knob.value == 65


async def test_knob_changed_for_user_and_app_but_not_quiet_set_value() -> None:
    app = Recorder(density())
    async with app.run_test(size=(40, 9)) as pilot:
        knob = app.query_one(Knob)
        await pilot.pause()
        assert app.messages == []  # mounting announces nothing
        knob.focus()
        await pilot.press("up")
        knob.value = 10
        knob.set_value(20)
        knob.set_value(30, quiet=False)
        await pilot.pause()
        changes = [(m.knob, m.param, m.value) for m in app.of_type(Knob.Changed)]
        assert changes == [(knob, "density", 65), (knob, "density", 10), (knob, "density", 30)]
        assert lines(knob)[2].strip() == "30"


async def test_knob_param_defaults_to_label() -> None:
    knob = Knob("note length", value="1/16", choices=["1/8", "1/16"], param="length")
    assert knob.param == "length"
    assert density().param == "density"


async def test_locked_knob_refuses_and_shows_why() -> None:
    app = Recorder(density())
    async with app.run_test(size=(40, 13)) as pilot:
        knob = app.query_one(Knob)
        knob.lock_reason = "Link · 3 peers"
        knob.locked = True
        knob.focus()
        await pilot.press("up", "end")
        app.screen._forward_event(wheel(events.MouseScrollUp, knob))
        x, y = middle(knob)
        await pilot.mouse_down(knob, offset=(x - knob.region.x, 1))
        await pilot.hover(None, offset=(x, y - 2))
        await pilot.hover(None, offset=(x, y - 3))
        await pilot.mouse_up(None, offset=(x, y - 3))
        assert knob.value == 64
        refusals = app.of_type(Knob.Refused)
        assert [m.reason for m in refusals] == ["Link · 3 peers"] * 4  # one per drag
        assert app.of_type(Knob.Changed) == []
        assert lines(knob)[0].rstrip().endswith("LINK")
        assert knob.has_class("-locked")
        assert knob.tooltip == "Link · 3 peers"
        knob.locked = False
        await pilot.press("up")
        assert knob.value == 65
        assert "LINK" not in lines(knob)[0]


async def test_knob_arc_follows_the_value() -> None:
    app = Recorder(density())
    async with app.run_test(size=(40, 9)) as pilot:
        knob = app.query_one(Knob)
        assert [line.strip() for line in lines(knob)] == ["density", "╭▁▁▂▃▄····╮", "64"]
        knob.value = 0
        await pilot.pause()
        bottom = lines(knob)[1]
        knob.value = 127
        await pilot.pause()
        top = lines(knob)[1]
        assert bottom.strip() == "╭·········╮"
        assert top.strip() == "╭▁▁▂▃▄▅▆▇█╮"
        assert all(len(line) == knob.outer_size.width for line in lines(knob))


async def test_squeezed_knob_stays_whole() -> None:
    speed = Knob("speed", value=300.0, minimum=20, maximum=300, step=0.5,
                 fmt=lambda bpm: f"{bpm:.1f} BPM")
    speed.styles.width = 7
    app = Recorder(speed)
    async with app.run_test(size=(40, 9)):
        assert lines(speed) == [" speed ", "╭▁▂▄▆█╮", " 300.0 "]


async def test_focused_knob_label_stands_out() -> None:
    swing = Knob("swing", value=50, minimum=50, maximum=75)
    app = Recorder(density(), swing)
    async with app.run_test(size=(40, 9)) as pilot:
        knob = app.query_one("#knob", Knob)
        swing.focus()
        await pilot.pause()
        plain = knob.get_component_rich_style("knob--label")
        knob.focus()
        await pilot.pause()
        focused = knob.get_component_rich_style("knob--label")
        assert focused.bgcolor != plain.bgcolor


# -- track list ------------------------------------------------------------------------------


class FakeClock:
    """A clock that only moves when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


NAMES = "drums bass chords lead arp pad perc fx vox keys sub bells".split()


def tracks(count: int = 8, **flags: set[int]) -> list[TrackRow]:
    """`count` rows; `muted={1}` mutes row 1, and likewise `soloed` and `playing`."""
    return [
        TrackRow(
            index=i,
            name=NAMES[i],
            summary="clip techno drums" if i == 0 else f'code note("c{i}*4")',
            channel=10 if i == 0 else i + 1,
            **{flag: i in rows for flag, rows in flags.items()},
        )
        for i in range(count)
    ]


def track_app(rows: list[TrackRow], clock: FakeClock | None = None) -> Recorder:
    track_list = TrackList(rows, clock=clock or FakeClock(), id="tracks")
    track_list.styles.width = 60
    return Recorder(track_list)


def dimmed(track_list: TrackList, row: int, text: str) -> bool:
    """Whether the cells of `text` on `row` are drawn dim."""
    strip = track_list.render_line(row - int(track_list.scroll_offset.y))
    return all(segment.style.dim for segment in strip if segment.text == text)


async def test_track_list_rows() -> None:
    app = track_app(tracks(playing={0}))
    async with app.run_test(size=(80, 12)):
        track_list = app.query_one(TrackList)
        shown = lines(track_list)
        assert len(shown) == 8
        assert shown[0] == " 1 ● drums        clip techno drums           ch10 M S      "
        assert shown[1] == ' 2 ○ bass         code note("c1*4")           ch2  M S      '
        assert shown[7].startswith(" 8 ○ fx ")


async def test_track_list_long_summary_is_cut() -> None:
    rows = [TrackRow(0, "a very long track name", 'code note("c3 e3 g3 b3 d4 f4 a4 c5")', 1)]
    app = track_app(rows)
    async with app.run_test(size=(80, 12)):
        shown = lines(app.query_one(TrackList))[0]
        assert shown == ' 1 ○ a very long… code note("c3 e3 g3 b3 d4 … ch1  M S      '
        assert len(shown) == 60


async def test_track_list_muted_and_solo_rows_are_dimmed() -> None:
    app = track_app(tracks(muted={1}))
    async with app.run_test(size=(80, 12)):
        track_list = app.query_one(TrackList)
        assert dimmed(track_list, 1, " bass         ")
        assert not dimmed(track_list, 2, " chords       ")
        track_list.set_rows(tracks(muted={1}, soloed={3}))
        assert dimmed(track_list, 2, " chords       ")  # silent while another track solos
        assert not dimmed(track_list, 3, " lead         ")
        assert not dimmed(track_list, 1, "M")  # a lit flag stays readable on a silent row


async def test_track_list_selection_by_keys_posts_selected() -> None:
    app = track_app(tracks())
    async with app.run_test(size=(80, 12)) as pilot:
        track_list = app.query_one(TrackList)
        track_list.focus()
        await pilot.press("up")  # already at the top: nothing to announce
        await pilot.press("down", "down", "up", "end", "home")
        assert track_list.selected == 0
        assert [m.index for m in app.of_type(TrackList.Selected)] == [1, 2, 1, 7, 0]
        track_list.selected = 5  # the app moving the selection is not a user move
        await pilot.pause()
        assert len(app.of_type(TrackList.Selected)) == 5
        track_list.selected = 99
        assert track_list.selected == 7


async def test_track_list_selected_row_is_highlighted() -> None:
    app = track_app(tracks())
    async with app.run_test(size=(80, 12)) as pilot:
        track_list = app.query_one(TrackList)
        track_list.selected = 2
        await pilot.pause()
        cursor = track_list.get_component_rich_style("track-list--cursor").bgcolor
        backgrounds = [next(iter(track_list.render_line(y))).style.bgcolor for y in range(4)]
        assert [bg == cursor for bg in backgrounds] == [False, False, True, False]


async def test_track_list_click_selects_and_flags_toggle() -> None:
    app = track_app(tracks())
    async with app.run_test(size=(80, 12)) as pilot:
        track_list = app.query_one(TrackList)
        await pilot.click(track_list, offset=(10, 3))
        assert track_list.selected == 3
        mute_x = lines(track_list)[4].index(" M S ") + 1
        await pilot.click(track_list, offset=(mute_x, 4))
        await pilot.click(track_list, offset=(mute_x + 2, 6))
        assert track_list.selected == 3  # clicking a flag does not move the selection
        kinds = [(type(m).__name__, m.index) for m in app.messages]
        assert kinds == [("Selected", 3), ("ToggleMute", 4), ("ToggleSolo", 6)]
        assert all(m.control is track_list for m in app.messages)


async def test_track_list_scrolls_to_the_selection() -> None:
    app = track_app(tracks(12))
    async with app.run_test(size=(80, 6)) as pilot:
        track_list = app.query_one(TrackList)
        track_list.focus()
        await pilot.press("end")
        await pilot.pause()
        assert track_list.selected == 11
        assert track_list.scroll_offset.y == 12 - track_list.size.height
        assert lines(track_list)[-1].startswith("12 ○ bells")
        await pilot.click(track_list, offset=(10, 0))
        assert track_list.selected == 12 - track_list.size.height


async def test_track_list_set_rows_keeps_selection_in_range() -> None:
    app = track_app(tracks())
    async with app.run_test(size=(80, 12)):
        track_list = app.query_one(TrackList)
        track_list.selected = 6
        track_list.set_rows(tracks(3))
        assert track_list.selected == 2
        assert len(track_list.rows) == 3


async def test_track_list_activity_meter_rises_and_decays() -> None:
    clock = FakeClock()
    app = track_app(tracks(), clock)
    async with app.run_test(size=(80, 12)) as pilot:
        track_list = app.query_one(TrackList)
        meter = lambda: track_list.render_line(2).text[-5:]  # noqa: E731 - drawn afresh
        assert meter() == "     "
        track_list.set_activity(2, 1.0)
        assert track_list.activity(2) == 1.0
        assert meter() == "▁▂▄▆█"
        clock.now += 0.15
        assert track_list.activity(2) == pytest.approx(0.5)
        assert meter() == "▁▂▄  "
        track_list.set_activity(2, 0.2)  # quieter than what still shows: the peak holds
        assert track_list.activity(2) == pytest.approx(0.5)
        clock.now += 0.2
        assert track_list.activity(2) == 0
        assert meter() == "     "
        track_list.set_activity(2, 0.3)
        assert meter() == "▁▂   "
        assert track_list.render_line(1).text[-5:] == "     "  # other rows untouched
        await pilot.pause()


async def test_track_list_activity_redraws_only_its_row() -> None:
    clock = FakeClock()
    app = track_app(tracks(), clock)
    async with app.run_test(size=(80, 12)) as pilot:
        track_list = app.query_one(TrackList)
        await pilot.pause()
        redrawn: list[Region] = []
        original = track_list.refresh

        def spy(*regions: Region, **kwargs) -> None:
            redrawn.extend(regions or [Region(0, 0, 0, 99)])
            original(*regions, **kwargs)

        track_list.refresh = spy
        track_list.set_activity(4, 1.0)
        track_list.set_activity(4, 1.0)  # nothing new to draw
        assert redrawn == [Region(0, 4, 60, 1)]
        redrawn.clear()
        await pilot.pause()
        for _ in range(10):  # the decay timer redraws row 4 as the meter falls a cell
            clock.now += 0.06
            await pilot.pause(1 / 15)
        assert redrawn and set(redrawn) == {Region(0, 4, 60, 1)}
        assert track_list.activity(4) == 0
        redrawn.clear()
        await pilot.pause(0.1)
        assert redrawn == []  # silent meters cost nothing


# -- status bar ------------------------------------------------------------------------------


def busy(**changes) -> EngineView:
    """A connected, playing engine on a JACK output, with Link and 3 peers."""
    view = EngineView(
        connected=True, link=True, peers=3, tempo=128.0, playing=True,
        outputs={"jack:Stepista": "ok"}, ai="AI online",
    )
    for name, value in changes.items():
        setattr(view, name, value)
    return view


@dataclass
class Shot:
    """The status bar's line as text, and the segments it was drawn with."""

    line: str
    segments: list[Segment]

    def style_of(self, text: str) -> Style:
        """The style `text` is drawn in."""
        return next(segment.style for segment in self.segments if text in segment.text)


async def shown(view: EngineView, width: int, beat: float | None = None) -> Shot:
    """The status bar showing `view` in a terminal `width` columns wide."""
    bar = StatusBar()
    app = Recorder(bar)
    async with app.run_test(size=(width, 5)) as pilot:
        bar.update_view(view)
        bar.set_beat(beat)
        await pilot.pause()
        strips = bar.render_lines(Region(0, 0, *bar.outer_size))
        assert len(strips) == 1 and strips[0].cell_length == width  # one line, never wrapped
        return Shot(strips[0].text, list(strips[0]))


async def test_status_bar_link_tempo_transport() -> None:
    line = (await shown(busy(), 160, beat=5.5)).line
    assert line.startswith("▶ playing │ 128.0 BPM │ ███····· 2/4 │ Link on · 3 peers │ ")
    assert "out: jack:Stepista │ timing ok │ AI online" in line
    line = (await shown(busy(link=False, playing=False, peers=0), 160)).line
    assert "■ stopped" in line and "Link off" in line and "peers" not in line
    line = (await shown(busy(peers=1), 160)).line
    assert "Link on · 1 peer │" in line


async def test_status_bar_preview_only_is_unmistakable() -> None:
    view = busy(outputs={"preview": "ok"}, notice="no MIDI port: is JACK running?")
    shot = await shown(view, 160)
    line = shot.line
    assert "PREVIEW ONLY — nothing will be heard" in line
    assert "no MIDI port: is JACK running?" in line
    alarm = shot.style_of("PREVIEW")
    assert alarm.reverse and alarm.bold
    assert not shot.style_of("BPM").reverse
    line = (await shown(view, 80)).line
    assert "PREVIEW — silent" in line
    line = (await shown(busy(outputs={"jack:Stepista": "port gone", "preview": "ok"}), 160)).line
    assert "PREVIEW ONLY" in line  # the only working output is the silent one
    line = (await shown(busy(outputs={}), 160)).line
    assert "NO OUTPUT — nothing will be heard" in line


async def test_status_bar_timing_warning() -> None:
    shot = await shown(busy(late=3, tick_ms=14.2), 160)
    line = shot.line
    assert "timing: 3 late · tick 14 ms" in line and "timing ok" not in line
    warning = shot.style_of("timing:")
    assert warning.bold and warning.color != shot.style_of("BPM").color
    line = (await shown(busy(tick_ms=12.0), 160)).line
    assert "timing: tick 12 ms" in line
    line = (await shown(busy(late=0, tick_ms=9.9), 160)).line
    assert "timing ok" in line


async def test_status_bar_engine_disconnected() -> None:
    shot = await shown(EngineView(), 160)
    line = shot.line
    assert line.startswith("engine: connecting… │ AI offline ")
    assert "BPM" not in line and "▶" not in line  # stale figures are not shown
    assert shot.style_of("engine").reverse
    line = (await shown(EngineView(message="lost — reconnecting"), 80)).line
    assert line.startswith("engine: lost — reconnecting │ ")
    line = (await shown(EngineView(message="engine: lost — reconnecting"), 80)).line
    assert line.startswith("engine: lost — reconnecting │ ")  # said once, not twice


async def test_status_bar_sees_a_view_changed_in_place() -> None:
    view = busy()
    bar = StatusBar()
    app = Recorder(bar)
    async with app.run_test(size=(160, 5)) as pilot:
        bar.update_view(view)
        await pilot.pause()
        view.message = "track 2: take 3 of 4"  # the app edits its own view, then hands it over
        bar.update_view(view)
        await pilot.pause()
        assert lines(bar)[0].rstrip().endswith("│ track 2: take 3 of 4")
        refreshed: list[object] = []
        original = bar.refresh
        bar.refresh = lambda *args, **kwargs: refreshed.append(args) or original(*args, **kwargs)
        bar.update_view(busy(message="track 2: take 3 of 4"))
        assert refreshed == []  # nothing changed: nothing redrawn


async def test_status_bar_set_beat_moves_phase_and_redraws_only_on_change() -> None:
    bar = StatusBar(busy())
    app = Recorder(bar)
    async with app.run_test(size=(160, 5)) as pilot:
        refreshed: list[object] = []
        original = bar.refresh

        def spy(*args, **kwargs):
            refreshed.append(args)
            return original(*args, **kwargs)

        bar.refresh = spy
        bar.set_beat(0.0)
        assert len(refreshed) == 1
        bar.set_beat(0.01)  # less than an eighth of a cell later: looks the same
        assert len(refreshed) == 1
        await pilot.pause()
        assert "│ ········ 1/4 │" in lines(bar)[0]
        bar.set_beat(2.5)
        assert len(refreshed) == 2
        await pilot.pause()
        assert "│ █████··· 3/4 │" in lines(bar)[0]
        bar.set_beat(6.5)  # the next bar: the same place in the quantum
        assert len(refreshed) == 2
        bar.set_beat(None)
        await pilot.pause()
        assert "│ ········ -/4 │" in lines(bar)[0]


async def test_status_bar_phase_follows_the_quantum() -> None:
    line = (await shown(busy(quantum=3.0), 160, beat=1.5)).line
    assert "│ ███··· 2/3 │" in line
    line = (await shown(busy(quantum=3.0), 160, beat=-0.5)).line  # Link starts below zero
    assert "│ █████· 3/3 │" in line


async def test_status_bar_short_phase_redraws_once_a_beat() -> None:
    bar = StatusBar(busy(outputs={"preview": "ok"}, late=3, ai="AI offline: no key"))
    app = Recorder(bar)
    async with app.run_test(size=(80, 5)) as pilot:
        bar.set_beat(2.2)
        await pilot.pause()
        assert "│ ▯▯▮▯ │" in lines(bar)[0]  # no room for the bar: the current beat is lit
        refreshed: list[object] = []
        original = bar.refresh
        bar.refresh = lambda *args, **kwargs: refreshed.append(args) or original(*args, **kwargs)
        bar.set_beat(2.9)
        assert refreshed == []
        bar.set_beat(3.1)
        assert len(refreshed) == 1
        await pilot.pause()
        assert "│ ▯▯▯▮ │" in lines(bar)[0]


async def test_status_bar_fits_80_columns() -> None:
    crowded = busy(
        outputs={"jack:Stepista": "ok", "alsa:FluidSynth": "port gone"},
        notice="FluidSynth went away", late=12, tick_ms=31.0,
        ai="AI offline: no ANTHROPIC_API_KEY", message="saved session to ~/stepista.json",
    )
    line = (await shown(crowded, 80, beat=1.0)).line
    assert line.startswith("▶ playing │ 128.0")
    for essential in ("12 late", "Link", "out: jack:Stepista"):
        assert essential in line
    assert not line.rstrip().endswith("│")
    line = (await shown(busy(outputs={"preview": "ok"}, late=3), 80, beat=1.0)).line
    assert "PREVIEW" in line and "3 late" in line
    line = (await shown(busy(outputs={"preview": "ok"}, late=3), 40, beat=1.0)).line
    assert "PREVIEW" in line  # even at 40 columns the silence is explained
