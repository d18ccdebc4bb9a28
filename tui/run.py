"""``stepista`` with no command: open the session and run the TUI on the engine."""

from __future__ import annotations

import sys
from pathlib import Path

from .paths import default_session_path, state_dir


def add_arguments(parser) -> None:
    """The TUI's flags, on the top-level ``stepista`` parser."""
    parser.add_argument("--session", type=Path, default=None, metavar="FILE",
                        help=f"the session file to open and autosave (default {default_session_path()})")
    parser.add_argument("--engine", dest="engine_address", default=None, metavar="ADDRESS",
                        help="the engine to attach to (default: the running one, else one is started)")
    parser.add_argument("--output", dest="outputs", action="append", default=[], metavar="SPEC",
                        help="outputs for an engine the TUI starts (see 'stepista ports'; repeatable)")
    parser.add_argument("--bpm", type=float, default=None, help="tempo for an engine the TUI starts")
    parser.add_argument("--no-link", dest="link", action="store_false", default=True,
                        help="start the engine without Ableton Link")
    parser.add_argument("--export-dir", type=Path, default=None, metavar="DIR",
                        help="where e/E write .mid files (default ./stepista-exports)")


def run_tui(args) -> int:
    from .app import StepistaApp
    from .engine_link import EngineOptions
    from .session import open_session

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("stepista: the TUI needs a terminal; for scripts use 'stepista play', 'gen' or 'query' "
              "(see 'stepista --help')", file=sys.stderr)
        return 2
    path = args.session or default_session_path()
    session, notice = open_session(path)
    if args.session is None and notice is None:
        notice = f"new session, autosaved to {path}"
    if not args.link:
        session.link = False
    if args.bpm:
        session.tempo = args.bpm
    state_dir().mkdir(parents=True, exist_ok=True)
    engine = EngineOptions(address=args.engine_address, bpm=args.bpm, link=args.link,
                           outputs=list(args.outputs), log_path=state_dir() / "engine.log")
    app = StepistaApp(session, path, engine=engine, export_dir=args.export_dir, notice=notice)
    app.run()
    return 0
