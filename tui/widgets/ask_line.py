"""The ask line: a brief in plain words for the selected track, with its progress.

Hidden until opened (``a``). Enter posts `AskLine.Submitted`; while the app asks, the line shows
who is answering, what is being asked now and for how long, redrawn a few times a second from
an injectable clock. Esc posts `AskLine.Cancelled` while asking and closes the line otherwise.
The line never waits for anything itself: the app asks in a worker and reports back with
`progress`, `finish` or `fail`.
"""

from __future__ import annotations

import time
from typing import Callable, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label

SPINNER = "|/-\\"
PLACEHOLDER = "ask in plain words, e.g. 'darker, with a 2-bar fill on bar 3' (Enter asks, Esc leaves)"


class AskLine(Widget):
    """A one-line brief and what became of it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_or_close", "Cancel / leave", show=False),
    ]

    DEFAULT_CSS = """
    AskLine {
        display: none;
        height: auto;
        &.-open { display: block; }
        & > Horizontal { height: auto; }
        & .ask-line--who { width: auto; padding: 1 1 0 1; color: $text-accent; text-style: bold; }
        & Input { width: 1fr; }
        & .ask-line--state { height: auto; padding: 0 2 0 3; color: $foreground-muted; }
        &.-asking .ask-line--state { color: $text-warning; }
        &.-failed .ask-line--state { color: $text-error; }
    }
    """

    class Submitted(Message):
        """The performer pressed Enter on a non-empty brief."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Cancelled(Message):
        """Esc while an ask is under way."""

    class Closed(Message):
        """Esc with nothing under way: the line is hidden; the app moves the focus on."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.asking_since: float | None = None
        self.who = ""
        self.doing = ""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label("ask>", classes="ask-line--who")
            yield Input(placeholder=PLACEHOLDER, id="ask-input")
        yield Label("", classes="ask-line--state")

    def on_mount(self) -> None:
        self.input = self.query_one(Input)
        self.state = self.query_one(".ask-line--state", Label)
        self.set_interval(0.25, self._tick)

    # -- what the app calls ----------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    @property
    def asking(self) -> bool:
        return self.asking_since is not None

    def open(self, hint: str = "") -> None:
        self.add_class("-open")
        if not self.asking:
            self._say(hint)
        self.screen.set_focus(self.input)

    def close(self) -> None:
        self.remove_class("-open")

    def start(self, who: str) -> None:
        """An ask is under way, answered by ``who`` ("Claude" or "offline")."""
        self.asking_since, self.who, self.doing = self.clock(), who, "asking"
        self.remove_class("-failed")
        self.add_class("-asking")
        self._tick()

    def progress(self, doing: str) -> None:
        self.doing = doing
        self._tick()

    def finish(self, text: str) -> None:
        """The ask is over (answered, or cancelled); ``text`` says what happened."""
        self._stop()
        self.input.value = ""
        self._say(text)

    def fail(self, text: str) -> None:
        """The brief could not be used; the text stays for the performer to fix."""
        self._stop()
        self.add_class("-failed")
        self._say(text)

    # -- inside ------------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.post_message(self.Submitted(event.value.strip()))

    def action_cancel_or_close(self) -> None:
        if self.asking:
            self.post_message(self.Cancelled())
        else:
            self.close()
            self.post_message(self.Closed())

    def _stop(self) -> None:
        self.asking_since = None
        self.remove_class("-asking")

    def _tick(self) -> None:
        if self.asking_since is None:
            return
        elapsed = self.clock() - self.asking_since
        spin = SPINNER[int(elapsed * 4) % len(SPINNER)]
        self._say(f"{spin} {self.doing} ({self.who}) {elapsed:.1f} s, Esc cancels;"
                  " the track keeps playing")

    def _say(self, text: str) -> None:
        self.state.update(text)
