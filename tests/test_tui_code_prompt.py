"""The live-code prompt: submitting, history, highlighting, playing tokens, errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult

from stepista.errors import LangError, StepistaSyntaxError
from stepista.lang import evaluate
from tui.widgets.code_prompt import KINDS, PLACEHOLDER, CodePrompt, LiveCodeHighlighter, lex

CODE = 'note("c3 [eb3 g3]*2").fast(2)'
SIZE = (80, 12)


class PromptApp(App):
    def __init__(self, **options):
        super().__init__()
        self.options = options
        self.submitted: list[str] = []

    def compose(self) -> ComposeResult:
        yield CodePrompt(**self.options)

    def on_mount(self) -> None:
        self.query_one(CodePrompt).focus_input()

    def on_code_prompt_submitted(self, message: CodePrompt.Submitted) -> None:
        self.submitted.append(message.text)


def error_of(src: str) -> StepistaSyntaxError:
    with pytest.raises(StepistaSyntaxError) as caught:
        evaluate(src)
    return caught.value


def screen_rows(app: App) -> list[str]:
    """The text of every row on the screen, as drawn."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def style_at(text: Text, index: int) -> Style:
    """The combined style of the character at ``index`` of a highlighted Text."""
    style = Style.null()
    for span in text.spans:
        if span.start <= index < span.end:
            style += Style.parse(span.style) if isinstance(span.style, str) else span.style
    return style


def input_cell_styles(prompt: CodePrompt) -> list[Style]:
    """Styles of the input's drawn text row, one per cell."""
    styles = []
    for segment in prompt.input.render_line(0):
        styles += [segment.style or Style.null()] * len(segment.text)
    return styles


# -- submitting ---------------------------------------------------------------------------

async def test_typing_then_enter_posts_submitted_and_keeps_the_line():
    app = PromptApp()
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(CodePrompt)
        await pilot.press(*'s("bd sn")')
        assert prompt.text == 's("bd sn")'
        await pilot.press("enter")
        await pilot.pause()
        assert app.submitted == ['s("bd sn")']
        assert prompt.text == 's("bd sn")', "the line stays for the next edit"
        assert prompt.history == ['s("bd sn")']


async def test_empty_or_blank_enter_posts_nothing():
    app = PromptApp()
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(CodePrompt)
        await pilot.press("enter")
        await pilot.press("space", "space", "enter")
        await pilot.pause()
        assert app.submitted == []
        assert prompt.history == []


async def test_enter_is_shown_as_evaluate_over_the_inputs_own_binding():
    app = PromptApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        active = app.screen.active_bindings
        assert active["enter"].binding.description == "Evaluate"
        assert active["up"].binding.description == "Older"
        assert active["down"].binding.description == "Newer"


# -- history -------------------------------------------------------------------------------

async def submit(pilot, prompt: CodePrompt, text: str) -> None:
    prompt.set_text(text)
    await pilot.press("enter")


async def test_history_walks_like_a_shell_and_keeps_the_draft():
    app = PromptApp()
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(CodePrompt)
        for text in ("a", "b", "b", "c"):
            await submit(pilot, prompt, text)
        assert prompt.history == ["a", "b", "c"], "a repeat in a row is stored once"
        prompt.set_text("")
        await pilot.press("d", "r")
        seen = []
        for _ in range(4):
            await pilot.press("up")
            seen.append(prompt.text)
        assert seen == ["c", "b", "a", "a"]
        seen = []
        for _ in range(4):
            await pilot.press("down")
            seen.append(prompt.text)
        assert seen == ["b", "c", "dr", "dr"]
        assert prompt.input.cursor_position == 2


async def test_history_recall_puts_the_cursor_at_the_end():
    app = PromptApp(history=["note(\"c3\")"])
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(CodePrompt)
        await pilot.press("up")
        assert prompt.input.cursor_position == len('note("c3")')


async def test_editing_a_recalled_line_makes_it_the_draft():
    app = PromptApp(history=["a", "b"])
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(CodePrompt)
        await pilot.press("up", "x")
        assert prompt.text == "bx"
        await pilot.press("up")
        assert prompt.text == "b"
        await pilot.press("down")
        assert prompt.text == "bx"
        assert prompt.history == ["a", "b"], "an edit is not stored until it is submitted"


async def test_down_without_browsing_keeps_the_line():
    app = PromptApp(history=["a"])
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(CodePrompt)
        await pilot.press("z", "down")
        assert prompt.text == "z"


async def test_up_and_down_never_reach_the_apps_bindings_from_the_prompt():
    """The app may bind up/down (say, to pick a track); in the prompt they mean history, even when empty."""

    class TrackApp(PromptApp):
        BINDINGS = [("up", "moved('up')"), ("down", "moved('down')")]
        moves: list[str] = []

        def action_moved(self, where: str) -> None:
            self.moves.append(where)

    app = TrackApp()
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(CodePrompt)
        await pilot.press("a", "up", "down")
        assert app.moves == []
        assert prompt.text == "a"


async def test_load_history_drops_blanks_and_repeats_and_is_bounded():
    app = PromptApp(history_size=3)
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(CodePrompt)
        prompt.load_history(["a", "", "  ", "b", "b", "c", "d"])
        assert prompt.history == ["b", "c", "d"]
        await pilot.press("up")
        assert prompt.text == "d"
        for text in ("e", "f"):
            await submit(pilot, prompt, text)
        assert prompt.history == ["d", "e", "f"]
        returned = prompt.history
        returned.append("not stored")
        assert prompt.history == ["d", "e", "f"], "history is a copy"


async def test_submit_after_recall_adds_to_the_end_and_ends_browsing():
    app = PromptApp(history=["a", "b"])
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(CodePrompt)
        await pilot.press("up", "up", "enter")
        assert app.submitted == ["a"]
        assert prompt.history == ["a", "b", "a"]
        await pilot.press("down")
        assert prompt.text == "a", "after a submit there is nothing newer"
        await pilot.press("up")
        assert prompt.text == "a"


# -- highlighting --------------------------------------------------------------------------------

def test_highlighter_gives_the_parts_of_a_line_distinct_styles():
    text = LiveCodeHighlighter()(CODE)
    parts = {
        "function": CODE.index("note"),
        "quote": CODE.index('"'),
        "word": CODE.index("c3"),
        "bracket": CODE.index("["),
        "operator": CODE.index("*"),
        "method": CODE.index("fast"),
        "number": CODE.index("2)"),
    }
    styles = {kind: style_at(text, at) for kind, at in parts.items()}
    assert all(style != Style.null() for style in styles.values()), styles
    assert len(set(styles.values())) == len(styles), styles
    assert style_at(text, CODE.index("eb3")) == styles["word"]
    assert style_at(text, CODE.index("]")) == styles["bracket"]
    assert style_at(text, CODE.index("*2") + 1) == styles["number"]


async def test_prompt_styles_come_from_its_css_and_are_distinct():
    app = PromptApp()
    async with app.run_test(size=SIZE):
        prompt = app.query_one(CodePrompt)
        text = prompt.highlighter(CODE)
        at = [CODE.index("note"), CODE.index('"'), CODE.index("["), CODE.index("2)"), CODE.index("c3")]
        styles = [style_at(text, i) for i in at]
        assert all(style.color is not None for style in styles)
        assert len(set(styles)) == len(styles)


@pytest.mark.parametrize(
    "src, token, kind",
    [
        ('note("c3 [e3', "[", "bracket"),
        ('note("c3 [e3', "e3", "word"),
        ('s("bd ~ sn")', "~", "rest"),
        ('s("bd(3,8)")', "(3", "bracket"),
        ('s("bd(3,8)")', ",", "operator"),
        ('s("<a b>!2 c@3 d?")', "!", "operator"),
        ('s("<a b>!2 c@3 d?")', "@", "operator"),
        ('s("<a b>!2 c@3 d?")', "?", "operator"),
        ('s("a | b")', "|", "operator"),
        ('s("bd:3")', ":", "operator"),
        ('n("0 .. 4")', "..", "operator"),
        ("n(`0..4`)", "..", "operator"),
        ("n(`0..4`)", "`", "quote"),
        ('x => x.rev()', "=>", "arrow"),
        ('x => x.rev()', "x", "param"),
        ('(a, b) => a', "b", "param"),
        ('bass: note("c2")', "bass", "label"),
        ('note("c2") // slow', "// slow", "comment"),
        ("s('bd sn')", "bd sn", "string"),
        ('s("bd sn"))', ")", "punct"),
        ('s("bd sn"]', "]", "invalid"),
        ('s("bd sn]")', "]", "invalid"),
        ('every(4, rev)', "rev", "name"),
        ('s("bd") # x', "#", "invalid"),
    ],
)
def test_lex_kinds(src, token, kind):
    """``token`` is found in ``src``; its first character's span must be of ``kind``."""
    at = src.index(token)
    found = [(src[a:b], k) for a, b, k in lex(src) if a == at]
    assert found and found[0][1] == kind, lex(src)
    if len(token) > 1 and found[0][0] != token[0]:
        assert found[0][0] == token, lex(src)


LIVE_CODE = st.text(alphabet=st.sampled_from(list('note(")[]<>{}`\'*/!@?,:.|~_^%-=>#\\ \n\tc3bd0.5x/$é中')),
                    max_size=60)


@settings(derandomize=True, max_examples=400, deadline=None)
@given(st.one_of(LIVE_CODE, st.text(max_size=40)))
def test_lex_and_highlighter_never_raise_and_spans_are_sane(src):
    spans = lex(src)
    end = 0
    for start, stop, kind in spans:
        assert kind in KINDS
        assert end <= start < stop <= len(src), (src, spans)
        end = stop
    text = LiveCodeHighlighter()(Text(src))
    assert text.plain == Text(src).plain  # rich drops control characters, as the Input does


def test_highlighter_lights_the_playing_span_only_for_the_same_code():
    h = LiveCodeHighlighter()
    h.set_playing(CODE, ((6, 8),))
    lit = [i for i in range(len(CODE)) if style_at(h(CODE), i).reverse]
    assert lit == [6, 7]
    assert CODE[6:8] == "c3"
    assert not any(style_at(h(CODE + " "), i).reverse for i in range(len(CODE)))


# -- playing tokens in the widget ---------------------------------------------------------------------

async def test_set_playing_lights_exactly_the_span_on_screen():
    app = PromptApp(text=CODE)
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(CodePrompt)
        prompt.input.cursor_position = 0
        await pilot.pause()
        prompt.set_playing(CODE, [(10, 13)])
        await pilot.pause()
        styles = input_cell_styles(prompt)
        assert [i for i, s in enumerate(styles[: len(CODE)]) if s.reverse] == [10, 11, 12]
        assert CODE[10:13] == "eb3"

        prompt.set_playing('note("c3")', [(10, 13)])
        await pilot.pause()
        assert not any(s.reverse for s in input_cell_styles(prompt))

        prompt.set_playing(CODE, [(6, 8)])
        await pilot.press("end", "x")
        assert not any(s.reverse for s in input_cell_styles(prompt)), "edited: nothing lit"
        await pilot.press("backspace")
        assert [i for i, s in enumerate(input_cell_styles(prompt)[: len(CODE)]) if s.reverse] == [6, 7]

        prompt.set_playing(CODE, ())
        await pilot.pause()
        assert not any(s.reverse for s in input_cell_styles(prompt))


async def test_set_playing_with_the_same_spans_does_not_refresh(monkeypatch):
    app = PromptApp(text=CODE)
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(CodePrompt)
        await pilot.pause()
        calls = []
        original = prompt.input.refresh
        monkeypatch.setattr(prompt.input, "refresh", lambda *a, **k: (calls.append(1), original(*a, **k))[1])

        prompt.set_playing(CODE, [(6, 8)])
        assert len(calls) == 1
        prompt.set_playing(CODE, [(6, 8)])
        prompt.set_playing(CODE, ((6, 8),))
        prompt.set_playing(CODE, iter([(6, 8), (6, 8)]))
        assert len(calls) == 1, "same spans: no redraw"
        prompt.set_playing(CODE, [(10, 13), (6, 8)])
        assert len(calls) == 2
        prompt.set_playing("other code", [(0, 2)])
        assert len(calls) == 3, "the lit tokens go away"
        prompt.set_playing("more other code", [(1, 2)])
        assert len(calls) == 3, "nothing was lit and nothing is: no redraw"
        prompt.set_playing(CODE, ())
        assert len(calls) == 3


# -- errors ----------------------------------------------------------------------------------------------

async def test_show_error_puts_the_caret_under_the_offending_character():
    src = 'note("c3 [e3")'
    error = error_of(src)
    assert src[error.position] == "["
    app = PromptApp(text=src)
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(CodePrompt)
        prompt.show_error(error, note="still playing the previous pattern")
        await pilot.pause()
        rows = screen_rows(app)
        y = next(i for i, row in enumerate(rows) if src in row)
        x = rows[y].index(src) + error.position
        caret_rows = [i for i, row in enumerate(rows) if "^" in row]
        assert caret_rows == [y + 2], rows  # below the input's bottom border
        caret_row = rows[y + 2]
        assert caret_row.index("^") == x, "\n".join(rows)
        assert caret_row.strip() == "^"
        message = f"line 1, column {error.column}: {error.message} — still playing the previous pattern"
        assert message in " ".join(row.strip() for row in rows[y + 3 : y + 5])


async def test_show_error_follows_the_inputs_scroll_and_falls_back_to_an_excerpt():
    src = 'note("c3 e3 g3 a3 b3 c4 d4 e4 f4 g4 a4 b4 [c5 d5")'
    error = error_of(src)
    assert src[error.position] == "["
    app = PromptApp(text=src)
    async with app.run_test(size=(40, 12)) as pilot:
        prompt = app.query_one(CodePrompt)
        await pilot.pause()
        assert prompt.input.scroll_offset.x > 0, "the cursor at the end scrolls the line"
        prompt.show_error(error)
        await pilot.pause()
        rows = screen_rows(app)
        y = next(i for i, row in enumerate(rows) if "d5" in row)
        x = rows[y + 2].index("^")
        assert rows[y][x] == "[", "\n".join(rows)

        await pilot.press("home")
        await pilot.pause()
        assert prompt.input.scroll_offset.x == 0
        rows = screen_rows(app)
        assert src[:20] in rows[y]
        caret_row = next(i for i, row in enumerate(rows) if "^" in row)
        assert caret_row > y + 2, "not under the input: the column is out of view"
        assert rows[y + 2].strip().startswith("line 1, column 43:")
        excerpt, caret = rows[caret_row - 1], rows[caret_row]
        assert excerpt[caret.index("^")] == "[", "\n".join(rows)
        assert "…" in excerpt


async def test_an_edit_before_the_error_shows_the_source_instead_of_a_caret_in_the_wrong_place():
    src = 'note("c3 [e3")'
    error = error_of(src)
    app = PromptApp(text=src)
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(CodePrompt)
        prompt.show_error(error)
        prompt.input.cursor_position = 0
        await pilot.press("x")
        await pilot.pause()
        rows = screen_rows(app)
        message_row = next(i for i, row in enumerate(rows) if row.strip().startswith("line 1, column 10"))
        excerpt, caret = rows[message_row + 1], rows[message_row + 2]
        assert excerpt.strip() == src
        assert excerpt[caret.index("^")] == "["


async def test_show_error_with_a_string_and_clear_error_hides_the_area():
    app = PromptApp(text='note("c3")')
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(CodePrompt)
        area = prompt.query_one(".code-prompt-error")
        await pilot.pause()
        assert prompt.size.height == 3
        assert not area.display

        prompt.show_error("the engine is not running", note="nothing sent")
        await pilot.pause()
        assert area.display and area.size.height >= 1
        assert prompt.size.height == 3 + area.size.height
        assert any("the engine is not running — nothing sent" in row for row in screen_rows(app))
        assert not any("^" in row for row in screen_rows(app))

        prompt.clear_error()
        await pilot.pause()
        assert not area.display
        assert prompt.size.height == 3
        assert prompt.error is None
        assert not any("engine" in row for row in screen_rows(app))

        prompt.show_error("the engine is not running", note="nothing sent")
        await pilot.pause()
        assert any("the engine is not running" in row for row in screen_rows(app)), "the same error again"


async def test_a_multi_line_program_error_shows_its_line():
    error = LangError("unknown name 'foo'", 'a: note("c3")\nb: foo', 17, 20)
    app = PromptApp(text='b: foo')
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(CodePrompt)
        prompt.show_error(error)
        await pilot.pause()
        rows = screen_rows(app)
        message_row = next(i for i, row in enumerate(rows) if "line 2, column 4: unknown name 'foo'" in row)
        excerpt, caret = rows[message_row + 1], rows[message_row + 2]
        assert excerpt.strip() == "b: foo"
        assert caret.strip() == "^^^"
        assert excerpt[caret.index("^") : caret.index("^") + 3] == "foo"


# -- text and placeholder ----------------------------------------------------------------------------------

async def test_set_text_text_and_placeholder():
    app = PromptApp()
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(CodePrompt)
        assert prompt.input.placeholder == PLACEHOLDER
        assert "Enter plays on the next bar" in PLACEHOLDER
        prompt.set_text('s("bd*4")')
        await pilot.pause()
        assert prompt.text == 's("bd*4")'
        assert prompt.input.cursor_position == len('s("bd*4")')
        prompt.input.blur()
        await pilot.pause()
        prompt.focus_input()
        await pilot.pause()
        assert app.focused is prompt.input
