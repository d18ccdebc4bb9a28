"""The engine's commands: ``stepista engine``, ``stepista play`` and ``stepista ports``.

``play`` talks to an engine over IPC like the TUI does. It attaches to an engine that already
answers (``--engine ADDRESS``, ``$STEPISTA_ENGINE`` or the default address); otherwise it
starts a private one (``stepista engine --exit-when-orphaned``) that ends when ``play`` does,
however ``play`` ends, so no note outlives it.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import ipc

ENGINE_START_TIMEOUT_S = 20.0


# -- argument parsing ---------------------------------------------------------------------

def _clock_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bpm", type=float, default=None, help="tempo, 20-999 (default 120, or the Link session's)")
    p.add_argument("--link", action=argparse.BooleanOptionalAction, default=True,
                   help="join the Ableton Link session (default on)")
    p.add_argument("--quantum", type=float, default=4.0, help="Link quantum in beats (default 4): "
                   "swaps land on it and phase aligns to it")
    p.add_argument("--sync", action=argparse.BooleanOptionalAction, default=True,
                   help="Link start/stop sync (default on)")
    p.add_argument("--output", action="append", default=[], metavar="SPEC",
                   help="where MIDI goes (repeatable): jack:NAME, virtual:NAME, alsa:NAME, rtmidi:PORT, "
                        "file:PATH.mid, plugin:NAME (a Stepista plugin instance: name, id or #PORT), "
                        "preview; options after commas: latency=MS, clock, connect=PORT "
                        "(default: a virtual port named Stepista; see 'stepista ports')")
    p.add_argument("--lookahead", type=float, default=50.0, metavar="MS",
                   help="how far ahead the scheduler hands out notes (default 50 ms)")


def add_commands(sub) -> None:
    e = sub.add_parser("engine", help="the engine, headless (clock, scheduler, outputs, IPC)",
                       description="Run the engine on its own: it keeps Link time and plays what "
                                   "clients (the TUI, 'stepista play') send it over local IPC.")
    _clock_flags(e)
    e.add_argument("--address", default=None, help="where to listen: unix:PATH or tcp:127.0.0.1:PORT "
                   f"(default {ipc.default_address()}, or $STEPISTA_ENGINE)")
    e.add_argument("--start", action="store_true", help="start the transport at once (with Link it "
                   "starts the session when it is stopped; without Link it always starts)")
    e.add_argument("--exit-when-orphaned", action="store_true",
                   help="exit when the last client leaves (how 'play' runs its own engine)")
    e.add_argument("--linger", type=float, default=0.0, metavar="S",
                   help="with --exit-when-orphaned: wait S seconds for a client to come back first "
                        "(the TUI's engine, so a restarted TUI reattaches)")
    e.add_argument("--realtime", action=argparse.BooleanOptionalAction, default=True,
                   help="ask for realtime scheduling where allowed (default on)")
    e.add_argument("--hold", action="store_true",
                   help="without Link, wait for a client's start instead of starting at once "
                        "(so all of a client's first tracks begin together)")
    e.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    e.set_defaults(run=cmd_engine)

    p = sub.add_parser(
        "play", help="play expressions headless, in time with Link",
        description="Play live-code expressions (or bare mini-notation) until Ctrl-C or --duration. "
                    "Each EXPR is a track (d1, d2, …; 'name: expr' lines name their own).",
        epilog="examples:\n  stepista play 'note(\"c3*16\")' --link --output jack:x\n"
               "  stepista play 'bd*4' 'note(\"<c2 eb2>*8\").channel(2)' --bpm 128 --duration 30",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("exprs", nargs="+", metavar="EXPR")
    _clock_flags(p)
    p.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds of playing")
    p.add_argument("--engine", default=None, metavar="ADDRESS",
                   help="attach to the engine at ADDRESS (default: the running one, else a private one)")
    p.set_defaults(run=cmd_play)

    ports = sub.add_parser("ports", help="outputs that can be opened here",
                           description="List the MIDI outputs this machine can open, with the "
                                       "--output spec for each.")
    ports.add_argument("--json", action="store_true")
    ports.set_defaults(run=cmd_ports)


# -- stepista engine ----------------------------------------------------------------------

def cmd_engine(args) -> int:
    import logging

    from .outputs import parse_spec
    from .server import EngineOptions, run_engine

    logging.basicConfig(level=args.log_level, format="stepista engine: %(levelname)s %(message)s")
    for spec in args.output:
        _check_spec(parse_spec, spec)
    options = EngineOptions(
        address=args.address or ipc.default_address(), bpm=args.bpm or 120.0,
        bpm_asked=args.bpm is not None, link=args.link,
        quantum=args.quantum, start_stop_sync=args.sync, lookahead_ms=args.lookahead,
        outputs=tuple(args.output), exit_when_orphaned=args.exit_when_orphaned, start=args.start,
        hold=args.hold, linger_s=args.linger)
    return run_engine(options, realtime=args.realtime)


def _check_spec(parse_spec, spec: str) -> None:
    """BadInput for a spec that does not parse, or that names a plugin instance by a name or
    id that no instance answers to (a ``#PORT`` is taken on trust)."""
    from ..cli import BadInput

    try:
        parsed = parse_spec(spec)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    if parsed.kind == "plugin" and not parsed.name.startswith("#"):
        from .plugins import find_instances, pick
        try:
            pick(parsed.name, find_instances())
        except LookupError as exc:
            raise BadInput(str(exc)) from None


# -- stepista play ------------------------------------------------------------------------

def play_code(text: str, track: str) -> str:
    """The live code for one EXPR, its unnamed lines bound to ``track``: the text itself, or a
    string literal when it is bare mini-notation. BadInput (with line and column) when it is
    neither.

    >>> play_code("bd*2 sn", "d1")
    'd1: "bd*2 sn"'
    >>> play_code('bass: note("c2")', "d2")
    'bass: note("c2")'
    """
    from ..cli import BadInput
    from ..errors import StepistaSyntaxError
    from ..lang import evaluate
    from ..mini import mini

    try:
        mini(text)
        code = json.dumps(text)
    except StepistaSyntaxError:
        code = text
    try:
        program = evaluate(code)
    except StepistaSyntaxError as exc:
        raise BadInput(exc.one_line()) from None
    return f"{track}: {code}" if list(program.tracks) == [None] else code


def cmd_play(args) -> int:
    from ..cli import BadInput
    from .outputs import parse_spec

    program = "\n".join(play_code(text, f"d{i}") for i, text in enumerate(args.exprs, start=1))
    for spec in args.output:
        _check_spec(parse_spec, spec)
    if args.duration is not None and args.duration <= 0:
        raise BadInput(f"--duration {args.duration}: must be more than 0 seconds")
    if args.bpm is not None and not 20 <= args.bpm <= 999:
        raise BadInput(f"--bpm {args.bpm}: must be 20-999")
    engine, address = _engine_for(args)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        with ipc.Client(address, name="play") as client:
            _play(client, args, program, attached=engine is None)
    except KeyboardInterrupt:
        pass
    finally:
        _wait_engine(engine)
    return 0


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _engine_for(args) -> tuple[subprocess.Popen | None, str]:
    """(the private engine process or None, the address to talk to)."""
    address = args.engine or ipc.default_address()
    if ipc.is_listening(address):
        return None, address
    if args.engine:
        from ..cli import BadInput
        raise BadInput(f"--engine {args.engine}: no engine answers there")
    private = f"unix:{Path(tempfile.mkdtemp(prefix='stepista-play-')) / 'engine.sock'}"
    cmd = [sys.executable, "-m", "stepista", "engine", "--address", private, "--exit-when-orphaned", "--hold",
           "--quantum", str(args.quantum), "--lookahead", str(args.lookahead),
           "--link" if args.link else "--no-link", "--sync" if args.sync else "--no-sync"]
    if args.bpm:
        cmd += ["--bpm", str(args.bpm)]
    for spec in args.output:
        cmd += ["--output", spec]
    proc = subprocess.Popen(cmd)
    deadline = time.monotonic() + ENGINE_START_TIMEOUT_S
    while not ipc.is_listening(private):
        if proc.poll() is not None:
            raise RuntimeError(f"the engine exited at start (code {proc.returncode}); see above")
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"the engine did not listen within {ENGINE_START_TIMEOUT_S:.0f} s")
        time.sleep(0.05)
    return proc, private


def _check(reply: dict, what: str) -> dict:
    from ..cli import BadInput

    if not reply.get("ok"):
        raise BadInput(f"{what}: {reply.get('error')}")
    return reply


def _play(client: ipc.Client, args, program: str, attached: bool) -> None:
    """Bring the engine to the options, hand it every track in one request (so they start on
    the same boundary), start, wait, then take the tracks away again.

    With ``--output`` the tracks are routed to those outputs by name, which is how a plugin
    output gets them (a track routed to every output reaches the MIDI outputs only)."""
    before = client.request({"op": "status"})
    labels = None
    if attached:  # a shared engine: bring it to what this command asks for
        _check(client.request({"op": "link", "enabled": args.link, "quantum": args.quantum,
                               "start_stop_sync": args.sync}), "link")
        if args.bpm:
            _check(client.request({"op": "tempo", "bpm": args.bpm}), "--bpm")
        labels = [_check(client.request({"op": "open", "spec": s}), s)["output"] for s in args.output] or None
    elif args.output:  # the private engine opened exactly these
        labels = list(before["outputs"])
    _check(client.request({"op": "play", "code": program, "outputs": labels}), "EXPR")
    _check(client.request({"op": "start"}), "start")
    status = client.request({"op": "status"})
    _say_playing(status)
    _wait_for_duration(client, args.duration, told=set(before.get("notices", [])))
    client.request({"op": "hush"})


def _say_playing(status: dict) -> None:
    clock = status["clock"]
    link = f"Link on, {clock['peers']} peer(s)" if clock["link"] else "Link off"
    outputs = ", ".join(f"{label} ({state})" for label, state in status["outputs"].items())
    tracks = ", ".join(status["tracks"])
    print(f"playing {tracks} at {clock['tempo']:g} BPM ({link}) to {outputs}; Ctrl-C stops",
          file=sys.stderr, flush=True)


def _wait_for_duration(client: ipc.Client, duration: float | None,
                       told: set[str] | None = None) -> None:
    """Wait ``duration`` seconds of playing (forever without one), from the first note;
    print each engine notice not in ``told`` once, as it comes (a plugin that does not
    answer, say)."""
    started, told = None, set(told or ())
    while True:
        status = client.request({"op": "status"})
        for notice in status.get("notices", []):
            if notice not in told:
                told.add(notice)
                print(f"stepista play: {notice}", file=sys.stderr, flush=True)
        if status.get("playing") and started is None:
            started = time.monotonic()
        if duration is not None and started is not None and time.monotonic() - started >= duration:
            return
        time.sleep(0.05)


def _wait_engine(proc: subprocess.Popen | None) -> None:
    if proc is None:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.terminate()
        proc.wait(timeout=5)


# -- stepista ports -----------------------------------------------------------------------

def cmd_ports(args) -> int:
    from .outputs import list_ports

    ports = list_ports()
    if args.json:
        json.dump([p.to_json() for p in ports], sys.stdout)
        sys.stdout.write("\n")
        return 0
    for p in ports:
        mark = " " if p.available else "-"
        print(f"{mark} {p.spec:<28} {p.description}")
    return 0
