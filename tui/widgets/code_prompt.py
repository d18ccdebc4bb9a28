"""The live-code prompt: one line of Stepista code for the selected track.

The performer types an expression (``note("c3 [eb3 g3]*2").fast(2)``) and
presses Enter; the prompt posts `CodePrompt.Submitted` and the app evaluates
it. The line stays in the input, so the next change is a small edit.

- The text is highlighted as it is typed: the language (functions, methods,
  numbers, lambdas, comments) and the mini-notation inside ``"..."`` and
  `` `...` `` (words, rests, brackets, operators). See `lex`.
- `CodePrompt.set_playing` lights the tokens that are sounding now, when the
  text in the input is the text being played.
- Up and down walk the submitted lines like a shell's history.
- `CodePrompt.show_error` puts a caret under the offending column, with the
  message below it.

>>> src = 's("bd*2 ~")'
>>> print(" ".join(f"{src[a:b]}:{kind}" for a, b, kind in lex(src)))
s:function (:punct ":quote bd:word *:operator 2:number ~:rest ":quote ):punct
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

from rich.cells import cell_len
from rich.highlighter import Highlighter
from rich.style import Style, StyleType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.expand_tabs import expand_tabs_inline
from textual.message import Message
from textual.reactive import var
from textual.widget import Widget
from textual.widgets import Input, Static

from stepista.errors import StepistaSyntaxError
from stepista.mini.grammar import is_step_char

__all__ = ["CodePrompt", "LiveCodeHighlighter", "lex", "KINDS", "PLACEHOLDER"]

PLACEHOLDER = 'note("c3 [eb3 g3]*2").every(4, rev)   ·   bd*4, ~ sn   (Enter plays on the next bar)'
HISTORY_SIZE = 500

KINDS = (
    "function", "method", "label", "param", "name", "number", "quote", "string", "word", "rest",
    "bracket", "operator", "arrow", "punct", "comment", "invalid",
)
"""Every token kind `lex` gives; each has a ``code-prompt--<kind>`` component class."""

Span = tuple[int, int, str]
Spans = tuple[tuple[int, int], ...]

# -- the tokenizer ---------------------------------------------------------------

_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_MINI_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_MINI_WS = " \n\r\t\u00a0"
_MINI_OPS = "*/!@?,|:%"
_OPEN = {"(": ")", "[": "]", "{": "}", "<": ">"}
_CLOSE = {v: k for k, v in _OPEN.items()}
_LANG_OPS = "=+-*/%"
_LANG_PUNCT = "()[]{},.;:"


def lex(src: str) -> list[Span]:
    """Highlight spans ``(start, end, kind)`` of live code, in order; never raises.

    Half-typed code is fine: an unclosed string runs to the end of the line,
    an unclosed bracket is just an open bracket, and a closing bracket with no
    opener (or a character the language does not know) is ``invalid``.

    >>> def show(src):
    ...     print(" ".join(f"{src[a:b]}:{kind}" for a, b, kind in lex(src)))
    >>> show('x => x.fast(2) // hi')
    x:param =>:arrow x:name .:punct fast:method (:punct 2:number ):punct // hi:comment
    >>> show('bass: "<c2 ~>(3,8')
    bass:label ::punct ":quote <:bracket c2:word ~:rest >:bracket (:bracket 3:number ,:operator 8:number
    """
    out: list[Span] = []
    n = len(src)
    i = 0
    statement_start = True
    brackets: list[str] = []
    while i < n:
        c = src[i]
        if c in " \t\r":
            i += 1
            continue
        if c == "\n" or c == ";":
            if c == ";":
                out.append((i, i + 1, "punct"))
            statement_start = True
            i += 1
            continue
        start_of_statement, statement_start = statement_start, False
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j == -1 else j
            out.append((i, j, "comment"))
            statement_start = start_of_statement
            i = j
        elif c in "\"'`":
            i = _lex_string(src, i, out)
        elif c.isdigit() or (c == "." and i + 1 < n and src[i + 1].isdigit()):
            m = _NUMBER.match(src, i)
            j = m.end() if m else i + 1
            out.append((i, j, "number"))
            i = j
        elif c.isalpha() or c in "_$":
            j = i + 1
            while j < n and (src[j].isalnum() or src[j] in "_$"):
                j += 1
            out.append((i, j, _name_kind(src, i, j, out, start_of_statement)))
            i = j
        elif src.startswith("=>", i):
            out.append((i, i + 2, "arrow"))
            i += 2
        elif src.startswith("..", i):
            out.append((i, i + 2, "operator"))
            i += 2
        elif c == "(" and _PARAMS.match(src, i):
            i = _lex_parameters(src, i, out)
        elif c in _LANG_PUNCT:
            kind = "punct"
            if c in "([{":
                brackets.append(c)
            elif c in ")]}":
                if brackets and brackets[-1] == _CLOSE[c]:
                    brackets.pop()
                else:
                    kind = "invalid"
            out.append((i, i + 1, kind))
            i += 1
        elif c in _LANG_OPS:
            out.append((i, i + 1, "operator"))
            i += 1
        else:
            out.append((i, i + 1, "invalid"))
            i += 1
    return out


def _name_kind(src: str, i: int, j: int, out: list[Span], start_of_statement: bool) -> str:
    """What an identifier is, from its neighbours: called, a method, a lambda parameter, a track label."""
    k = j
    while k < len(src) and src[k] in " \t":
        k += 1
    after_dot = bool(out) and out[-1][2] == "punct" and src[out[-1][0]] == "."
    if src.startswith("=>", k):
        return "param"
    if after_dot:
        return "method"
    if k < len(src) and src[k] == "(":
        return "function"
    binds = k < len(src) and (src[k] == ":" or (src[k] == "=" and not src.startswith("=>", k)))
    if start_of_statement and binds:
        return "label"
    return "name"


_PARAMS = re.compile(r"\(\s*((?:[A-Za-z_$][\w$]*(?:\s*,\s*[A-Za-z_$][\w$]*)*)?)\s*\)\s*=>")
_PARAM = re.compile(r"[A-Za-z_$][\w$]*")


def _lex_parameters(src: str, i: int, out: list[Span]) -> int:
    """Spans of ``(a, b)`` before ``=>`` at ``i`` (or nothing); the offset after it."""
    m = _PARAMS.match(src, i)
    if m is None:
        return i
    inside: list[Span] = [(i, i + 1, "punct")]
    inside += [(p, p + 1, "punct") for p in range(m.start(1), m.end(1)) if src[p] == ","]
    inside += [(name.start(), name.end(), "param") for name in _PARAM.finditer(src, m.start(1), m.end(1))]
    out.extend(sorted(inside))
    close = src.index(")", m.end(1))
    out.append((close, close + 1, "punct"))
    return close + 1


def _lex_string(src: str, i: int, out: list[Span]) -> int:
    """Spans for a quoted string starting at ``i``; the offset after it."""
    quote, n = src[i], len(src)
    j = i + 1
    while j < n and src[j] != quote:
        if src[j] == "\\" and j + 1 < n:
            j += 2
            continue
        if src[j] == "\n" and quote != "`":
            break
        j += 1
    end = min(j, n)
    out.append((i, i + 1, "quote"))
    if quote == "'":
        if end > i + 1:
            out.append((i + 1, end, "string"))
    else:
        _lex_mini(src, i + 1, end, out)
    if j < n and src[j] == quote:
        out.append((j, j + 1, "quote"))
        return j + 1
    return end


def _lex_mini(src: str, a: int, b: int, out: list[Span]) -> None:
    """Spans of the mini-notation in ``src[a:b]``."""
    stack: list[str] = []
    p = a
    while p < b:
        c = src[p]
        if c in _MINI_WS:
            p += 1
        elif c == "\\":
            q = min(p + 2, b)
            out.append((p, q, "quote"))
            p = q
        elif is_step_char(c):
            q = p + 1
            while q < b and is_step_char(src[q]):
                q += 1
            _lex_word(src, p, q, out)
            p = q
        elif c in _OPEN:
            stack.append(c)
            out.append((p, p + 1, "bracket"))
            p += 1
        elif c in _CLOSE:
            ok = bool(stack) and stack[-1] == _CLOSE[c]
            if ok:
                stack.pop()
            out.append((p, p + 1, "bracket" if ok else "invalid"))
            p += 1
        elif c in _MINI_OPS:
            out.append((p, p + 1, "operator"))
            p += 1
        else:
            out.append((p, p + 1, "invalid"))
            p += 1


def _lex_word(src: str, p: int, q: int, out: list[Span]) -> None:
    """A run of step characters: words, numbers, rests, and the ``.``/``..``/``_``/``^`` inside them."""
    word = src[p:q]
    if word.startswith("^"):
        out.append((p, p + 1, "operator"))
        p, word = p + 1, word[1:]
        if not word:
            return
    if word in (".", "_"):
        out.append((p, q, "operator"))
        return
    if ".." in word:
        at = p
        for piece in re.split(r"(\.\.)", word):
            if piece == "..":
                out.append((at, at + 2, "operator"))
            elif piece:
                _lex_word(src, at, at + len(piece), out)
            at += len(piece)
        return
    if set(word) <= {"~", "-"}:
        kind = "rest"
    elif _MINI_NUMBER.fullmatch(word):
        kind = "number"
    else:
        kind = "word"
    out.append((p, q, kind))


# -- the highlighter ---------------------------------------------------------------

DEFAULT_STYLES: dict[str, StyleType] = {
    "function": "bold bright_blue",
    "method": "bright_blue",
    "label": "bold magenta",
    "param": "italic magenta",
    "name": "",
    "number": "yellow",
    "quote": "dim green",
    "string": "green",
    "word": "bright_green",
    "rest": "bright_black",
    "bracket": "bold cyan",
    "operator": "bright_red",
    "arrow": "bold magenta",
    "punct": "bright_black",
    "comment": "italic bright_black",
    "invalid": "underline red",
    "playing": "bold reverse",
}
"""Styles for a highlighter used outside the widget (the widget takes them from CSS)."""


class LiveCodeHighlighter(Highlighter):
    """Styles live code by `lex` kind, and lights the spans that are playing.

    ``style_for(kind)`` gives the style of a kind (also ``"playing"``); by
    default `DEFAULT_STYLES`.

    >>> h = LiveCodeHighlighter()
    >>> h.set_playing('s("bd sn")', ((3, 5),))
    >>> text = h('s("bd sn")')
    >>> sorted({str(s.style) for s in text.spans if (s.start, s.end) == (3, 5)})
    ['bold reverse', 'bright_green']
    >>> any(str(s.style) == 'bold reverse' for s in h('s("bd cp")').spans)
    False
    """

    def __init__(self, style_for: Callable[[str], StyleType] | Mapping[str, StyleType] | None = None):
        if style_for is None:
            style_for = DEFAULT_STYLES
        if isinstance(style_for, Mapping):
            table = style_for
            style_for = lambda kind: table.get(kind, "")  # noqa: E731
        self.style_for = style_for
        self.playing_code = ""
        self.playing: Spans = ()
        self._cache: tuple[str, list[Span]] = ("", [])

    def set_playing(self, code: str, spans: Spans) -> None:
        """Light ``spans`` whenever the highlighted text is ``code``."""
        self.playing_code, self.playing = code, spans

    def lex(self, plain: str) -> list[Span]:
        """`lex` with the last answer kept (a blinking cursor re-renders the same text)."""
        if self._cache[0] != plain or not plain:
            self._cache = (plain, lex(plain))
        return self._cache[1]

    def highlight(self, text: Text) -> None:
        plain = text.plain
        try:
            spans = self.lex(plain)
        except Exception:  # a highlighting bug must never stop the show
            spans = []
        for start, end, kind in spans:
            style = self.style_for(kind)
            if style:
                text.stylize(style, start, end)
        if self.playing and plain == self.playing_code:
            style = self.style_for("playing")
            for start, end in self.playing:
                text.stylize(style, start, end)


# -- the widget -------------------------------------------------------------------

class CodePrompt(Widget):
    """A one-line live-code input with highlighting, history, playing tokens and errors.

    Compose it with the selected track's code; handle `CodePrompt.Submitted`
    (evaluate, send, then `clear_error` or `show_error`).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "evaluate", "Evaluate", tooltip="Evaluate the line (plays on the next bar)",
                priority=True),
        Binding("up", "history_older", "Older", tooltip="The previous line from the history", priority=True),
        Binding("down", "history_newer", "Newer", tooltip="The next line from the history", priority=True),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *(f"code-prompt--{kind}" for kind in KINDS),
        "code-prompt--playing",
        "code-prompt--caret",
        "code-prompt--message",
        "code-prompt--note",
    }

    DEFAULT_CSS = """
    CodePrompt {
        height: auto;
        width: 1fr;

        & > Input { width: 1fr; }
        &.-error > Input { border: tall $error 60%; }
        &.-error > Input:focus { border: tall $error; }
        & > .code-prompt-error {
            display: none;
            height: auto;
            padding: 0 2 0 3;
        }
        &.-error > .code-prompt-error { display: block; }

        & > .code-prompt--function { color: $text-accent; text-style: bold; }
        & > .code-prompt--method { color: $text-accent; }
        & > .code-prompt--label { color: $text-secondary; text-style: bold; }
        & > .code-prompt--param { color: $text-secondary; text-style: italic; }
        & > .code-prompt--number { color: $text-warning; }
        & > .code-prompt--quote { color: $foreground-muted; }
        & > .code-prompt--string { color: $text-success; text-style: italic; }
        & > .code-prompt--word { color: $text-success; }
        & > .code-prompt--rest { color: $foreground-muted; }
        & > .code-prompt--bracket { color: $text-secondary; text-style: bold; }
        & > .code-prompt--operator { color: $text-primary; }
        & > .code-prompt--arrow { color: $text-secondary; text-style: bold; }
        & > .code-prompt--punct { color: $foreground-muted; }
        & > .code-prompt--comment { color: $foreground-muted; text-style: italic; }
        & > .code-prompt--invalid { color: $text-error; text-style: underline; }
        & > .code-prompt--playing { text-style: bold reverse; }
        & > .code-prompt--caret { color: $text-error; text-style: bold; }
        & > .code-prompt--message { color: $text-error; }
        & > .code-prompt--note { color: $foreground-muted; text-style: dim; }
    }
    """

    class Submitted(Message):
        """The performer pressed Enter on a non-empty line."""

        def __init__(self, text: str, prompt: CodePrompt | None = None) -> None:
            self.text = text
            """The line as typed."""
            self.prompt = prompt
            """The prompt it came from."""
            super().__init__()

        @property
        def control(self) -> CodePrompt | None:
            return self.prompt

    playing: var[tuple[str, Spans]] = var(("", ()), init=False)
    """(code, spans) being played; set it with `set_playing`."""

    def __init__(
        self,
        text: str = "",
        *,
        placeholder: str = PLACEHOLDER,
        history: Iterable[str] = (),
        history_size: int = HISTORY_SIZE,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.history_size = max(1, history_size)
        self._history: list[str] = []
        self._index: int | None = None  # where up/down is in the history; None: the draft
        self._draft = ""
        self._error: StepistaSyntaxError | str | None = None
        self._note: str | None = None
        self._error_shown: Text | None = None
        self.highlighter = LiveCodeHighlighter(self._token_style)
        self._input = Input(text, placeholder=placeholder, highlighter=self.highlighter)
        self._error_area = Static("", classes="code-prompt-error", markup=False)
        self.load_history(history)

    def compose(self) -> ComposeResult:
        yield self._input
        yield self._error_area

    def on_mount(self) -> None:
        self.watch(self._input, "scroll_x", self._refresh_error, init=False)

    def on_resize(self) -> None:
        self._refresh_error()

    # -- text ------------------------------------------------------------------------
    @property
    def input(self) -> Input:
        """The `Input` inside."""
        return self._input

    @property
    def text(self) -> str:
        """The line in the input."""
        return self._input.value

    @text.setter
    def text(self, text: str) -> None:
        self.set_text(text)

    def set_text(self, text: str) -> None:
        """Show ``text`` (the selected track's code), cursor at the end; leaves history browsing."""
        self._index, self._draft = None, ""
        self._show(text)

    def focus_input(self) -> None:
        """Give the input the keyboard focus now, not later: keys already queued behind the
        one that asked (a paste, or an editor sending ``:expr`` through tmux) must type."""
        self.screen.set_focus(self._input)

    def _show(self, text: str) -> None:
        self._input.value = text
        self._input.cursor_position = len(text)

    def _token_style(self, kind: str) -> Style:
        return self.get_component_rich_style(f"code-prompt--{kind}", partial=True, default=Style.null())

    # -- submitting ----------------------------------------------------------------------
    def action_evaluate(self) -> None:
        """Enter: post `Submitted` (not for a blank line) and keep the line in the history."""
        text = self._input.value
        if not text.strip():
            return
        self._remember(text)
        self._index, self._draft = None, ""
        self.post_message(self.Submitted(text, self))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input is self._input:
            self.action_evaluate()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is not self._input:
            return
        value = self._input.value
        if self._index is not None and value != self._history[self._index]:
            # an edit of a recalled line: it becomes the line being typed
            self._index, self._draft = None, value
        self._refresh_error()

    # -- history -------------------------------------------------------------------------
    @property
    def history(self) -> list[str]:
        """Submitted lines, oldest first (a copy, for saving with the session)."""
        return list(self._history)

    def load_history(self, items: Iterable[str]) -> None:
        """Replace the history (oldest first); blank lines and repeats in a row are dropped."""
        self._history = []
        for item in items:
            if isinstance(item, str) and item.strip():
                self._remember(item)
        self._index = None

    def _remember(self, text: str) -> None:
        if not self._history or self._history[-1] != text:
            self._history.append(text)
            del self._history[: -self.history_size]

    def action_history_older(self) -> None:
        """Up: the previous submitted line; the line being typed is kept for later."""
        if not self._history:
            return
        if self._index is None:
            self._draft = self._input.value
            self._index = len(self._history) - 1
        elif self._index > 0:
            self._index -= 1
        else:
            return
        self._show(self._history[self._index])

    def action_history_newer(self) -> None:
        """Down: the next submitted line; past the newest, the line that was being typed."""
        if self._index is None:
            return
        if self._index < len(self._history) - 1:
            self._index += 1
            self._show(self._history[self._index])
        else:
            self._index = None
            self._show(self._draft)

    # -- the playing tokens ------------------------------------------------------------------
    def set_playing(self, code: str, spans: Iterable[tuple[int, int]]) -> None:
        """Light ``spans`` (character offsets into ``code``) while the input shows ``code``.

        Cheap to call every frame: nothing is redrawn unless what is lit changes.
        ``set_playing(code, ())`` clears.
        """
        self.playing = (code, spans)

    def validate_playing(self, value: tuple[str, Iterable[tuple[int, int]]]) -> tuple[str, Spans]:
        code, spans = value
        clean = sorted({(int(start), int(end)) for start, end in spans if end > start})
        return str(code), tuple(clean)

    def watch_playing(self, old: tuple[str, Spans], new: tuple[str, Spans]) -> None:
        self.highlighter.set_playing(*new)
        if self._lit(old) != self._lit(new):
            self._input.refresh()

    def _lit(self, playing: tuple[str, Spans]) -> Spans:
        code, spans = playing
        return spans if code == self._input.value else ()

    # -- errors ----------------------------------------------------------------------------------
    def show_error(self, error: StepistaSyntaxError | str, *, note: str | None = None) -> None:
        """Show an error below the input: a caret under the column and the message.

        ``note`` is added after the message, dimmed (e.g. "still playing the
        previous pattern").
        """
        self._error, self._note = error, note
        self.add_class("-error")
        self._refresh_error()
        self.call_after_refresh(self._refresh_error)

    def clear_error(self) -> None:
        """Remove the error; the area below the input takes no space again."""
        self._error, self._note = None, None
        self.remove_class("-error")
        self._error_shown = None
        self._error_area.update("")

    @property
    def error(self) -> StepistaSyntaxError | str | None:
        """The error shown, if any."""
        return self._error

    def _refresh_error(self, *_args: object) -> None:
        if self._error is None:
            return
        text = self._error_text()
        if self._error_shown != text:
            self._error_shown = text
            self._error_area.update(text)

    def _error_text(self) -> Text:
        error, note = self._error, self._note
        message_style = self._token_style("message")
        caret_style = self._token_style("caret")
        tail = Text.assemble(" — ", note, style=self._token_style("note")) if note else Text()
        if not isinstance(error, StepistaSyntaxError):
            return Text.assemble((str(error), message_style), tail)
        where = f"line {error.line}, column {error.column}: {error.message}"
        head = Text.assemble((where, message_style), tail)
        under = self._caret_under_input(error)
        if under is not None:
            indent, width = under
            return Text.assemble(" " * indent, ("^" * width, caret_style), "\n", head)
        line, caret_at, width = _excerpt(error, self._area_width() - 2)
        return Text.assemble(head, "\n  ", line, "\n  ", " " * caret_at, ("^" * width, caret_style))

    def _area_x_and_width(self) -> tuple[int, int]:
        area = self._error_area
        if area.size.width > 0:
            return area.content_region.x, area.content_region.width
        gutter = area.styles.gutter
        margin = area.styles.margin
        x = self.content_region.x + margin.left + gutter.left
        return x, max(0, self.content_region.width - margin.width - gutter.width)

    def _area_width(self) -> int:
        return self._area_x_and_width()[1]

    def _caret_under_input(self, error: StepistaSyntaxError) -> tuple[int, int] | None:
        """(indent in the error area, caret width) to put the caret under the input's text, or None.

        None when the text before the error has changed, the source has
        several lines, or the column is scrolled out of the input's view.
        """
        inp = self._input
        source, at = error.text_source, error.position
        if "\n" in source[:at] or inp.value[:at] != source[:at] or inp.size.width == 0:
            return None
        start = cell_len(expand_tabs_inline(source[:at], 4))
        end = source.find("\n", at)
        marked = source[at : min(at + error.caret_width, len(source) if end == -1 else end)]
        width = max(1, cell_len(expand_tabs_inline(marked, 4)))
        x = start - int(inp.scroll_offset.x)
        visible = inp.scrollable_content_region.width
        if x < 0 or x >= visible:
            return None
        area_x, _ = self._area_x_and_width()
        indent = inp.content_region.x + x - area_x
        if indent < 0:
            return None
        return indent, min(width, visible - x)


def _excerpt(error: StepistaSyntaxError, room: int) -> tuple[str, int, int]:
    """(the error's source line cut to ``room`` cells around the column, caret offset, caret width).

    >>> from stepista.errors import LangError
    >>> _excerpt(LangError("bad", "a" * 30 + "X" + "b" * 30, 30), 20)
    ('…aaaaaaaaaXbbbbbbbb…', 10, 1)
    """
    line = expand_tabs_inline(error.source_line, 4)
    column = cell_len(expand_tabs_inline(error.source_line[: error.column - 1], 4))
    width = max(1, min(error.caret_width, len(error.source_line) - error.column + 1))
    room = max(room, 12)
    if len(line) + 1 <= room:
        return line, column, width
    start = max(0, min(column - room // 2, len(line) + 1 - room))
    shown = list(line[start : start + room])
    if start > 0:
        shown[0] = "…"
    if start + room < len(line):
        shown[-1] = "…"
    return "".join(shown), column - start, max(1, min(width, room - (column - start) - 1))
