"""The command line: ``stepista COMMAND …``.

Exit codes: 0 success, 2 bad input (one line naming what and where), 1 other failure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from fractions import Fraction

from . import __version__

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
MAX_QUERY_CYCLES = 10_000


class BadInput(Exception):
    """Input the performer can fix; the message names what and where."""


def _time_arg(text: str) -> Fraction:
    from .time import to_time

    try:
        return to_time(text)
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(f"not a time in cycles: {text!r} (try 0, 1.5 or 3/4)") from None


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="stepista",
        description="A live-coding MIDI instrument for the terminal.",
        epilog="Run 'stepista COMMAND --help' for each command.",
    )
    parser.add_argument("--version", action="version", version=f"stepista {__version__}")
    from tui.run import add_arguments  # the TUI's flags: `stepista` alone opens the TUI

    add_arguments(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    q = sub.add_parser(
        "query",
        help="events of an expression or mini-notation over a span of cycles",
        description=(
            "Print the events of a live-code expression, or of a bare mini-notation string, "
            "between cycles --from and --to. Text that parses as mini-notation is read as "
            "mini-notation (values are the raw tokens); anything else is an expression."
        ),
        epilog=(
            "examples:\n"
            "  stepista query 'bd*2 [sn cp]' --to 2 --json\n"
            "  stepista query 'note(\"c3 [eb3 g3]*2\").every(4, rev)' --from 0 --to 4"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    q.add_argument("expr", metavar="EXPR", help="an expression or a mini-notation string")
    q.add_argument("--from", dest="begin", type=_time_arg, default=Fraction(0), metavar="A",
                   help="first cycle (default 0; fractions like 1/3 allowed)")
    q.add_argument("--to", dest="end", type=_time_arg, default=Fraction(1), metavar="B",
                   help="end cycle, exclusive (default 1)")
    q.add_argument("--json", action="store_true", help="JSON: a list of {whole, part, value}")
    how = q.add_mutually_exclusive_group()
    how.add_argument("--mini", action="store_true", help="read EXPR as mini-notation only")
    how.add_argument("--expr", dest="as_expr", action="store_true", help="read EXPR as an expression only")
    q.set_defaults(run=cmd_query)
    _add_gen(sub)
    _add_styles(sub)
    from .ai.ask import add_command as add_ask
    from .engine.commands import add_commands

    add_commands(sub)
    add_ask(sub)
    return parser


_GEN_FLAGS = [  # (flag, GenParams field, type, help)
    ("--key", "key", str, 'key and mode, e.g. "C minor", "F# dorian", "Am" (default: the style\'s)'),
    ("--mode", "mode", str, "a mode overriding the key's, e.g. phrygian"),
    ("--bars", "bars", int, "loop length, 1-16 bars"),
    ("--bpm", "bpm", float, "speed, 20-300 (default: the style's)"),
    ("--density", "density", int, "0-100: how many steps play"),
    ("--velocity", "velocity", int, "1-127: base velocity"),
    ("--accent", "accent", int, "0-100: how much accented steps stand out"),
    ("--swing", "swing", float, "50-75, MPC-style (50 is straight)"),
    ("--length", "length", str, "note length: 1/32 1/16 1/8 1/4 1/2 1/1 (1/16t 1/8t 1/4t triplets)"),
    ("--octave", "octave", int, "-3..+3 octaves for melodic parts"),
    ("--tension", "tension", int, "0-100: 0 in the scale with triads; higher adds extensions and chromatic tones"),
    ("--improvise", "improvise", int, "0-100: 0 is the style's template; higher varies more"),
    ("--seed", "seed", int, "random seed: the same settings and seed give the same clip"),
]


def _add_gen(sub) -> None:
    from .generate import PARTS

    g = sub.add_parser(
        "gen", help="one generated clip in a style",
        description="Generate one clip: a part in one of the 12 styles, shaped by the twelve parameters.",
        epilog="example:\n  stepista gen --style trap --part drums --bars 4 --seed 7 -o trap.mid",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    g.add_argument("--style", required=True, help="one of: stepista styles")
    g.add_argument("--part", required=True, choices=PARTS)
    for flag, dest, kind, text in _GEN_FLAGS:
        g.add_argument(flag, dest=dest, type=kind, default=None, help=text)
    g.add_argument("-o", "--output", metavar="FILE.mid", help="write a standard MIDI file (type 1)")
    g.add_argument("--json", action="store_true", help="print the clip as JSON (see README)")
    g.set_defaults(run=cmd_gen)


def _params_or_bad_input(fields: dict):
    from pydantic import ValidationError

    from .generate import GenParams

    try:
        return GenParams(**{k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "parameters"
        message = first["msg"].removeprefix("Value error, ")
        raise BadInput(f"--{name}: {message} (got {first.get('input')!r})") from None


def cmd_gen(args) -> int:
    from .generate import generate

    fields = {dest: getattr(args, dest) for _, dest, _, _ in _GEN_FLAGS}
    params = _params_or_bad_input({"style": args.style, "part": args.part, **fields})
    clip = generate(params)
    if args.output:
        write_midi_or_bad_input([clip], args.output)
    if args.json:
        json.dump(clip.to_json_dict(), sys.stdout)
        sys.stdout.write("\n")
    else:
        _print_clip(clip, args.output)
    return EXIT_OK


def write_midi_or_bad_input(clips, path: str) -> None:
    from .midifile import MidiFileError, write_midi

    try:
        write_midi(clips, path)
    except (MidiFileError, OSError) as exc:
        raise BadInput(f"cannot write {path}: {exc}") from None


def _print_clip(clip, path: str | None) -> None:
    from .clip import clip_to_pattern
    from .grid import grid

    print(f"{clip.name}: {clip.key} {clip.mode}, {clip.bpm:g} BPM, {clip.bars} bar(s), {len(clip.notes)} notes")
    print(grid(clip_to_pattern(clip), cycles=min(2, int(clip.bars))))
    if path:
        print(f"written to {path}")


def _add_styles(sub) -> None:
    st = sub.add_parser("styles", help="the styles and their DNA",
                        description="List the styles (built in and your own) with a summary of their DNA.")
    st.add_argument("--json", action="store_true", help="print the list as JSON")
    st.set_defaults(run=cmd_styles)


def cmd_styles(args) -> int:
    from .styles import StyleError, load_styles

    try:
        styles = load_styles()
    except StyleError as exc:
        raise BadInput(str(exc)) from None
    summaries = [styles[k].summary() for k in sorted(styles)]
    if args.json:
        json.dump(summaries, sys.stdout)
        sys.stdout.write("\n")
        return EXIT_OK
    for x in summaries:
        print(f"{x['id']:<10} {x['name']:<12} {x['tempo'][0]}-{x['tempo'][1]} BPM (default {x['default_bpm']}), "
              f"swing {x['swing']:g}, {x['feel']}, bass {x['bass']}, modes {'/'.join(x['modes'])}")
        print(f"{'':<10} {x['description']}")
    return EXIT_OK


def _pattern_of(text: str, force_mini: bool, force_expr: bool):
    from .errors import StepistaSyntaxError
    from .lang import evaluate
    from .mini import mini

    mini_error = None
    if not force_expr:
        try:
            return mini(text)
        except StepistaSyntaxError as exc:
            if force_mini:
                raise BadInput(exc.one_line()) from None
            mini_error = exc
    try:
        return evaluate(text).pattern()
    except StepistaSyntaxError as exc:
        # Neither reading works. Expressions hold quoted strings; without quotes
        # the text was meant as bare mini-notation, so that error is the useful one.
        if mini_error is not None and not any(q in text for q in "\"'`"):
            exc = mini_error
        raise BadInput(exc.one_line()) from None


def cmd_query(args) -> int:
    from .serialize import events_to_json, sort_events

    if args.end < args.begin:
        raise BadInput(f"--to ({args.end}) is before --from ({args.begin})")
    if args.end - args.begin > MAX_QUERY_CYCLES:
        raise BadInput(f"--from..--to spans more than {MAX_QUERY_CYCLES} cycles")
    pattern = _pattern_of(args.expr, args.mini, args.as_expr)
    try:
        events = pattern.query_arc(args.begin, args.end)
    except RecursionError:
        raise BadInput("the pattern is nested too deeply to play") from None
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise BadInput(f"the pattern fails when played: {exc}") from None
    if args.json:
        json.dump(events_to_json(events), sys.stdout)
        sys.stdout.write("\n")
    else:
        for e in sort_events(events):
            print(e)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        from tui.run import run_tui

        return run_tui(args)
    try:
        return args.run(args)
    except BadInput as exc:
        print(f"stepista {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug, not bad input: one line (traceback with STEPISTA_DEBUG=1)
        if os.environ.get("STEPISTA_DEBUG"):
            raise
        print(f"stepista {args.command}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
