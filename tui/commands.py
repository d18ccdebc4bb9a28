"""Every command of the TUI in one table: the key bindings, the command palette and the help
screen are all made from it, so they cannot disagree.

>>> [c.action for c in COMMANDS if "g" in c.key.split(",")]
['generate']
>>> len({c.action for c in COMMANDS}) == len(COMMANDS)
True
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Command:
    action: str         # the App's action_<name>
    key: str            # Textual key names, comma-separated alternatives
    title: str          # palette title and footer text
    help: str           # one line in the help screen and the palette
    group: str
    footer: bool = False
    priority: bool = False  # handled before the key reaches the focused widget (see bindings)


COMMANDS: tuple[Command, ...] = (
    # playing
    Command("toggle_transport", "space", "Play/stop", "start or stop the transport (with Link: the session's)", "Playing", footer=True),
    Command("focus_prompt", "colon,slash", "Code", "type a live-code expression for the selected track (Enter plays it on the next bar)", "Playing", footer=True, priority=True),
    Command("leave_prompt", "escape", "Leave prompt", "leave the prompt and go back to the piano roll", "Playing"),
    Command("mute", "m", "Mute", "mute or unmute the selected track", "Playing"),
    Command("solo", "s", "Solo", "solo or unsolo the selected track", "Playing"),
    Command("clear_track", "delete", "Clear track", "stop and empty the selected track (undo brings it back)", "Playing"),
    Command("panic", "P", "Panic", "all notes off on every output, now", "Playing"),
    Command("toggle_link", "l", "Link on/off", "join or leave the Ableton Link session", "Playing"),
    # tracks
    Command("select_track(0)", "1", "Track 1", "select track 1", "Tracks"),
    Command("select_track(1)", "2", "Track 2", "select track 2", "Tracks"),
    Command("select_track(2)", "3", "Track 3", "select track 3", "Tracks"),
    Command("select_track(3)", "4", "Track 4", "select track 4", "Tracks"),
    Command("select_track(4)", "5", "Track 5", "select track 5", "Tracks"),
    Command("select_track(5)", "6", "Track 6", "select track 6", "Tracks"),
    Command("select_track(6)", "7", "Track 7", "select track 7", "Tracks"),
    Command("select_track(7)", "8", "Track 8", "select track 8", "Tracks"),
    Command("channel(-1)", "less_than_sign", "Channel -", "the selected track's MIDI channel down", "Tracks"),
    Command("channel(1)", "greater_than_sign", "Channel +", "the selected track's MIDI channel up", "Tracks"),
    Command("cycle_output", "o", "Output", "send the selected track to the next open output (or all)", "Tracks"),
    Command("cycle_part", "p", "Part", "the selected track's part: drums, bass, chords, lead, arp", "Tracks"),
    # generating
    Command("generate", "g,ctrl+g", "Generate", "generate takes with the current style and knobs; take 1 plays from the next quantum", "Generate", footer=True),
    Command("ask", "a", "Ask", "ask in plain words for the selected track (Claude with a key, else offline); the answer is a new take", "Generate", footer=True),
    Command("variation", "v", "Variation", "a variation: the same settings with a new seed", "Generate"),
    Command("b_section", "b", "B section", "a B section from the clip (melodic: moved up the scale; drums: a fill at the end)", "Generate"),
    Command("continue_clip", "c", "Continue", "extend the clip by its own length (up to 16 bars), continuing the harmony", "Generate"),
    Command("fill", "f", "Fill", "a fill in the last beat of the loop", "Generate"),
    Command("humanize", "h", "Humanize", "small timing and velocity variation", "Generate"),
    Command("take(-1)", "left_square_bracket", "Take -", "audition the previous take (A/B)", "Generate", footer=True),
    Command("take(1)", "right_square_bracket", "Take +", "audition the next take (A/B)", "Generate", footer=True),
    Command("undo", "u,ctrl+z", "Undo", "undo the last change to the selected track's clip or code", "Generate"),
    Command("redo", "U,ctrl+y", "Redo", "redo what undo took back", "Generate"),
    # files
    Command("export_track", "e", "Export", "write the selected track to a .mid file (the path is shown)", "Files", footer=True),
    Command("export_all", "E", "Export all", "write every track to one multi-track .mid file", "Files"),
    Command("save_session", "ctrl+s", "Save", "save the session now (it is also saved every few seconds and on quit)", "Files"),
    # app
    Command("help", "question_mark,f1", "Help", "this list of keys", "App", footer=True),
    Command("quit", "q,ctrl+q", "Quit", "save the session and quit (the engine cuts this TUI's notes)", "App", footer=True),
)


def bindings() -> list[Binding]:
    """Textual bindings for the table (the palette's own ctrl+p stays Textual's).

    While the prompt has focus, letters type and only Ctrl keys reach the app. The one priority
    binding, ``:`` to the prompt, moves the focus before the keys behind it are handed out, so
    ``:expr`` arriving in one read (a paste, an editor driving tmux) types into the prompt; the
    app disables it while the prompt has focus, so ``:`` types there."""
    return [Binding(c.key, c.action, c.title, show=c.footer, priority=c.priority) for c in COMMANDS]


def key_label(key: str) -> str:
    """A key as the help screen prints it.

    >>> key_label("question_mark,f1"), key_label("left_square_bracket"), key_label("ctrl+g")
    ('? / F1', '[', 'Ctrl+G')
    """
    names = {"question_mark": "?", "left_square_bracket": "[", "right_square_bracket": "]",
             "less_than_sign": "<", "greater_than_sign": ">", "colon": ":", "slash": "/",
             "space": "Space", "escape": "Esc", "delete": "Del"}
    parts = []
    for k in key.split(","):
        if k in names:
            parts.append(names[k])
        elif "+" in k:
            parts.append("+".join(p.capitalize() if len(p) > 1 else p.upper() for p in k.split("+")))
        else:
            parts.append(k.upper() if k.startswith("f") and k[1:].isdigit() else k)
    return " / ".join(parts)
