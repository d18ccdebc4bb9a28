"""The status bar: what the engine is doing and anything that stops the music being heard.

::

    ▶ playing │ 128.0 BPM │ ███▌···· 2/4 │ Link on · 3 peers │ out: jack:Stepista │ timing ok

Every piece has a long and a short wording and a priority. When the terminal is narrow the
least important pieces are shortened first, then dropped, so the bar never wraps; the warnings
that explain silence (preview-only output, no engine) are the last to go.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from tui.widgets.knob import fit

SEPARATOR = " │ "
PREVIEW = "preview"
"""The output label (or label prefix) of the silent preview output."""

_EIGHTHS = " ▏▎▍▌▋▊▉"  # a cell filled by 0..7 eighths, left to right


@dataclass
class EngineView:
    """What the app knows about the engine, for the status bar to show.

    `outputs` maps each output's label to its state ("ok" or what is wrong). `message` is a
    short free text from the app; while the engine is not connected it says how the connection
    stands ("lost — reconnecting"). `tick_ms` is the worst gap between engine ticks lately.
    """

    connected: bool = False
    link: bool = False
    peers: int = 0
    tempo: float = 120.0
    quantum: float = 4.0
    playing: bool = False
    outputs: dict[str, str] = field(default_factory=dict)
    notice: str | None = None
    ai: str = "offline"
    late: int = 0
    tick_ms: float = 0.0
    message: str | None = None
    plugins: int = 0  # Stepista plugin instances found (o assigns a track to one)


@dataclass(frozen=True)
class Piece:
    """One piece of the bar: its long and short wording, how much it matters, how it looks.

    An empty `short` means the piece may be dropped as soon as space runs out.
    """

    long: str
    short: str
    priority: int
    look: str = "text"
    key: str = ""


def fit_pieces(pieces: list[Piece], width: int) -> list[str]:
    """Each piece's wording for a bar `width` cells wide ("" for a dropped piece).

    The least important pieces are shortened first, then dropped; then the most important get
    their longer wording back wherever it still fits.

    >>> pieces = [Piece("▶ playing", "▶", 9), Piece("timing ok", "", 1)]
    >>> pieces.append(Piece("128.0 BPM", "128", 8))
    >>> fit_pieces(pieces, 40)
    ['▶ playing', 'timing ok', '128.0 BPM']
    >>> fit_pieces(pieces, 24)
    ['▶ playing', '', '128.0 BPM']
    >>> fit_pieces(pieces, 16)
    ['▶ playing', '', '128']
    >>> fit_pieces(pieces, 4)
    ['▶', '', '']
    """
    texts = [piece.long for piece in pieces]
    least_first = sorted(range(len(pieces)), key=lambda i: pieces[i].priority)
    for wording in ("short", "drop"):
        for i in least_first:
            if bar_length(texts) <= width:
                break
            texts[i] = pieces[i].short if wording == "short" else ""
    for i in reversed(least_first):
        _grow(texts, i, pieces[i], width)
    return texts


def _grow(texts: list[str], i: int, piece: Piece, width: int) -> None:
    """Give piece `i` its longest wording that keeps the bar within `width`."""
    for wording in (piece.long, piece.short):
        if wording == texts[i] or not wording:
            return
        trial = texts[:i] + [wording] + texts[i + 1 :]
        if bar_length(trial) <= width:
            texts[i] = wording
            return


def bar_length(texts: list[str]) -> int:
    """Cells taken by the non-empty texts and the separators between them.

    >>> bar_length(["▶", "", "128"])
    7
    """
    shown = [text for text in texts if text]
    return sum(cell_len(text) for text in shown) + cell_len(SEPARATOR) * max(0, len(shown) - 1)


def phase_text(beat: float | None, quantum: float, fine: bool = True) -> str:
    """Where `beat` falls in the quantum.

    The fine form is a bar filling through the quantum, a cell each half beat, and the beat
    number; the short form lights the current beat. Each form keeps one width for a quantum,
    so the bar around it never jumps. Whole cells only: a redraw of the bar at the bottom in
    the same frame as the playhead at the top makes Textual repaint everything between them,
    so the bar changes a few times a second, not every frame.

    >>> phase_text(5.5, 4), phase_text(5.5, 4, fine=False)
    ('███····· 2/4', '▯▮▯▯')
    >>> phase_text(0.3, 4), phase_text(0.6, 4), phase_text(None, 4), phase_text(None, 4, fine=False)
    ('········ 1/4', '█······· 1/4', '········ -/4', '▯▯▯▯')
    >>> phase_text(0, 12), phase_text(None, 12)
    ('············  1/12', '············  -/12')
    """
    beats = min(16, max(1, round(quantum)))
    if beat is None:
        return "·" * _bar_cells(beats) + _beat_number("-", beats) if fine else "▯" * beats
    phase = (beat % quantum) / quantum
    current = min(beats - 1, int(phase * beats))
    if not fine:
        return "".join("▮" if i == current else "▯" for i in range(beats))
    cells = _bar_cells(beats)
    return _bar(int(phase * cells) / cells, cells) + _beat_number(str(current + 1), beats)


def _beat_number(number: str, beats: int) -> str:
    return f" {number.rjust(len(str(beats)))}/{beats}"


def _bar_cells(beats: int) -> int:
    return beats * 2 if beats <= 8 else beats


def _bar(fraction: float, cells: int) -> str:
    eighths = int(fraction * cells * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + _EIGHTHS[part].strip()).ljust(cells, "·")


def output_piece(outputs: dict[str, str]) -> Piece:
    """The outputs in use; preview-only or no output at all is an alarm, since nothing is heard.

    >>> output_piece({"jack:Stepista": "ok"}).long
    'out: jack:Stepista'
    >>> output_piece({"preview": "ok"}).long
    'PREVIEW ONLY — nothing will be heard'
    >>> output_piece({"jack:Stepista": "port gone", "alsa:Synth": "ok"}).long
    'out: jack:Stepista (port gone), alsa:Synth'
    """
    audible = [label for label, state in outputs.items()
               if state == "ok" and not _is_preview(label)]
    if not audible:
        if any(_is_preview(label) for label in outputs):
            return Piece("PREVIEW ONLY — nothing will be heard", "PREVIEW — silent", 95, "alarm")
        return Piece("NO OUTPUT — nothing will be heard", "NO OUTPUT", 95, "alarm")
    named = [label if state == "ok" else f"{label} ({state})" for label, state in outputs.items()]
    healthy = len(audible) == len(outputs)
    more = f" +{len(outputs) - 1}" if len(outputs) > 1 else ""
    long, short = "out: " + ", ".join(named), "out: " + fit(audible[0], 14) + more
    return Piece(long, short, 50, "text") if healthy else Piece(long, short, 75, "warning")


def _is_preview(label: str) -> bool:
    return label.split(":")[0].lower() == PREVIEW


def timing_piece(late: int, tick_ms: float) -> Piece:
    """The engine's timing health: quiet when fine, a warning with the figures when not.

    >>> timing_piece(0, 2.0).long, timing_piece(3, 14.2).long, timing_piece(0, 12).short
    ('timing ok', 'timing: 3 late · tick 14 ms', 'tick 12ms')
    """
    if late == 0 and tick_ms < 10:
        return Piece("timing ok", "", 20, "dim")
    figures = [f"{late} late"] if late else []
    if tick_ms >= 10:
        figures.append(f"tick {tick_ms:.0f} ms")
    short = f"{late} late" if late else f"tick {tick_ms:.0f}ms"
    return Piece("timing: " + " · ".join(figures), short, 80, "warning")


def link_piece(link: bool, peers: int) -> Piece:
    """Ableton Link on or off, and how many peers share the tempo.

    >>> link_piece(True, 1).long, link_piece(True, 3).short, link_piece(False, 0).short
    ('Link on · 1 peer', 'Link 3', '')
    """
    if not link:
        return Piece("Link off", "", 30, "dim")
    noun = "peer" if peers == 1 else "peers"
    return Piece(f"Link on · {peers} {noun}", f"Link {peers}", 70, "ok")


def engine_piece(message: str | None) -> Piece:
    """The engine is not connected: say how the connection stands, as an error.

    >>> engine_piece(None).long, engine_piece("engine: lost — reconnecting").long
    ('engine: connecting…', 'engine: lost — reconnecting')
    >>> engine_piece("lost — reconnecting").long
    'engine: lost — reconnecting'
    """
    text = message or "connecting…"
    if not text.lower().startswith("engine"):
        text = f"engine: {text}"
    return Piece(text, "no engine", 100, "error")


def ai_piece(ai: str) -> Piece:
    """The AI helper's state; the short form drops the explanation after the colon.

    >>> ai_piece("AI offline: no ANTHROPIC_API_KEY").short, ai_piece("offline").long
    ('AI offline', 'AI offline')
    """
    text = ai if ai.lower().startswith("ai") else f"AI {ai}"
    return Piece(text, text.split(":")[0], 40, "dim")


class StatusBar(Widget):
    """One line above the footer: transport, tempo, phase, Link, outputs, timing, AI.

    Call `update_view` with an `EngineView` when the state changes, and `set_beat` as often as
    you like: it redraws only when the phase indicator would look different.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status-bar--text",
        "status-bar--dim",
        "status-bar--ok",
        "status-bar--warning",
        "status-bar--alarm",
        "status-bar--error",
        "status-bar--phase",
        "status-bar--separator",
    }

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $foreground;
        & > .status-bar--text { }
        & > .status-bar--dim { color: $text-muted; }
        & > .status-bar--ok { color: $text-success; }
        & > .status-bar--warning { color: $text-warning; text-style: bold; }
        & > .status-bar--alarm { color: $warning; text-style: bold reverse; }
        & > .status-bar--error { color: $error; text-style: bold reverse; }
        & > .status-bar--phase { color: $text-accent; }
        & > .status-bar--separator { color: $text-disabled; }
    }
    """

    def __init__(
        self,
        view: EngineView | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._view = copy.deepcopy(view) if view else EngineView()
        self._beat: float | None = None
        self._phase_fine: bool | None = True  # the phase's wording last drawn; None if dropped
        self._phase_shown = ""

    @property
    def view(self) -> EngineView:
        """The engine state shown."""
        return self._view

    def update_view(self, view: EngineView) -> None:
        """Show a new engine state; the bar is redrawn if anything changed."""
        if view == self._view:
            return
        self._view = copy.deepcopy(view)  # the caller may change its view in place later
        self.refresh()

    def set_beat(self, beat: float | None) -> None:
        """Move the phase indicator to `beat` (None: unknown); redraw only if it looks new."""
        self._beat = beat
        if self._phase_fine is None:
            return
        shown = phase_text(beat, self._view.quantum, self._phase_fine)
        if shown != self._phase_shown:
            self._phase_shown = shown
            self.refresh()

    def pieces(self) -> list[Piece]:
        """The bar's pieces, in the order shown."""
        view = self._view
        if not view.connected:
            return [engine_piece(view.message), ai_piece(view.ai)]
        transport = ("▶ playing", "▶", "ok") if view.playing else ("■ stopped", "■", "dim")
        pieces = [
            Piece(transport[0], transport[1], 90, transport[2]),
            Piece(f"{view.tempo:.1f} BPM", f"{view.tempo:.1f}", 85),
            self._phase_piece(),
            link_piece(view.link, view.peers),
            output_piece(view.outputs),
        ]
        if view.plugins:
            count = f"{view.plugins} plugin{'s' if view.plugins != 1 else ''}"
            pieces.append(Piece(count, count, 48, "dim"))
        if view.notice:
            pieces.append(Piece(view.notice, fit(view.notice, 24), 55, "warning"))
        pieces += [timing_piece(view.late, view.tick_ms), ai_piece(view.ai)]
        if view.message:
            pieces.append(Piece(view.message, fit(view.message, 30), 45))
        return pieces

    def _phase_piece(self) -> Piece:
        quantum = self._view.quantum
        long, short = phase_text(self._beat, quantum), phase_text(self._beat, quantum, False)
        return Piece(long, short, 60, "phase", key="phase")

    def render(self) -> Text:
        pieces = self.pieces()
        texts = fit_pieces(pieces, self.size.width)
        self._remember_phase(pieces, texts)
        line = Text(no_wrap=True, overflow="crop", end="")
        separator = self.get_component_rich_style("status-bar--separator")
        for piece, text in ((p, t) for p, t in zip(pieces, texts) if t):
            if line:
                line.append(SEPARATOR, separator)
            line.append(text, self.get_component_rich_style(f"status-bar--{piece.look}"))
        line.truncate(self.size.width)
        return line

    def _remember_phase(self, pieces: list[Piece], texts: list[str]) -> None:
        """Note which wording of the phase is on screen, so `set_beat` can tell what changed."""
        self._phase_fine, self._phase_shown = None, ""
        for piece, text in zip(pieces, texts):
            if piece.key == "phase" and text:
                self._phase_fine, self._phase_shown = text == piece.long, text
