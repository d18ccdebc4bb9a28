"""MIDI outputs: the spec a musician types, the registry that opens it, the list of what is here.

Each backend is a module of its own, imported only when used, so a machine without JACK or
ALSA never loads their bindings. A spec is ``KIND:NAME[,option...]``:

======================  ======================================================================
``virtual:NAME``        a virtual port on the platform's own MIDI system, that synths connect
                        to (ALSA sequencer on Linux, CoreMIDI on macOS): the default
``jack:NAME``           a JACK client NAME with the MIDI port ``NAME:out``; exact frames
``alsa:NAME``           an ALSA sequencer port NAME (what ``virtual`` is on Linux)
``rtmidi:PORT``         an existing port, by its name or a unique part of it;
                        ``rtmidi:jack/PORT`` (or ``alsa/``, ``coremidi/``, ``windows/``)
                        picks rtmidi's MIDI system
``file:PATH.mid``       a recording, written when the output closes
``plugin:NAME``         a Stepista plugin instance in the DAW, by its name, its id or
                        ``#PORT``: it plays each track routed to it as a loop on the DAW's clock
``preview``             silent: keeps what would play, for the UI
======================  ======================================================================

Options: ``latency=MS`` (may be negative: play earlier to make up for a slow synth),
``clock`` (send MIDI clock too), ``connect=PORT`` (jack only, repeatable: connect to that
JACK MIDI input, and again whenever it comes back). A plugin output takes none.

>>> parse_spec("jack:x,latency=-2.5,clock,connect=synth:in")
OutputSpec(kind='jack', name='x', latency_ms=-2.5, clock=True, connect=('synth:in',))
>>> str(parse_spec("preview"))
'preview'
>>> parse_spec("jak:x")
Traceback (most recent call last):
...
ValueError: output 'jak:x': unknown kind 'jak' (expected jack, virtual, alsa, rtmidi, file, plugin or preview)
"""

from __future__ import annotations

import importlib
import math
import os
import sys
from dataclasses import dataclass
from types import ModuleType

from .base import Output, OutputError

__all__ = ["OutputSpec", "PortInfo", "parse_spec", "open_output", "open_default", "list_ports",
           "Output", "OutputError", "DEFAULT_NAME", "KINDS"]

KINDS = ("jack", "virtual", "alsa", "rtmidi", "file", "plugin", "preview")
DEFAULT_NAME = "Stepista"
RTMIDI_APIS = ("alsa", "jack", "coremidi", "windows")
MAX_LATENCY_MS = 500.0
_EXPECTED_KINDS = f"{', '.join(KINDS[:-1])} or {KINDS[-1]}"
_EXPECTED_OPTIONS = "latency=MS, clock or connect=PORT"
_EXAMPLE_NAMES = {"file": "take.mid", "rtmidi": "fluid", "plugin": "Drums"}


# -- specs ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class OutputSpec:
    """A parsed output spec; ``str()`` gives it back in its plain spelling."""
    kind: str
    name: str
    latency_ms: float = 0.0
    clock: bool = False
    connect: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = self.kind if self.kind == "preview" and self.name == "preview" else \
            f"{self.kind}:{self.name}"
        if self.latency_ms:
            text += f",latency={self.latency_ms:g}"
        if self.clock:
            text += ",clock"
        return text + "".join(f",connect={port}" for port in self.connect)


def parse_spec(text: str) -> OutputSpec:
    """Read ``KIND:NAME[,option...]``. A ValueError names the spec, the column of the part
    that is wrong, and what was expected there."""
    parts = _split(text)
    if not parts or not parts[0][1]:
        raise ValueError(f"output {text!r}: empty (expected KIND:NAME, e.g. virtual:Stepista,"
                         " jack:Stepista or file:take.mid)")
    column, head = parts[0]
    kind, name = _kind_and_name(text, column, head)
    latency, clock, connect = 0.0, False, []
    seen: set[str] = set()
    for column, option in parts[1:]:
        key, value, value_column = _option(text, column, option)
        if kind == "plugin":
            raise ValueError(f"output {text!r}: {key} at column {column} does not apply to a"
                             " plugin output (the plugin plays on the DAW's own clock)")
        if key in seen and key != "connect":
            raise ValueError(f"output {text!r}: {key} given twice (again at column {column})")
        seen.add(key)
        if key == "latency":
            latency = _latency(text, value, value_column)
        elif key == "clock":
            clock = True
        else:
            if kind != "jack":
                hint = (" (connect those with your patchbay, e.g. aconnect or qjackctl)"
                        if kind in ("virtual", "alsa", "rtmidi") else "")
                raise ValueError(f"output {text!r}: connect= at column {column} is for jack"
                                 f" outputs only{hint}")
            connect.append(value)
    return OutputSpec(kind, name, latency, clock, tuple(connect))


def _split(text: str) -> list[tuple[int, str]]:
    """The comma-separated parts, stripped, each with the (1-based) column it starts at."""
    parts, start = [], 0
    for piece in text.split(","):
        lead = len(piece) - len(piece.lstrip())
        parts.append((start + lead + 1, piece.strip()))
        start += len(piece) + 1
    return parts


def _kind_and_name(text: str, column: int, head: str) -> tuple[str, str]:
    kind, colon, name = head.partition(":")
    kind, name = kind.strip().lower(), name.strip()
    if not kind:
        raise ValueError(f"output {text!r}: missing kind before ':' at column {column}"
                         f" (expected {_EXPECTED_KINDS})")
    if kind not in KINDS:
        raise ValueError(f"output {text!r}: unknown kind {kind!r} (expected {_EXPECTED_KINDS})")
    if kind == "preview":
        return kind, name or "preview"
    if not name:
        example = _EXAMPLE_NAMES.get(kind, DEFAULT_NAME)
        raise ValueError(f"output {text!r}: missing name after '{kind}:' at column"
                         f" {column + len(kind) + 1} (expected e.g. {kind}:{example})")
    if kind == "file" and not name.lower().endswith((".mid", ".midi")):
        raise ValueError(f"output {text!r}: a file output writes a .mid file (got {name!r};"
                         " expected file:PATH.mid)")
    if kind == "plugin" and name.startswith("#"):
        from ..plugins.discovery import port_of
        try:
            port_of(name)
        except ValueError as exc:
            raise ValueError(f"output {text!r}: {str(exc).partition(': ')[2]}") from None
    if kind == "rtmidi":
        api, slash, port = name.partition("/")
        if slash and api in RTMIDI_APIS and not port:
            raise ValueError(f"output {text!r}: missing port name after 'rtmidi:{api}/'"
                             f" (expected e.g. rtmidi:{api}/fluid)")
    return kind, name


def _option(text: str, column: int, option: str) -> tuple[str, str, int]:
    """``(key, value, column of the value)`` of one option, checked for its shape."""
    key, eq, value = option.partition("=")
    key, value = key.strip(), value.strip()
    value_column = column + option.index("=") + 1 if eq else column
    if not option:
        raise ValueError(f"output {text!r}: empty option at column {column}"
                         f" (expected {_EXPECTED_OPTIONS})")
    if key not in ("latency", "clock", "connect"):
        raise ValueError(f"output {text!r}: unknown option {key!r} at column {column}"
                         f" (expected {_EXPECTED_OPTIONS})")
    if key == "clock" and eq:
        raise ValueError(f"output {text!r}: clock at column {column} takes no value"
                         " (write just ',clock')")
    if key == "latency" and not value:
        raise ValueError(f"output {text!r}: latency at column {column} needs a number of ms"
                         " (e.g. latency=12 or latency=-4.5)")
    if key == "connect" and not value:
        raise ValueError(f"output {text!r}: connect at column {column} needs a JACK port"
                         " (e.g. connect=fluidsynth:midi_00)")
    return key, value, value_column


def _latency(text: str, value: str, column: int) -> float:
    try:
        latency = float(value)
    except ValueError:
        latency = math.nan
    if not math.isfinite(latency):
        raise ValueError(f"output {text!r}: latency={value!r} is not a number of ms (at column"
                         f" {column}; e.g. latency=12 or latency=-4.5)")
    if abs(latency) > MAX_LATENCY_MS:
        raise ValueError(f"output {text!r}: latency {latency:g} ms at column {column} is"
                         f" outside -{MAX_LATENCY_MS:g}..{MAX_LATENCY_MS:g}")
    return latency


# -- opening -------------------------------------------------------------------------------

def open_output(spec: OutputSpec | str) -> Output:
    """Open what ``spec`` names. OutputError says why it cannot (what and where)."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    output = _OPENERS[spec.kind](spec)
    if spec.kind == "virtual":
        output.kind = "virtual"  # labelled as typed: the engine finds outputs by label
    return output


_NEEDS = {"jack": "JACK support (the JACK-Client package and libjack)",
          "alsa": "ALSA support (the alsa-midi package and libasound)",
          "rtmidi_out": "python-rtmidi", "recorder": "mido", "preview": "stepista itself",
          "plugin": "python-osc"}


def _backend(module: str, spec: OutputSpec) -> ModuleType:
    """Import a backend module; when its binding or C library is missing, say which."""
    try:
        return importlib.import_module(f".{module}", __name__)
    except (ImportError, OSError) as exc:
        raise OutputError(f"{spec.kind}:{spec.name}: {_NEEDS[module]} is not installed here"
                          f" ({exc})") from exc


def _timing(spec: OutputSpec) -> dict:
    return {"latency_ms": spec.latency_ms, "clock": spec.clock}


def _open_jack(spec: OutputSpec) -> Output:
    return _backend("jack", spec).JackOutput(spec.name, connect=spec.connect, **_timing(spec))


def _open_virtual(spec: OutputSpec) -> Output:
    if sys.platform == "darwin":
        backend = _backend("rtmidi_out", spec)
        return backend.RtMidiOutput(spec.name, api="coremidi", virtual=True, **_timing(spec))
    if sys.platform.startswith("linux"):
        return _open_alsa(spec)
    raise OutputError(f"virtual:{spec.name}: Windows has no virtual MIDI ports; install a"
                      " loopback driver (loopMIDI) and use rtmidi:NAME")


def _open_alsa(spec: OutputSpec) -> Output:
    if not sys.platform.startswith("linux"):
        raise OutputError(f"alsa:{spec.name}: ALSA is Linux only; use virtual:{spec.name}")
    problem = _alsa_problem()
    if problem:  # say it before libasound gets the chance to complain on stderr
        raise OutputError(f"{spec.kind}:{spec.name}: {problem}")
    return _backend("alsa", spec).AlsaOutput(spec.name, **_timing(spec))


def _open_rtmidi(spec: OutputSpec) -> Output:
    backend = _backend("rtmidi_out", spec)
    api, slash, port = spec.name.partition("/")
    if slash and api in RTMIDI_APIS:
        return backend.RtMidiOutput(port, api=api, **_timing(spec))
    return backend.RtMidiOutput(spec.name, **_timing(spec))


def _open_file(spec: OutputSpec) -> Output:
    return _backend("recorder", spec).RecorderOutput(spec.name)  # beats: no latency, no clock


def _open_preview(spec: OutputSpec) -> Output:
    return _backend("preview", spec).PreviewOutput(spec.name, **_timing(spec))


def _open_plugin(spec: OutputSpec) -> Output:
    return _backend("plugin", spec).PluginOutput(spec.name)  # its own clock: no timing options


_OPENERS = {"jack": _open_jack, "virtual": _open_virtual, "alsa": _open_alsa,
            "rtmidi": _open_rtmidi, "file": _open_file, "plugin": _open_plugin,
            "preview": _open_preview}


def open_default(name: str = DEFAULT_NAME) -> tuple[Output, str | None]:
    """The output to use when none is asked for, and what to tell the musician about it.

    A virtual port on the platform's own MIDI system (message None); if that cannot open,
    the JACK port ``NAME:out`` when a JACK server runs (the message says why and where);
    else the silent preview, with a message saying that nothing will be heard and why.
    """
    reasons = []
    try:
        return open_output(OutputSpec("virtual", name)), None
    except OutputError as exc:
        reasons.append(str(exc))
    if _jack_server_running():
        try:
            output = open_output(OutputSpec("jack", name))
        except OutputError as exc:
            reasons.append(str(exc))
        else:
            return output, (f"{reasons[0]}; playing to the JACK port {output.name}:out instead"
                            " (connect it to a synth)")
    else:
        reasons.append("no JACK server is running")
    from .preview import PreviewOutput
    return PreviewOutput(), ("nothing will be heard: " + "; ".join(reasons) + ". Playing to"
                             " the silent preview; see `stepista ports` for what can be opened.")


# -- what is here --------------------------------------------------------------------------

@dataclass(frozen=True)
class PortInfo:
    """One line of ``stepista ports``: the spec to give ``--output``, what it is, and whether
    it can be opened here (when not, ``description`` says why)."""
    spec: str
    description: str
    available: bool = True

    def to_json(self) -> dict:
        return {"spec": self.spec, "description": self.description, "available": self.available}


def list_ports() -> list[PortInfo]:
    """Everything ``--output`` can open on this machine, and what cannot be opened and why:
    the native virtual port first, then JACK, rtmidi's ports, the plugin instances that
    answer, a file, the preview."""
    return [_virtual_info(), *_jack_infos(), *_rtmidi_infos(), *_plugin_infos(),
            PortInfo("file:PATH.mid", "record to a Standard MIDI File, written when stopped"),
            PortInfo("preview", "silent: shows what would play (nothing is heard)")]


def _alsa_problem() -> str | None:
    if not os.path.exists("/dev/snd/seq"):
        return "no ALSA sequencer (/dev/snd/seq is missing; is the snd-seq module loaded?)"
    return None


def _virtual_info() -> PortInfo:
    spec = f"virtual:{DEFAULT_NAME}"
    if sys.platform == "darwin":
        return PortInfo(spec, "CoreMIDI virtual port that synths connect to (the default)")
    if not sys.platform.startswith("linux"):
        return PortInfo(spec, "not here: Windows has no virtual MIDI ports (use a loopback"
                        " driver such as loopMIDI through rtmidi:NAME)", False)
    problem = _alsa_problem()
    if problem:
        return PortInfo(spec, f"ALSA sequencer port (the default): not here: {problem}", False)
    try:
        import alsa_midi  # noqa: F401
    except (ImportError, OSError) as exc:
        return PortInfo(spec, f"ALSA sequencer port: not here: alsa-midi is missing ({exc})",
                        False)
    return PortInfo(spec, "ALSA sequencer port that synths subscribe to (the default)")


def _jack_server_running() -> bool:
    from .jack import server_running
    return server_running()


def _jack_infos() -> list[PortInfo]:
    spec = f"jack:{DEFAULT_NAME}"
    from .jack import JACK_MISSING, midi_input_ports, server_running
    if JACK_MISSING:
        return [PortInfo(spec, f"JACK MIDI port: {JACK_MISSING}", False)]
    if not server_running():
        return [PortInfo(spec, f"JACK MIDI port {DEFAULT_NAME}:out: no JACK server is running",
                         False)]
    infos = [PortInfo(spec, f"JACK MIDI port {DEFAULT_NAME}:out, each message on its exact"
                      " frame")]
    infos += [PortInfo(f"{spec},connect={port}", f"the same, connected to JACK input {port}")
              for port in midi_input_ports()]
    return infos


def _rtmidi_infos() -> list[PortInfo]:
    try:
        from .rtmidi_out import compiled_apis, default_api, list_output_ports
    except ImportError as exc:
        return [PortInfo("rtmidi:PORT", f"existing MIDI ports: python-rtmidi is missing ({exc})",
                         False)]
    infos = []
    for api in compiled_apis():
        prefix = "" if api == default_api() else f"{api}/"
        problem = _rtmidi_problem(api)
        if problem:  # probing anyway would only make the C libraries complain on stderr
            infos.append(PortInfo(f"rtmidi:{prefix}PORT", f"existing {api} ports: {problem}",
                                  False))
            continue
        try:
            ports = list_output_ports(api)
        except OutputError as exc:
            infos.append(PortInfo(f"rtmidi:{prefix}PORT", str(exc), False))
            continue
        infos += [PortInfo(f"rtmidi:{prefix}{port}", f"existing {api} port {port!r}")
                  for port in ports]
        if not ports:
            infos.append(PortInfo(f"rtmidi:{prefix}PORT", f"existing {api} ports: none here",
                                  False))
    return infos


def _plugin_infos() -> list[PortInfo]:
    try:
        from ..plugins.discovery import find_instances, instance_spec
        from ..plugins.protocol import PORT_RANGE, SYNC_MODES
    except ImportError as exc:
        return [PortInfo("plugin:NAME", f"Stepista plugin instances: python-osc is missing ({exc})",
                         False)]
    try:
        instances = find_instances()
    except OSError as exc:
        return [PortInfo("plugin:NAME", f"Stepista plugin instances: cannot look ({exc})", False)]
    if not instances:
        return [PortInfo("plugin:NAME", f"no Stepista plugin instance answered on {PORT_RANGE}",
                         False)]
    return [PortInfo(instance_spec(i, instances),
                     f"Stepista plugin {i.name!r} (id {i.id}, port {i.port}), following the"
                     f" {SYNC_MODES.get(i.sync, 'host transport')}, which is"
                     f" {'playing' if i.playing else 'stopped'}")
            for i in instances]


def _rtmidi_problem(api: str) -> str | None:
    if api == "alsa":
        return _alsa_problem()
    if api == "jack" and not _jack_server_running():
        return "no JACK server is running"
    return None
