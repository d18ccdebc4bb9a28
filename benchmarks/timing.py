"""Timing: how close to the Link grid Stepista's notes land on JACK, and how steady they are.

For each tempo and each load condition, one run:

1. a JACK server of its own (dummy backend, 48 kHz, 256-frame periods, unique name);
2. the load: ``idle`` (none), ``tui`` (the real Stepista TUI, as a performer runs it beside
   the sender: ``stepista --session TMP/s.json --output preview --bpm BPM`` with Link on, in a
   private tmux server with its own XDG directories and so its own engine, playing the drum
   clip of a fresh session; its notes go to the silent preview output, not to the recorder)
   or ``cpu`` (two busy-looping Python processes);
3. the recorder (benchmarks/_timing_recorder.py), a Link peer that stamps every note-on
   arriving from ``stepista:out`` with its JACK frame, as host µs and as Link beat;
4. the sender: ``stepista play 'note("c3*16")' --link --bpm BPM --output jack:stepista
   --duration SECONDS``, one note-on every 16th.

Each note-on's offset is its distance from the nearest 16th of the Link grid,
``(beat - round(beat*4)/4) * 60000/tempo`` ms, less ``--latency`` (Stepista's outputs
deliberately sound that late). The table gives the median offset, then the jitter
``|offset - median|`` at p50, p99 and max, over the notes that arrived after the first
``--warmup`` seconds of both peers seeing each other (before that the sender may still be
on its own timeline). ``miss`` counts 16ths with no note between the first and last one.
Under ``tui`` the notes column also gives the TUI's CPU (% of one core over the run, from
/proc), its engine's, and the most Link peers its status bar showed (2 when the TUI's engine
sees the recorder and the sender).

JACK runs without realtime scheduling by default (``jackd --no-realtime``). Busy processes
then starve JACK itself: xruns, and recorder callbacks that run after their cycle is over
and would stamp notes a period or more wrong. Such notes count as arrived but are not
timed; the last column says how many, and how many xruns there were. ``--realtime`` runs
jackd with SCHED_FIFO for server and clients (needs RT rights), as a real setup would.

    python benchmarks/timing.py                      # 120 and 174 BPM x idle, tui, cpu; 60 s each
    python benchmarks/timing.py --seconds 20 --conditions idle --bpms 120
    python benchmarks/timing.py --standin            # the frame-exact stand-in sender instead
    python benchmarks/timing.py --realtime --json    # realtime JACK; figures as JSON
    python benchmarks/timing.py --command '...{bpm}...{output}...{seconds}...'

Link peers meet only each other: when it may (root), the benchmark moves itself and
everything it starts into a network namespace holding only loopback, so other Link apps on
the machine neither join the session nor get their tempo changed (``--shared-network``
turns this off). The TUI's tmux server is started from inside it too, so the TUI's engine
meets the sender and the recorder there.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import json
import os
import re
import shlex
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.append(str(HERE))  # appended: benchmarks/tui.py must not hide the tui package

from _tui_tmux import CpuMeter, TuiInTmux  # noqa: E402

PATTERN = 'note("c3*16")'
STEPS_PER_BEAT = 4
DEFAULT_COMMAND = ("{python} -m stepista play {pattern} --link --bpm {bpm} "
                   "--output {output} --duration {seconds}")
STANDIN_COMMAND = ("{python} {here}/_timing_standin.py {pattern} --link --bpm {bpm} "
                   "--output {output} --duration {seconds}")
CONDITIONS = ("idle", "tui", "cpu")
CONDITION_LABELS = {"idle": "idle", "tui": "tui", "cpu": "cpu x2"}
SAMPLE_RATE, PERIOD = 48000, 256


# -- processes ---------------------------------------------------------------------------

def stop_process(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    """SIGTERM, wait, then SIGKILL: every process we start ends the same way."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def jack_ready(name: str) -> bool:
    """True once a JACK server of this name takes clients (JACK's errors hushed meanwhile)."""
    import jack

    jack.set_error_function(lambda message: None)
    try:
        client = jack.Client("timing-probe", no_start_server=True, servername=name)
    except jack.JackError:
        return False
    finally:
        jack.set_error_function(None)
    client.close()
    return True


@contextlib.contextmanager
def jack_server(name: str, realtime: bool = False, timeout: float = 10.0) -> Iterator[str]:
    """A dummy-backend jackd under ``name`` for the duration of the block.

    Realtime (SCHED_FIFO for the server and every client's process thread) is how JACK is
    meant to run, but needs RT rights; without it, busy processes starve JACK itself.
    """
    log = tempfile.TemporaryFile(mode="w+")
    scheduling = ["--realtime", "-P", "70"] if realtime else ["--no-realtime"]
    proc = subprocess.Popen(["jackd", *scheduling, "-n", name, "-d", "dummy",
                             "-r", str(SAMPLE_RATE), "-p", str(PERIOD)],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not jack_ready(name):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"jackd {name} did not start:\n{log.read()[-2000:]}")
            time.sleep(0.1)
        yield name
    finally:
        stop_process(proc)
        log.close()


@contextlib.contextmanager
def load(condition: str, env: dict, bpm: float, workdir: Path) -> Iterator[dict]:
    """Start the condition's load; yields a dict filled with its report on exit."""
    if condition == "tui":
        with tui_load(env, bpm, workdir) as report:
            yield report
        return
    procs, report = [], {}
    if condition == "cpu":
        for _ in range(2):
            procs.append(subprocess.Popen([sys.executable, "-c", "while True: pass"], env=env))
    elif condition != "idle":
        raise ValueError(f"unknown condition {condition!r}")
    try:
        time.sleep(1.0 if procs else 0)  # let the load get going before we measure
        yield report
    finally:
        for proc in procs:
            stop_process(proc)


@contextlib.contextmanager
def tui_load(env: dict, bpm: float, workdir: Path) -> Iterator[dict]:
    """The real TUI playing in tmux (see the module doc) from when it plays to the block's end.

    The report: its CPU and its engine's as shares of one core, and the most Link peers its
    status bar showed (read once a second from the screen)."""
    workdir.mkdir()
    args = ["--session", str(workdir / "s.json"), "--output", "preview", "--bpm", f"{bpm:g}"]
    report: dict = {}
    with TuiInTmux(workdir, args, env=env) as tui:
        tui.wait_playing()
        time.sleep(1.0)  # the first frames after start-up are not the steady load
        meter = CpuMeter({"tui": tui.tui_pid, "engine": tui.engine_pid})
        peers = PeerWatch(tui)
        try:
            yield report
        finally:
            shares = meter.shares()
            peers.stop()
            report.update(tui_cpu=shares.get("tui"), engine_cpu=shares.get("engine"),
                          link_peers=peers.most, still_playing="▶ playing" in tui.screen())
            tui.quit()


class PeerWatch:
    """Reads the TUI's screen once a second in a thread: the most Link peers it showed."""

    def __init__(self, tui: TuiInTmux) -> None:
        import threading

        self.tui, self.most = tui, None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            found = re.search(r"Link on · (\d+) peer", self.tui.screen())
            if found:
                self.most = max(self.most or 0, int(found.group(1)))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@contextlib.contextmanager
def recorder(server: str, source: str, bpm: float, out: Path,
             env: dict) -> Iterator[subprocess.Popen]:
    """The recorder process, started and listening (it said ``ready``) inside the block."""
    errors = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a full pipe would block it
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "_timing_recorder.py"), "--server", server,
         "--source", source, "--bpm", str(bpm), "--seconds", "86400", "--out", str(out)],
        env=env, stdout=subprocess.PIPE, stderr=errors, text=True)
    try:
        line = proc.stdout.readline()
        if line.strip() != "ready":
            proc.wait(timeout=5)
            errors.seek(0)
            raise RuntimeError(f"recorder failed to start: {line}{errors.read()[-2000:]}")
        yield proc
    finally:
        stop_process(proc, timeout=15)
        proc.stdout.close()
        errors.close()


def sender_command(template: str, bpm: float, seconds: float, output: str) -> list[str]:
    """The sender's argv from the command template (a shell-style string).

    >>> sender_command("stepista play {pattern} --bpm {bpm} --output {output} --duration {seconds}",
    ...                120, 60, "jack:stepista")[1:4]
    ['play', 'note("c3*16")', '--bpm']
    """
    text = template.format(python=shlex.quote(sys.executable), here=shlex.quote(str(HERE)),
                           pattern=shlex.quote(PATTERN), bpm=f"{bpm:g}",
                           seconds=f"{seconds:g}", output=shlex.quote(output))
    return shlex.split(text)


def host_us() -> int:
    """The host clock Link and JACK read (CLOCK_MONOTONIC_RAW), in µs."""
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC_RAW) // 1000


def run_sender(argv: list[str], seconds: float, env: dict) -> tuple[int, str, int]:
    """Run the sender to completion: its exit code, the tail of what it printed, and the
    host µs at which it ended (to tell a sender that went quiet early)."""
    with tempfile.TemporaryFile(mode="w+") as log:
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                                cwd=HERE.parent)
        try:
            code = proc.wait(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            code = -1
        finally:
            stop_process(proc)
        ended = host_us()
        log.seek(0)
        return code, log.read()[-2000:], ended


# -- one run -----------------------------------------------------------------------------

@dataclass
class Run:
    """One tempo x condition: the measured figures, or why there are none."""
    bpm: float
    condition: str
    notes: int = 0
    excluded: int = 0
    untrusted: int = 0
    missing_steps: int = 0
    median_ms: float | None = None
    jitter_p50_ms: float | None = None
    jitter_p99_ms: float | None = None
    jitter_max_ms: float | None = None
    tempo_seen: float | None = None
    diagnostics: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def run_one(bpm: float, condition: str, args: argparse.Namespace) -> Run:
    """Set up a server, load, recorder and sender; measure; tear everything down."""
    name = f"timing-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    output = "jack:stepista" + (f",latency={args.latency:g}" if args.latency else "")
    argv = sender_command(args.command, bpm, args.seconds, output)
    with tempfile.TemporaryDirectory(prefix="timing-") as tmp:
        # STEPISTA_ENGINE names an address nobody listens on, so `stepista play` starts a
        # private engine on our JACK server instead of attaching to one already running.
        env = dict(os.environ, JACK_DEFAULT_SERVER=name, JACK_NO_START_SERVER="1",
                   STEPISTA_ENGINE=f"unix:{tmp}/engine.sock")
        out = Path(tmp) / "notes.json"
        with jack_server(name, args.realtime), \
                load(condition, env, bpm, Path(tmp) / "tui") as load_report:
            with recorder(name, args.source, bpm, out, env):
                code, printed, ended_us = run_sender(argv, args.seconds, env)
                time.sleep(0.5)  # the last notes are still in flight through JACK
        if code != 0:
            return Run(bpm, condition, error=f"sender exited {code}: {printed.strip()[-500:]}")
        recording = json.loads(out.read_text())
        if args.raw:
            Path(args.raw).mkdir(parents=True, exist_ok=True)
            (Path(args.raw) / f"{bpm:g}-{condition}.json").write_text(json.dumps(recording))
    run = analyse(recording, bpm, condition, args.latency, args.warmup)
    check_complete(run, recording, ended_us)
    if condition == "tui":
        for key in ("tui_cpu", "engine_cpu"):
            share = load_report.get(key)
            run.diagnostics[f"{key}_percent"] = None if share is None else round(share * 100, 1)
        run.diagnostics["tui_link_peers"] = load_report.get("link_peers")
        if not load_report.get("still_playing", True):
            run.warnings.append("the TUI no longer showed ▶ playing at the end")
    return run


# -- analysis ----------------------------------------------------------------------------

def grid_offset_ms(beat: float, tempo: float, latency_ms: float = 0.0) -> float:
    """Distance of a note from the nearest 16th, in ms, after taking off the latency.

    The latency comes off before rounding to the grid, so a latency longer than half a 16th
    still finds the note's own step.

    >>> round(grid_offset_ms(1.2504, 120), 3)
    0.2
    >>> round(grid_offset_ms(1.2504 + 0.04, 120, latency_ms=20), 3)
    0.2
    """
    shifted = beat - latency_ms * tempo / 60000
    step = round(shifted * STEPS_PER_BEAT) / STEPS_PER_BEAT
    return (shifted - step) * 60000 / tempo


def nearest_rank(ordered: list[float], q: float) -> float:
    """The q-quantile of sorted values, by nearest rank (no interpolation).

    >>> nearest_rank([1, 2, 3, 4], 0.5), nearest_rank([1, 2, 3, 4], 0.99)
    (2, 4)
    """
    rank = max(1, -(-q * len(ordered) // 1))  # ceil(q * n), at least 1
    return ordered[int(rank) - 1]


def count_missing(steps: list[int]) -> int:
    """How many 16ths between the first and last note got no note.

    >>> count_missing([4, 5, 7, 8, 8])
    1
    """
    if not steps:
        return 0
    return (max(steps) - min(steps) + 1) - len(set(steps))


def analyse(recording: dict, bpm: float, condition: str, latency_ms: float,
            warmup_s: float) -> Run:
    """Offsets of the settled notes, summarised as median and jitter percentiles."""
    run = Run(bpm, condition)
    run.diagnostics = {"link_residual_us_p99": recording["link"]["residual_us"].get("p99"),
                       "link_samples_dropped": recording["link"]["samples_dropped"],
                       "jack_clock_minus_link_us": recording["jack"]["clock_minus_link_us"]}
    first_peer = recording["link"]["first_peer_us"]
    notes = [n for n in recording["notes"] if n["beat"] is not None]
    if first_peer is None:
        run.error = f"the sender never joined the recorder's Link session ({len(notes)} notes)"
        return run
    settled = [n for n in notes if n["usecs"] >= first_peer + warmup_s * 1e6]
    run.excluded = len(recording["notes"]) - len(settled)
    if not settled:
        run.error = f"no notes after the {warmup_s:g} s warm-up ({len(notes)} before it)"
        return run
    # Notes stamped in a cycle the recorder ran late in have a wrong time (our error, not
    # the sender's): they count as arrived, but not towards the offsets.
    timed = [n for n in settled if n.get("trusted", True)]
    run.untrusted = len(settled) - len(timed)
    if run.untrusted:
        run.warnings.append(f"{run.untrusted} notes in late recorder cycles not timed")
    if not timed:
        run.error = f"no note arrived in a cycle the recorder ran in time ({len(settled)} notes)"
        return run
    offsets = [grid_offset_ms(n["beat"], n["tempo"], latency_ms) for n in timed]
    median = nearest_rank(sorted(offsets), 0.5)
    jitter = sorted(abs(o - median) for o in offsets)
    run.notes = len(timed)
    run.missing_steps = count_missing(
        [round((n["beat"] - latency_ms * n["tempo"] / 60000) * STEPS_PER_BEAT) for n in settled])
    run.median_ms = median
    run.jitter_p50_ms = nearest_rank(jitter, 0.5)
    run.jitter_p99_ms = nearest_rank(jitter, 0.99)
    run.jitter_max_ms = jitter[-1]
    run.tempo_seen = nearest_rank(sorted(n["tempo"] for n in settled), 0.5)
    return run


def check_complete(run: Run, recording: dict, sender_ended_us: int) -> None:
    """Warn about what makes a run's figures partial: JACK dropping the recorder, xruns,
    or the notes stopping well before the sender exited (JACK dropped the sender?)."""
    jack_info = recording["jack"]
    if jack_info.get("shutdown"):
        run.warnings.append(f"JACK dropped the recorder ({jack_info['shutdown']})")
    xruns = len(jack_info.get("xruns_us", []))
    run.diagnostics["xruns"] = xruns
    if xruns:
        run.warnings.append(f"{xruns} xrun{'s' if xruns > 1 else ''}")
    untrusted = jack_info.get("untrusted_cycles", 0)
    run.diagnostics["recorder_untrusted_cycles"] = untrusted
    if untrusted:
        run.warnings.append(f"recorder late in {untrusted} of {jack_info['cycles']} cycles")
    if recording["notes"]:
        quiet_s = (sender_ended_us - recording["notes"][-1]["usecs"]) / 1e6
        run.diagnostics["quiet_before_exit_s"] = round(quiet_s, 3)
        if quiet_s > 1.0:
            run.warnings.append(f"notes stopped {quiet_s:.1f} s before the sender exited")


# -- output ------------------------------------------------------------------------------

def table(runs: list[Run], args: argparse.Namespace, private: bool) -> str:
    """The results as a plain-text table, with what was measured and how."""
    scheduling = "realtime" if args.realtime else "no-realtime"
    head = (f"Timing of {PATTERN} over JACK ({SAMPLE_RATE} Hz, {PERIOD}-frame periods, "
            f"{scheduling}), "
            f"{args.seconds:g} s a run, {args.warmup:g} s warm-up excluded; "
            f"offsets less {args.latency:g} ms latency.\n"
            f"Sender: {args.command}\n"
            f"Link: {'private loopback network' if private else 'shared network'}. "
            f"'tui': the real TUI in tmux playing a fresh session (Link on, preview output); "
            f"its CPU and its engine's in % of one core, and the Link peers it showed.\n")
    columns = f"{'bpm':>5}  {'condition':<15}{'notes':>6}{'miss':>5}  {'median ms':>10}" \
              f"  {'jitter p50':>10}{'p99':>8}{'max':>8}  notes"
    lines = [head, columns, "-" * len(columns)]
    for run in runs:
        label = CONDITION_LABELS.get(run.condition, run.condition)
        if run.error:
            lines.append(f"{run.bpm:>5g}  {label:<15}failed: {run.error}")
            continue
        extra = f"tempo {run.tempo_seen:.2f}"
        if "tui_cpu_percent" in run.diagnostics:
            d = run.diagnostics
            extra += (f", tui {_percent(d['tui_cpu_percent'])} cpu (its engine "
                      f"{_percent(d['engine_cpu_percent'])}), {d['tui_link_peers']} Link peers")
        if run.warnings:
            extra += "; " + "; ".join(run.warnings)
        lines.append(f"{run.bpm:>5g}  {label:<15}{run.notes:>6}{run.missing_steps:>5}  "
                     f"{run.median_ms:>+10.3f}  {run.jitter_p50_ms:>10.3f}"
                     f"{run.jitter_p99_ms:>8.3f}{run.jitter_max_ms:>8.3f}  {extra}")
    return "\n".join(lines)


def _percent(value: float | None) -> str:
    return "?" if value is None else f"{value:g}%"


# -- a private network for Link ----------------------------------------------------------

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def enter_private_network() -> bool:
    """Move this process into a new network namespace with only loopback, up; True if done.

    Called before any thread or child exists, so everything started later is inside too.
    Link finds peers over loopback, so the benchmark's peers meet each other and nobody else.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))
    return True


# -- main --------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each run")
    parser.add_argument("--latency", type=float, default=0.0, metavar="MS",
                        help="pass --output jack:stepista,latency=MS and report offsets less MS")
    parser.add_argument("--bpms", default="120,174", help="comma-separated tempos")
    parser.add_argument("--conditions", default=",".join(CONDITIONS),
                        help=f"comma-separated, from {', '.join(CONDITIONS)}")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--command", default=DEFAULT_COMMAND,
                        help="sender command template; fields {python} {here} {pattern} "
                             "{bpm} {output} {seconds}")
    parser.add_argument("--standin", action="store_true",
                        help="use benchmarks/_timing_standin.py as the sender")
    parser.add_argument("--source", default="stepista:out", help="JACK port the sender plays from")
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="seconds after the peers meet before notes count")
    parser.add_argument("--raw", metavar="DIR", help="also keep each run's recording here")
    parser.add_argument("--realtime", action="store_true",
                        help="run jackd with realtime scheduling (needs RT rights)")
    parser.add_argument("--shared-network", action="store_true",
                        help="stay on the machine's network (other Link peers may join)")
    args = parser.parse_args(argv)
    if args.standin:
        args.command = STANDIN_COMMAND
    args.bpms = [float(b) for b in args.bpms.split(",")]
    args.conditions = [c.strip() for c in args.conditions.split(",")]
    unknown = set(args.conditions) - set(CONDITIONS)
    if unknown:
        parser.error(f"unknown condition(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    private = False if args.shared_network else enter_private_network()
    # A SIGTERM to the benchmark unwinds like Ctrl-C, so every child still gets stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    runs = []
    for bpm in args.bpms:
        for condition in args.conditions:
            print(f"running {bpm:g} BPM, {condition}...", file=sys.stderr, flush=True)
            runs.append(run_one(bpm, condition, args))
    if args.json:
        print(json.dumps({"pattern": PATTERN, "seconds": args.seconds, "latency_ms": args.latency,
                          "warmup_s": args.warmup, "command": args.command,
                          "private_network": private, "runs": [asdict(r) for r in runs]},
                         indent=2))
    else:
        print(table(runs, args, private))
    return 0 if all(r.error is None for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
