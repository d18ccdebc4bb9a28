"""The help screen: every key of the TUI, grouped, from the command table."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from .commands import COMMANDS, key_label

WIDGET_KEYS = (
    ("Piano roll", "arrows", "move the cursor"),
    ("Piano roll", "Enter / x", "add or remove a note at the cursor (mouse: click; drag moves a note)"),
    ("Piano roll", "Shift+arrows", "move the note under the cursor"),
    ("Piano roll", "+ / -", "zoom time in / out"),
    ("Piano roll", "z", "all semitones or only the key's notes"),
    ("Piano roll", "PgUp / PgDn", "scroll an octave"),
    ("Knobs", "Up / Down", "turn by a step (mouse: scroll, or drag up and down)"),
    ("Knobs", "Shift+Up / Shift+Down", "turn by a big step"),
    ("Knobs", "Home / End", "minimum / maximum"),
    ("Prompt", "Enter", "play the expression on the selected track from the next bar"),
    ("Prompt", "Up / Down", "older / newer expressions"),
    ("Anywhere", "Tab / Shift+Tab", "move between the track list, style, roll, knobs and prompt"),
    ("Anywhere", "Ctrl+P", "the command palette: every command by name"),
)


def help_table() -> Table:
    table = Table(box=None, padding=(0, 2), show_header=True, header_style="bold")
    table.add_column("group", style="dim")
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("does")
    tracks = [c for c in COMMANDS if c.action.startswith("select_track(")]
    for c in COMMANDS:
        if c in tracks[1:]:
            continue
        if c is tracks[0]:
            table.add_row(c.group, f"{tracks[0].key} … {tracks[-1].key}", "select that track")
        else:
            table.add_row(c.group, key_label(c.key), c.help)
    for group, key, does in WIDGET_KEYS:
        table.add_row(group, key, does)
    return table


class HelpScreen(ModalScreen):
    """Every key, on top of the running instrument (the music keeps playing)."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; height: 90%; border: round $accent; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,question_mark,f1,q", "dismiss", "Close help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("Stepista: keys (Esc closes; the music keeps playing)", style="bold"))
            yield Static(help_table(), id="help-table")
