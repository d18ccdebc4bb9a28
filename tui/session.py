"""The performer's session: eight tracks with their sources, styles, keys and parameters.

A session is plain data (pydantic), saved as JSON through an atomic write (a temporary file,
fsync, rename), so a crash or a kill never leaves half a session on disk. It is autosaved
while the TUI runs and restored on the next start. Undo history and takes live in memory
only; what is saved is what plays.

>>> s = Session.fresh()
>>> [(t.name, t.style, t.part) for t in s.tracks[:3]]
[('drums', 'techno', 'drums'), ('bass', 'techno', 'bass'), ('pad', 'ambient', 'chords')]
>>> s.tracks[1].params.key, s.tracks[1].params.mode, s.tracks[2].params.key, s.tracks[2].params.mode
('C', 'minor', 'F', 'major')
"""

from __future__ import annotations

import json
import os
import time
from fractions import Fraction
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from stepista.clip import Clip
from stepista.files import write_atomically
from stepista.generate import CHANNELS, GenParams
from stepista.styles import NOTE_LENGTHS, load_style, style_ids
from stepista.theory import SCALES, parse_key

SESSION_VERSION = 1
UNDO_DEPTH = 64
TONICS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MODES = tuple(SCALES)


class SessionError(ValueError):
    """A session file that cannot be read; the message names the file and the problem."""


class Params(BaseModel):
    """A track's musical parameters, all concrete (a style's defaults fill them in).

    The twelfth parameter, speed, is the session tempo (:attr:`Session.tempo`): tracks share
    one clock so they stay in phase with each other and with Link.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    key: str = "C"
    mode: str = "minor"
    density: int = Field(60, ge=0, le=100)
    velocity: int = Field(100, ge=1, le=127)
    accent: int = Field(50, ge=0, le=100)
    swing: float = Field(50.0, ge=50, le=75)
    length: str = "1/16"
    octave: int = Field(0, ge=-3, le=3)
    bars: int = Field(4, ge=1, le=16)
    tension: int = Field(20, ge=0, le=100)
    improvise: int = Field(20, ge=0, le=100)

    @field_validator("key")
    @classmethod
    def _tonic(cls, value: str) -> str:
        if value not in TONICS:
            raise ValueError(f"key {value!r} is not one of {', '.join(TONICS)}")
        return value

    @field_validator("mode")
    @classmethod
    def _mode(cls, value: str) -> str:
        if value not in SCALES:
            raise ValueError(f"mode {value!r} is not a known scale")
        return value

    @field_validator("length")
    @classmethod
    def _length(cls, value: str) -> str:
        if value not in NOTE_LENGTHS:
            raise ValueError(f"length {value!r} is not one of {', '.join(NOTE_LENGTHS)}")
        return value

    @classmethod
    def for_style(cls, style_id: str, part: str, key: str | None = None) -> "Params":
        """The style's own defaults for ``part`` (and its default key unless ``key`` is given)."""
        style = load_style(style_id)
        d = style.defaults
        k = parse_key(key or style.harmony.default_key)
        part_length = getattr(style, part).note_length if part != "drums" else "1/16"
        return cls(key=_tonic_name(k.tonic), mode=k.mode, density=d.density, velocity=d.velocity,
                   accent=d.accent, swing=style.feel.swing, length=part_length or d.note_length,
                   bars=d.bars, tension=d.tension, improvise=d.improvise)

    @property
    def key_name(self) -> str:
        return f"{self.key} {self.mode}"


def _tonic_name(pitch_class: int) -> str:
    return TONICS[pitch_class % 12]


Part = Literal["drums", "bass", "chords", "lead", "arp"]


class Track(BaseModel):
    """One of the session's tracks. ``source`` says what plays: live code, a clip, or nothing."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    name: str = Field(min_length=1, max_length=24)
    source: Literal["empty", "code", "clip"] = "empty"
    code: str = ""
    clip: Clip | None = None
    style: str = "techno"
    part: Part = "drums"
    params: Params = Field(default_factory=Params)
    seed: int = 0
    channel: int = Field(1, ge=1, le=16)
    output: str | None = None
    muted: bool = False
    soloed: bool = False
    # not saved: the takes on audition and the clip history
    _takes: list[Clip] = PrivateAttr(default_factory=list)
    _take: int = PrivateAttr(0)
    _undo: list[tuple[str, str, Clip | None]] = PrivateAttr(default_factory=list)
    _redo: list[tuple[str, str, Clip | None]] = PrivateAttr(default_factory=list)

    @field_validator("style")
    @classmethod
    def _style(cls, value: str) -> str:
        if value not in style_ids():
            raise ValueError(f"style {value!r} is not one of {', '.join(style_ids())}")
        return value

    def gen_params(self, bpm: float | None = None) -> GenParams:
        p = self.params
        return GenParams(style=self.style, part=self.part, key=p.key_name, density=p.density,
                         velocity=p.velocity, accent=p.accent, swing=p.swing, length=p.length,
                         octave=p.octave, bars=p.bars, tension=p.tension, improvise=p.improvise,
                         bpm=bpm, seed=self.seed)

    @property
    def drums(self) -> bool:
        return self.part == "drums" if self.source != "code" else self.channel == 10

    def summary(self) -> str:
        if self.source == "code":
            return self.code.replace("\n", " ")
        if self.source == "clip" and self.clip is not None:
            take = f" take {self._take + 1}/{len(self._takes)}" if len(self._takes) > 1 else ""
            return f"{self.style} {self.part} {self.params.key_name}{take}"
        return f"(empty) {self.style} {self.part}"

    # -- clip history (per track, in memory) -----------------------------------------------

    def record(self) -> None:
        """Remember the current source before it changes, for undo."""
        self._undo.append((self.source, self.code, self.clip))
        del self._undo[:-UNDO_DEPTH]
        self._redo.clear()

    def undo(self) -> bool:
        return self._step(self._undo, self._redo)

    def redo(self) -> bool:
        return self._step(self._redo, self._undo)

    def _step(self, source: list, target: list) -> bool:
        if not source:
            return False
        target.append((self.source, self.code, self.clip))
        self.source, self.code, self.clip = source.pop()
        return True

    # -- takes (A/B audition) ----------------------------------------------------------------

    def set_takes(self, clips: list[Clip]) -> None:
        self._takes, self._take = list(clips), 0

    def add_take(self, clip: Clip) -> None:
        """One more take (an answer to the ask line), auditioned now; [ and ] go back."""
        self._takes.append(clip)
        self._take = len(self._takes) - 1

    @property
    def takes(self) -> list[Clip]:
        return self._takes

    @property
    def take_index(self) -> int:
        return self._take

    def next_take(self, step: int = 1) -> Clip | None:
        if not self._takes:
            return None
        self._take = (self._take + step) % len(self._takes)
        return self._takes[self._take]


class Session(BaseModel):
    """Everything a performer would want back on the next start."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    version: int = SESSION_VERSION
    tempo: float = Field(120.0, ge=20, le=999)
    link: bool = True
    quantum: float = Field(4.0, ge=1, le=64)
    tracks: list[Track] = Field(min_length=1, max_length=64)
    selected: int = 0
    history: list[str] = Field(default_factory=list)
    saved_at: float | None = None

    @field_validator("version")
    @classmethod
    def _version(cls, value: int) -> int:
        if value > SESSION_VERSION:
            raise ValueError(f"version {value} is newer than this Stepista reads ({SESSION_VERSION})")
        return value

    @classmethod
    def fresh(cls) -> "Session":
        """Eight tracks set up as the seed's multi-instance demo; the first has a techno beat
        ready to play, the others wait for a generate or an expression."""
        layout = [("drums", "techno", "drums", None), ("bass", "techno", "bass", "C minor"),
                  ("pad", "ambient", "chords", "F major"), ("hats", "breakbeat", "drums", None),
                  ("lead", "house", "lead", None), ("acid", "acid", "arp", None),
                  ("keys", "lofi", "chords", None), ("glitch", "idm", "lead", None)]
        tracks = []
        for i, (name, style, part, key) in enumerate(layout):
            channel = CHANNELS[part] if part == "drums" else min(16, i + 1)
            tracks.append(Track(name=name, style=style, part=part, channel=channel,
                                params=Params.for_style(style, part, key)))
        return cls(tempo=float(load_style("techno").tempo.default), tracks=tracks)

    @property
    def track(self) -> Track:
        return self.tracks[self.selected]

    def audible(self, index: int) -> bool:
        """Whether track ``index`` should sound: it has a source, is not muted, and either
        nothing is soloed or it is."""
        return self.tracks[index].source != "empty" and self.let_through(index)

    def let_through(self, index: int) -> bool:
        """Whether mute and solo let track ``index`` sound (whatever its source)."""
        t = self.tracks[index]
        return not t.muted and (t.soloed or not any(x.soloed for x in self.tracks))

    # -- disk ------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the session to ``path`` atomically (the directory is made if missing)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.saved_at = time.time()
        text = self.model_dump_json(indent=1, exclude_none=False)
        write_atomically(path, lambda fh: fh.write(text.encode()))

    @classmethod
    def load(cls, path: Path) -> "Session":
        """The session in ``path``; :class:`SessionError` naming the file and the problem."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise SessionError(f"{path}: cannot read: {exc}") from None
        except json.JSONDecodeError as exc:
            raise SessionError(f"{path}: line {exc.lineno}, column {exc.colno}: not JSON: {exc.msg}") from None
        try:
            session = cls.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise SessionError(f"{path}: {where}: {err['msg']}") from None
        session.selected = max(0, min(session.selected, len(session.tracks) - 1))
        return session


def open_session(path: Path) -> tuple[Session, str | None]:
    """The session at ``path`` (a fresh one when there is none), and what to tell the
    performer. A file that cannot be read is kept aside (renamed ``*.broken-TIME``), never
    overwritten, and the message says where it went."""
    path = Path(path)
    if not path.exists():
        return Session.fresh(), None
    try:
        return Session.load(path), f"session restored from {path}"
    except SessionError as exc:
        aside = path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
        os.replace(path, aside)
        return Session.fresh(), f"{exc}; kept it as {aside} and started a fresh session"


def clip_with_channel(clip: Clip, channel: int) -> Clip:
    """The clip with every note on ``channel`` (a track's channel overrides the generator's)."""
    if all(n.channel == channel for n in clip.notes):
        return clip
    return clip.model_copy(update={"notes": [n.model_copy(update={"channel": channel}) for n in clip.notes]})


def loop_beats(track: Track) -> Fraction:
    """The loop the roll shows: the clip's own length, else the loop-length parameter."""
    if track.source == "clip" and track.clip is not None:
        return Fraction(track.clip.length_beats)
    return Fraction(track.params.bars * 4)
