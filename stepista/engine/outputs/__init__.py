"""MIDI outputs, one module per backend, chosen by a spec string and imported lazily
(a machine without JACK or ALSA never imports their bindings).

A spec is ``KIND:NAME[,option…]``:

======================  ===================================================================
``jack:NAME``           a JACK client NAME with the MIDI port ``NAME:out``; events at exact frames
``virtual:NAME``        a virtual port on the platform's own API (ALSA sequencer on Linux,
                        CoreMIDI on macOS)
``alsa:NAME``           an ALSA sequencer virtual port with queue-timestamped delivery
``rtmidi:PORT``         an existing port by name (``rtmidi:jack/PORT`` through rtmidi's JACK API)
``file:PATH.mid``       a recording, written when the output closes
``preview``             silent: what would play, kept for the UI
======================  ===================================================================

Options: ``latency=MS`` (may be negative), ``clock`` (send MIDI clock), ``connect=PORT``
(JACK: connect to that input port; repeatable).

>>> parse_spec("jack:x,latency=-2.5,clock,connect=synth:in")
OutputSpec(kind='jack', name='x', latency_ms=-2.5, clock=True, connect=('synth:in',))
>>> parse_spec("jak:x")
Traceback (most recent call last):
...
ValueError: output 'jak:x': unknown kind 'jak' (expected jack, virtual, alsa, rtmidi, file or preview)
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field

from .base import Output, OutputError

__all__ = ["OutputSpec", "parse_spec", "open_output", "open_default", "list_ports", "PortInfo",
           "Output", "OutputError", "DEFAULT_NAME"]

KINDS = ("jack", "virtual", "alsa", "rtmidi", "file", "preview")
DEFAULT_NAME = "Stepista"


@dataclass(frozen=True)
class OutputSpec:
    kind: str
    name: str
    latency_ms: float = 0.0
    clock: bool = False
    connect: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = self.kind + (f":{self.name}" if self.name else "")
        if self.latency_ms:
            text += f",latency={self.latency_ms:g}"
        if self.clock:
            text += ",clock"
        return text + "".join(f",connect={p}" for p in self.connect)


def parse_spec(text: str) -> OutputSpec:
    """Read an output spec; ValueError names the spec, the part that is wrong and why."""
    head, *options = [part.strip() for part in text.split(",")]
    kind, colon, name = head.partition(":")
    if kind not in KINDS:
        raise ValueError(f"output {text!r}: unknown kind {kind!r} (expected "
                         f"{', '.join(KINDS[:-1])} or {KINDS[-1]})")
    if kind != "preview" and not name:
        raise ValueError(f"output {text!r}: {kind} needs a name, e.g. {kind}:"
                         f"{'take.mid' if kind == 'file' else DEFAULT_NAME}")
    if kind == "file" and not name.lower().endswith((".mid", ".midi")):
        raise ValueError(f"output {text!r}: a file output writes a .mid file (got {name!r})")
    latency, clock, connect = 0.0, False, []
    for option in options:
        key, eq, value = option.partition("=")
        if key == "latency" and eq:
            try:
                latency = float(value)
            except ValueError:
                raise ValueError(f"output {text!r}: latency={value!r} is not a number of ms") from None
            if not -500 <= latency <= 500:
                raise ValueError(f"output {text!r}: latency {latency:g} ms is outside -500..500")
        elif key == "clock" and not eq:
            clock = True
        elif key == "connect" and eq and value:
            if kind != "jack":
                raise ValueError(f"output {text!r}: connect= is for jack outputs only")
            connect.append(value)
        else:
            raise ValueError(f"output {text!r}: unknown option {option!r} "
                             "(expected latency=MS, clock or connect=PORT)")
    return OutputSpec(kind, name, latency, clock, tuple(connect))


def _alsa_problem() -> str | None:
    """Why the ALSA sequencer cannot be used here, or None."""
    if not os.path.exists("/dev/snd/seq"):
        return "no ALSA sequencer on this machine (/dev/snd/seq is missing)"
    return None


def _native_virtual_kind() -> str | None:
    if sys.platform.startswith("linux"):
        return "alsa"
    if sys.platform == "darwin":
        return "coremidi"
    return None  # Windows has no virtual ports: route through a loopback port


def open_output(spec: OutputSpec | str) -> Output:
    """Open the output a spec names; OutputError says why it cannot."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    kw = {"latency_ms": spec.latency_ms, "clock": spec.clock}
    kind = spec.kind
    if kind == "virtual":
        native = _native_virtual_kind()
        if native is None:
            raise OutputError(f"{spec}: this platform has no virtual MIDI ports; "
                              "use a loopback port (rtmidi:NAME) instead")
        kind = "alsa" if native == "alsa" else "coremidi"
    if kind == "preview":
        from .preview import PreviewOutput
        return PreviewOutput(spec.name, **kw)
    if kind == "file":
        from .recorder import RecorderOutput
        return RecorderOutput(spec.name, **kw)
    if kind == "jack":
        from .jack import JackOutput
        return JackOutput(spec.name, connect=spec.connect, **kw)
    if kind == "alsa":
        from .alsa import AlsaOutput
        return AlsaOutput(spec.name, **kw)
    from .rtmidi_out import RtMidiOutput
    if kind == "coremidi":
        return RtMidiOutput(spec.name, virtual=True, **kw)
    api, slash, port = spec.name.partition("/")
    if slash and api in ("jack", "alsa", "coremidi", "windows"):
        return RtMidiOutput(port, api=api, **kw)
    return RtMidiOutput(spec.name, **kw)


def jack_running() -> bool:
    """Whether a JACK server answers (without starting one)."""
    try:
        import jack
    except (ImportError, OSError):
        return False
    jack.set_error_function(lambda message: None)
    try:
        jack.Client("stepista-probe", no_start_server=True).close()
        return True
    except jack.JackError:
        return False
    finally:
        jack.set_error_function(None)


def open_default(name: str = DEFAULT_NAME) -> tuple[Output, str | None]:
    """A virtual port ``name`` on the native API; else JACK when a server runs; else the
    silent preview, with a message saying that nothing will be heard and why."""
    reasons = []
    native = _native_virtual_kind()
    if native == "alsa" and _alsa_problem():
        reasons.append(_alsa_problem())
    elif native is not None:
        try:
            return open_output(OutputSpec("virtual", name)), None
        except OutputError as exc:
            reasons.append(str(exc))
    else:
        reasons.append("this platform has no virtual MIDI ports")
    if jack_running():
        try:
            return open_output(OutputSpec("jack", name)), None
        except OutputError as exc:
            reasons.append(str(exc))
    else:
        reasons.append("no JACK server is running")
    from .preview import PreviewOutput
    return PreviewOutput(), ("nothing will be heard: playing to the silent preview output ("
                             + "; ".join(reasons) + "). See 'stepista ports'.")


@dataclass(frozen=True)
class PortInfo:
    """One line of ``stepista ports``: the spec to pass to --output and what it is."""
    spec: str
    description: str
    available: bool = True
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        return {"spec": self.spec, "description": self.description, "available": self.available}


def list_ports() -> list[PortInfo]:
    """Everything ``--output`` can open on this machine, and what cannot be and why."""
    ports = [_virtual_port_info()]
    ports += _jack_ports()
    ports += _rtmidi_ports()
    ports.append(PortInfo("file:PATH.mid", "record to a standard MIDI file, written on stop"))
    ports.append(PortInfo("preview", "silent: shows what would play"))
    return ports


def _virtual_port_info() -> PortInfo:
    native = _native_virtual_kind()
    if native is None:
        return PortInfo(f"virtual:{DEFAULT_NAME}", "no virtual ports on this platform "
                        "(use a loopback port through rtmidi:NAME)", False)
    if native == "alsa":
        problem = _alsa_problem()
        return PortInfo(f"virtual:{DEFAULT_NAME}", "ALSA sequencer virtual port (the default)"
                        if problem is None else f"ALSA sequencer virtual port: {problem}",
                        problem is None)
    return PortInfo(f"virtual:{DEFAULT_NAME}", "CoreMIDI virtual port (the default)")


def _jack_ports() -> list[PortInfo]:
    if shutil.which("jackd") is None and not jack_running():
        return [PortInfo("jack:NAME", "JACK MIDI port NAME:out: no JACK here", False)]
    if not jack_running():
        return [PortInfo("jack:NAME", "JACK MIDI port NAME:out: no JACK server is running", False)]
    import jack
    client = jack.Client("stepista-ports", no_start_server=True)
    try:
        inputs = [p.name for p in client.get_ports(is_midi=True, is_input=True)]
    finally:
        client.close()
    out = [PortInfo(f"jack:{DEFAULT_NAME}", "JACK MIDI port Stepista:out, events at exact frames")]
    out += [PortInfo(f"jack:{DEFAULT_NAME},connect={name}", f"... connected to JACK input {name}")
            for name in inputs]
    return out


def _rtmidi_ports() -> list[PortInfo]:
    try:
        import rtmidi
    except ImportError:
        return []
    out = []
    for api in rtmidi.get_compiled_api():
        api_name = rtmidi.get_api_name(api)
        if (api_name == "jack" and not jack_running()) or (api_name == "alsa" and _alsa_problem()):
            continue  # probing would only print the C library's complaints
        try:
            midi_out = rtmidi.MidiOut(api, name="stepista-ports")
        except Exception:  # the API is compiled in but not usable here (no ALSA sequencer)
            continue
        try:
            for port in midi_out.get_ports():
                prefix = "jack/" if api_name == "jack" else ""
                out.append(PortInfo(f"rtmidi:{prefix}{port}", f"existing {api_name} port {port!r}"))
        finally:
            midi_out.delete()
    return out
