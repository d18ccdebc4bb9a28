"""A knob for one musical parameter: its label, an arc showing the position, and the value.

Three rows, thirteen cells wide (and still whole when squeezed narrower)::

      density
    ╭▁▁▂▃▄····╮
        64

Numeric knobs move by `step` (fine) or `coarse` and are clamped to their range; choice knobs
(key, mode) cycle through their choices. A locked knob (say, tempo while Ableton Link leads)
keeps its value, shows a short tag such as ``LINK`` and answers every attempt to turn it with
`Knob.Refused`, so the app can say why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, ClassVar, Union

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

KnobValue = Union[int, float, str]
"""A numeric knob holds an int or float, a choice knob the chosen string."""

ARC_CELLS = 9
"""Cells between the two ends of the arc (fewer when the knob is squeezed)."""

_WEDGE = "▁▁▂▃▄▅▆▇█"  # the arc rises like the wedge printed round a volume knob
_EMPTY = "·"


def decimals(number: float) -> int:
    """How many decimal places `number` needs, so stepping by it can be rounded cleanly.

    >>> decimals(1), decimals(0.5), decimals(0.25), decimals(10), decimals(1.0)
    (0, 1, 2, 0, 0)
    """
    exponent = Decimal(str(number)).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def arc_cells(fraction: float, cells: int = ARC_CELLS) -> int:
    """How many arc cells to fill for a position from 0 to 1.

    Only the very ends are empty or full, so "nearly minimum" never looks like the minimum.

    >>> arc_cells(0.0), arc_cells(0.01), arc_cells(0.5), arc_cells(0.99), arc_cells(1.0)
    (0, 1, 4, 8, 9)
    """
    if fraction <= 0:
        return 0
    if fraction >= 1:
        return cells
    return min(cells - 1, max(1, round(fraction * cells)))


def wedge(cells: int) -> str:
    """The glyphs of a full arc `cells` wide, rising from left to right.

    >>> wedge(9), wedge(5), wedge(1)
    ('▁▁▂▃▄▅▆▇█', '▁▂▄▆█', '█')
    """
    if cells < 2:
        return _WEDGE[-1] * cells
    last = len(_WEDGE) - 1
    return "".join(_WEDGE[round(i * last / (cells - 1))] for i in range(cells))


def fit(text: str, width: int) -> str:
    """`text` cut to `width` cells, with an ellipsis when something was cut.

    >>> fit("note length", 11), fit("note length", 6), fit("abc", 0), fit("和音 chords", 4)
    ('note length', 'note …', '', '和 …')
    """
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1) + "…" if width > 0 else ""


def lock_tag(reason: str) -> str:
    """A tag of at most four capitals naming what holds a locked knob.

    >>> lock_tag("Link · 3 peers"), lock_tag(""), lock_tag("automation lane")
    ('LINK', 'LOCK', 'AUTO')
    """
    words = reason.split()
    return (words[0] if words else "lock")[:4].upper()


@dataclass
class _Drag:
    """Where a mouse drag started, so the value follows the total motion, not each jitter."""

    x: int
    y: int
    origin: KnobValue
    refused: bool = False


class Knob(Widget, can_focus=True):
    """One musical parameter as a knob: keys, scroll wheel or a vertical drag turn it.

    Args:
        label: What the knob sets, in the musician's words ("density").
        value: The starting value (a number, or one of `choices`).
        minimum: Lowest value of a numeric knob.
        maximum: Highest value of a numeric knob.
        step: One fine step (arrow key, wheel notch, one row of drag).
        coarse: One big step (shift+arrow, page keys). Defaults to 10 for numeric knobs and to a
            quarter of the choices (at least one) for choice knobs.
        choices: The values of a choice knob; the knob cycles through them. A starting value
            that is not a choice becomes the first choice, so a stale session cannot crash the UI.
        fmt: Turns the value into the text under the arc; by default numbers show as many
            decimals as `step` has.
        param: The parameter name the app uses; defaults to `label`.

    >>> Knob("swing", value=50, minimum=50, maximum=75).value_text
    '50'
    >>> Knob("key", value="D", choices=["C", "D", "E"]).position
    0.5
    """

    ALLOW_SELECT = False  # a drag turns the knob; it must not start a text selection

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,right", "step(1)", "knob +", tooltip="Turn up one step"),
        Binding("down,left", "step(-1)", "knob -", tooltip="Turn down one step"),
        Binding("shift+up,shift+right,pageup", "coarse(1)", "knob ++", tooltip="Turn up a lot"),
        Binding(
            "shift+down,shift+left,pagedown", "coarse(-1)", "knob --", tooltip="Turn down a lot"
        ),
        Binding("home", "extreme(-1)", "knob min", show=False),
        Binding("end", "extreme(1)", "knob max", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "knob--label",
        "knob--lock",
        "knob--arc",
        "knob--arc-filled",
        "knob--arc-empty",
        "knob--value",
    }

    DEFAULT_CSS = """
    Knob {
        width: 13;
        height: 3;
        & > .knob--label { color: $text-muted; }
        & > .knob--lock { color: $text-warning; text-style: bold; }
        & > .knob--arc { color: $text-muted; }
        & > .knob--arc-filled { color: $text-accent; }
        & > .knob--arc-empty { color: $text-disabled; }
        & > .knob--value { text-style: bold; }
        &:focus {
            background-tint: $foreground 5%;
            & > .knob--label {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
                text-style: $block-cursor-text-style;
            }
        }
        &.-locked > .knob--arc-filled { color: $text-warning; }
        &.-locked > .knob--value { color: $text-muted; }
    }
    """

    value: reactive[KnobValue] = reactive(0, init=False)
    """The current value; set it to turn the knob (and post `Changed`)."""

    locked: reactive[bool] = reactive(False, toggle_class="-locked")
    """A locked knob keeps its value and refuses to be turned by the user."""

    lock_reason: reactive[str] = reactive("")
    """Why the knob is locked, e.g. "Link · 3 peers"; its first word becomes the tag."""

    class Changed(Message):
        """The knob's value changed (by the user, or by the app without `quiet`)."""

        def __init__(self, knob: Knob, value: KnobValue) -> None:
            super().__init__()
            self.knob = knob
            self.value = value

        @property
        def param(self) -> str:
            """The parameter the knob sets."""
            return self.knob.param

        @property
        def control(self) -> Knob:
            """The knob that changed."""
            return self.knob

    class Refused(Message):
        """The user tried to turn a locked knob; `reason` says what holds it."""

        def __init__(self, knob: Knob, reason: str) -> None:
            super().__init__()
            self.knob = knob
            self.reason = reason

        @property
        def control(self) -> Knob:
            """The locked knob."""
            return self.knob

    def __init__(
        self,
        label: str,
        *,
        value: KnobValue,
        minimum: float | None = None,
        maximum: float | None = None,
        step: float = 1,
        coarse: float | None = None,
        choices: list[str] | None = None,
        fmt: Callable[[KnobValue], str] | None = None,
        param: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        if not choices and (minimum is None or maximum is None):
            raise ValueError(f"knob {label!r} needs a minimum and a maximum (or choices)")
        self.label = label
        self.param = param or label
        self.choices = list(choices or [])
        self.minimum = minimum
        self.maximum = maximum
        self.step = step
        self.coarse = coarse if coarse is not None else self._default_coarse()
        self.fmt = fmt
        self._decimals = max(decimals(step), decimals(minimum or 0))  # 0: an integer knob
        self._drag: _Drag | None = None
        self.set_reactive(Knob.value, self.validate_value(value))

    def _default_coarse(self) -> float:
        if self.choices:
            return max(1, len(self.choices) // 4)
        return 10

    # -- state -------------------------------------------------------------------------------

    def validate_value(self, value: KnobValue) -> KnobValue:
        """Clamp a number into range; an unknown choice keeps the current one."""
        if self.choices:
            if value in self.choices:
                return value
            return self.value if self.value in self.choices else self.choices[0]
        clamped = min(max(float(value), self.minimum), self.maximum)
        return self._clean(clamped)

    def _clean(self, number: float) -> int | float:
        """Round half up to the step's precision: float noise goes (120.49999 → 120.5), and a
        knob stepping by whole numbers holds ints."""
        scaled = math.floor(number * 10**self._decimals + 0.5)
        return scaled if self._decimals == 0 else scaled / 10**self._decimals

    def watch_value(self, value: KnobValue) -> None:
        self.post_message(self.Changed(self, value))

    def watch_locked(self) -> None:
        self._update_tooltip()

    def watch_lock_reason(self) -> None:
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        self.tooltip = (self.lock_reason or "locked") if self.locked else None

    def set_value(self, value: KnobValue, *, quiet: bool = True) -> None:
        """Show `value` without announcing it, so reflecting the app's state never echoes back.

        With `quiet=False` it is the same as assigning `value`.
        """
        if not quiet:
            self.value = value
            return
        with self.prevent(self.Changed):
            self.value = value

    @property
    def position(self) -> float:
        """Where the knob points, from 0 (minimum, first choice) to 1 (maximum, last choice)."""
        if self.choices:
            last = len(self.choices) - 1
            return self.choices.index(self.value) / last if last else 1.0
        span = self.maximum - self.minimum
        return (self.value - self.minimum) / span if span else 1.0

    @property
    def value_text(self) -> str:
        """The value as shown under the arc."""
        if self.fmt is not None:
            return self.fmt(self.value)
        if self.choices:
            return str(self.value)
        return f"{self.value:.{self._decimals}f}"

    # -- turning -----------------------------------------------------------------------------

    def moved(self, origin: KnobValue, steps: float) -> KnobValue:
        """The value `steps` fine steps away from `origin` (choices wrap around).

        >>> Knob("speed", value=120, minimum=20, maximum=300, step=0.5).moved(120, 1)
        120.5
        >>> Knob("key", value="B", choices=["C", "D", "B"]).moved("B", 1)
        'C'
        """
        if self.choices:
            index = self.choices.index(origin) + int(steps)
            return self.choices[index % len(self.choices)]
        return self.validate_value(origin + steps * self.step)

    def _turn_to(self, value: KnobValue) -> bool:
        """Turn as the user asked, unless locked; True when the knob moved or would have."""
        if self.locked:
            self.post_message(self.Refused(self, self.lock_reason))
            return False
        self.value = value
        return True

    def action_step(self, steps: int) -> None:
        """Turn by whole fine steps (negative turns down)."""
        self._turn_to(self.moved(self.value, steps))

    def action_coarse(self, direction: int) -> None:
        """Turn by one coarse step up (1) or down (-1)."""
        steps = self.coarse if self.choices else self.coarse / self.step
        self._turn_to(self.moved(self.value, direction * steps))

    def action_extreme(self, direction: int) -> None:
        """Turn all the way down (-1) or up (1)."""
        if self.choices:
            self._turn_to(self.choices[-1 if direction > 0 else 0])
        else:
            self._turn_to(self.maximum if direction > 0 else self.minimum)

    # -- mouse -------------------------------------------------------------------------------

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()  # the wheel turns the knob; it must not also scroll the panel
        self.action_step(1)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.action_step(-1)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1:
            return
        self._drag = _Drag(event.screen_x, event.screen_y, self.value)
        self.capture_mouse()  # keep receiving motion when the pointer leaves the knob

    def on_mouse_move(self, event: events.MouseMove) -> None:
        drag = self._drag
        if drag is None:
            return
        # Up is more: one step per row, or per two columns since cells are tall and narrow.
        steps = (drag.y - event.screen_y) + int((event.screen_x - drag.x) / 2)
        target = self.moved(drag.origin, steps)
        if target == self.value or drag.refused:
            return
        drag.refused = not self._turn_to(target)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._drag is not None:
            self._drag = None
            self.release_mouse()

    def on_mouse_release(self, event: events.MouseRelease) -> None:
        self._drag = None

    # -- drawing -----------------------------------------------------------------------------

    def render(self) -> Text:
        width = self.content_size.width or ARC_CELLS + 4
        lines = [self._label_line(width), self._arc_line(width), self._value_line(width)]
        return Text("\n").join(lines)

    def _style(self, component: str) -> Style:
        return self.get_component_rich_style(component)

    def _label_line(self, width: int) -> Text:
        style = self._style("knob--label")
        room = _room(width)
        if not self.locked:
            return Text(fit(self.label, room).center(width), style)
        tag = lock_tag(self.lock_reason)
        name = fit(self.label, room - len(tag) - 1)
        line = Text(" " + name.ljust(room - len(tag)), style)
        line.append(tag, self._style("knob--lock"))
        line.append(" ", style)
        return line

    def _arc_line(self, width: int) -> Text:
        caps = width >= 5  # a squeezed knob keeps a whole (shorter) arc rather than a cut one
        cells = min(ARC_CELLS, width - 2 if caps else width)
        filled = arc_cells(self.position, cells)
        cap = self._style("knob--arc")
        line = Text("╭" if caps else "", cap)
        line.append(wedge(cells)[:filled], self._style("knob--arc-filled"))
        line.append(_EMPTY * (cells - filled), self._style("knob--arc-empty"))
        line.append("╮" if caps else "", cap)
        line.align("center", width)
        return line

    def _value_line(self, width: int) -> Text:
        text = self.value_text
        if cell_len(text) > _room(width) and " " in text:
            text = text.rsplit(" ", 1)[0]  # "130.0 BPM" squeezed says "130.0", not "130.…"
        return Text(fit(text, _room(width)).center(width), self._style("knob--value"))


def _room(width: int) -> int:
    """Cells for words: a blank each side keeps the labels of knobs in a row apart."""
    return max(1, width - 2)
