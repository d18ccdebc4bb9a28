"""Styles as data: one TOML file per style, validated on load.

A style file holds a genre's DNA: tempo range, swing and feel; drum lanes on a
16-step grid (probability and accent per step); rolls and ratchets; how the bass
behaves; favoured modes, chord vocabulary and progressions; lead and arp
phrases (the corpus the Markov model learns from); and parameter defaults.

The built-in styles live in the package (``styles/`` in the source tree).
A performer adds or overrides styles with files in ``$STEPISTA_STYLES`` or the
user config directory (``~/.config/stepista/styles``). A broken file raises
`StyleError` naming the file and the field.

>>> techno = load_style("techno")
>>> techno.tempo.min, techno.tempo.max, techno.drums["kick"].steps[:4]
(125, 135, [1.0, 0.0, 0.0, 0.0])
"""

from __future__ import annotations

import os
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .drums import drum_note
from .theory import TheoryError, parse_key, progression, quality_intervals, scale_name

__all__ = [
    "Style", "StyleError", "load_style", "load_styles", "style_ids", "style_dirs",
    "parse_phrase", "PhraseStep", "STEPS_PER_BAR", "NOTE_LENGTHS",
]

STEPS_PER_BAR = 16
NOTE_LENGTHS = ("1/32", "1/16", "1/8", "1/4", "1/2", "1/1", "1/16t", "1/8t", "1/4t")
STYLE_IDS = ("electro", "house", "techno", "minimal", "trap", "lofi", "ambient", "dnb",
             "breakbeat", "acid", "dub", "idm")


class StyleError(ValueError):
    """A style file that cannot be used: which file, which field, what is wrong."""


# -- phrases: the Markov corpus ------------------------------------------------

_TOKEN = re.compile(r"(~|-?\d+)([>^]*)(?:@(\d+))?\Z")


class PhraseStep(BaseModel):
    """One token of a phrase: a scale degree (None for a rest) held ``steps`` 16ths."""
    model_config = ConfigDict(frozen=True)
    degree: int | None
    steps: int = 1
    accent: bool = False
    slide: bool = False


def parse_phrase(text: str) -> list[PhraseStep]:
    """Read a phrase: scale degrees from the tonic (0 = root, 7 = octave up, -1 = below),
    ``~`` a rest, ``@n`` held n 16th steps, ``>`` accent, ``^`` slide into the next note.

    >>> [(s.degree, s.steps) for s in parse_phrase("0@2 ~ 4> 7^@2")]
    [(0, 2), (None, 1), (4, 1), (7, 2)]
    """
    steps = []
    for token in text.split():
        m = _TOKEN.match(token)
        if m is None:
            raise ValueError(f"bad phrase token {token!r} (use degrees like 0, -2, 7, '~', '@n', '>', '^')")
        degree, marks, length = m.groups()
        steps.append(PhraseStep(
            degree=None if degree == "~" else int(degree), steps=int(length or 1),
            accent=">" in marks, slide="^" in marks,
        ))
    if not steps:
        raise ValueError("an empty phrase")
    return steps


# -- the schema -------------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Probability = float
Grid = list[float]


def _check_grid(values: list[float], what: str) -> list[float]:
    if len(values) != STEPS_PER_BAR:
        raise ValueError(f"{what} needs {STEPS_PER_BAR} steps, got {len(values)}")
    if any(not 0 <= v <= 1 for v in values):
        raise ValueError(f"{what} values must be between 0 and 1")
    return [float(v) for v in values]


class Tempo(_Strict):
    min: int = Field(ge=20, le=300)
    max: int = Field(ge=20, le=300)
    default: int = Field(ge=20, le=300)

    @model_validator(mode="after")
    def _ordered(self):
        if not self.min <= self.default <= self.max:
            raise ValueError(f"need min <= default <= max, got {self.min}, {self.default}, {self.max}")
        return self


class Feel(_Strict):
    swing: float = Field(50, ge=50, le=75, description="MPC-style swing percent")
    feel: Literal["straight", "half-time", "double-time"] = "straight"
    grooves: list[str] = Field(default_factory=list, description="named grooves, e.g. one-drop")


class Harmony(_Strict):
    modes: dict[str, float] = Field(min_length=1, description="favoured modes and their weights")
    default_key: str
    vocabulary: list[str] = Field(min_length=1, description="chord qualities the style uses")
    progressions: list[str] = Field(min_length=1, description="roman numerals, e.g. 'i VI III VII'")
    change_bars: int = Field(1, ge=1, le=8, description="bars per chord")
    voicing: Literal["close", "open", "drop2", "spread"] = "close"

    @field_validator("modes")
    @classmethod
    def _known_modes(cls, modes):
        for mode, weight in modes.items():
            scale_name(mode)
            if weight <= 0:
                raise ValueError(f"mode {mode!r} needs a positive weight")
        return modes

    @field_validator("default_key")
    @classmethod
    def _key(cls, text):
        parse_key(text)
        return text

    @field_validator("vocabulary")
    @classmethod
    def _qualities(cls, qualities):
        for q in qualities:
            quality_intervals(q)
        return qualities

    @field_validator("progressions")
    @classmethod
    def _numerals(cls, progs):
        for p in progs:
            progression("C minor", p)
        return progs


class DrumLane(_Strict):
    instrument: str
    steps: Grid
    accents: Grid = Field(default_factory=lambda: [0.0] * STEPS_PER_BAR)
    velocity: int = Field(100, ge=1, le=127)
    core: bool = Field(False, description="part of the style's identity: kept even at low density")

    @field_validator("instrument")
    @classmethod
    def _instrument(cls, name):
        drum_note(name)
        return name

    @field_validator("steps", "accents")
    @classmethod
    def _grid(cls, values, info):
        return _check_grid(values, info.field_name)


class Roll(_Strict):
    lane: str
    divisions: list[int] = Field(min_length=1, description="a 16th split in n: 2 = 1/32, 3 = triplets")
    probability: Probability = Field(ge=0, le=1)
    steps: list[int] = Field(default_factory=list, description="steps (0-15) that may roll; empty = any hit")
    last_bar: bool = Field(False, description="rolls gather in the last bar of a phrase")

    @field_validator("divisions")
    @classmethod
    def _divisions(cls, values):
        if any(not 2 <= v <= 8 for v in values):
            raise ValueError("divisions must be between 2 and 8")
        return values


class Part(_Strict):
    octave: int = Field(ge=0, le=8)
    note_length: str = "1/16"
    density: int = Field(60, ge=0, le=100)
    phrases: list[str] = Field(default_factory=list)
    steps: Grid | None = None

    @field_validator("note_length")
    @classmethod
    def _length(cls, text):
        if text not in NOTE_LENGTHS:
            raise ValueError(f"note length {text!r} is not one of {', '.join(NOTE_LENGTHS)}")
        return text

    @field_validator("phrases")
    @classmethod
    def _phrases(cls, phrases):
        for p in phrases:
            parse_phrase(p)
        return phrases

    @field_validator("steps")
    @classmethod
    def _steps(cls, values):
        return None if values is None else _check_grid(values, "steps")


class Bass(Part):
    behaviour: Literal["kick_lock", "offbeat", "acid", "sub_roots", "root_fifth", "rolling",
                       "syncopated", "walking"]
    slide: Probability = Field(0.0, ge=0, le=1)
    accent: Probability = Field(0.0, ge=0, le=1)


class Chords(Part):
    sustain: bool = Field(False, description="hold chords for their whole span (pads)")


class Arp(Part):
    shape: Literal["up", "down", "updown", "random", "acid"] = "up"
    slide: Probability = Field(0.0, ge=0, le=1)
    accent: Probability = Field(0.0, ge=0, le=1)


class Defaults(_Strict):
    density: int = Field(60, ge=0, le=100)
    velocity: int = Field(100, ge=1, le=127)
    accent: int = Field(50, ge=0, le=100)
    tension: int = Field(20, ge=0, le=100)
    improvise: int = Field(20, ge=0, le=100)
    note_length: str = "1/16"
    bars: int = Field(4, ge=1, le=16)


class Style(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: str
    description: str
    tempo: Tempo
    feel: Feel
    harmony: Harmony
    drums: dict[str, DrumLane] = Field(min_length=1)
    rolls: list[Roll] = Field(default_factory=list)
    bass: Bass
    chords: Chords
    lead: Part
    arp: Arp
    defaults: Defaults = Field(default_factory=Defaults)

    @model_validator(mode="after")
    def _rolls_name_lanes(self):
        for roll in self.rolls:
            if roll.lane not in self.drums:
                raise ValueError(f"roll names lane {roll.lane!r}, which is not in drums")
        if not self.lead.phrases:
            raise ValueError("lead needs at least one phrase (the Markov corpus)")
        return self

    def summary(self) -> dict:
        """The DNA in a few fields, for `stepista styles`."""
        core = [name for name, lane in self.drums.items() if lane.core]
        return {
            "id": self.id, "name": self.name, "description": self.description,
            "tempo": [self.tempo.min, self.tempo.max], "default_bpm": self.tempo.default,
            "swing": self.feel.swing, "feel": self.feel.feel, "modes": list(self.harmony.modes),
            "default_key": self.harmony.default_key, "bass": self.bass.behaviour,
            "core_drums": core, "vocabulary": self.harmony.vocabulary,
        }


# -- loading ----------------------------------------------------------------------

def style_dirs() -> list[Path]:
    """Where styles come from, later ones overriding earlier: built in, then the user's."""
    here = Path(__file__).resolve().parent
    built_in = here / "_styles" if (here / "_styles").is_dir() else here.parent / "styles"
    dirs = [built_in]
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    dirs.append(Path(config) / "stepista" / "styles")
    if os.environ.get("STEPISTA_STYLES"):
        dirs.append(Path(os.environ["STEPISTA_STYLES"]))
    return dirs


def _load_file(path: Path) -> Style:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise StyleError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise StyleError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return Style.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise StyleError(f"{path}: {where}: {first['msg']}{more}") from None
    except TheoryError as exc:
        raise StyleError(f"{path}: {exc}") from None


@lru_cache(maxsize=None)
def _load_all(dirs: tuple[Path, ...]) -> dict[str, Style]:
    styles: dict[str, Style] = {}
    for directory in dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            style = _load_file(path)
            if style.id != path.stem:
                raise StyleError(f"{path}: id {style.id!r} must match the file name {path.stem!r}")
            styles[style.id] = style
    return styles


def load_styles() -> dict[str, Style]:
    """Every style by id (built in first, then the user's, which may override)."""
    return dict(_load_all(tuple(style_dirs())))


_ALIASES = {"lo-fi": "lofi", "lofi hip hop": "lofi", "drum & bass": "dnb", "drum and bass": "dnb",
            "drum n bass": "dnb", "d&b": "dnb", "dnb": "dnb", "break": "breakbeat", "breaks": "breakbeat",
            "acid house": "acid", "dub techno": "dub"}


def load_style(name: str) -> Style:
    """One style by id, name or common spelling (``"Drum & Bass"``, ``"lo-fi"``)."""
    styles = load_styles()
    key = name.strip().lower()
    key = _ALIASES.get(key, key).replace(" ", "")
    if key in styles:
        return styles[key]
    raise StyleError(f"unknown style {name!r}; known: {', '.join(sorted(styles))}")


def style_ids() -> list[str]:
    return sorted(load_styles())
