"""The engine process: clock, scheduler and outputs in one asyncio loop, fed over local IPC.

``stepista engine`` runs :func:`run_engine`. The loop ticks the scheduler every few ms and
serves clients (the TUI, ``stepista play``). Live code is evaluated in a worker thread, so a
slow evaluation never holds up a tick; a pattern reaches the scheduler only once it has
evaluated and passed its first-cycle test play.

Each client owns the tracks it made: when its connection ends (a clean bye, a crash, SIGKILL)
those tracks are cut at once, so no note outlives the client that started it. SIGINT and
SIGTERM end the engine the same way: every output panics (note-offs for what sounds, CC 123)
before it closes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from ..clip import Clip, clip_to_pattern
from ..errors import StepistaSyntaxError
from ..lang import evaluate
from . import ipc
from .clock import Clock, FreeClock, LinkClock
from .outputs import OutputError, open_default, open_output, parse_spec
from .plugins import AnnouncementListener, clip_loop, find_instances, instance_spec, pattern_loop
from .scheduler import Scheduler

log = logging.getLogger("stepista.engine")

TICK_MS = 2.0
JOIN_WINDOW_S = 5.0
"""How long after start a --bpm still overrides the tempo of a session we join."""
ORPHAN_WAIT_S = 30
"""An engine started for one client (``exit_when_orphaned``) gives up if none connects."""
MAX_TICK_FAILURES = 200
"""A scheduler that fails this many ticks in a row is broken: panic and exit."""
MAX_NOTICES = 50
"""``status`` keeps this many of the latest notices."""


@dataclass(frozen=True)
class EngineOptions:
    address: str
    bpm: float = 120.0
    bpm_asked: bool = False  # --bpm given: with Link, the session is brought to it on joining
    link: bool = True
    quantum: float = 4.0
    start_stop_sync: bool = True
    lookahead_ms: float = 50.0
    outputs: tuple[str, ...] = ()
    default_output: bool = True
    exit_when_orphaned: bool = False
    start: bool = False
    hold: bool = False  # without Link, wait for a start request instead of starting at once
    linger_s: float = 0.0  # with exit_when_orphaned: wait this long for a client to come back


@dataclass(eq=False)
class Session:
    """One connected client."""
    name: str
    writer: asyncio.StreamWriter
    subscribed: bool = False
    greeted: bool = False  # said hello: a client, not a probe checking that we listen

    def send(self, message: dict) -> None:
        if not self.writer.is_closing():
            self.writer.write(ipc.encode(message))


class Engine:
    def __init__(self, options: EngineOptions) -> None:
        self.options = options
        self.sessions: set[Session] = set()
        self.clock: Clock | None = None
        self.scheduler: Scheduler | None = None
        self._stopping: asyncio.Event | None = None
        self._ever_connected = False
        self.started_at = time.time()
        self.notices: list[str] = []  # what the musician should know (e.g. nothing will be heard)
        self.health = TickHealth()
        self._announcements: AnnouncementListener | None = None  # started by the first `plugins`

    # -- life cycle -------------------------------------------------------------------------

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._stopping.set)
        self.clock = self._make_clock(self.options.link)
        self.scheduler = Scheduler(self.clock, lookahead_ms=self.options.lookahead_ms,
                                   notify=self._notify)
        failed = 0
        server = None
        try:
            self._open_outputs()
            server = await ipc.serve(self.options.address, self._serve_client)
            log.info("engine listening at %s (pid %d)", self.options.address, os.getpid())
            print(f"stepista engine: listening at {self.options.address}", file=sys.stderr, flush=True)
            if self.options.start or not (self.options.link or self.options.hold):
                self.clock.start()
            failed = await self._tick_until_stopped()
        finally:
            self.scheduler.close()
            self.clock.close()
            if self._announcements is not None:
                self._announcements.close()
            if server is not None:
                server.close()
                self._unlink_socket()
        return 1 if failed else 0

    async def _tick_until_stopped(self) -> bool:
        failures = 0
        while not self._stopping.is_set():
            self._bring_session_to_asked_tempo()
            if self._orphaned_from_birth():
                log.warning("no client connected within %d s: the engine stops", ORPHAN_WAIT_S)
                break
            self.health.tick()
            try:
                self.scheduler.tick()
                failures = 0
            except Exception:
                failures += 1
                log.exception("scheduler tick failed (%d in a row)", failures)
                if failures >= MAX_TICK_FAILURES:
                    return True
            try:
                await asyncio.wait_for(self._stopping.wait(), TICK_MS / 1000)
            except asyncio.TimeoutError:
                pass
        return False

    def _bring_session_to_asked_tempo(self) -> None:
        """A Link peer that joins a session takes the session's tempo. When the performer asked
        for a tempo (--bpm), set it again once the first peers are met, early on."""
        if (self.options.bpm_asked and self.clock.link_enabled and self.clock.peers
                and time.time() - self.started_at < JOIN_WINDOW_S):
            if self.clock.timeline().tempo != self.options.bpm:
                self.clock.set_tempo(self.options.bpm)
            self.options = replace(self.options, bpm_asked=False)

    def _orphaned_from_birth(self) -> bool:
        return (self.options.exit_when_orphaned and not self._ever_connected
                and time.time() - self.started_at > ORPHAN_WAIT_S)

    def stop(self) -> None:
        if self._stopping is not None:
            self._stopping.set()

    def _unlink_socket(self) -> None:
        if self.options.address.startswith("unix:"):
            Path(self.options.address[5:]).unlink(missing_ok=True)

    def _make_clock(self, link: bool, tempo: float | None = None) -> Clock:
        tempo = tempo or self.options.bpm
        if link:
            return LinkClock(tempo, self.options.quantum,
                             start_stop_sync=self.options.start_stop_sync)
        return FreeClock(tempo, self.options.quantum)

    def _add_output(self, output) -> None:
        if hasattr(output, "bpm"):  # a recording writes the tempo it was played at
            output.bpm = self.clock.timeline().tempo
        if output.plays_loops:  # it tells from a thread of its own: hand that to the loop
            loop, label = asyncio.get_running_loop(), output.label
            output.on_notice = lambda message: _call_soon(
                loop, partial(self._notify, "notice", output=label, message=message))
        self.scheduler.add_output(output)

    def _open_outputs(self) -> None:
        for spec in self.options.outputs:
            self._add_output(open_output(spec))
        if not self.options.outputs and self.options.default_output:
            output, message = open_default()
            self._add_output(output)
            if message:
                self.notices.append(message)
                log.warning("%s", message)
                print(f"stepista engine: {message}", file=sys.stderr, flush=True)

    # -- clients ----------------------------------------------------------------------------

    async def _serve_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = Session("client", writer)
        self.sessions.add(session)
        try:
            while not self._stopping.is_set():
                try:
                    line = await reader.readline()
                except ValueError:  # longer than MAX_LINE: asyncio dropped it
                    self._reject(session, None, f"message longer than {ipc.MAX_LINE} bytes")
                    continue
                if not line:
                    break
                if not line.strip():
                    continue
                if await self._handle_line(session, line) == "bye":
                    break
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._drop(session)
            writer.close()

    def _drop(self, session: Session) -> None:
        self.sessions.discard(session)
        removed = self.scheduler.remove_owned(session)
        if removed:
            log.info("%s left: cut its tracks %s", session.name, ", ".join(removed))
        if self.options.exit_when_orphaned and session.greeted and self._orphaned():
            if self.options.linger_s > 0:
                asyncio.get_running_loop().call_later(self.options.linger_s, self._stop_if_orphaned)
            else:
                self._stop_if_orphaned()

    def _orphaned(self) -> bool:
        return not any(s.greeted for s in self.sessions)

    def _stop_if_orphaned(self) -> None:
        if self._orphaned():
            log.info("last client left: the engine stops")
            self.stop()

    def _reject(self, session: Session, request_id, problem: str) -> None:
        log.warning("rejected a message from %s: %s", session.name, problem)
        session.send({"id": request_id, "ok": False, "error": problem})

    async def _handle_line(self, session: Session, line: bytes) -> str | None:
        try:
            request = ipc.parse_request(line)
        except ipc.BadMessage as exc:
            self._reject(session, _id_of(line), str(exc))
            return None
        try:
            reply = await self._dispatch(session, request)
        except (ValueError, KeyError, OutputError, StepistaSyntaxError) as exc:
            self._reject(session, request.id, _one_line(exc))
            return None
        except Exception as exc:  # a bug must cost one reply, never the engine
            log.exception("handling %s", request.op)
            self._reject(session, request.id, f"internal error: {type(exc).__name__}: {exc}")
            return None
        session.send({"id": request.id, "ok": True, **reply})
        return request.op if request.op == "bye" else None

    async def _dispatch(self, session: Session, r) -> dict:
        handler = getattr(self, f"_op_{r.op}")
        result = handler(session, r)
        if asyncio.iscoroutine(result):
            result = await result
        return result or {}

    # -- operations -------------------------------------------------------------------------

    def _op_hello(self, session: Session, r) -> dict:
        session.name = f"{r.client}#{id(session) % 10000}"
        session.greeted = self._ever_connected = True
        return {"engine": {"pid": os.getpid(), "address": self.options.address}}

    def _op_bye(self, session, r) -> dict:
        return {}

    def _op_shutdown(self, session, r) -> dict:
        self.stop()
        return {}

    async def _op_play(self, session: Session, r) -> dict:
        loop = asyncio.get_running_loop()
        program = await loop.run_in_executor(None, evaluate, r.code)  # off the tick's thread
        outputs = self._check_outputs(r.outputs)
        tracks = {name or r.track: pattern for name, pattern in program.tracks.items()}
        jobs = {name: (pattern, self.scheduler.track_channel(name, r.channel))
                for name, pattern in tracks.items() if self._to_loops(name, outputs)}
        loops = await loop.run_in_executor(None, _make_loops, jobs) if jobs else {}
        placed = {}
        for track, pattern in tracks.items():
            at = self.scheduler.set_track(track, pattern, channel=r.channel, outputs=outputs,
                                          quantize=r.quantize, cut=r.cut, owner=session,
                                          loop=loops.get(track))
            placed[track] = float(at)
        return {"tracks": placed}

    def _to_loops(self, name: str, outputs: tuple[str, ...] | None) -> bool:
        """Whether track ``name``, given ``outputs``, goes to a loop output (a plugin)."""
        if outputs is None and name in self.scheduler.tracks:
            outputs = self.scheduler.tracks[name].outputs
        return bool(self.scheduler.loop_outputs(outputs))

    def _op_clip(self, session: Session, r) -> dict:
        clip = Clip.model_validate(r.clip)
        loop = clip_loop(clip, track=r.track)  # a clip is a loop already: cheap
        at = self.scheduler.set_track(r.track, clip_to_pattern(clip), outputs=self._check_outputs(r.outputs),
                                      quantize=r.quantize, cut=r.cut, owner=session, loop=loop)
        return {"tracks": {r.track: float(at)}}

    def _check_outputs(self, labels: list[str] | None) -> tuple[str, ...] | None:
        if labels is None:
            return None
        unknown = [label for label in labels if label not in self.scheduler.outputs]
        if unknown:
            raise ValueError(f"no output {', '.join(unknown)}; open: "
                             f"{', '.join(self.scheduler.outputs) or 'none'}")
        return tuple(labels)

    def _op_remove(self, session, r) -> dict:
        at = self.scheduler.set_track(r.track, None, quantize=r.quantize, cut=r.cut)
        return {"at": float(at)}

    def _op_hush(self, session, r) -> dict:
        return {"removed": self.scheduler.remove_owned(session)}

    def _op_start(self, session, r) -> dict:
        self.clock.start()
        return {}

    def _op_stop(self, session, r) -> dict:
        self.clock.stop()  # the next tick sees it stopped and panics the outputs
        return {}

    def _op_panic(self, session, r) -> dict:
        self.scheduler.panic()
        return {}

    def _op_tempo(self, session, r) -> dict:
        self.clock.set_tempo(r.bpm)
        return {}

    def _op_link(self, session, r) -> dict:
        if r.quantum is not None:
            self.clock.quantum = r.quantum
        if r.enabled is not None and r.enabled != self.clock.link_enabled:
            self._switch_clock(r.enabled)
        if r.start_stop_sync is not None and isinstance(self.clock, LinkClock):
            self.clock.start_stop_sync = r.start_stop_sync
        return {"clock": self.clock.status()}

    def _switch_clock(self, link: bool) -> None:
        """Link on or off: stop what sounds, then carry on at the same tempo on the new clock."""
        old = self.clock
        was_playing = old.timeline().playing
        self.scheduler.panic()
        self.clock = self._make_clock(link, old.timeline().tempo)
        self.clock.quantum = old.quantum
        old.close()
        self.scheduler.clock = self.clock
        self.scheduler.tick()  # sees the new clock stopped (or playing): resets its cursor
        if was_playing:
            self.clock.start()

    async def _op_open(self, session, r) -> dict:
        if parse_spec(r.spec).kind == "plugin":  # it looks for the instance: 0.25 s
            output = await asyncio.get_running_loop().run_in_executor(None, open_output, r.spec)
        else:
            output = open_output(r.spec)
        if output.label in self.scheduler.outputs:
            output.close()
            return {"output": output.label, "already_open": True}
        self._add_output(output)
        return {"output": output.label}

    def _op_close(self, session, r) -> dict:
        if r.output not in self.scheduler.outputs:
            raise ValueError(f"no output {r.output}; open: {', '.join(self.scheduler.outputs) or 'none'}")
        self.scheduler.remove_output(r.output)
        return {}

    def _op_status(self, session, r) -> dict:
        late = sum(getattr(o, "late", 0) for o in self.scheduler.outputs.values())
        return {"clock": self.clock.status(), **self.scheduler.status(),
                "health": {"late": late, **self.health.status()}, "notices": self.notices,
                "clients": sorted(s.name for s in self.sessions),
                "uptime": round(time.time() - self.started_at, 3)}

    def _op_subscribe(self, session: Session, r) -> dict:
        session.subscribed = True
        return {}

    async def _op_plugins(self, session, r) -> dict:
        """The plugin instances here: those that answer a ping now (with ``scan``) and those
        heard announcing themselves lately, each with the spec that opens it and the label of
        the engine output playing through it (None when there is none)."""
        if self._announcements is None:
            listener = AnnouncementListener()
            self._announcements = listener if listener.start() else None
        found = {}
        if self._announcements is not None:
            found = {i.id: i for i in self._announcements.instances()}
        if r.scan:
            scanned = await asyncio.get_running_loop().run_in_executor(None, find_instances)
            found.update((i.id, i) for i in scanned)
        instances = sorted(found.values(), key=lambda i: i.port)
        loop_outputs = [o for o in self.scheduler.outputs.values() if o.plays_loops]
        return {"plugins": [{**i.to_json(), "spec": instance_spec(i, instances),
                             "output": next((o.label for o in loop_outputs if o.plays_to(i)),
                                            None)}
                            for i in instances],
                "announcements": self._announcements is not None}

    def _notify(self, kind: str, **fields) -> None:
        """What the scheduler and the outputs tell: notices are kept for ``status`` (the
        latest :data:`MAX_NOTICES`, a repeat of the last one once) and logged; every kind goes
        to the subscribed clients."""
        if kind == "notice":
            log.warning("%s", fields["message"])
            if not self.notices or self.notices[-1] != fields["message"]:
                self.notices = [*self.notices, fields["message"]][-MAX_NOTICES:]
        self._broadcast(kind, **fields)

    def _broadcast(self, kind: str, **fields) -> None:
        for session in list(self.sessions):
            if session.subscribed:
                session.send({"event": kind, **fields})


class TickHealth:
    """The worst gap between two ticks over the last few seconds: a starved loop shows here
    before notes come late (the TUI shows it as the engine's timing health)."""

    WINDOW_S = 5.0

    def __init__(self) -> None:
        self._last = time.monotonic()
        self._window_start = self._last
        self._worst = self._previous_worst = 0.0

    def tick(self) -> None:
        now = time.monotonic()
        self._worst = max(self._worst, now - self._last)
        self._last = now
        if now - self._window_start > self.WINDOW_S:
            self._previous_worst, self._worst = self._worst, 0.0
            self._window_start = now

    def status(self) -> dict:
        return {"tick_ms": round(1000 * max(self._worst, self._previous_worst), 2),
                "expected_tick_ms": TICK_MS}


def _make_loops(jobs: dict) -> dict:
    """``{track: (pattern, channel)}`` as the loops they make (a worker thread's job: it
    queries up to 32 cycles of each)."""
    return {name: pattern_loop(pattern, channel, track=name)
            for name, (pattern, channel) in jobs.items()}


def _call_soon(loop: asyncio.AbstractEventLoop, call) -> None:
    try:
        loop.call_soon_threadsafe(call)
    except RuntimeError:  # the loop has closed: the engine is going away
        pass


def _id_of(line: bytes):
    """The request id of a rejected line, when one can be read, so the client can match it."""
    try:
        data = json.loads(line)
    except Exception:
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, (int, str)) else None


def _one_line(exc: Exception) -> str:
    if isinstance(exc, StepistaSyntaxError):
        return exc.one_line()
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    text = str(exc)
    if hasattr(exc, "errors"):  # a pydantic ValidationError: the first problem is enough
        err = exc.errors()[0]
        return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
    return text.splitlines()[0] if text else type(exc).__name__


REALTIME_PRIORITY = 10
"""SCHED_RR priority asked for the engine: above ordinary programs, below JACK's own threads."""


def raise_priority() -> str:
    """Ask for round-robin realtime scheduling for this thread and every thread it starts
    afterwards (they inherit it); else a better nice level. Says what it got.

    A busy machine (the TUI redrawing, a DAW rendering) must not starve the loop that hands
    notes out; audio programs run realtime for the same reason. Where the user has no
    realtime rights (no ``rtprio`` limit for their audio group) this is just refused.
    """
    if hasattr(os, "sched_setscheduler"):
        try:
            os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(REALTIME_PRIORITY))
            return f"realtime (SCHED_RR {REALTIME_PRIORITY})"
        except (OSError, PermissionError):
            pass
    try:
        os.nice(-10)
        return "nice -10"
    except (OSError, PermissionError, AttributeError):
        return "normal priority (no realtime rights)"


def run_engine(options: EngineOptions, realtime: bool = True) -> int:
    """Run the engine until SIGINT/SIGTERM, a ``shutdown`` request, or (with
    ``exit_when_orphaned``) its last client leaving. Returns the exit code."""
    if realtime:
        log.info("engine scheduling: %s", raise_priority())
    sys.setswitchinterval(0.0005)  # hand the GIL to the JACK/rtmidi threads quickly
    return asyncio.run(Engine(options).run())
