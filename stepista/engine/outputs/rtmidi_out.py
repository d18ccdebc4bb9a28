"""An output through python-rtmidi: an existing MIDI port by name, or a virtual port.

rtmidi sends at once, so :class:`RtMidiOutput` keeps its messages in a :class:`TimedQueue`
and a sender thread of its own delivers each at its stamp: it sleeps until shortly before,
spins the rest (:func:`~stepista.engine.hosttime.sleep_until`), sends, and notes what sounds.

The port is looked up by name: the exact name, else a unique case-insensitive part of one
(ALSA names end in numbers that change, "FLUID Synth (1234):Synth input port (1234:0) 128:0",
so ``rtmidi:fluid`` is the practical spelling). When the port goes away (its name is no longer
listed, or a send fails) ``status`` says so, messages due meanwhile are dropped and the port is
looked for every 0.5 s; when it is back it is reopened and first sent note-offs for what was
sounding, then CC 123.

``api`` picks the MIDI system: "alsa", "jack", "coremidi", "windows", or None for the
platform's own (ALSA on Linux, CoreMIDI on macOS, Windows MM on Windows). python-rtmidi's
wheels bring their own libjack, apart from JACK-Client's: its clients do not share the
process-wide state of :mod:`stepista.engine.outputs.jack`, and opening one takes about a second.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading
import time
from pathlib import Path

import rtmidi

from ..hosttime import now_us, sleep_until
from .base import Message, Output, OutputError, Sounding, Timed, TimedQueue

log = logging.getLogger(__name__)

APIS = {
    "alsa": rtmidi.API_LINUX_ALSA,
    "jack": rtmidi.API_UNIX_JACK,
    "coremidi": rtmidi.API_MACOSX_CORE,
    "windows": rtmidi.API_WINDOWS_MM,
}
POLL_US = 500_000
"""How often the port is looked for (is it still there? is it back?)."""
BUSY_US = 20_000
"""Look only when the next message is further away than this ..."""
OVERDUE_US = 2_000_000
"""... unless the last look is this long ago (a dense stream never leaves such a gap)."""
LATE_US = 2_000
"""A message sent more than this after its stamp counts as late."""
PORT = "out"


def default_api() -> str:
    """The platform's own MIDI system, by the names :data:`APIS` uses."""
    if sys.platform == "darwin":
        return "coremidi"
    if sys.platform.startswith("win"):
        return "windows"
    return "alsa"


def compiled_apis() -> list[str]:
    """The MIDI systems this python-rtmidi was built with, by the names :data:`APIS` uses."""
    names = {number: name for name, number in APIS.items()}
    return [names[api] for api in rtmidi.get_compiled_api() if api in names]


def list_output_ports(api: str | None = None) -> list[str]:
    """The output ports ``api`` offers here. Raises OutputError when that system cannot be
    used (not compiled in, no ALSA sequencer, no JACK server ...)."""
    midi = _open_midi(api or default_api(), "Stepista ports", f"rtmidi {api or ''}".strip())
    try:
        return midi.get_ports()
    finally:
        midi.delete()


def find_port(query: str, ports: list[str]) -> int | None:
    """The index of the port called ``query``, else of the only port whose name contains it
    (ignoring case); None when there is no such port or more than one."""
    if query in ports:
        return ports.index(query)
    matches = [i for i, port in enumerate(ports) if query.casefold() in port.casefold()]
    return matches[0] if len(matches) == 1 else None


def _open_midi(api: str, client_name: str, label: str) -> rtmidi.MidiOut:
    if api not in APIS:
        raise OutputError(f"{label}: unknown MIDI system {api!r}"
                          f" (expected {', '.join(APIS)})")
    if api not in compiled_apis():
        raise OutputError(f"{label}: this python-rtmidi has no {api} support (it has"
                          f" {', '.join(compiled_apis()) or 'none'})")
    if api == "alsa" and not os.path.exists("/dev/snd/seq"):  # else ALSA lib complains on stderr
        raise OutputError(f"{label}: cannot use alsa MIDI here: {_why('alsa', None)}")
    if api == "jack":
        _prepare_jack()
    try:
        return rtmidi.MidiOut(APIS[api], name=client_name)
    except rtmidi.RtMidiError as exc:
        raise OutputError(f"{label}: cannot use {api} MIDI here: {_why(api, exc)}") from exc


def _why(api: str, exc: Exception | None) -> str:
    if api == "jack":
        return "no JACK server is running"
    if api == "alsa":
        return "no ALSA sequencer (/dev/snd/seq is missing; is the snd-seq module loaded?)"
    return str(exc)


_jack_quiet: list = []  # the ctypes callbacks, kept alive


def _prepare_jack() -> None:
    """Send the complaints of rtmidi's libjack to the log, not stderr, once per process.

    python-rtmidi's wheels bring a libjack of their own (python_rtmidi.libs/libjack-*.so),
    separate from the one JACK-Client loads, so its error function is set here, by path.
    """
    if _jack_quiet:
        return
    _jack_quiet.append(None)
    package = Path(rtmidi.__file__).resolve().parent.parent
    for path in sorted(package.glob("python_rtmidi*/libjack*.so*")):
        try:
            lib = ctypes.CDLL(str(path))
        except OSError:
            continue
        callback = ctypes.CFUNCTYPE(None, ctypes.c_char_p)(
            lambda message: log.debug("rtmidi's libjack: %s", message.decode(errors="replace")))
        lib.jack_set_error_function(callback)
        lib.jack_set_info_function(callback)
        _jack_quiet.append(callback)


class RtMidiOutput(Output):
    """An rtmidi output: the existing port ``name`` (exact, or a unique part of a name), or
    with ``virtual`` a new port called ``name`` that other programs connect to.

    ``late`` counts messages sent more than 2 ms after their stamp; ``dropped`` those due
    while the port was gone.
    """

    kind = "rtmidi"

    def __init__(self, name: str, *, api: str | None = None, virtual: bool = False,
                 client_name: str = "Stepista", latency_ms: float = 0.0,
                 clock: bool = False) -> None:
        super().__init__(name, latency_ms=latency_ms, clock=clock)
        self.api = api or default_api()
        self._api_prefix = f"{api}/" if api and not virtual else ""
        self.virtual = virtual
        self.client_name = client_name
        self.late = self.dropped = 0
        self._queue = TimedQueue()
        self._sounding = Sounding()
        self._lock = threading.Lock()
        self._panic_asked = self._panic_done = 0
        self._stop = False
        self._lost = False
        self._probe: rtmidi.MidiOut | None = None  # looks for the port while it is gone
        self._next_look = now_us() + POLL_US
        self._midi, self.port_name = self._open()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"{self.label} sender")
        self._thread.start()

    @property
    def label(self) -> str:
        return f"{self.kind}:{self._api_prefix}{self.name}"

    # -- opening ---------------------------------------------------------------------------

    def _open(self) -> tuple[rtmidi.MidiOut, str]:
        midi = _open_midi(self.api, self.client_name, self.label)
        try:
            if self.virtual:
                midi.open_virtual_port(self.name)
                return midi, self.name
            ports = midi.get_ports()
            index = find_port(self.name, ports)
            if index is None:
                raise OutputError(self._no_port(ports))
            midi.open_port(index, name=PORT)
            return midi, ports[index]
        except rtmidi.RtMidiError as exc:
            midi.delete()
            raise OutputError(f"{self.label}: cannot open the port: {exc}") from exc
        except OutputError:
            midi.delete()
            raise

    def _no_port(self, ports: list[str]) -> str:
        folded = self.name.casefold()
        several = [port for port in ports if folded in port.casefold()]
        if len(several) > 1:
            return (f"{self.label}: {self.name!r} matches several ports: {', '.join(several)};"
                    " give more of the name")
        return f"{self.label}: no such port; ports here: {', '.join(ports) or 'none'}"

    # -- the engine's side -----------------------------------------------------------------

    def _send_at(self, message: Message, at_us: int, beat: float) -> None:
        self._queue.push(message, at_us, beat)

    def _cancel_after(self, at_us: int) -> None:
        self._queue.cancel_after(at_us)

    def _panic(self) -> None:
        self._queue.clear()
        with self._lock:
            self._panic_asked += 1
        self._queue.wake()
        if not self._thread.is_alive():  # no sender to do it (it failed): do it here
            self._panic_now()

    def _close(self) -> None:
        self._wait_panic_sent(1.0)
        self._stop = True
        self._queue.wake()
        if self._thread is not threading.current_thread():
            self._thread.join(3)
        self._drop_midi()
        self._drop_probe()
        self.status = "closed"

    def _wait_panic_sent(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self._panic_done < self._panic_asked and self._thread.is_alive():
            if time.monotonic() > deadline:
                log.warning("%s: the panic was not sent before closing", self.label)
                return
            time.sleep(0.001)

    # -- the sender thread -----------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stop:
                self._step()
        except Exception:  # keep the engine alive; say what broke
            log.exception("%s: sender thread failed", self.label)
            self.status = "failed: the sender thread stopped (see the log)"

    def _step(self) -> None:
        """One turn: panic if asked, look at the port when due, then wait for or send the
        next message."""
        seen = self._queue.version  # read first: a change after this wakes the wait below
        if self._panic_done != self._panic_asked:
            self._panic_now()
        now = now_us()
        nxt = self._queue.next_time()
        if now >= self._next_look and (self._lost or nxt is None or nxt - now > BUSY_US
                                       or now - self._next_look > OVERDUE_US):
            self._look()
        if self._lost:
            self.dropped += len(self._queue.pop_until(now + 1))
            nxt = None
        until_look = max(self._next_look - now, 1000)
        if nxt is None:
            self._queue.wait_change(seen, until_look / 1e6)
        elif nxt - now > 1500:
            self._queue.wait_change(seen, min(nxt - now - 1500, until_look) / 1e6)
        else:
            sleep_until(nxt)
            for timed in self._queue.pop_until(now_us() + 1):
                self._deliver(timed)

    def _deliver(self, timed: Timed) -> None:
        if self._lost:
            self.dropped += 1
            return
        try:
            self._midi.send_message(timed.message)
        except Exception as exc:
            self.dropped += 1
            self._lose(f"lost: sending to {self.port_name} failed ({exc}); reopening when it"
                       " is back")
            return
        if now_us() - timed.at_us > LATE_US:
            self.late += 1
        self._sounding.delivered(timed.message)

    def _panic_now(self) -> None:
        with self._lock:
            asked = self._panic_asked
        if not self._lost and self._midi is not None:
            self._send_all(self._sounding.panic_messages())
        # while lost the ledger is kept: the reopen sends the offs
        self._panic_done = asked

    def _send_all(self, messages: list[Message]) -> None:
        for message in messages:
            try:
                self._midi.send_message(message)
            except Exception as exc:
                self._lose(f"lost: sending to {self.port_name} failed ({exc}); reopening when"
                           " it is back")
                return

    # -- port upkeep (sender thread) -------------------------------------------------------

    def _look(self) -> None:
        self._next_look = now_us() + POLL_US
        if self.virtual:
            return  # our own port: nobody can take it away
        if self._lost:
            self._reopen()
            return
        try:
            ports = self._midi.get_ports()
        except Exception:
            ports = []
        if self.port_name not in ports:
            self._lose(f"lost: {self.port_name} is gone; reopening when it is back")

    def _lose(self, why: str) -> None:
        self._lost = True
        self.status = why
        log.warning("%s: %s", self.label, why)
        self._drop_midi()

    def _drop_midi(self) -> None:
        midi, self._midi = self._midi, None
        if midi is not None:
            try:
                midi.close_port()
            finally:
                midi.delete()

    def _reopen(self) -> None:
        """Open the port again if it is back; end what was sounding there first.

        The rtmidi client used to look stays open between looks (opening one costs about a
        second with rtmidi's JACK), unless it lists no port at all: then its system may have
        gone (a JACK server that stopped), and a fresh one is opened next time.
        """
        if self._probe is None:
            try:
                self._probe = _open_midi(self.api, self.client_name, self.label)
            except OutputError:
                return
        try:
            ports = self._probe.get_ports()
            index = find_port(self.name, ports)
            if index is not None:
                self._probe.open_port(index, name=PORT)
        except rtmidi.RtMidiError:
            self._drop_probe()
            return
        if index is None:
            if not ports:
                self._drop_probe()
            return
        self._midi, self.port_name, self._probe = self._probe, ports[index], None
        self._lost = False
        self.status = "ok"
        log.info("%s: reopened %s", self.label, self.port_name)
        self._send_all(self._sounding.panic_messages())

    def _drop_probe(self) -> None:
        probe, self._probe = self._probe, None
        if probe is not None:
            probe.delete()
