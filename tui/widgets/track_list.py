"""All tracks at a glance, one line each, with mute/solo flags and a decaying activity meter.

::

     1 ● drums      clip techno drums    ch10 M S ▁▂▄▆█
     2 ○ bass       code note("c2 eb2")  ch2  M S

The app owns the tracks: it calls `TrackList.set_rows` whenever they change and
`TrackList.set_activity` as notes play. Clicking a flag only asks for a toggle
(`TrackList.ToggleMute`, `TrackList.ToggleSolo`); the flag changes when the app sends new rows.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, ClassVar, Iterable

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from tui.widgets.knob import fit

METER_CELLS = 5
DECAY_SECONDS = 0.3
"""A meter falls from full to silent in this long when no new activity arrives."""

_METER = "▁▂▄▆█"  # one glyph per meter cell, rising left to right


@dataclass(frozen=True)
class TrackRow:
    """What the list shows about one track.

    `index` is the track's 0-based number (shown 1-based); `channel` is the MIDI channel as
    musicians count it (1-16); `playing` means the engine is playing something on the track.
    """

    index: int
    name: str
    summary: str
    channel: int
    muted: bool = False
    soloed: bool = False
    playing: bool = False


@dataclass(frozen=True)
class RowLayout:
    """How wide each field of a row is, and where the clickable flags sit."""

    name: int
    summary: int
    mute_x: int
    solo_x: int


def row_layout(width: int) -> RowLayout:
    """Give every field its room; the summary takes what is left, or vanishes when too narrow.

    >>> row_layout(60)
    RowLayout(name=12, summary=27, mute_x=51, solo_x=53)
    >>> row_layout(32)
    RowLayout(name=12, summary=0, mute_x=23, solo_x=25)
    """
    name = 12 if width >= 60 else 10 if width >= 36 else 8
    fixed = 3 + 2 + name + 1 + 5 + 4 + METER_CELLS  # number, dot, name, ch, flags, meter
    summary = width - fixed - 1
    if summary < 6:  # too short to say anything: give the room to the name instead
        name, summary = name + max(0, width - fixed), 0
    mute_x = 3 + 2 + name + 1 + (summary + 1 if summary else 0) + 5
    return RowLayout(name, summary, mute_x, mute_x + 2)


def padded(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` cells; an ellipsis marks a cut.

    >>> padded("techno drums", 8), padded("bass", 6), padded("鼓 drums", 4)
    ('techno …', 'bass  ', '鼓 …')
    """
    return set_cell_size(fit(text, width), width)


def meter_cells(level: float) -> int:
    """How many meter cells a level from 0 to 1 lights; any activity lights at least one.

    >>> meter_cells(0), meter_cells(0.01), meter_cells(0.5), meter_cells(1)
    (0, 1, 3, 5)
    """
    return min(METER_CELLS, math.ceil(max(0.0, level) * METER_CELLS))


def row_parts(row: TrackRow, layout: RowLayout, cells: int) -> list[tuple[str, str]]:
    """One row as (text, part) pairs; each part names the component class that styles it.

    >>> row = TrackRow(9, "drums", 'clip techno drums', 10, muted=True, playing=True)
    >>> "".join(text for text, _ in row_parts(row, row_layout(44), 3))
    '10 ● drums      clip techno … ch10 M S ▁▂▄  '
    """
    parts = [
        (f"{row.index + 1:>2} ", "number"),
        ("●" if row.playing else "○", "playing" if row.playing else "idle"),
        (" " + padded(row.name, layout.name) + " ", "name"),
    ]
    if layout.summary:
        parts.append((padded(row.summary, layout.summary) + " ", "summary"))
    return parts + [
        (padded(f"ch{row.channel}", 4) + " ", "channel"),
        ("M", "mute" if row.muted else "flag"),
        (" ", "name"),
        ("S", "solo" if row.soloed else "flag"),
        (" ", "name"),
        (_METER[:cells].ljust(METER_CELLS), "meter"),
    ]


class _RowMessage(Message):
    """A message about one row of a track list; `index` is the row's position in the list."""

    def __init__(self, track_list: TrackList, index: int) -> None:
        super().__init__()
        self.track_list = track_list
        self.index = index

    @property
    def control(self) -> TrackList:
        """The track list the message came from."""
        return self.track_list


class TrackList(ScrollView, can_focus=True):
    """The tracks, one per line: number, playing dot, name, source, channel, M/S, meter.

    Args:
        rows: The tracks to show at first.
        clock: Where time comes from, in seconds; tests pass a fake one to drive the decay.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "track up", show=False),
        Binding("down", "move(1)", "track down", show=False),
        Binding("home", "move_to(0)", "first track", show=False),
        Binding("end", "move_to(-1)", "last track", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "track-list--cursor",
        "track-list--silent",
        "track-list--number",
        "track-list--name",
        "track-list--summary",
        "track-list--channel",
        "track-list--playing",
        "track-list--idle",
        "track-list--flag",
        "track-list--mute",
        "track-list--solo",
        "track-list--meter",
    }

    DEFAULT_CSS = """
    TrackList {
        height: auto;
        max-height: 100%;
        overflow-x: hidden;
        & > .track-list--cursor {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .track-list--cursor {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
        & > .track-list--silent { text-style: dim; }
        & > .track-list--number { text-style: dim; }
        & > .track-list--name { }
        & > .track-list--summary { }
        & > .track-list--channel { text-style: dim; }
        & > .track-list--playing { color: $text-success; }
        & > .track-list--idle { text-style: dim; }
        & > .track-list--flag { text-style: dim; }
        & > .track-list--mute { color: $text-warning; text-style: bold reverse; }
        & > .track-list--solo { color: $text-success; text-style: bold reverse; }
        & > .track-list--meter { color: $text-accent; }
    }
    """

    selected: reactive[int] = reactive(0, init=False)
    """The highlighted row (a position in the list). Setting it posts nothing."""

    class Selected(_RowMessage):
        """The user moved the selection to row `index`."""

    class ToggleMute(_RowMessage):
        """The user clicked the M flag of row `index`."""

    class ToggleSolo(_RowMessage):
        """The user clicked the S flag of row `index`."""

    def __init__(
        self,
        rows: Iterable[TrackRow] = (),
        *,
        clock: Callable[[], float] = time.monotonic,
        own_timer: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._clock = clock
        self._rows: list[TrackRow] = []
        self._soloing = False
        self._activity: dict[int, tuple[float, float]] = {}  # row -> (level, when it was set)
        self._shown_cells: dict[int, int] = {}  # row -> meter cells last drawn
        self._decay_timer: Timer | None = None
        self._own_timer = own_timer
        self._store_rows(rows)

    def on_mount(self) -> None:
        # A meter, not a clock: 15 redraws a second at most. An app that redraws on its own
        # frame clock passes own_timer=False and calls decay() from it, so meter redraws land
        # in the same screen update as its other ones instead of adding updates of their own.
        if self._own_timer:
            self._decay_timer = self.set_interval(1 / 15, self.decay, pause=True)

    # -- rows and selection ------------------------------------------------------------------

    @property
    def rows(self) -> list[TrackRow]:
        """The rows shown, in order."""
        return list(self._rows)

    def set_rows(self, rows: list[TrackRow]) -> None:
        """Show these tracks (replacing the old ones); the selection stays in range."""
        self._store_rows(rows)
        self.selected = self.selected  # re-validated against the new length
        self.refresh()

    def _store_rows(self, rows: Iterable[TrackRow]) -> None:
        self._rows = list(rows)
        self._soloing = any(row.soloed for row in self._rows)
        self._activity = {i: a for i, a in self._activity.items() if i < len(self._rows)}
        self.virtual_size = Size(0, len(self._rows))

    def validate_selected(self, selected: int) -> int:
        return max(0, min(selected, len(self._rows) - 1))

    def watch_selected(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        self.scroll_to_region(Region(0, new, 1, 1), animate=False, force=True)

    def action_move(self, rows: int) -> None:
        """Move the selection by some rows, as the user asked."""
        self._select(self.selected + rows)

    def action_move_to(self, row: int) -> None:
        """Select a row by position; negative counts from the end."""
        self._select(row if row >= 0 else len(self._rows) + row)

    def _select(self, row: int) -> None:
        before = self.selected
        self.selected = row
        if self.selected != before:
            self.post_message(self.Selected(self, self.selected))

    def on_click(self, event: events.Click) -> None:
        row = event.y + int(self.scroll_offset.y)
        if not 0 <= row < len(self._rows):
            return
        layout = row_layout(self.size.width)
        if event.x == layout.mute_x:
            self.post_message(self.ToggleMute(self, row))
        elif event.x == layout.solo_x:
            self.post_message(self.ToggleSolo(self, row))
        else:
            self._select(row)

    # -- activity ----------------------------------------------------------------------------

    def set_activity(self, index: int, level: float) -> None:
        """Light row `index`'s meter to `level` (0..1); it decays by itself.

        Cheap enough to call for every note: a level below what the meter still shows is
        ignored (the meter holds its peak), and only that row is redrawn, only when it changes.
        """
        if not 0 <= index < len(self._rows):
            return
        level = min(1.0, max(0.0, level))
        if level > 0 and level >= self.activity(index):
            self._activity[index] = (level, self._clock())
            self._refresh_meter(index)
            if self._decay_timer is not None:
                self._decay_timer.resume()

    def activity(self, index: int) -> float:
        """Row `index`'s meter level now, after decay."""
        level, when = self._activity.get(index, (0.0, 0.0))
        return level * max(0.0, 1 - (self._clock() - when) / DECAY_SECONDS)

    def _refresh_meter(self, index: int) -> None:
        cells = meter_cells(self.activity(index))
        if cells != self._shown_cells.get(index, 0):
            self._shown_cells[index] = cells  # counted now, so a burst of notes asks once
            self.refresh_line(index)

    def decay(self) -> None:
        """Redraw the meters that fell a cell; stop ticking once all are silent."""
        for index in list(self._activity):
            self._refresh_meter(index)
            if self.activity(index) == 0:
                del self._activity[index]
        if not self._activity and self._decay_timer is not None:
            self._decay_timer.pause()

    # -- drawing -----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = y + int(self.scroll_offset.y)
        width = self.size.width
        if not 0 <= index < len(self._rows):
            return Strip.blank(width, self.rich_style)
        return self._row_strip(index, width)

    def _row_strip(self, index: int, width: int) -> Strip:
        row = self._rows[index]
        cells = meter_cells(self.activity(index))
        self._shown_cells[index] = cells
        base = self._row_style(index)
        silent = self._silent_style(row)
        segments = []
        for text, part in row_parts(row, row_layout(width), cells):
            # A lit flag stays bright, so you can see why a row is silent.
            dim = Style() if part in ("mute", "solo") else silent
            segments.append(Segment(text, base + dim + self._part(part)))
        return Strip(segments).adjust_cell_length(width, base)

    def _row_style(self, index: int) -> Style:
        if index == self.selected and self._rows:
            return self.get_component_rich_style("track-list--cursor")
        return self.rich_style

    def _silent_style(self, row: TrackRow) -> Style:
        """Dim a track nobody hears: muted, or left out while another track is soloed."""
        if row.muted or (self._soloing and not row.soloed):
            return self._part("silent")
        return Style()

    def _part(self, part: str) -> Style:
        return self.get_component_rich_style(f"track-list--{part}", partial=True)
