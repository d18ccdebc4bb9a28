"""The command line: ``stepista COMMAND …``.

Exit codes: 0 success, 2 bad input (one line naming what and where), 1 other failure.
"""

from __future__ import annotations

import argparse
import json
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
    return parser


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
        from .prompt import run

        return run()
    try:
        return args.run(args)
    except BadInput as exc:
        print(f"stepista {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
