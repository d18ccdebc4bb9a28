"""JACK MIDI output: every message lands on the exact frame of its host-time stamp.

:class:`JackOutput` opens a JACK client ``NAME`` with one MIDI output port ``out`` (so
``jack:Stepista`` is the port ``Stepista:out``). Messages wait in a :class:`TimedQueue`; once a
cycle the process callback takes those due before the cycle ends and writes each at the frame
offset its stamp falls on. JACK's clock is the host clock (``jack_get_time`` reads
CLOCK_MONOTONIC_RAW, as Link does), so the offset comes straight from the cycle's times::

    offset = round((at_us - current_usecs) * nframes / (next_usecs - current_usecs))

clamped to the cycle. Messages already late go first, at offset 0, and are counted in ``late``.

Nothing here raises into the engine once the output is open:

- the JACK server stops: ``status`` says so and a helper thread reopens the client (every
  0.5 s) when a server of that name is back, reconnecting the destinations it remembers;
- a destination port vanishes (its program quit): ``status`` says so; when a port of that name
  comes back it is reconnected, and first sent note-offs for the notes that sounded when it
  went, then CC 123, so a re-plugged synth does not hang.

The destinations remembered are every port ``out`` gets connected to, by this output or by
anybody else (a patchbay); one disconnected on purpose while it stays registered is forgotten.

JACK-Client does not bind ``jack_get_cycle_times``, ``jack_frames_to_time``,
``jack_time_to_frames`` nor ``jack_get_time``; they are called through ctypes on the same
libjack (see :func:`cycle_times`).
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time
from collections.abc import Iterable

try:
    import jack
except (ImportError, OSError) as _exc:  # no JACK-Client, or no libjack: say so when used
    jack = None
    JACK_MISSING: str | None = f"JACK is not installed here ({_exc})"
else:
    JACK_MISSING = None

from ..hosttime import now_us
from .base import Message, Output, OutputError, Sounding, TimedQueue

log = logging.getLogger(__name__)

RETRY_S = 0.5
"""How often a lost output looks for its server again."""
QUIET_S = 0.3
"""How long the threads of a client whose server died must have been quiet before it is
closed (see JackOutput._bury)."""
SETTLE_S = 0.25
"""How long after a destination is disconnected we wait to see whether its port went away
(it vanished: remember it) or stays (someone disconnected it: forget it)."""
PORT = "out"


# -- the libjack time functions JACK-Client lacks ------------------------------------------

_u32p = ctypes.POINTER(ctypes.c_uint32)
_u64p = ctypes.POINTER(ctypes.c_uint64)
_floatp = ctypes.POINTER(ctypes.c_float)
_libjack: ctypes.CDLL | None = None


def _lib() -> ctypes.CDLL:
    """libjack through ctypes: the same library file JACK-Client loaded."""
    global _libjack
    if _libjack is None:
        lib = ctypes.CDLL(getattr(jack, "_libname", None) or "libjack.so.0")
        lib.jack_get_cycle_times.argtypes = [ctypes.c_void_p, _u32p, _u64p, _u64p, _floatp]
        lib.jack_get_cycle_times.restype = ctypes.c_int
        lib.jack_frames_to_time.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
        lib.jack_frames_to_time.restype = ctypes.c_uint64
        lib.jack_time_to_frames.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
        lib.jack_time_to_frames.restype = ctypes.c_uint32
        lib.jack_get_time.argtypes = []
        lib.jack_get_time.restype = ctypes.c_uint64
        _libjack = lib
    return _libjack


def _client_pointer(client: jack.Client) -> ctypes.c_void_p:
    return ctypes.c_void_p(int(jack._ffi.cast("uintptr_t", client._ptr)))


class CycleClock:
    """``jack_get_cycle_times`` for one client, with its out-parameters allocated once so the
    process callback allocates nothing for it."""

    def __init__(self, client: jack.Client) -> None:
        self._call = _lib().jack_get_cycle_times
        self._client = _client_pointer(client)
        self._frames, self._current = ctypes.c_uint32(), ctypes.c_uint64()
        self._next, self._period = ctypes.c_uint64(), ctypes.c_float()
        self._args = (self._client, ctypes.pointer(self._frames), ctypes.pointer(self._current),
                      ctypes.pointer(self._next), ctypes.pointer(self._period))

    def read(self) -> tuple[int, int, int, float] | None:
        """``(current_frames, current_usecs, next_usecs, period_usecs)`` of the cycle being
        processed, or None when JACK cannot tell (call it from the process callback)."""
        if self._call(*self._args) != 0:
            return None
        return self._frames.value, self._current.value, self._next.value, self._period.value


def cycle_times(client: jack.Client) -> tuple[int, int, int, float] | None:
    """``(current_frames, current_usecs, next_usecs, period_usecs)``; see :class:`CycleClock`."""
    return CycleClock(client).read()


def frames_to_time(client: jack.Client, frames: int) -> int:
    """The host time in µs of the absolute frame ``frames`` (``jack_frames_to_time``)."""
    return _lib().jack_frames_to_time(_client_pointer(client), frames & 0xFFFFFFFF)


def time_to_frames(client: jack.Client, usecs: int) -> int:
    """The absolute frame at host time ``usecs`` (``jack_time_to_frames``)."""
    return _lib().jack_time_to_frames(_client_pointer(client), usecs)


def jack_time_us() -> int:
    """JACK's clock now (``jack_get_time``); the same clock as ``hosttime.now_us``."""
    return _lib().jack_get_time()


_quieted = False


def quiet_jack_messages() -> None:
    """Send libjack's error and info messages to the log instead of stderr, once per process.

    Looking for a server that is not there prints several lines each try, which would scribble
    over the terminal UI every half second while the output waits for JACK to come back.
    """
    global _quieted
    if not _quieted and jack is not None:
        jack.set_error_function(lambda message: log.debug("libjack: %s", message))
        jack.set_info_function(lambda message: log.debug("libjack: %s", message))
        _quieted = True


# -- opening and closing clients safely -------------------------------------------------------
#
# Two facts about libjack (JACK2 1.9.21) shape this:
#
# - jack_client_close and jack_deactivate stop the client's threads with pthread_cancel. A
#   thread cancelled while it runs one of our Python callbacks dies holding the GIL or a libjack
#   mutex, and the whole process hangs. So a client is only closed when no notification callback
#   is running, and a client whose server died only once its threads have been quiet a while.
# - libjack keeps one set of globals per process. The first jack_client_open after a server
#   died closes and *frees* every client still open in the process, leaving JACK-Client with
#   dangling pointers. So before anything here opens a client, each output whose server died
#   first closes its client itself (JackOutput._bury, in its helper thread, ~QUIET_S after the
#   loss); opens and closes are serialised by one lock.

_clients_lock = threading.RLock()
_dead: dict[int, JackOutput] = {}  # outputs holding a client whose server died
BURY_WAIT_S = 2.0


def open_client(name: str, servername: str | None = None, *,
                exact: bool = False) -> jack.Client:
    """``jack.Client(name)`` that never starts a server, opened once the clients of lost
    servers in this process are closed. Raises ``jack.JackOpenError``."""
    if jack is None:
        raise OutputError(JACK_MISSING)
    quiet_jack_messages()
    _wait_for_burials(BURY_WAIT_S)
    with _clients_lock:
        return jack.Client(name, use_exact_name=exact, no_start_server=True,
                           servername=servername)


def _wait_for_burials(timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _dead and time.monotonic() < deadline:
        time.sleep(0.01)
    if _dead:
        log.warning("opening a JACK client while a lost server's client is still open")


def server_running(servername: str | None = None) -> bool:
    """Whether a JACK server (``servername``, else the default one) accepts clients."""
    if jack is None:
        return False
    try:
        client = open_client("stepista-probe", servername)
    except jack.JackOpenError:
        return False
    with _clients_lock:
        client.close()
    return True


def midi_input_ports(servername: str | None = None) -> list[str]:
    """The JACK MIDI input ports there are (possible ``connect=`` targets); [] without a
    server."""
    if jack is None:
        return []
    try:
        client = open_client("stepista-probe", servername)
    except jack.JackOpenError:
        return []
    try:
        return [port.name for port in client.get_ports(is_midi=True, is_input=True)]
    finally:
        with _clients_lock:
            client.close()


# -- the output ------------------------------------------------------------------------------

class JackOutput(Output):
    """A JACK MIDI port ``NAME:out`` delivering each message on the frame of its stamp.

    ``connect`` names destination ports (``"fluidsynth:midi_00"``) to connect to now, and
    again whenever they come back. ``late`` counts messages written after their time;
    ``dropped`` those thrown away while the server was gone; ``failed_writes`` those the
    port buffer had no room for.
    """

    kind = "jack"

    def __init__(self, name: str, *, connect: Iterable[str] = (), latency_ms: float = 0.0,
                 clock: bool = False, servername: str | None = None) -> None:
        super().__init__(name, latency_ms=latency_ms, clock=clock)
        if jack is None:
            raise OutputError(f"{self.label}: {JACK_MISSING}; install JACK (jackd2) or pick"
                              " another output")
        self.servername = servername
        self.late = self.dropped = self.failed_writes = self.callback_errors = 0
        self._queue = TimedQueue()
        self._sounding = Sounding()
        self._panic_lock = threading.Lock()
        self._panic_asked = self._panic_done = 0
        # (port, messages) for the process callback to write on a helper port; it swaps in
        # a new tuple once written. See _restore_to.
        self._restore: tuple[jack.OwnMidiPort, list[bytes]] | None = None
        self._client: jack.Client | None = None
        self._port: jack.OwnMidiPort | None = None
        self._port_name = f"{name}:{PORT}"
        self._cycle: CycleClock | None = None
        self._period_us = 0.0
        self._lost = False
        self._last_error: BaseException | None = None
        # Destination bookkeeping, shared by JACK's notification thread and the helper
        # thread; never held while calling into JACK (JACK may be waiting on our callbacks).
        self._lock = threading.Lock()
        self._wanted: set[str] = set(connect)          # keep these connected
        self._vanished: dict[str, list[Message]] = {}  # gone; note-offs to send when back
        self._waiting: set[str] = set()                # wanted, never seen since (re)open
        self._unsure: dict[str, tuple[float, list[Message]]] = {}  # just disconnected
        self._appeared: set[str] = set()               # came back; reconnect
        self._stopping = False
        self._wake = threading.Event()
        self._notices = 0  # notification callbacks running now
        self._last_notice = 0.0
        self._notice_lock = threading.Lock()
        self._open()
        self._helper = threading.Thread(target=self._supervise, daemon=True,
                                        name=f"jack:{name} helper")
        self._helper.start()

    # -- opening ---------------------------------------------------------------------------

    def _open(self, strict: bool = True) -> None:
        """Open the client and its port, start processing, connect the wanted destinations.
        ``strict``: a destination that exists but will not connect is an error (on the first
        open; on a reopen it is tried again later)."""
        client = self._open_client(patience_s=1.0 if strict else 0.0)
        try:
            port = client.midi_outports.register(PORT)
            self._cycle = CycleClock(client)
            client.set_process_callback(self._process)
            client.set_shutdown_callback(self._on_shutdown)
            client.set_port_registration_callback(self._on_registration, only_available=False)
            client.set_port_connect_callback(self._on_connect, only_available=False)
            self._period_us = client.blocksize * 1e6 / client.samplerate
            self._client, self._port, self._port_name = client, port, port.name
            client.activate()
        except jack.JackError as exc:
            self._client = None
            with _clients_lock:
                client.close()
            raise OutputError(f"{self.label}: cannot set up the JACK port: {exc}") from exc
        self._connect_wanted(strict)

    def _open_client(self, patience_s: float = 0.0) -> jack.Client:
        """Open the client under exactly our name. A name taken is waited on for
        ``patience_s``: it may be this output's last run, still closing."""
        deadline = time.monotonic() + patience_s
        while True:
            try:
                return open_client(self.name, self.servername, exact=True)
            except jack.JackOpenError as exc:
                taken = self._name_taken(exc.status)
                if not (taken and time.monotonic() < deadline):
                    raise OutputError(self._open_problem(exc.status, taken)) from exc
            time.sleep(0.1)

    def _name_taken(self, status: jack.Status) -> bool:
        # JACK2 answers an exact name already taken with a bare "server error"
        return status.name_not_unique or (status.server_error
                                          and server_running(self.servername))

    def _open_problem(self, status: jack.Status, taken: bool) -> str:
        if taken:
            return (f"{self.label}: a JACK client called {self.name!r} exists already; pick"
                    " another name")
        if status.server_failed or status.server_error:
            where = f" called {self.servername!r}" if self.servername else ""
            return (f"{self.label}: no JACK server{where} is running (start one with jackd"
                    " or qjackctl, or pick another output)")
        return f"{self.label}: cannot open a JACK client ({status})"

    def _connect_wanted(self, strict: bool) -> None:
        """Connect every wanted destination that exists; wait for the others."""
        with self._lock:
            wanted = sorted(self._wanted)
        for dest in wanted:
            if not self._exists(dest):
                with self._lock:
                    if dest not in self._vanished:
                        self._waiting.add(dest)
                continue
            try:
                self._connect(dest)
            except jack.JackError as exc:
                if not strict:
                    with self._lock:
                        self._waiting.add(dest)
                        self._appeared.add(dest)
                    continue
                self._close_client()
                raise OutputError(f"{self.label}: cannot connect {self._port_name} to {dest}:"
                                  f" {exc} (is it a MIDI input port?)") from exc
        self._update_status()

    def _connect(self, dest: str, source: jack.OwnPort | None = None) -> None:
        try:
            self._client.connect(source or self._port, dest)
        except jack.JackErrorCode as exc:
            if "already exists" not in str(exc):
                raise

    def _exists(self, port_name: str) -> bool:
        try:
            self._client.get_port_by_name(port_name)
        except jack.JackError:
            return False
        return True

    # -- the engine's side -----------------------------------------------------------------

    def _send_at(self, message: Message, at_us: int, beat: float) -> None:
        self._queue.push(message, at_us, beat)

    def _cancel_after(self, at_us: int) -> None:
        self._queue.cancel_after(at_us)

    def _panic(self) -> None:
        self._queue.clear()
        with self._panic_lock:
            if self._lost or self._client is None:
                self._sounding = Sounding()  # no process callback to write the offs
            else:
                self._panic_asked += 1

    def _close(self) -> None:
        self._wait_panic_written()
        self._stopping = True
        self._wake.set()
        if self._helper is not threading.current_thread():
            self._helper.join(5)
        if self._lost:
            self._bury(wait_s=2.0)
        else:
            self._close_client()
        self.status = "closed"

    def _wait_panic_written(self) -> None:
        """Give the process callback ~2 cycles (plus slack for a busy machine) to write the
        panic before the client goes away."""
        deadline = time.monotonic() + 2 * self._period_us / 1e6 + 0.05
        while (not self._lost and self._panic_done < self._panic_asked
               and time.monotonic() < deadline):
            time.sleep(0.001)

    def _close_client(self) -> None:
        """Deactivate and close a working client (see the notes above open_client)."""
        with _clients_lock:
            client, self._client = self._client, None
            if client is None:
                return
            client.deactivate()  # from here JACK calls none of our callbacks
            self._wait_quiet(0.0, 0.5)
            client.close()

    def _bury(self, wait_s: float = 1.0) -> None:
        """Close the client of a server that died, once its threads have been quiet QUIET_S
        (waiting up to ``wait_s`` for that)."""
        with _clients_lock:
            client, self._client = self._client, None
            _dead.pop(id(self), None)
            if client is None:
                return
            if not self._wait_quiet(QUIET_S, wait_s):
                log.warning("%s: closing the client of the lost JACK server while it is busy",
                            self.label)
            client.close()
        if self._lost and not self._stopping:
            self.status = "lost: JACK server stopped; reopening when it is back"

    def _wait_quiet(self, quiet_s: float, wait_s: float) -> bool:
        """Wait until no notification callback runs and none ran for ``quiet_s``."""
        deadline = time.monotonic() + wait_s
        while True:
            with self._notice_lock:
                quiet = not self._notices and time.monotonic() - self._last_notice >= quiet_s
            if quiet or time.monotonic() >= deadline:
                return quiet
            time.sleep(0.01)

    # -- the process callback --------------------------------------------------------------

    def _process(self, nframes: int) -> None:
        try:
            self._cycle_out(nframes)
        except Exception as exc:  # an exception would stop JACK calling us for good
            self.callback_errors += 1
            self._last_error = exc

    def _cycle_out(self, nframes: int) -> None:
        buf = jack._lib.jack_port_get_buffer(self._port._ptr, nframes)
        jack._lib.jack_midi_clear_buffer(buf)
        if self._restore is not None:
            self._restore_out(nframes)
        if self._panic_done != self._panic_asked:
            asked = self._panic_asked
            for message in self._sounding.panic_messages():
                self._write(buf, 0, message)
            self._panic_done = asked
        times = self._cycle.read()
        if times is None:
            return
        _, start, end, _ = times
        span = end - start if end > start else self._period_us
        last = 0
        for timed in self._queue.pop_until(end):
            if timed.at_us < start:
                self.late += 1
                offset = 0
            else:
                offset = min(round((timed.at_us - start) * nframes / span), nframes - 1)
            last = max(last, offset)  # JACK refuses events out of order
            if self._write(buf, last, timed.message):
                self._sounding.delivered(timed.message)

    def _write(self, buf, offset: int, message: Message) -> bool:
        data = bytes(message)
        if jack._lib.jack_midi_event_write(buf, offset, data, len(data)) != 0:
            self.failed_writes += 1
            return False
        return True

    def _restore_out(self, nframes: int) -> None:
        """Write the note-offs for a returning destination on the helper port, once that port
        is connected to it (see _restore_to)."""
        job = self._restore
        if job is None:
            return
        port, messages = job
        buf = jack._lib.jack_port_get_buffer(port._ptr, nframes)
        jack._lib.jack_midi_clear_buffer(buf)
        if messages and jack._lib.jack_port_connected(port._ptr) > 0:
            for message in messages:
                self._write(buf, 0, message)
            self._restore = (port, [])

    # -- JACK's notifications (its own thread: no calls into JACK from here) ---------------

    def _noticing(self, delta: int) -> None:
        with self._notice_lock:
            self._notices += delta
            self._last_notice = time.monotonic()

    def _on_shutdown(self, status: jack.Status, reason: str) -> None:
        self._noticing(+1)
        _dead[id(self)] = self  # so that no one opens a client before we close this one
        self._lost = True
        self.status = "lost: JACK server stopped"
        self._wake.set()
        self._noticing(-1)

    def _on_connect(self, a: jack.Port | None, b: jack.Port | None, connected: bool) -> None:
        self._noticing(+1)
        try:
            if a is not None and b is not None and a.name == self._port_name:
                self._connected(b.name, connected)
        finally:
            self._noticing(-1)

    def _connected(self, dest: str, connected: bool) -> None:
        with self._lock:
            if connected:
                self._wanted.add(dest)
                self._unsure.pop(dest, None)
            elif dest in self._wanted and not self._stopping:
                self._unsure[dest] = (time.monotonic(), self._offs_now())
        self._wake.set()

    def _on_registration(self, port: jack.Port | None, registered: bool) -> None:
        self._noticing(+1)
        try:
            if port is not None:
                self._registered(port.name, registered)
        finally:
            self._noticing(-1)

    def _registered(self, name: str, registered: bool) -> None:
        with self._lock:
            if registered:
                if name in self._vanished or name in self._waiting:
                    self._appeared.add(name)
            elif name in self._wanted and name not in self._vanished:
                offs = self._unsure.pop(name, (0, None))[1]
                self._vanished[name] = offs if offs is not None else self._offs_now()
                self._waiting.discard(name)
        self._update_status()
        self._wake.set()

    def _offs_now(self) -> list[Message]:
        """The note-offs (and CC 123) that would end what sounds now, ledger untouched."""
        copy = Sounding()
        copy.counts = dict(self._sounding.counts)
        copy.channels = set(self._sounding.channels)
        return copy.panic_messages()

    def _update_status(self) -> None:
        if self._lost:
            self.status = "lost: JACK server stopped"
            return
        with self._lock:
            problems = [f"lost: {name} vanished; reconnects when it returns"
                        for name in sorted(self._vanished)]
            problems += [f"waiting for {name}; connects when it appears"
                         for name in sorted(self._waiting)]
        self.status = "; ".join(problems) or "ok"

    # -- the helper thread -----------------------------------------------------------------

    def _supervise(self) -> None:
        busy = False
        while not self._stopping:
            self._wake.wait(0.05 if busy else RETRY_S)
            self._wake.clear()
            if self._stopping:
                break
            try:
                busy = self._tend()
            except Exception:  # keep looking after the port whatever happened
                log.exception("%s: helper thread", self.label)
                busy = False

    def _tend(self) -> bool:
        """One round of upkeep; True when something is left to retry soon."""
        if self._last_error is not None:
            log.error("%s: process callback failed: %r", self.label, self._last_error)
            self._last_error = None
        if self._lost:
            self._drop_stale()
            if self._client is not None:
                self._bury()  # the next round looks for the server
            else:
                self._reopen()
            return False
        return self._settle_unsure() | self._reconnect_appeared()

    def _drop_stale(self) -> None:
        """While the server is gone nothing is delivered: drop what is past its time."""
        self.dropped += len(self._queue.pop_until(now_us()))

    def _reopen(self) -> None:
        with self._lock:
            self._unsure.clear()
            self._appeared.clear()
            self._vanished.clear()
            self._waiting.clear()
        self._sounding = Sounding()  # a new server: nothing sounds there
        with self._panic_lock:
            self._panic_done = self._panic_asked
        try:
            self._open(strict=False)
        except OutputError:
            return
        self._lost = False
        self._update_status()
        log.info("%s: reopened on the JACK server", self.label)

    def _settle_unsure(self) -> bool:
        """Disconnected destinations still registered after SETTLE_S were let go on purpose."""
        now = time.monotonic()
        with self._lock:
            due = [name for name, (when, _) in self._unsure.items() if now - when >= SETTLE_S]
            left = len(self._unsure) > len(due)
        for name in due:
            if self._exists(name):
                with self._lock:
                    if self._unsure.pop(name, None) is not None:
                        self._wanted.discard(name)
        return left

    def _reconnect_appeared(self) -> bool:
        """Reconnect destinations that came back; True if one must be tried again."""
        with self._lock:
            names = sorted(self._appeared)
        retry = False
        for name in names:
            with self._lock:
                offs = self._vanished.get(name, [])
            if not self._exists(name):  # gone again already
                with self._lock:
                    self._appeared.discard(name)
                continue
            try:
                self._restore_to(name, offs)
            except jack.JackError:
                retry = True  # its client may not be active yet
                continue
            with self._lock:
                self._appeared.discard(name)
                self._vanished.pop(name, None)
                self._waiting.discard(name)
            self._update_status()
        return retry

    def _restore_to(self, dest: str, offs: list[Message]) -> None:
        """Connect ``dest`` again, after sending it alone ``offs`` (note-offs, CC 123).

        ``out`` may feed other destinations that are still playing, so the offs go out on a
        short-lived second port connected to ``dest`` only, one cycle before ``out`` is
        connected to it again.
        """
        helper = None
        try:
            if offs:
                helper = self._client.midi_outports.register("restore")
                self._connect(dest, helper)
                self._hand_to_callback(helper, offs)
            self._connect(dest)
        finally:
            if helper is not None:
                self._retire(helper)

    def _retire(self, helper: jack.OwnMidiPort) -> None:
        """Take the helper port away: disconnected first, since its buffer keeps the offs
        (and JACK would deliver them again each cycle) once the callback stops clearing it."""
        try:
            helper.disconnect()
        except jack.JackError:
            pass
        self._restore = None
        time.sleep(2 * self._period_us / 1e6)  # the callback may still hold it this cycle
        helper.unregister()

    def _hand_to_callback(self, port: jack.OwnMidiPort, offs: list[Message]) -> None:
        job = (port, [bytes(m) for m in offs])
        self._restore = job
        deadline = time.monotonic() + 0.5
        while self._restore is job and time.monotonic() < deadline:
            time.sleep(0.001)
