"""The Stepista TUI: tracks, piano roll, knobs, live-code prompt and status, on the engine.

The app never sits on the timing path. It evaluates and generates in worker threads, hands the
engine finished patterns over IPC (:mod:`tui.engine_link`), and reads back the engine's
beat and tempo a few times a second. Between those readings the playhead is extrapolated
from the last reading (beat + elapsed host time x tempo), so it moves smoothly at the frame
rate while the engine is asked only ten times a second.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from bisect import bisect_right
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Select

from stepista.clip import Clip, pattern_to_clip
from stepista.engine.hosttime import now_us
from stepista.errors import StepistaSyntaxError
from stepista.generate import PARTS, b_section, continue_clip, fill, generate, humanize, takes
from stepista.lang import evaluate
from stepista.midifile import write_midi
from stepista.pattern import Pattern
from stepista.styles import NOTE_LENGTHS, load_style, style_ids
from stepista.theory import parse_key

from .asking import adopt, answered_by, base_request, context_clips, style_name
from .commands import COMMANDS, bindings
from .engine_link import EngineError, EngineLink, EngineOptions
from .help import HelpScreen
from .outputs import output_choices
from .session import (
    MODES, TONICS, Params, Session, clip_with_channel, loop_beats,
)
from .widgets.ask_line import AskLine
from .widgets.code_prompt import CodePrompt
from .widgets.knob import Knob
from .widgets.piano_roll import PianoRoll
from .widgets.status_bar import EngineView, StatusBar
from .widgets.track_list import TrackList, TrackRow

FRAME_HZ = 40
"""Playhead, phase and activity redraws per second (only what moved is redrawn)."""
AUTOSAVE_S = 2.0
TAKES = 4
"""How many takes one generate makes, to audition with [ and ]."""
PLUGIN_POLL_S = 2.0
"""How often the app asks the engine which plugin instances it has heard of."""
PLUGIN_SCAN_EVERY = 5
"""Every this many polls the engine pings the whole port range (0.25 s, off its timing path)."""
REGENERATE_AFTER_S = 0.3
"""A knob turned on a generated clip regenerates it once the knob rests this long."""


@dataclass(frozen=True)
class KnobSpec:
    param: str
    label: str
    options: dict


KNOBS: tuple[KnobSpec, ...] = (
    KnobSpec("key", "key", {"choices": list(TONICS)}),
    KnobSpec("mode", "mode", {"choices": list(MODES)}),
    KnobSpec("density", "density", {"minimum": 0, "maximum": 100, "step": 1, "coarse": 10}),
    KnobSpec("velocity", "velocity", {"minimum": 1, "maximum": 127, "step": 1, "coarse": 10}),
    KnobSpec("accent", "accent", {"minimum": 0, "maximum": 100, "step": 1, "coarse": 10}),
    KnobSpec("swing", "swing", {"minimum": 50, "maximum": 75, "step": 1, "coarse": 5,
                                "fmt": lambda v: f"{v:g}%"}),
    KnobSpec("length", "length", {"choices": list(NOTE_LENGTHS)}),
    KnobSpec("octave", "octave", {"minimum": -3, "maximum": 3, "step": 1, "coarse": 1,
                                  "fmt": lambda v: f"{int(v):+d} oct" if v else "0 oct"}),
    KnobSpec("bars", "loop", {"minimum": 1, "maximum": 16, "step": 1, "coarse": 4,
                              "fmt": lambda v: f"{int(v)} bar" + ("s" if v != 1 else "")}),
    KnobSpec("tension", "tension", {"minimum": 0, "maximum": 100, "step": 1, "coarse": 10}),
    KnobSpec("improvise", "improvise", {"minimum": 0, "maximum": 100, "step": 1, "coarse": 10}),
    KnobSpec("speed", "speed", {"minimum": 20, "maximum": 300, "step": 0.5, "coarse": 5,
                                "fmt": lambda v: f"{v:.1f} BPM"}),
)


@dataclass
class Timeline:
    """The engine's last reading: ``beat`` at host time ``time_us``, at ``tempo``."""
    beat: float
    time_us: int
    tempo: float
    playing: bool

    def beat_at(self, us: int) -> float:
        return self.beat + (us - self.time_us) * self.tempo / 60e6


def engine_name(index: int) -> str:
    return f"t{index + 1}"


class StepistaApp(App):
    """The instrument. ``clock`` (host µs) is injectable so tests can drive the playhead."""

    TITLE = "Stepista"
    CSS_PATH = "stepista.tcss"
    BINDINGS = bindings()
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (150, "-wide")]  # knobs in two rows below 150 columns

    def __init__(self, session: Session, session_path: Path | None, *, engine: EngineOptions | None = None,
                 export_dir: Path | None = None, notice: str | None = None,
                 clock: Callable[[], int] = now_us, connect: bool = True, ai_client=None) -> None:
        super().__init__()
        self.session = session
        self.session_path = session_path
        self.engine_options = engine or EngineOptions()
        self.export_dir = export_dir or Path.cwd() / "stepista-exports"
        self.clock = clock
        self._connect = connect
        self._startup_notice = notice
        self.link: EngineLink | None = None
        self.timeline: Timeline | None = None
        self.view = EngineView(ai=_ai_state())
        self._patterns: dict[int, Pattern] = {}
        self._shown: dict[int, Clip | None] = {}
        self._onsets: dict[int, Onsets] = {}
        self._in_engine: set[int] = set()
        self._dirty = False
        self._last_beat: float | None = None
        self._regenerate_handle: asyncio.TimerHandle | None = None
        self._started_once = False
        self._told: str | None = None
        self._shown_error: str | None = None
        self.link_events: deque[dict] = deque(maxlen=256)  # the engine's recent events, newest last
        self.ai_client = ai_client  # an anthropic.Anthropic; None: made from the config when a key is set
        self._ask_cancel = threading.Event()
        self.plugins: list[dict] = []  # the plugin instances found, as the engine's `plugins` op says
        self._plugin_polls = 0

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="side"):
                yield TrackList(id="tracks", own_timer=False)  # decays on the frame clock
                yield Select([(load_style(s).name, s) for s in style_ids()], id="style",
                             allow_blank=False, value=self.session.track.style, prompt="style")
            yield PianoRoll(id="roll")
        with Horizontal(id="knobs"):
            for spec in KNOBS:
                yield Knob(spec.label, value=self._param_value(spec.param), param=spec.param,
                           id=f"knob-{spec.param}", **spec.options)
        yield CodePrompt(id="prompt")
        yield AskLine(id="ask")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        # the main screen's widgets, kept: while the help screen is up, queries see only it
        self.roll = self.query_one(PianoRoll)
        self.status_bar = self.query_one(StatusBar)
        self.prompt = self.query_one(CodePrompt)
        self.ask_line = self.query_one(AskLine)
        self.track_list = self.query_one(TrackList)
        self.style_select = self.query_one("#style", Select)
        self.knobs = {k.param: k for k in self.query(Knob)}
        self._evaluate_saved_code()  # before the roll first shows the selected track
        self._refresh_tracks()
        self._show_selected()
        self.status_bar.update_view(self.view)
        self.set_interval(1 / FRAME_HZ, self._frame)
        self.set_interval(AUTOSAVE_S, self._autosave)
        self.set_interval(PLUGIN_POLL_S, self._poll_plugins)
        if self._startup_notice:
            self.notify(self._startup_notice, timeout=6)
        self.prompt.load_history(self.session.history)
        if self.session.tracks[0].source == "empty" and not any(
                t.source != "empty" for t in self.session.tracks):
            self._first_beat()
        if self._connect:
            self.link = EngineLink(self.engine_options, on_status=self._on_status,
                                   on_event=self._on_event, on_state=self._on_engine_state,
                                   on_connected=self._on_connected)
            self.link.start()
        self.roll.focus()
        # Everything built so far lives as long as the app: keep it out of the collector's
        # sight, so a full collection takes well under a ms instead of ~30 ms (a frame's gap).
        gc.freeze()

    def _first_beat(self) -> None:
        """A fresh session starts with a beat on track 1, so there is something to hear."""
        track = self.session.tracks[0]
        clips = takes(track.gen_params(self.session.tempo), TAKES)
        track.set_takes(clips)
        track.source, track.clip = "clip", clips[0]
        self._track_changed(0, send=False)

    def _evaluate_saved_code(self) -> None:
        for i, track in enumerate(self.session.tracks):
            if track.source == "code":
                try:
                    self._patterns[i] = _single_pattern(evaluate(track.code))
                except (StepistaSyntaxError, ValueError) as exc:
                    track.source = "empty"
                    self.notify(f"track {i + 1}: saved code no longer reads: {exc}", severity="warning")
                self._forget(i)

    # -- the engine -------------------------------------------------------------------------

    async def _on_connected(self) -> None:
        self._in_engine.clear()
        try:
            await self.link.request({"op": "link", "enabled": self.session.link,
                                     "quantum": self.session.quantum})
            status = await self.link.request({"op": "status"})
            if not status["clock"]["peers"]:
                await self.link.request({"op": "tempo", "bpm": self.session.tempo})
            for i in range(len(self.session.tracks)):
                await self._send_track(i, quantize="quantum")
            if not status["clock"]["playing"] and not self._started_once:
                await self.link.request({"op": "start"})
            self._started_once = True
        except EngineError as exc:
            self.notify(f"engine: {exc}", severity="error")

    def _on_status(self, status: dict) -> None:
        clock = status["clock"]
        self.timeline = Timeline(clock["beat"], clock["time_us"], clock["tempo"],
                                 bool(status.get("playing")))
        health = status.get("health", {})
        outputs = {label: str(state) for label, state in status.get("outputs", {}).items()}
        notices = status.get("notices") or []
        if notices and notices[-1] != self._told:
            self._told = notices[-1]  # say it once in full; the status bar keeps it short
            self.notify(notices[-1], severity="warning", timeout=12)
        self.view = EngineView(connected=True, link=clock["link"], peers=clock["peers"],
                               tempo=clock["tempo"], quantum=clock["quantum"],
                               playing=self.timeline.playing, outputs=outputs,
                               notice=notices[-1] if notices else None, ai=self.view.ai,
                               late=health.get("late", 0), tick_ms=health.get("tick_ms", 0.0),
                               message=self.view.message, plugins=self.view.plugins)
        self.status_bar.update_view(self.view)
        self._follow_link_tempo(clock)
        self._mark_errors(status.get("tracks", {}))

    def _follow_link_tempo(self, clock: dict) -> None:
        knob = self.knobs["speed"]
        peers = clock["peers"] if clock["link"] else 0
        knob.locked = bool(peers)
        knob.lock_reason = f"Link · {peers} peer{'s' if peers != 1 else ''}" if peers else ""
        if peers or self.session.tempo != clock["tempo"] and not knob.has_focus:
            self.session.tempo = float(clock["tempo"])
            knob.set_value(self.session.tempo, quiet=True)

    def _mark_errors(self, tracks: dict) -> None:
        """A pattern that fails while playing: say so under the prompt, once per error."""
        error = tracks.get(engine_name(self.session.selected), {}).get("error")
        if error and error != self._shown_error:
            self.prompt.show_error(error, note="the engine plays the last good pattern")
        self._shown_error = error

    def _on_event(self, event: dict) -> None:
        self.link_events.append(event)
        kind = event.get("event")
        if kind == "error":
            self.notify(event.get("error", "error"), severity="error", timeout=6)
        elif kind == "swapped" and event.get("beat", -1) >= 0:  # (stopped: applied at once)
            bar, beat = divmod(int(event["beat"]), 4)
            self._set_message(f"{event.get('track')} swapped in at bar {bar + 1}, beat {beat + 1}")

    def _on_engine_state(self, text: str) -> None:
        connected = text == "engine: connected"
        if not connected:
            self.view = EngineView(**{**self.view.__dict__, "connected": False, "message": text})
            self.status_bar.update_view(self.view)

    def _set_message(self, text: str | None) -> None:
        self.view.message = text
        self.status_bar.update_view(self.view)

    async def _send_track(self, index: int, quantize="quantum", cut: bool = False,
                          code: str | None = None) -> None:
        """Hand the engine what track ``index`` should play now (or take it away). ``code``
        sends that code instead of the track's, before the track takes it."""
        if self.link is None or not self.link.connected:
            return
        track = self.session.tracks[index]
        name = engine_name(index)
        if code is None and not self.session.audible(index):
            if index in self._in_engine:
                self._in_engine.discard(index)
                await self.link.request({"op": "remove", "track": name, "quantize": "now", "cut": True})
            return
        if code is not None or track.source == "code":
            message = {"op": "play", "code": code or track.code, "track": name, "channel": track.channel}
        else:
            clip = clip_with_channel(track.clip, track.channel)
            message = {"op": "clip", "track": name, "clip": clip.model_dump(mode="json")}
        outputs = [track.output] if track.output else []  # []: every (MIDI) output
        await self.link.request({**message, "outputs": outputs, "quantize": quantize, "cut": cut})
        self._in_engine.add(index)

    @work(group="send", exclusive=False)
    async def _send(self, index: int, quantize="quantum", cut: bool = False) -> None:
        try:
            await self._send_track(index, quantize, cut)
        except EngineError as exc:
            self._refused(index, exc)

    def _refused(self, index: int, exc: Exception) -> None:
        if index == self.session.selected:
            self.prompt.show_error(str(exc), note="still playing the previous pattern")
        self.notify(f"track {index + 1}: {exc}", severity="error", timeout=6)

    # -- frames: playhead, phase, activity, playing tokens ----------------------------------

    def beat_now(self) -> float | None:
        if self.timeline is None or not self.timeline.playing:
            return None
        return self.timeline.beat_at(self.clock())

    def _frame(self) -> None:
        beat = self.beat_now()
        roll = self.roll
        roll.set_playhead(beat)
        self.status_bar.set_beat(beat)
        if beat is not None:
            self._activity(beat)
            self._light_tokens(beat)
        self.track_list.decay()
        self._last_beat = beat

    def _activity(self, beat: float) -> None:
        previous = self._last_beat if self._last_beat is not None else beat
        tracks = self.track_list
        for i in range(len(self.session.tracks)):
            if not self.session.audible(i):
                continue
            onsets = self._onsets.get(i)
            if onsets is None:
                onsets = self._onsets[i] = Onsets(self._shown_clip(i))
            level = onsets.loudest_between(previous, beat)
            if level:
                tracks.set_activity(i, level)

    def _light_tokens(self, beat: float) -> None:
        index = self.session.selected
        pattern = self._patterns.get(index)
        prompt = self.prompt
        if pattern is None or self.session.tracks[index].source != "code":
            prompt.set_playing("", ())
            return
        cycle = Fraction(beat / 4).limit_denominator(1 << 16)
        try:
            events = pattern.query_arc(cycle, cycle + Fraction(1, 1 << 12))
        except Exception:  # a pattern failing at play time is the engine's to report
            return
        spans = {loc for e in events for loc in e.locations}
        prompt.set_playing(self.session.tracks[index].code, sorted(spans))

    # -- what the roll shows -----------------------------------------------------------------

    def _forget(self, index: int) -> None:
        """Track ``index`` changed: what the roll and the meters know of it is stale."""
        self._shown.pop(index, None)
        self._onsets.pop(index, None)

    def _shown_clip(self, index: int) -> Clip | None:
        if index not in self._shown:
            self._shown[index] = self._display_clip(index)
        return self._shown[index]

    def _display_clip(self, index: int) -> Clip | None:
        track = self.session.tracks[index]
        if track.source == "clip" and track.clip is not None:
            return clip_with_channel(track.clip, track.channel)
        pattern = self._patterns.get(index)
        if track.source == "code" and pattern is not None:
            try:
                return pattern_to_clip(pattern, Fraction(loop_beats(track) / 4), channel=track.channel)
            except Exception:
                return None
        return None

    def _show_selected(self) -> None:
        index = self.session.selected
        track = self.session.track
        key = parse_key(track.params.key_name) if not track.drums else None
        self.roll.show(self._shown_clip(index), drums=track.drums, key=key)
        self._reflect_knobs()
        style = self.style_select
        if style.value != track.style:
            with style.prevent(Select.Changed):
                style.value = track.style
        prompt = self.prompt
        prompt.set_text(track.code if track.source == "code" else "")
        prompt.clear_error()

    def _reflect_knobs(self) -> None:
        for spec in KNOBS:
            self.knobs[spec.param].set_value(self._param_value(spec.param), quiet=True)

    def _param_value(self, param: str):
        return self.session.tempo if param == "speed" else getattr(self.session.track.params, param)

    def _refresh_tracks(self) -> None:
        rows = [TrackRow(index=i, name=t.name, summary=t.summary(), channel=t.channel,
                         muted=t.muted, soloed=t.soloed, playing=self.session.audible(i))
                for i, t in enumerate(self.session.tracks)]
        tracks = self.track_list
        tracks.set_rows(rows)
        tracks.selected = self.session.selected

    def _track_changed(self, index: int, *, send: bool = True, quantize="quantum", cut: bool = False) -> None:
        """After any change to a track: redraw what shows it, send it, remember to save."""
        self._forget(index)
        if index == self.session.selected:
            self._show_selected()
        self._refresh_tracks()
        self._dirty = True
        if send:
            self._send(index, quantize, cut)

    # -- widgets' messages ------------------------------------------------------------------

    @on(TrackList.Selected)
    def _track_selected(self, event: TrackList.Selected) -> None:
        self.action_select_track(event.index)

    @on(TrackList.ToggleMute)
    def _mute_clicked(self, event: TrackList.ToggleMute) -> None:
        self._toggle(event.index, "muted")

    @on(TrackList.ToggleSolo)
    def _solo_clicked(self, event: TrackList.ToggleSolo) -> None:
        self._toggle(event.index, "soloed")

    @on(Select.Changed, "#style")
    def _style_chosen(self, event: Select.Changed) -> None:
        track = self.session.track
        if event.value in (Select.BLANK, track.style):
            return
        track.style = event.value
        track.params = Params.for_style(track.style, track.part)
        self._reflect_knobs()
        self._regenerate_soon()
        self._track_changed(self.session.selected, send=False)

    @on(Knob.Changed)
    def _knob_turned(self, event: Knob.Changed) -> None:
        param = event.knob.param
        if param == "speed":
            self.session.tempo = float(event.value)
            self._dirty = True
            self._request({"op": "tempo", "bpm": self.session.tempo})
            return
        try:
            setattr(self.session.track.params, param, event.value)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        self._dirty = True
        if param in ("key", "mode"):
            self._forget(self.session.selected)
            self._show_selected()
        self._regenerate_soon()

    @on(Knob.Refused)
    def _knob_refused(self, event: Knob.Refused) -> None:
        self.notify(f"{event.knob.label} follows the Link session ({event.reason}); "
                    "change the tempo there, or turn Link off with l", severity="warning")

    @on(PianoRoll.ClipEdited)
    def _roll_edited(self, event: PianoRoll.ClipEdited) -> None:
        index = self.session.selected
        track = self.session.track
        track.record()
        track.source, track.clip = "clip", event.clip
        self._set_message(f"track {index + 1}: {event.description}")
        self._track_changed(index)

    @on(CodePrompt.Submitted)
    def _code_submitted(self, event: CodePrompt.Submitted) -> None:
        self.session.history = self.prompt.history[-500:]
        self._play_code(self.session.selected, event.text)

    @work(group="code", exclusive=True)
    async def _play_code(self, index: int, text: str) -> None:
        """Evaluate off the loop; on an error show it (the old pattern keeps playing); else
        hand the code to the engine, which swaps it in on the next quantum."""
        prompt = self.prompt
        note = "still playing the previous pattern" if self.session.audible(index) else None
        try:
            pattern = _single_pattern(await asyncio.to_thread(evaluate, text))
        except StepistaSyntaxError as exc:
            prompt.show_error(exc, note=note)
            return
        except ValueError as exc:
            prompt.show_error(str(exc), note=note)
            return
        if self.session.let_through(index):
            try:  # the engine plays it first; if it refuses, nothing here changes
                await self._send_track(index, quantize="quantum", code=text)
            except EngineError as exc:
                prompt.show_error(str(exc), note=note)
                return
        track = self.session.tracks[index]
        track.record()
        track.source, track.code = "code", text
        self._patterns[index] = pattern
        prompt.clear_error()
        self._track_changed(index, send=False)

    # -- actions ----------------------------------------------------------------------------

    def action_select_track(self, index: int) -> None:
        if 0 <= index < len(self.session.tracks) and index != self.session.selected:
            self.session.selected = index
            self._dirty = True
            self._refresh_tracks()
            self._show_selected()

    def action_toggle_transport(self) -> None:
        playing = self.timeline is not None and self.timeline.playing
        self._request({"op": "stop" if playing else "start"})

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "focus_prompt":  # a priority binding: only where ':' would not type
            prompt = getattr(self, "prompt", None)
            return prompt is not None and self.screen is self.screen_stack[0] and not prompt.input.has_focus
        return True

    def action_focus_prompt(self) -> None:
        self.prompt.focus_input()

    def action_leave_prompt(self) -> None:
        self.roll.focus()

    def action_mute(self) -> None:
        self._toggle(self.session.selected, "muted")

    def action_solo(self) -> None:
        self._toggle(self.session.selected, "soloed")

    def _toggle(self, index: int, flag: str) -> None:
        track = self.session.tracks[index]
        setattr(track, flag, not getattr(track, flag))
        self._refresh_tracks()
        self._dirty = True
        for i in range(len(self.session.tracks)):  # a solo changes what every track plays
            audible, sent = self.session.audible(i), i in self._in_engine
            if audible != sent:
                self._send(i, quantize="beat" if audible else "now", cut=True)

    def action_clear_track(self) -> None:
        index = self.session.selected
        track = self.session.track
        if track.source == "empty":
            return
        track.record()
        track.source = "empty"
        self._track_changed(index, quantize="now", cut=True)

    def action_panic(self) -> None:
        self._request({"op": "panic"})
        self._set_message("panic: all notes off")

    def action_toggle_link(self) -> None:
        self.session.link = not self.session.link
        self._dirty = True
        self._request({"op": "link", "enabled": self.session.link})
        self._set_message(f"Link {'on' if self.session.link else 'off'}")

    def action_channel(self, step: int) -> None:
        track = self.session.track
        track.channel = (track.channel - 1 + step) % 16 + 1
        self._track_changed(self.session.selected)
        self._set_message(f"track {self.session.selected + 1}: channel {track.channel}")

    def action_cycle_output(self) -> None:
        self._cycle_output(self.session.selected)

    @work(group="output", exclusive=True)
    async def _cycle_output(self, index: int) -> None:
        """The next of: every MIDI output, each open output, each plugin instance found (a
        plugin instance not open yet is opened in the engine first)."""
        choices = output_choices(self.view.outputs, self.plugins)
        track = self.session.tracks[index]
        here = next((i for i, c in enumerate(choices) if c.label == track.output), -1)
        choice = choices[(here + 1) % len(choices)]
        label = choice.label
        if choice.spec is not None and label is None:
            if self.link is None or not self.link.connected:
                self.notify(f"cannot open {choice.spec}: the engine is not connected", severity="error")
                return
            try:
                label = (await self.link.request({"op": "open", "spec": choice.spec}))["output"]
            except EngineError as exc:
                self.notify(f"cannot open {choice.spec}: {exc}", severity="error")
                return
        track.output = label
        self._track_changed(index)
        self._set_message(f"track {index + 1}: output {choice.title}")

    async def _poll_plugins(self) -> None:
        """The plugin instances the engine knows (a scan at first, then what they announce)."""
        if self.link is None or not self.link.connected:
            return
        scan = self._plugin_polls % PLUGIN_SCAN_EVERY == 0  # else only what was announced
        self._plugin_polls += 1
        try:
            reply = await self.link.request({"op": "plugins", "scan": scan})
        except EngineError:
            return
        self.plugins = reply.get("plugins", [])
        self.view.plugins = len(self.plugins)

    def action_cycle_part(self) -> None:
        track = self.session.track
        track.part = PARTS[(PARTS.index(track.part) + 1) % len(PARTS)]
        track.params = Params.for_style(track.style, track.part, track.params.key_name)
        if track.part == "drums":
            track.channel = 10
        elif track.channel == 10:
            track.channel = self.session.selected + 1
        self._reflect_knobs()
        self._regenerate_soon()
        self._track_changed(self.session.selected, send=False)

    def action_generate(self) -> None:
        track = self.session.track
        track.seed = track.seed + 1 if track.source == "clip" else track.seed
        self._generate(self.session.selected, "generate")

    def action_variation(self) -> None:
        track = self.session.track
        track.seed = track.seed + 1
        self._transform(lambda clip, params: generate(params), "variation")

    def action_b_section(self) -> None:
        self._transform(lambda clip, params: b_section(clip, params), "B section")

    def action_continue_clip(self) -> None:
        self._transform(lambda clip, params: continue_clip(clip, params, int(clip.length_beats // 4)), "continue")

    def action_fill(self) -> None:
        self._transform(lambda clip, params: fill(clip, params, int(clip.length_beats // 4) - 1), "fill")

    def action_humanize(self) -> None:
        self._transform(lambda clip, params: humanize(clip, 30, seed=self.session.track.seed), "humanize")

    def action_take(self, step: int) -> None:
        index = self.session.selected
        track = self.session.track
        clip = track.next_take(step)
        if clip is None:
            self._set_message("no takes yet: press g to generate some")
            return
        track.record()
        track.source, track.clip = "clip", clip
        self._set_message(f"track {index + 1}: take {track.take_index + 1} of {len(track.takes)} "
                          "from the next quantum")
        self._track_changed(index)

    def action_undo(self) -> None:
        self._history_step("undo")

    def action_redo(self) -> None:
        self._history_step("redo")

    def _history_step(self, which: str) -> None:
        index = self.session.selected
        track = self.session.track
        if not getattr(track, which)():
            self._set_message(f"nothing to {which} on track {index + 1}")
            return
        if track.source == "code":
            self._patterns[index] = _single_pattern(evaluate(track.code))
        self._set_message(f"track {index + 1}: {which}")
        self._track_changed(index)

    def action_export_track(self) -> None:
        index = self.session.selected
        clip = self._export_clip(index)
        if clip is None:
            self.notify(f"track {index + 1} is empty: nothing to export", severity="warning")
            return
        path = self.export_dir / f"{_slug(self._session_stem())}-{index + 1}-{_slug(self.session.track.name)}.mid"
        self._write_export([clip], path)

    def action_export_all(self) -> None:
        clips = [c for c in (self._export_clip(i) for i in range(len(self.session.tracks))) if c is not None]
        if not clips:
            self.notify("every track is empty: nothing to export", severity="warning")
            return
        self._write_export(clips, self.export_dir / f"{_slug(self._session_stem())}-all.mid")

    def _export_clip(self, index: int) -> Clip | None:
        clip = self._shown_clip(index)
        if clip is None:
            return None
        track = self.session.tracks[index]
        return clip.model_copy(update={"name": f"{index + 1} {track.name}", "bpm": self.session.tempo})

    def _write_export(self, clips: list[Clip], path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_midi(clips, path, bpm=self.session.tempo)
        except OSError as exc:
            self.notify(f"export failed: {exc}", severity="error", timeout=8)
            return
        self._set_message(f"exported {path}")
        self.notify(f"exported {len(clips)} track{'s' if len(clips) > 1 else ''} to {path}", timeout=8)

    def _session_stem(self) -> str:
        return self.session_path.stem if self.session_path else "stepista"

    def action_save_session(self) -> None:
        if self._save():
            self.notify(f"session saved to {self.session_path}")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        self._save()
        if self.link is not None:
            await self.link.close()
        self.exit()

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        for c in COMMANDS:
            yield SystemCommand(c.title, c.help, _runner(self, c.action))

    # -- generating -------------------------------------------------------------------------

    @work(group="generate", exclusive=True)
    async def _generate(self, index: int, what: str) -> None:
        track = self.session.tracks[index]
        params = track.gen_params(self.session.tempo)
        self._set_message(f"track {index + 1}: generating {track.style} {track.part}…")
        try:
            clips = await asyncio.to_thread(takes, params, TAKES)
        except ValueError as exc:
            self.notify(f"cannot generate: {exc}", severity="error")
            return
        track.record()
        track.set_takes(clips)
        track.source, track.clip = "clip", clips[0]
        self._set_message(f"track {index + 1}: {what}: take 1 of {len(clips)} from the next quantum "
                          "([ and ] audition the others)")
        self._track_changed(index)

    def _transform(self, change, what: str) -> None:
        index = self.session.selected
        track = self.session.track
        clip = self._shown_clip(index)
        if clip is None:
            self._set_message(f"track {index + 1} has no clip yet: press g to generate one")
            return
        try:
            new = change(clip, track.gen_params(self.session.tempo))
        except ValueError as exc:
            self.notify(f"{what}: {exc}", severity="error")
            return
        track.record()
        track.source, track.clip = "clip", new
        self._set_message(f"track {index + 1}: {what}, from the next quantum")
        self._track_changed(index)

    def _regenerate_soon(self) -> None:
        """Knobs act on a generated clip: regenerate it (same seed) once the knob rests."""
        if self.session.track.source != "clip":
            return
        if self._regenerate_handle is not None:
            self._regenerate_handle.cancel()
        index = self.session.selected
        loop = asyncio.get_running_loop()
        self._regenerate_handle = loop.call_later(REGENERATE_AFTER_S, lambda: self._regenerate(index))

    @work(group="regenerate", exclusive=True)
    async def _regenerate(self, index: int) -> None:
        track = self.session.tracks[index]
        if track.source != "clip":
            return
        try:
            clip = await asyncio.to_thread(generate, track.gen_params(self.session.tempo))
        except ValueError as exc:
            self.notify(f"cannot generate: {exc}", severity="error")
            return
        track.record()
        track.clip = clip
        self._track_changed(index)

    # -- asking ---------------------------------------------------------------------------------

    def action_ask(self) -> None:
        track = self.session.track
        self.ask_line.open(f"track {self.session.selected + 1}: {style_name(track.style)} {track.part}, "
                           f"{track.params.key_name}; ask for a style, mood, key, bars, fills...")

    @on(AskLine.Submitted)
    def _ask_submitted(self, event: AskLine.Submitted) -> None:
        self._ask_cancel.set()  # an ask still under way is dropped (the worker is exclusive too)
        self._ask(self.session.selected, event.text)

    @on(AskLine.Cancelled)
    def _ask_cancelled(self, event: AskLine.Cancelled) -> None:
        self._ask_cancel.set()
        self.workers.cancel_group(self, "ask")
        self.ask_line.finish(f"cancelled; track {self.session.selected + 1} plays on as it was")

    @on(AskLine.Closed)
    def _ask_closed(self, event: AskLine.Closed) -> None:
        self.roll.focus()

    @work(group="ask", exclusive=True)
    async def _ask(self, index: int, text: str) -> None:
        """Ask off the loop; the track plays on until the answer is a new take."""
        from stepista.ai.ask import AskCancelled, ask
        from stepista.ai.brief import BriefError
        from stepista.ai.config import has_api_key

        cancel = self._ask_cancel = threading.Event()
        track = self.session.tracks[index]
        online = self.ai_client is not None or has_api_key()
        self.ask_line.start("Claude" if online else "offline")
        self.view.ai = "asking" if online else "offline: asking"
        self.status_bar.update_view(self.view)
        line = self.ask_line

        def progress(doing: str) -> None:
            self.call_from_thread(line.progress, doing)

        try:
            result = await asyncio.to_thread(
                ask, text, seed=track.seed, client=self.ai_client, base=base_request(track),
                others=context_clips(self.session, index, self._shown_clip), cancel=cancel,
                progress=progress, varying=track.clip if track.source == "clip" else None)
        except AskCancelled:
            return
        except BriefError as exc:
            line.fail(str(exc))
            return
        except Exception as exc:  # the music never stops for an ask
            line.fail(f"the ask failed: {exc}; track {index + 1} plays on as it was")
            return
        finally:
            self.view.ai = _ai_state()
            self.status_bar.update_view(self.view)
        if cancel.is_set():
            return
        adopted = adopt(track, result)
        self._track_changed(index)
        told = [f"track {index + 1}: take {track.take_index + 1} from the next quantum "
                f"({answered_by(result, adopted.part)})"]
        if adopted.unused:
            told.append(f"also made {', '.join(adopted.unused)}: ask on a {adopted.unused[0]} track for "
                        "it, or use `stepista ask`")
        line.finish("; ".join(told))
        for notice in result.notices:
            self.notify(notice, title="ask", timeout=8)

    # -- saving -----------------------------------------------------------------------------

    def _autosave(self) -> None:
        if self._dirty:
            self._save()

    def _save(self) -> bool:
        if self.session_path is None:
            return False
        try:
            self.session.save(self.session_path)
        except OSError as exc:
            self.notify(f"could not save the session to {self.session_path}: {exc}", severity="error")
            return False
        self._dirty = False
        return True

    @work(group="request")
    async def _request(self, message: dict) -> None:
        if self.link is None or not self.link.connected:
            self._set_message("not connected to the engine yet")
            return
        try:
            await self.link.request(message)
        except EngineError as exc:
            self.notify(f"{message['op']}: {exc}", severity="error")


def _runner(app: App, action: str):
    async def run() -> None:
        await app.run_action(action)
    return run


def _single_pattern(program) -> Pattern:
    """The one pattern of a TUI track's code; named lines would make engine tracks of their own."""
    names = [name for name in program.tracks if name is not None]
    if names:
        raise ValueError(f"'{names[0]}:' names a track; here each of the 8 tracks holds one "
                         "expression (select one with 1-8 and type it without a name)")
    return program.pattern()


class Onsets:
    """A clip's note starts, sorted, for the activity meters: which notes began between two
    frames is a bisection, not a scan of every note of every track 40 times a second.

    >>> from stepista.clip import Note
    >>> o = Onsets(Clip(notes=[Note(pitch=36, velocity=127, start=0, duration=1),
    ...                        Note(pitch=38, velocity=64, start=2, duration=1)], length_beats=4))
    >>> o.loudest_between(1.5, 2.5), o.loudest_between(3.5, 4.5), o.loudest_between(0.5, 1.5)
    (0.5039370078740157, 1.0, 0.0)
    """

    def __init__(self, clip: Clip | None) -> None:
        notes = sorted((float(n.start), n.velocity / 127) for n in clip.notes) if clip else []
        self.starts = [start for start, _ in notes]
        self.levels = [level for _, level in notes]
        self.length = float(clip.length_beats) if clip else 0.0

    def loudest_between(self, previous: float, beat: float) -> float:
        """The loudest onset (0-1) in the beats (previous, beat], the loop repeating."""
        if not self.starts or beat <= previous or beat - previous >= self.length:
            return 0.0
        a, b = previous % self.length, beat % self.length
        if a <= b:
            return self._loudest(a, b)
        return max(self._loudest(a, self.length), self._loudest(-1.0, b))

    def _loudest(self, a: float, b: float) -> float:
        lo, hi = bisect_right(self.starts, a), bisect_right(self.starts, b)
        return max(self.levels[lo:hi], default=0.0)


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text).strip("-") or "track"


def _ai_state() -> str:
    from stepista.ai.config import ai_status

    return ai_status()
