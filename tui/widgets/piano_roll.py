"""The piano roll: one clip as a grid of pitches (rows) by time steps (columns).

The roll draws with Textual's line API. Each grid row is built once per view (clip, zoom,
scroll, width, theme) and kept in a strip cache keyed by its pitch; the playhead and the
keyboard cursor are painted over the cached strips as they are handed out, so a playing
roll redraws two columns and the ruler per frame and builds no rows.

Positions read the way a musician counts, bar.beat.sixteenth from 1.1.1:

>>> position(Fraction(0)), position(Fraction(9, 4)), position(Fraction(33, 8))
('1.1.1', '1.3.2', '2.1.1+1/2')

Velocities fall into five shades, dim to bright:

>>> [velocity_shade(v) for v in (1, 20, 64, 100, 127)]
[0, 0, 2, 3, 4]
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from fractions import Fraction
from itertools import groupby
from typing import NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from stepista.clip import Clip, Note
from stepista.drums import DRUM_CHANNEL, GM_DRUMS, drum_name
from stepista.notes import midi_to_note
from stepista.theory import Key, parse_key

__all__ = ["PianoRoll", "ZOOMS", "PITCH_MODES", "position", "velocity_shade", "pitch_rows", "note_runs"]

ZOOMS = (Fraction(1, 8), Fraction(1, 4), Fraction(1, 2), Fraction(1))
PITCH_MODES = ("chromatic", "scale")
BEATS_PER_BAR = 4
STANDARD_DRUMS = ("kick", "snare", "clap", "closed_hat", "open_hat",
                  "low_tom", "high_tom", "crash", "ride", "rim")
ONSET, HOLD = "█", "━"
EIGHTHS = "▏▎▍▌▋▊▉█"
SHADES = 5
TICKS_PER_BEAT = 960  # a whole number of ticks in every zoom's column
WHITE_KEYS = frozenset((0, 2, 4, 5, 7, 9, 11))
NEW_VELOCITY = 100
EMPTY_MESSAGE = "no clip: type an expression or press g to generate"
STRIP_CACHE_SIZE = 1024
WHEEL_STEP = 3  # rows or columns a mouse wheel notch scrolls


def position(beat: Fraction) -> str:
    """A beat as bar.beat.sixteenth from 1.1.1; a remainder under a sixteenth follows a ``+``."""
    bar, rest = divmod(Fraction(beat), BEATS_PER_BAR)
    whole, rest = divmod(rest, 1)
    sixteenth, tick = divmod(rest * 4, 1)
    text = f"{bar + 1}.{whole + 1}.{sixteenth + 1}"
    return f"{text}+{tick}" if tick else text


def velocity_shade(velocity: int) -> int:
    """The shade (0 dimmest to 4 brightest) a velocity 1-127 is drawn in."""
    return min(SHADES - 1, (velocity - 1) * SHADES // 127)


def pitch_rows(clip: Clip | None, *, drums: bool = False, key: Key | None = None,
               mode: str = "chromatic") -> tuple[int, ...]:
    """The pitches a roll shows, highest first.

    Drums: the standard kit plus every lane the clip uses. Chromatic: all 128 pitches.
    Scale: the key's pitches plus those the clip uses (chromatic when that leaves nothing).

    >>> from stepista.theory import parse_key
    >>> pitch_rows(None, drums=True)[:3], len(pitch_rows(None))
    ((51, 50, 49), 128)
    >>> pitch_rows(None, key=parse_key("C"), mode="scale")[-3:]
    (4, 2, 0)
    """
    used = {note.pitch for note in clip.notes} if clip is not None else set()
    if drums:
        pitches = used | {GM_DRUMS[name] for name in STANDARD_DRUMS}
    elif mode == "scale":
        pitches = used | ({p for p in range(128) if key.contains(p)} if key else set())
    else:
        pitches = set()
    return tuple(sorted(pitches or range(128), reverse=True))


def _clip_key(clip: Clip | None) -> Key | None:
    """The key a clip names in its metadata, if it names one we can read."""
    if clip is None or not clip.key:
        return None
    try:
        return parse_key(f"{clip.key} {clip.mode or ''}".strip())
    except ValueError:
        try:
            return parse_key(clip.key)
        except ValueError:
            return None


def _note_columns(note: Note, beats_per_column: Fraction) -> tuple[int, int]:
    """The first column a note sounds in and the column after its last.

    >>> _note_columns(Note(pitch=60, velocity=90, start="1/3", duration="1/2"), Fraction(1, 4))
    (1, 4)
    """
    first, after, _shade = _note_ticks(note)
    per_column = int(beats_per_column * TICKS_PER_BEAT)
    column = first // per_column
    return column, max(-(-after // per_column), column + 1)


def _note_ticks(note: Note) -> tuple[int, int, int]:
    """(first tick, tick after, shade), rounded outwards so columns computed from them are exact.

    Integer arithmetic on the fractions' parts: several times faster than Fraction operators.
    """
    start, length = note.start, note.duration
    sn, sd, ln, ld = start.numerator, start.denominator, length.numerator, length.denominator
    first = sn * TICKS_PER_BEAT // sd
    after = -(-(sn * ld + ln * sd) * TICKS_PER_BEAT // (sd * ld))
    return first, after, velocity_shade(note.velocity)


Run = tuple[int, int, int, str]  # first column, column after, shade, glyphs


def note_runs(ticks: list[tuple[int, int, int]], ticks_per_column: int) -> list[Run]:
    """The drawn cells of one row, left to right, as runs of one shade with their glyphs.

    A note is an onset cell and held cells after it, one run. Where notes overlap, onsets
    win over held cells and the louder note wins a cell, so every note's start stays visible.

    >>> note_runs([(0, 960, 4), (1920, 2160, 0)], 240)  # a beat at shade 4, a 16th at 0
    [(0, 4, 4, '█━━━'), (8, 9, 0, '█')]
    >>> note_runs([(0, 960, 0), (240, 480, 4)], 480)  # two onsets in one column: the louder
    [(0, 1, 4, '█'), (1, 2, 0, '━')]
    """
    k = ticks_per_column
    spans = sorted((t0 // k, max(-(-t1 // k), t0 // k + 1), shade) for t0, t1, shade in ticks)
    if all(a[1] <= b[0] for a, b in zip(spans, spans[1:])):
        return [(first, after, shade, ONSET + HOLD * (after - first - 1)) for first, after, shade in spans]
    return _painted_runs(spans)


def _painted_runs(spans: list[tuple[int, int, int]]) -> list[Run]:
    """Runs of overlapping notes: paint held cells, then onsets, quietest first."""
    low = spans[0][0]
    size = max(after for _, after, _ in spans) - low
    shades, glyphs = [-1] * size, [" "] * size
    by_shade = sorted(spans, key=lambda span: span[2])
    for first, after, shade in by_shade:
        shades[first + 1 - low:after - low] = [shade] * (after - first - 1)
        glyphs[first + 1 - low:after - low] = [HOLD] * (after - first - 1)
    for first, _after, shade in by_shade:
        shades[first - low], glyphs[first - low] = shade, ONSET
    runs, at = [], 0
    for shade, run in groupby(shades):
        count = len(list(run))
        if shade >= 0:
            runs.append((low + at, low + at + count, shade, "".join(glyphs[at:at + count])))
        at += count
    return runs


class _Row(NamedTuple):
    """A cached grid row: its strip, and its segments with their start cells for quick overlays."""

    strip: Strip
    segments: list[Segment]
    starts: list[int]


class _Palette(NamedTuple):
    """Rich styles resolved from the component classes, per row kind."""

    gutter: dict[str, Style]
    cells: dict[str, list[Style]]  # per row kind: empty cells, then notes by shade
    blank: Style
    ruler: Style
    bar_number: Style
    playhead: Style
    playhead_glyph: Style
    cursor: Style
    message: Style


ROW_KINDS = ("row", "row-out", "row-c")


class PianoRoll(Widget, can_focus=True):
    """An editable piano roll of one clip, with a playhead that moves by eighths of a cell.

    ``show(clip, drums=, key=)`` puts a clip on screen; ``set_playhead(beat)`` moves the
    playhead (call it every frame: it redraws only when the drawing changes). Edits by mouse
    (click adds or removes, drag moves or draws a longer note) or keyboard show the new clip at
    once and post `ClipEdited`; the widget never changes a Clip, it builds a new one.

    Reactive view: ``beats_per_column`` (one of `ZOOMS`), ``pitch_mode`` ("chromatic", or
    "scale": the key's rows plus the clip's; with no key, only the clip's rows), ``top_pitch``
    and ``first_column`` (the scroll). Drum clips show lanes and ignore the pitch mode. While
    the roll has no focus the view pages along with the playhead; while it has focus (the
    performer is editing) the view stays with the cursor.
    """

    BINDINGS = [
        Binding("up", "cursor(1, 0)", "cursor up", show=False),
        Binding("down", "cursor(-1, 0)", "cursor down", show=False),
        Binding("left", "cursor(0, -1)", "cursor left", show=False),
        Binding("right", "cursor(0, 1)", "cursor right", show=False),
        Binding("enter,x", "toggle_note", "note on/off"),
        Binding("shift+up", "move_note(1, 0)", "move note", show=False),
        Binding("shift+down", "move_note(-1, 0)", "move note down", show=False),
        Binding("shift+left", "move_note(0, -1)", "move note earlier", show=False),
        Binding("shift+right", "move_note(0, 1)", "move note later", show=False),
        Binding("plus,equals_sign", "zoom(-1)", "zoom in", show=False),
        Binding("minus", "zoom(1)", "zoom out", show=False),
        Binding("z", "toggle_pitch_mode", "scale/chromatic", show=False),
        Binding("pageup", "scroll_octave(1)", "octave up", show=False),
        Binding("pagedown", "scroll_octave(-1)", "octave down", show=False),
        Binding("home", "loop_start", "loop start", show=False),
    ]

    COMPONENT_CLASSES = {
        "piano-roll--row", "piano-roll--row-out", "piano-roll--row-c",
        "piano-roll--gutter", "piano-roll--gutter-c", "piano-roll--ruler",
        "piano-roll--bar-number", "piano-roll--playhead", "piano-roll--cursor",
        "piano-roll--message", *(f"piano-roll--note-{i}" for i in range(1, SHADES + 1)),
    }

    DEFAULT_CSS = """
    PianoRoll {
        height: 1fr;
        background: $surface;
        & > .piano-roll--row { background: $surface; color: $foreground 22%; }
        & > .piano-roll--row-out { background: $background; color: $foreground 16%; }
        & > .piano-roll--row-c { background: $panel; color: $foreground 28%; }
        & > .piano-roll--gutter { color: $foreground 55%; }
        & > .piano-roll--gutter-c { color: $foreground; text-style: bold; }
        & > .piano-roll--ruler { background: $panel; color: $foreground 45%; }
        & > .piano-roll--bar-number { background: $panel; color: $foreground; text-style: bold; }
        & > .piano-roll--note-1 { color: $success 30%; }
        & > .piano-roll--note-2 { color: $success 48%; }
        & > .piano-roll--note-3 { color: $success 66%; }
        & > .piano-roll--note-4 { color: $success 84%; }
        & > .piano-roll--note-5 { color: $success-lighten-2; }
        & > .piano-roll--playhead { background: $accent 40%; color: $accent; }
        & > .piano-roll--cursor { background: $primary; }
        & > .piano-roll--message { color: $foreground 60%; }
    }
    """

    beats_per_column: reactive[Fraction] = reactive(Fraction(1, 4), init=False)
    pitch_mode: reactive[str] = reactive("chromatic", init=False)
    top_pitch: reactive[int] = reactive(84, init=False)
    first_column: reactive[int] = reactive(0, init=False)

    class ClipEdited(Message):
        """The user edited the clip; ``clip`` is the new clip, already on screen."""

        def __init__(self, roll: "PianoRoll", clip: Clip, description: str) -> None:
            super().__init__()
            self.roll = roll
            self.clip = clip
            self.description = description

        @property
        def control(self) -> "PianoRoll":
            return self.roll

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._clip: Clip | None = None
        self._drums = False
        self._key: Key | None = None
        self._clip_version = 0
        self._rows: tuple[int, ...] = pitch_rows(None)
        self._row_of: dict[int, int] = {}
        self._descending: list[int] = []
        self._notes_by_pitch: dict[int, list[Note]] = {}
        self._ticks: dict[int, list[tuple[int, int, int]]] = {}
        self._runs: dict[int, tuple[list[Run], list[int]]] = {}
        self._strips: LRUCache[tuple, _Row | Strip] = LRUCache(STRIP_CACHE_SIZE)
        self._view_key: tuple | None = None
        self._view_size = self._view_first = self._view_gutter = self._view_visible = 0
        self._grid_text = ""
        self._palette: _Palette | None = None
        self._last_palette: _Palette | None = None
        self._palette_version = 0
        self._playhead_beat: float | None = None
        self._playhead: tuple[int, int] | None = None
        self._loop_beats = 4.0
        self._cells_per_beat = 4
        self._cursor_pitch = 60
        self._cursor_beat = Fraction(0)
        self._press: tuple[Clip, int, int, int | None] | None = None
        self._centre_pending = False
        self.frames_drawn = 0
        self._index_rows()

    # -- public API ---------------------------------------------------------

    @property
    def clip(self) -> Clip | None:
        """The clip on show (None: the empty roll)."""
        return self._clip

    @property
    def cursor(self) -> tuple[int, Fraction]:
        """The keyboard cursor: (pitch, beat of its column's start)."""
        return self._cursor_pitch, self._cursor_beat

    @property
    def playhead(self) -> tuple[int, int] | None:
        """The drawn playhead: (column, eighths of that column elapsed), or None."""
        return self._playhead

    @property
    def gutter_width(self) -> int:
        """Cells taken by the pitch labels at the left; the grid starts after them."""
        return self._gutter

    def cell_offset(self, pitch: int, column: int) -> tuple[int, int] | None:
        """Where a cell is drawn, as (x, y) in the widget, or None when it is out of view."""
        x, y = self._column_x(column), self._row_y(pitch)
        return None if x is None or y is None else (x, y)

    @property
    def strip_cache(self) -> LRUCache:
        """The row strip cache (its ``hits``/``misses`` show what a redraw cost)."""
        return self._strips

    def show(self, clip: Clip | None, *, drums: bool = False, key: Key | None = None) -> None:
        """Display ``clip`` (drum lanes when ``drums``; rows shaded by ``key``, or the clip's own key)."""
        self._drums = drums
        self._key = key if key is not None else _clip_key(clip)
        self._load(clip)
        if self.size.height > 1:
            self._centre_notes()
        else:
            self._centre_pending = True

    def set_playhead(self, beat: float | None) -> None:
        """Move the playhead to a free-running ``beat`` (taken modulo the loop); None hides it.

        Cheap by design: the strip cache stays; only the old and new playhead columns and
        the ruler are refreshed, and only when what is drawn changes.
        """
        self._playhead_beat = None if beat is None or self._clip is None else float(beat)
        shown = self._displayed_playhead()
        if shown == self._playhead:
            return
        old, self._playhead = self._playhead, shown
        if (shown is not None and self._follow(shown[0])) or self._refresh_playhead(old, shown):
            self.frames_drawn += 1

    def render_all(self) -> list[Strip]:
        """Render every line of the view from a cold strip cache (the benchmark's unit of work)."""
        self._strips.clear()
        self._view_key = None
        return [self.render_line(y) for y in range(self.size.height)]

    # -- reactive attributes ------------------------------------------------

    def validate_beats_per_column(self, value) -> Fraction:
        wanted = Fraction(value)
        return min(ZOOMS, key=lambda zoom: abs(zoom - wanted))

    def watch_beats_per_column(self, old: Fraction, new: Fraction) -> None:
        self._runs.clear()
        self._cells_per_beat = self._columns_per_beat
        screen_column = int(self._cursor_beat // old) - self.first_column
        column = int(self._cursor_beat // new)
        self._cursor_beat = column * new
        self._view_key = None
        self.first_column = column - screen_column
        self._playhead = self._displayed_playhead()

    def validate_pitch_mode(self, value: str) -> str:
        if value not in PITCH_MODES:
            raise ValueError(f"pitch mode {value!r}; choose {' or '.join(PITCH_MODES)}")
        return value

    def watch_pitch_mode(self) -> None:
        self._index_rows()
        self._scroll_to_cursor()
        self.refresh()

    def validate_top_pitch(self, value: int) -> int:
        rows = self._rows
        index = min(bisect_left(self._descending, -int(value)), len(rows) - 1)
        height = self._grid_height
        if height:
            index = min(index, max(0, len(rows) - height))
        return rows[max(index, 0)]

    def validate_first_column(self, value: int) -> int:
        last = max(0, self._columns - max(self._grid_width, 1))
        return min(max(0, int(value)), last)

    def watch_first_column(self) -> None:
        self._view_key = None

    # -- geometry -----------------------------------------------------------

    @property
    def _gutter(self) -> int:
        if self._drums:
            return max(len(drum_name(p)) for p in self._rows) + 1
        return 5

    @property
    def _grid_width(self) -> int:
        return max(0, self.size.width - self._gutter)

    @property
    def _grid_height(self) -> int:
        return max(0, self.size.height - 1)

    @property
    def _columns(self) -> int:
        """How many columns the loop spans at this zoom."""
        if self._clip is None:
            return 0
        return -(-self._clip.length_beats // self.beats_per_column)

    @property
    def _columns_per_beat(self) -> int:
        return int(1 / self.beats_per_column)

    @property
    def _top_index(self) -> int:
        return self._row_of.get(self.top_pitch, 0)

    @property
    def _visible_columns(self) -> int:
        return max(0, min(self._grid_width, self._columns - self.first_column))

    def _column_x(self, column: int) -> int | None:
        """The widget x of a loop column, or None when it is scrolled out of view."""
        self._current_view()
        offset = column - self._view_first
        if 0 <= offset < self._view_visible:
            return self._view_gutter + offset
        return None

    def _row_y(self, pitch: int) -> int | None:
        index = self._row_of.get(pitch)
        if index is None:
            return None
        offset = index - self._top_index
        return offset + 1 if 0 <= offset < self._grid_height else None

    # -- loading and scrolling ----------------------------------------------

    def _load(self, clip: Clip | None) -> None:
        """Put ``clip`` on show, keeping the view where it can."""
        self._clip = clip
        self._clip_version += 1
        self._loop_beats = float(clip.length_beats) if clip is not None else 4.0
        self._strips.clear()
        self._ticks.clear()
        self._runs.clear()
        self._view_key = None
        self._notes_by_pitch = {}
        for note in clip.notes if clip is not None else ():
            self._notes_by_pitch.setdefault(note.pitch, []).append(note)
        self._index_rows()
        self._snap_cursor()
        self.first_column = self.first_column
        self._playhead = self._displayed_playhead()
        self.refresh()

    def _index_rows(self) -> None:
        self._rows = pitch_rows(self._clip, drums=self._drums, key=self._key, mode=self.pitch_mode)
        self._row_of = {pitch: index for index, pitch in enumerate(self._rows)}
        self._descending = [-pitch for pitch in self._rows]
        self._view_key = None
        self.top_pitch = self.top_pitch

    def _nearest_row(self, pitch: int) -> int:
        return min(self._rows, key=lambda row: (abs(row - pitch), row))

    def _snap_cursor(self) -> None:
        if self._cursor_pitch not in self._row_of:
            self._cursor_pitch = self._nearest_row(self._cursor_pitch)
        last = max(0, self._columns - 1)
        column = min(int(self._cursor_beat // self.beats_per_column), last)
        self._cursor_beat = column * self.beats_per_column

    def _centre_notes(self) -> None:
        """Scroll so the clip's notes are centred, unless all of them are in view already."""
        self._centre_pending = False
        if self._clip is None or not self._grid_height:
            return
        if not self._clip.notes:
            self._scroll_to_cursor()
            return
        used = [self._row_of[p] for p in self._notes_by_pitch]
        high, low = min(used), max(used)
        top, height = self._top_index, self._grid_height
        if high >= top and low < top + height:
            return
        middle = (high + low) // 2
        self.top_pitch = self._rows[max(0, middle - height // 2)]

    def _scroll_to_cursor(self) -> None:
        row = self._row_of.get(self._cursor_pitch)
        height = self._grid_height
        if row is not None and height:
            top = self._top_index
            if row < top:
                self.top_pitch = self._rows[row]
            elif row >= top + height:
                self.top_pitch = self._rows[row - height + 1]
        column, width = self._cursor_column, self._grid_width
        if width:
            if column < self.first_column:
                self.first_column = column
            elif column >= self.first_column + width:
                self.first_column = column - width + 1

    @property
    def _cursor_column(self) -> int:
        return int(self._cursor_beat // self.beats_per_column)

    def on_resize(self) -> None:
        self._view_key = None
        self.top_pitch = self.top_pitch
        self.first_column = self.first_column
        if self._centre_pending:
            self._centre_notes()
        else:
            self._scroll_to_cursor()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palette = None
        self._view_key = None

    def on_focus(self) -> None:
        self._refresh_cursor()

    def on_blur(self) -> None:
        self._refresh_cursor()

    # -- playhead -----------------------------------------------------------

    def _displayed_playhead(self) -> tuple[int, int] | None:
        """(column, eighth) of the playhead as drawn, from the last beat given."""
        beat = self._playhead_beat
        if beat is None or self._clip is None:
            return None
        cells = (beat % self._loop_beats) * self._cells_per_beat
        column = int(cells)
        return column, min(7, int((cells - column) * 8))

    def _follow(self, column: int) -> bool:
        """Page the view to a playhead that left it (not while the user edits); True if paged."""
        width = self._grid_width
        if self.has_focus or not width or self._column_x(column) is not None:
            return False
        self.first_column = column // width * width
        return True

    def _refresh_playhead(self, old: tuple[int, int] | None, new: tuple[int, int] | None) -> bool:
        """Refresh the ruler cell, or the old and new columns when the column changed; True if any."""
        old_x = None if old is None else self._column_x(old[0])
        new_x = None if new is None else self._column_x(new[0])
        if old_x == new_x:
            regions = [] if new_x is None else [Region(new_x, 0, 1, 1)]
        else:
            regions = [Region(x, 0, 1, self.size.height) for x in (old_x, new_x) if x is not None]
        if regions:
            self.refresh(*regions)
        return bool(regions)

    # -- drawing ------------------------------------------------------------

    def _get_palette(self) -> _Palette:
        """The styles to draw with; a new version (a new view) only when they really changed."""
        if self._palette is None:
            try:
                palette = self._build_palette()
            except KeyError:  # component styles are being re-applied (CSS/theme update)
                self.call_later(self.refresh)  # draw again with the new styles once they exist
                return self._last_palette or self._build_palette(lambda name: Style())
            if palette != self._last_palette:
                self._palette_version += 1
                self._view_key = None
            self._palette = self._last_palette = palette
        return self._palette

    def _build_palette(self, style=None) -> _Palette:
        style = style or self.get_component_rich_style
        notes = [Style(color=style(f"piano-roll--note-{i}").color) for i in range(1, SHADES + 1)]
        rows = {kind: style(f"piano-roll--{kind}") for kind in ROW_KINDS}
        gutter, gutter_c = (_foreground(style(f"piano-roll--{name}")) for name in ("gutter", "gutter-c"))
        playhead = style("piano-roll--playhead")
        return _Palette(
            gutter={kind: rows[kind] + (gutter_c if kind == "row-c" else gutter) for kind in ROW_KINDS},
            cells={kind: [rows[kind], *(rows[kind] + note for note in notes)] for kind in ROW_KINDS},
            blank=self.rich_style,
            ruler=style("piano-roll--ruler"),
            bar_number=style("piano-roll--bar-number"),
            playhead=Style(bgcolor=playhead.bgcolor),
            playhead_glyph=style("piano-roll--ruler") + Style(color=playhead.color),
            cursor=Style(bgcolor=style("piano-roll--cursor").bgcolor),
            message=style("piano-roll--message"),
        )

    def _current_view(self) -> tuple:
        """The key every cached strip of this view shares, with the view's geometry alongside.

        Rebuilt after any change of clip, zoom, scroll, size or theme, so the hot paths (a
        line, a playhead frame) read plain attributes instead of recomputing reactives.
        """
        if self._view_key is None or self._view_size != self._size:
            if self.is_mounted:  # styles exist from mounting on; before, nothing is drawn anyway
                self._get_palette()
            self._view_size = self._size
            self._view_first = self.first_column
            self._view_gutter = self._gutter
            self._view_visible = self._visible_columns
            self._view_key = (self._clip_version, self.beats_per_column, self._view_first,
                              self.size.width, self._palette_version, self.pitch_mode)
            self._grid_text = self._build_grid_text()
        return self._view_key

    def _build_grid_text(self) -> str:
        """The empty-cell glyphs of the visible columns: bar lines, beat lines, sixteenth dots."""
        per_beat = self._columns_per_beat
        per_bar = per_beat * BEATS_PER_BAR
        per_sixteenth = max(1, per_beat // 4)
        glyphs = []
        for column in range(self.first_column, self.first_column + self._visible_columns):
            if column % per_bar == 0:
                glyphs.append("│")
            elif column % per_beat == 0 and per_beat > 1:
                glyphs.append("┆")
            elif column % per_sixteenth == 0:
                glyphs.append("·")
            else:
                glyphs.append(" ")
        return "".join(glyphs)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._clip is None:
            return self._message_line(y, width)
        view = self._current_view()
        if y == 0:
            return self._ruler_with_playhead(view)
        index = self._top_index + y - 1
        if index >= len(self._rows):
            return Strip.blank(width, self._get_palette().blank)
        pitch = self._rows[index]
        row = self._strips.get((pitch, view))
        if row is None:
            row = self._row_strip(index, pitch, width)
            self._strips.set((pitch, view), row)
        return self._overlay(row, pitch)

    def _message_line(self, y: int, width: int) -> Strip:
        palette = self._get_palette()
        if y != self.size.height // 2:
            return Strip.blank(width, palette.blank)
        text = EMPTY_MESSAGE[:width].center(width)
        return Strip([Segment(text, palette.message)], width)

    def _overlay(self, row: _Row, pitch: int) -> Strip:
        """The cached row with the playhead column and (when focused) the cursor painted on."""
        palette = self._get_palette()
        paints = []
        if self._playhead is not None:
            x = self._column_x(self._playhead[0])
            if x is not None:
                paints.append((x, palette.playhead))
        if pitch == self._cursor_pitch and self.has_focus:
            x = self._column_x(self._cursor_column)
            if x is not None:
                paints.append((x, palette.cursor))
        if not paints:
            return row.strip
        strip = _splice(row, *paints[0])
        for x, style in paints[1:]:
            strip = _paint(strip, x, style)
        return strip

    def _row_kind(self, index: int, pitch: int) -> str:
        if self._drums:
            return "row" if index % 2 == 0 else "row-out"
        if pitch % 12 == 0:
            return "row-c"
        in_key = self._key.contains(pitch) if self._key else pitch % 12 in WHITE_KEYS
        return "row" if in_key else "row-out"

    def _label(self, pitch: int) -> str:
        if self._drums:
            return drum_name(pitch)
        flats = self._key is not None and "b" in self._key.tonic_name[1:]
        return midi_to_note(pitch, flats=flats)

    def _row_strip(self, index: int, pitch: int, width: int) -> _Row:
        """One grid row: its label, then empty-cell glyphs between the runs of its notes."""
        palette = self._get_palette()
        kind = self._row_kind(index, pitch)
        styles, gutter, grid = palette.cells[kind], self._view_gutter, self._grid_text
        segments = [Segment(self._label(pitch).ljust(gutter)[:gutter], palette.gutter[kind])]
        starts = [0]
        count, first = len(grid), self._view_first
        end, at = first + count, 0
        runs, ends = self._row_runs(pitch)
        for i in range(bisect_right(ends, first), len(runs)):
            start, after, shade, glyphs = runs[i]
            if start >= end:
                break
            left = start - first if start > first else 0
            right = after - first if after < end else count
            if left > at:
                starts.append(gutter + at)
                segments.append(Segment(grid[at:left], styles[0]))
            starts.append(gutter + left)
            skip = first + left - start
            segments.append(Segment(glyphs[skip:skip + right - left], styles[shade + 1]))
            at = right
        if at < count:
            starts.append(gutter + at)
            segments.append(Segment(grid[at:], styles[0]))
        used = gutter + count
        if used < width:
            starts.append(used)
            segments.append(Segment(" " * (width - used), palette.blank))
        return _Row(Strip(segments, max(width, used)), segments, starts)

    def _row_runs(self, pitch: int) -> tuple[list[Run], list[int]]:
        """The row's note runs at this zoom, and their end columns (for bisecting to the view)."""
        cached = self._runs.get(pitch)
        if cached is None:
            ticks = self._ticks.get(pitch)
            if ticks is None:
                ticks = self._ticks[pitch] = [_note_ticks(n) for n in self._notes_by_pitch.get(pitch, ())]
            runs = note_runs(ticks, int(self.beats_per_column * TICKS_PER_BEAT)) if ticks else []
            cached = self._runs[pitch] = (runs, [run[1] for run in runs])
        return cached

    def _ruler_with_playhead(self, view: tuple) -> Strip:
        strip = self._strips.get(("ruler", view))
        if strip is None:
            strip = self._ruler_strip()
            self._strips.set(("ruler", view), strip)
        if self._playhead is None:
            return strip
        column, eighth = self._playhead
        x = self._column_x(column)
        if x is None:
            return strip
        palette = self._get_palette()
        left, _cell, right = strip.divide([x, x + 1, strip.cell_length])
        glyph = Strip([Segment(EIGHTHS[eighth], palette.playhead_glyph)], 1)
        return Strip.join([left, glyph, right])

    def _ruler_strip(self) -> Strip:
        """Zoom (as a note value) over the gutter; bar numbers and beat ticks over the grid."""
        palette = self._get_palette()
        width, gutter = self.size.width, self._gutter
        per_beat = self._columns_per_beat
        per_bar = per_beat * BEATS_PER_BAR
        chars: list[str] = []
        numbered: list[bool] = []
        column, end = self.first_column, self.first_column + self._visible_columns
        while column < end:
            if column % per_bar == 0:
                number = str(column // per_bar + 1)[: min(per_bar, end - column)]
                chars.extend(number)
                numbered.extend([True] * len(number))
                column += len(number)
            else:
                chars.append("╵" if column % per_beat == 0 else " ")
                numbered.append(False)
                column += 1
        segments = [Segment(f"1/{per_beat * 4}".ljust(gutter)[:gutter], palette.ruler)]
        at = 0
        for is_number, run in groupby(numbered):
            count = len(list(run))
            text = "".join(chars[at:at + count])
            segments.append(Segment(text, palette.bar_number if is_number else palette.ruler))
            at += count
        used = gutter + len(chars)
        if used < width:
            segments.append(Segment(" " * (width - used), palette.blank))
        return Strip(segments, max(width, used))

    def _move_cursor(self, pitch: int, column: int) -> None:
        """Put the cursor on a cell, scroll it into view and repaint the cells it left and entered."""
        old = (self._cursor_pitch, self._cursor_column)
        self._cursor_pitch, self._cursor_beat = pitch, column * self.beats_per_column
        self._scroll_to_cursor()
        self._refresh_cursor(old)

    def _refresh_cursor(self, *cells: tuple[int, int]) -> None:
        """Repaint the cursor's cell (and any cells it just left)."""
        regions = []
        for pitch, column in (*cells, (self._cursor_pitch, self._cursor_column)):
            x, y = self._column_x(column), self._row_y(pitch)
            if x is not None and y is not None:
                regions.append(Region(x, y, 1, 1))
        if regions:
            self.refresh(*regions)

    # -- editing ------------------------------------------------------------

    def _cell_at(self, x: int, y: int, *, clamp: bool = False) -> tuple[int, int] | None:
        """The (pitch, column) under a widget offset; ``clamp`` pulls outside offsets onto the grid."""
        if self._clip is None or not self._visible_columns:
            return None
        index = self._top_index + y - 1
        column = self.first_column + x - self._gutter
        if clamp:
            index = min(max(index, self._top_index), min(len(self._rows), self._top_index + self._grid_height) - 1)
            column = min(max(column, 0), self._columns - 1)
        elif y < 1 or x < self._gutter or index >= len(self._rows) or column >= self._columns:
            return None
        return self._rows[index], column

    def _note_at(self, pitch: int, column: int) -> int | None:
        """The index of the note sounding in a cell: one starting there first, else the latest."""
        if self._clip is None:
            return None
        best, best_key = None, None
        for i, note in enumerate(self._clip.notes):
            if note.pitch != pitch:
                continue
            first, after = _note_columns(note, self.beats_per_column)
            if first <= column < after:
                key = (first == column, note.start)
                if best_key is None or key > best_key:
                    best, best_key = i, key
        return best

    def _new_channel(self) -> int:
        channels = Counter(note.channel for note in self._clip.notes)
        if channels:
            return channels.most_common(1)[0][0]
        return DRUM_CHANNEL if self._drums else 1

    def _commit(self, notes: list[Note], description: str) -> None:
        """Show the edited clip at once and tell the app (which records undo and plays it)."""
        clip = self._clip.model_copy(update={"notes": sorted(notes, key=Note.sort_key)})
        self._load(clip)
        self.post_message(self.ClipEdited(self, clip, description))

    def add_note(self, pitch: int, column: int, columns: int = 1) -> None:
        """Add a note ``columns`` long at a cell (cut at the loop end)."""
        if self._clip is None:
            return
        zoom, length = self.beats_per_column, self._clip.length_beats
        start = column * zoom
        if not 0 <= start < length:
            return
        duration = min(zoom * max(1, columns), length - start)
        note = Note(pitch=pitch, velocity=NEW_VELOCITY, start=start, duration=duration,
                    channel=self._new_channel())
        self._commit([*self._clip.notes, note], f"add {self._label(pitch)} at {position(start)}")

    def remove_note(self, index: int) -> None:
        """Remove the clip's note at ``index``."""
        notes = list(self._clip.notes)
        note = notes.pop(index)
        self._commit(notes, f"remove {self._label(note.pitch)} at {position(note.start)}")

    def move_note(self, index: int, pitch: int, columns: int) -> Note | None:
        """Move a note to ``pitch`` and by ``columns`` in time, kept inside the loop and 0-127.

        Returns the moved note, or None when nothing changed.
        """
        notes = list(self._clip.notes)
        note = notes[index]
        latest = self._clip.length_beats - note.duration
        start = min(max(note.start + columns * self.beats_per_column, Fraction(0)), latest)
        pitch = min(max(pitch, 0), 127)
        if (pitch, start) == (note.pitch, note.start):
            return None
        notes[index] = moved = note.model_copy(update={"pitch": pitch, "start": start})
        self._commit(notes, self._move_description(note, moved))
        return moved

    def _move_description(self, old: Note, new: Note) -> str:
        name, where = self._label(old.pitch), position(old.start)
        if old.start == new.start:
            return f"move {name} → {self._label(new.pitch)} at {where}"
        if old.pitch == new.pitch:
            return f"move {name} {where} → {position(new.start)}"
        return f"move {name} {where} → {self._label(new.pitch)} {position(new.start)}"

    def toggle_note(self, pitch: int, column: int) -> None:
        """Remove the note sounding in a cell, or add one there."""
        index = self._note_at(pitch, column)
        if index is None:
            self.add_note(pitch, column)
        else:
            self.remove_note(index)

    # -- mouse --------------------------------------------------------------

    def on_mouse_down(self, event: events.MouseDown) -> None:
        offset = event.get_content_offset(self)
        cell = None if event.button != 1 or offset is None else self._cell_at(*offset)
        if cell is None:
            return
        event.stop()
        pitch, column = cell
        self._press = (self._clip, pitch, column, self._note_at(pitch, column))
        self.capture_mouse()
        self._move_cursor(pitch, column)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        press, self._press = self._press, None
        if press is None:
            return
        event.stop()
        self.release_mouse()
        clip, pitch, column, index = press
        cell = self._cell_at(*event.get_content_offset_capture(self), clamp=True)
        if cell is None or clip is not self._clip:  # a new clip arrived mid-drag: the press is stale
            return
        if cell == (pitch, column):
            self.toggle_note(pitch, column)
        elif index is not None:
            moved = self.move_note(index, cell[0], cell[1] - column)
            if moved is not None:
                self._move_cursor(moved.pitch, _note_columns(moved, self.beats_per_column)[0])
        elif cell[0] == pitch and cell[1] > column:
            self.add_note(pitch, column, cell[1] - column + 1)
        else:
            self.add_note(pitch, column)

    # -- keyboard actions ---------------------------------------------------

    def action_cursor(self, rows: int, columns: int) -> None:
        """Move the cursor ``rows`` up and ``columns`` right, scrolling to keep it in view."""
        if self._clip is None:
            return
        index = min(max(self._row_of[self._cursor_pitch] - rows, 0), len(self._rows) - 1)
        column = min(max(self._cursor_column + columns, 0), max(0, self._columns - 1))
        self._move_cursor(self._rows[index], column)

    def action_toggle_note(self) -> None:
        if self._clip is not None:
            self.toggle_note(self._cursor_pitch, self._cursor_column)

    def action_move_note(self, rows: int, columns: int) -> None:
        """Move the note under the cursor a semitone (drums: a lane) or a column; the cursor follows."""
        if self._clip is None:
            return
        index = self._note_at(self._cursor_pitch, self._cursor_column)
        if index is None:
            return
        pitch = self._clip.notes[index].pitch
        if self._drums and rows:
            lane = min(max(self._row_of[pitch] - rows, 0), len(self._rows) - 1)
            pitch = self._rows[lane]
        else:
            pitch += rows
        moved = self.move_note(index, pitch, columns)
        if moved is not None:
            self._move_cursor(moved.pitch, _note_columns(moved, self.beats_per_column)[0])

    def action_zoom(self, steps: int) -> None:
        """Step the time zoom: negative shows fewer beats per column (zoom in)."""
        index = ZOOMS.index(self.beats_per_column) + steps
        self.beats_per_column = ZOOMS[min(max(index, 0), len(ZOOMS) - 1)]

    def action_toggle_pitch_mode(self) -> None:
        self.pitch_mode = "scale" if self.pitch_mode == "chromatic" else "chromatic"

    def action_scroll_octave(self, octaves: int) -> None:
        """Scroll the rows an octave up or down; the cursor moves with them."""
        if self._clip is None:
            return
        self.top_pitch += 12 * octaves
        pitch = self._nearest_row(min(max(self._cursor_pitch + 12 * octaves, 0), 127))
        self._move_cursor(pitch, self._cursor_column)

    def action_loop_start(self) -> None:
        self.first_column = 0
        self._move_cursor(self._cursor_pitch, 0)

    # -- mouse wheel: rows up and down, columns left and right ----------------

    def _scroll_rows(self, rows: int) -> None:
        index = min(max(self._top_index - rows, 0), len(self._rows) - 1)
        self.top_pitch = self._rows[index]

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._scroll_rows(WHEEL_STEP)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._scroll_rows(-WHEEL_STEP)

    def on_mouse_scroll_left(self, event: events.MouseScrollLeft) -> None:
        event.stop()
        self.first_column -= WHEEL_STEP

    def on_mouse_scroll_right(self, event: events.MouseScrollRight) -> None:
        event.stop()
        self.first_column += WHEEL_STEP


def _foreground(style: Style) -> Style:
    """Just the colour and weight of a style, to lay over a row's own background."""
    return Style(color=style.color, bold=style.bold)


def _splice(row: _Row, x: int, style: Style) -> Strip:
    """The row's strip with the cell at ``x`` restyled, splitting only the segment holding it.

    Every glyph the roll draws is one cell wide, so string indices are cell positions.
    """
    segments, starts = row.segments, row.starts
    i = bisect_right(starts, x) - 1
    text, base, _control = segments[i]
    k = x - starts[i]
    middle = [Segment(text[k], base + style)]
    if k:
        middle.insert(0, Segment(text[:k], base))
    if k + 1 < len(text):
        middle.append(Segment(text[k + 1:], base))
    return Strip(segments[:i] + middle + segments[i + 1:], row.strip.cell_length)


def _paint(strip: Strip, x: int, style: Style) -> Strip:
    """``strip`` with the cell at ``x`` restyled (cell text kept)."""
    left, cell, right = strip.divide([x, x + 1, strip.cell_length])
    return Strip.join([left, cell.apply_style(style), right])
