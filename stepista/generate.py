"""The offline generator: style-aware clips from the theory engine and the
constrained Markov model, shaped by the twelve parameters.

Parts: ``drums`` (General MIDI map, channel 10), ``bass``, ``chords``, ``lead``
and ``arp`` (the 303-style line in acid). One generation shares a *plan*: the
key, the chord for each bar and the kick hits, so the bass locks to the kick
and the chord roots, the lead puts chord tones on strong beats and the chords
voice-lead. The same parameters and seed always give the same clip.

How the parameters act:

- ``density`` (0-100) raises or lowers how many steps play: drum thresholds and
  melodic rest weights move monotonically with it.
- ``improvise`` (0-100): 0 plays the style's template (drum steps of probability
  0.5 and up; the Markov model at order 3 with no smoothing). Rising improvise
  lowers the Markov order, adds smoothing (unseen transitions), random drum
  variation, ghost notes, fills and ratchets.
- ``tension`` (0-100): 0 keeps every note in the scale and chords to triads;
  rising tension adds extensions (7ths to 13ths) and chromatic passing and
  neighbour tones, monotonically (each tension's notes include the lower ones').
- ``swing`` (50-75, MPC-style) delays every off 16th by (swing - 50)/200 beats.
- ``accent`` scales accented steps' velocity boost; ``velocity`` the base level.
- ``length`` (1/32 .. 1/1) is how long melodic notes sound (the arp's rate too).
- ``octave`` (-3..+3) shifts melodic parts; ``bars`` (1-16) is the loop length.
- ``key``/``mode`` and ``bpm`` default to the style's.

When the constraints cannot all be met, they are relaxed in this order, never
crashing: chord tones on strong beats, then the first note on the root, then
unseen transitions are allowed (smoothing 1).

>>> clip = generate(GenParams(style="techno", part="drums", bars=1, seed=1))
>>> sorted(str(n.start) for n in clip.notes if n.pitch == 36)  # kicks, in beats
['0', '1', '2', '3']
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, replace
from functools import lru_cache
from fractions import Fraction
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .clip import Clip, Note
from .drums import DRUM_CHANNEL, drum_note
from .markov import PhraseModel, Token, Unsatisfiable
from .styles import NOTE_LENGTHS, STEPS_PER_BAR, Style, load_style, parse_phrase
from .time import Time, to_time
from .theory import (
    Key, chord_size_for_tension, parse_key, progression, tension_pitches, voice, voice_lead,
)

__all__ = [
    "GenParams", "Part", "PARTS", "generate", "arrangement", "takes", "b_section", "continue_clip",
    "fill", "humanize", "length_in_beats",
]

Part = Literal["drums", "bass", "chords", "lead", "arp"]
PARTS: tuple[str, ...] = ("drums", "bass", "chords", "lead", "arp")
STEP = Time(1, 4)  # a 16th, in beats (Time: an exact Fraction with fast arithmetic)
CHANNELS = {"drums": DRUM_CHANNEL, "bass": 2, "chords": 3, "lead": 4, "arp": 5}


class GenParams(BaseModel):
    """The twelve musical parameters, plus style, part and seed. ``None`` means the style's default."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    style: str = "techno"
    part: Part = "drums"
    key: str | None = Field(None, description='tonic and mode, e.g. "C minor", "F# dorian", "Am"')
    mode: str | None = Field(None, description="a mode overriding the key's, e.g. dorian")
    density: int | None = Field(None, ge=0, le=100)
    velocity: int | None = Field(None, ge=1, le=127)
    accent: int | None = Field(None, ge=0, le=100)
    swing: float | None = Field(None, ge=50, le=75)
    length: str | None = Field(None, description="note length, 1/32 .. 1/1 (t for triplets)")
    octave: int = Field(0, ge=-3, le=3)
    bars: int | None = Field(None, ge=1, le=16)
    tension: int | None = Field(None, ge=0, le=100)
    improvise: int | None = Field(None, ge=0, le=100)
    bpm: float | None = Field(None, ge=20, le=300)
    seed: int = 0

    @field_validator("length")
    @classmethod
    def _length(cls, value):
        if value is not None and value not in NOTE_LENGTHS:
            raise ValueError(f"length {value!r} is not one of {', '.join(NOTE_LENGTHS)}")
        return value

    @field_validator("key")
    @classmethod
    def _key(cls, value):
        if value is not None:
            parse_key(value)
        return value

    @field_validator("style")
    @classmethod
    def _style(cls, value):
        load_style(value)
        return value


def _note(**fields) -> Note:
    """A Note built by the generator, whose fields are valid by construction
    (pitches clamped, velocities clamped, exact Fractions): skip re-validation.
    The Clip still checks every note lies inside the loop."""
    return Note.model_construct(**fields)


def length_in_beats(text: str) -> Time:
    """``"1/16"`` is a quarter of a beat; ``"1/8t"`` a triplet eighth.

    >>> length_in_beats("1/16"), length_in_beats("1/8t"), length_in_beats("1/1")
    (Time(1, 4), Time(1, 3), Time(4, 1))
    """
    triplet = text.endswith("t")
    value = to_time(text.rstrip("t")) * 4
    return value * Time(2, 3) if triplet else value


# -- resolved settings and the shared plan --------------------------------------

@dataclass(frozen=True)
class Settings:
    style: Style
    part: str
    key: Key
    density: float      # 0..1
    velocity: int
    accent: float       # 0..1
    swing: Fraction     # offset of off-16ths, in beats
    length: Fraction    # note length, in beats
    octave: int
    bars: int
    tension: int
    improvise: float    # 0..1
    bpm: float
    seed: int
    density_set: bool = False  # density given by the performer (not a style default)


def resolve(params: GenParams) -> Settings:
    style = load_style(params.style)
    d = style.defaults
    key = parse_key(params.key or style.harmony.default_key)
    if params.mode:
        key = parse_key(f"{key.tonic_name} {params.mode}")
    swing = params.swing if params.swing is not None else style.feel.swing
    part_length = _part_of(style, params.part).note_length if params.part != "drums" else "1/16"
    return Settings(
        style=style, part=params.part, key=key,
        density=_pick(params.density, _default_density(style, params.part)) / 100,
        velocity=_pick(params.velocity, d.velocity),
        accent=_pick(params.accent, d.accent) / 100,
        swing=to_time(Fraction(round(swing * 100), 100 * 200) - Fraction(50, 200)),
        length=length_in_beats(params.length or part_length), octave=params.octave,
        bars=_pick(params.bars, d.bars), tension=_pick(params.tension, d.tension),
        improvise=_pick(params.improvise, d.improvise) / 100, bpm=_pick(params.bpm, style.tempo.default),
        seed=params.seed, density_set=params.density is not None,
    )


def _default_density(style: Style, part: str) -> int:
    """A part's own density from the style file (drums use the style's default)."""
    return style.defaults.density if part == "drums" else _part_of(style, part).density


def _pick(value, default):
    return default if value is None else value


def _part_of(style: Style, part: str):
    return {"bass": style.bass, "chords": style.chords, "lead": style.lead, "arp": style.arp}[part]


def _rng(s: Settings, *labels) -> random.Random:
    """A random stream for one purpose, fixed by the seed (independent of other parameters)."""
    text = "/".join([s.style.id, str(s.seed), *map(str, labels)])
    return random.Random(zlib.crc32(text.encode()))


@dataclass(frozen=True)
class Plan:
    """What the parts of one generation share, bar by bar."""
    voicings: list   # the voiced chord (MIDI pitches)
    roots: list      # the chord root's pitch class
    fifths: list     # the pitch class of the chord's fifth (its root when it has none)
    kicks: list      # the 16-step indices where the kick plays

    def tones(self, bar: int) -> set[int]:
        return {p % 12 for p in self.voicings[bar]}


def make_plan(s: Settings) -> Plan:
    rng = _rng(s, "harmony")
    chords = progression(s.key, rng.choice(s.style.harmony.progressions))
    per_bar = [chords[(bar // s.style.harmony.change_bars) % len(chords)] for bar in range(s.bars)]
    size = chord_size_for_tension(s.tension)
    allowed = tension_pitches(s.key, s.tension)
    voicings, roots, fifths, previous = [], [], [], None
    led: dict[tuple, list[int]] = {}  # progressions repeat: lead each (from, to) pair once
    for chord in per_bar:
        pitches = [_allowed(s.key, p, allowed) for p in _sized(chord.pitches, size, s.key)]
        if previous is None:
            previous = voice(pitches, s.style.harmony.voicing, center=60)
        else:
            key = (tuple(previous), tuple(pitches))
            if key not in led:
                led[key] = voice_lead(previous, pitches, s.style.harmony.voicing)
            previous = led[key]
        voicings.append(previous)
        root = pitches[0] % 12
        roots.append(root)
        pcs = {p % 12 for p in pitches}
        fifths.append(next(((root + i) % 12 for i in (7, 6, 8) if (root + i) % 12 in pcs), root))
    # The kick is the drums part's, whichever part is being generated, so a bass
    # generated on its own locks to the same kick as the drums of the same settings.
    drums = s if s.part == "drums" or s.density_set else replace(s, density=s.style.defaults.density / 100)
    kicks = [_lane_hits(drums, name, lane, bar) for bar in range(s.bars)
             for name, lane in s.style.drums.items() if lane.instrument == "kick"][: s.bars]
    return Plan(voicings, roots, fifths, kicks or [[] for _ in range(s.bars)])


def _allowed(key: Key, pitch: int, allowed: frozenset) -> int:
    """The pitch, or the nearest in-key pitch when tension does not allow it."""
    return pitch if pitch % 12 in allowed else key.snap(pitch)


def _sized(pitches: list[int], size: int, key: Key) -> list[int]:
    """A chord in stacked-thirds order, cut to ``size`` notes (triads at low tension),
    or extended by diatonic thirds when the chord has fewer."""
    out = sorted(pitches)[:size]
    while len(out) < size:
        out.append(key.snap(out[-1] + (3 if len(out) % 2 else 4)))
    return out


# -- drums ---------------------------------------------------------------------------

def _threshold(density: float) -> float:
    """The template probability a step needs to play: 0.95 at density 0, 0.05 at 100."""
    return 0.95 - 0.9 * density


def _lane_hits(s: Settings, name: str, lane, bar: int) -> list[int]:
    rng = _rng(s, "drums", name, bar)
    hits = []
    for step, p in enumerate(lane.steps):
        u = rng.random()
        if lane.core and p >= 0.99:
            hits.append(step)
            continue
        template = p >= _threshold(s.density) and p > 0
        chance = min(1.0, p * (0.5 + s.density)) if p > 0 else (0.06 * s.density if not lane.core else 0)
        if u < (1 - s.improvise) * template + s.improvise * chance:
            hits.append(step)
    return hits


def _drums(s: Settings, plan: Plan) -> list[Note]:
    notes = []
    for bar in range(s.bars):
        for name, lane in s.style.drums.items():
            hits = plan.kicks[bar] if lane.instrument == "kick" else _lane_hits(s, name, lane, bar)
            rolls = _rolls(s, name, bar)
            for step in hits:
                notes.extend(_drum_hits(s, name, lane, bar, step, rolls))
        notes.extend(_fill(s, bar))
    return notes


def _drum_hits(s: Settings, name: str, lane, bar: int, step: int, rolls: dict[int, int]) -> list[Note]:
    velocity = _velocity(s, lane.velocity, lane.accents[step])
    start = _start(s, bar, step)
    roll = rolls.get(step, 0)
    pitch = drum_note(lane.instrument)
    if not roll:
        return [_note(pitch=pitch, velocity=velocity, start=start, duration=STEP / 2, channel=DRUM_CHANNEL)]
    length = STEP / roll
    return [_note(pitch=pitch, velocity=max(1, velocity - 12 + 6 * i), start=start + i * length,
                  duration=length, channel=DRUM_CHANNEL) for i in range(roll)]


def _rolls(s: Settings, name: str, bar: int) -> dict[int, int]:
    """For one lane and bar: the steps whose hit splits into n notes (a ratchet).

    Every step takes its draws in order whether it hits or not, so the choice
    at one step does not depend on the others (nor on density)."""
    rolls = [r for r in s.style.rolls if r.lane == name]
    if not rolls:
        return {}
    rng = _rng(s, "roll", name, bar)
    last = bar % 4 == 3 or bar == s.bars - 1
    out = {}
    for step in range(STEPS_PER_BAR):
        for roll in rolls:
            draw, pick = rng.random(), rng.choice(roll.divisions)
            if roll.steps and step not in roll.steps:
                continue
            chance = roll.probability * 2 * s.improvise * (1.5 if roll.last_bar and last else 1)
            if step not in out and draw < chance:
                out[step] = pick
    return out


def _fill(s: Settings, bar: int) -> list[Note]:
    """A snare/tom fill in the last beat of a phrase's last bar, more likely with improvise."""
    if s.improvise == 0 or not (bar % 4 == 3 or bar == s.bars - 1):
        return []
    rng = _rng(s, "fill", bar)
    if rng.random() > s.improvise * 0.8:
        return []
    return _fill_notes(s, bar, rng)


def _fill_notes(s: Settings, bar: int, rng: random.Random) -> list[Note]:
    toms = [drum_note("snare"), drum_note("high_tom"), drum_note("low_mid_tom"), drum_note("low_tom")]
    notes = []
    for step in range(12, 16):
        if rng.random() < 0.5 + s.density / 2:
            notes.append(_note(pitch=toms[(step - 12 + rng.randrange(2)) % 4], start=_start(s, bar, step),
                              velocity=_velocity(s, 90 + 6 * (step - 12), 0), duration=STEP / 2,
                              channel=DRUM_CHANNEL))
    return notes


# -- timing and dynamics ----------------------------------------------------------------

def _start(s: Settings, bar: int, step: int) -> Fraction:
    """Where a 16th step starts, in beats, with swing on the off 16ths."""
    return STEP * (bar * 16 + step) + (s.swing if step % 2 else 0)


def _velocity(s: Settings, base: int, accent: float) -> int:
    v = base * s.velocity / 100 + accent * s.accent * 30
    return int(max(1, min(127, round(v))))


# -- melodic parts -----------------------------------------------------------------------

@lru_cache(maxsize=128)
def _model(phrases: tuple[str, ...]) -> PhraseModel:
    """The Markov model of a phrase corpus (styles do not change while running: cached)."""
    parsed = [parse_phrase(p) for p in phrases]
    extra = [Token(d, n) for d in range(-2, 10) for n in (1, 2, 4)] + [Token(None, n) for n in (1, 2, 4)]
    return PhraseModel(parsed, extra=extra)


def _line(s: Settings, plan: Plan, phrases: list[str], strong_chord_tones=True, root_first=True):
    """Markov tokens over the whole loop, relaxing constraints in the documented order."""
    model = _model(tuple(phrases))
    steps = s.bars * STEPS_PER_BAR
    order = 3 - round(2 * s.improvise)
    attempts = [(strong_chord_tones, root_first, s.improvise * 0.3), (False, root_first, s.improvise * 0.3),
                (False, False, s.improvise * 0.3), (False, False, 1.0)]
    for chord_tones, root, smoothing in attempts:
        mask = _melodic_mask(s, plan, model, steps, chord_tones, root)
        try:
            return model, model.generate(steps, mask, _rng(s, s.part, "line"), order=order,
                                         smoothing=smoothing)
        except Unsatisfiable:
            continue
    raise AssertionError("smoothing 1 with no constraints is always satisfiable")


def _melodic_mask(s, plan, model, steps, chord_tones, root_first) -> np.ndarray:
    """Unary constraints: chord tones on the beats of each bar; the first note on the chord root."""
    mask = model.mask(steps)
    pcs = np.array([s.key.degree(int(d)) % 12 for d in model.degrees])  # each token's pitch class
    if chord_tones:
        for bar in range(s.bars):
            ok = model.is_rest | np.isin(pcs, list(plan.tones(bar)))
            mask[bar * STEPS_PER_BAR : (bar + 1) * STEPS_PER_BAR : 4] *= ok
    if root_first:
        mask[0] *= ~model.is_rest & (pcs == plan.roots[0])
    return mask


def _melodic_notes(s: Settings, plan: Plan, model: PhraseModel, line, base_octave: int,
                   velocity: int, gate: Fraction, slide=0.0, accent=0.0) -> list[Note]:
    """Notes from Markov tokens: pitch from the key, start on the (swung) grid, held for
    ``gate`` or until the next note; slides tie into it, accents lift the velocity."""
    rng = _rng(s, s.part, "marks")
    channel = CHANNELS[s.part]
    total = Time(s.bars * 4)
    onsets = [(_start(s, step // STEPS_PER_BAR, step % STEPS_PER_BAR), tok) for step, tok in line
              if tok.degree is not None]
    notes = []
    for i, (start, tok) in enumerate(onsets):
        next_start = onsets[i + 1][0] if i + 1 < len(onsets) else total
        is_accent = rng.random() < max(accent, model.accent_rate.get(tok, 0))
        is_slide = rng.random() < max(slide, model.slide_rate.get(tok, 0))
        length = next_start - start + _TIE if is_slide else min(gate, next_start - start)
        length = max(_SHORTEST, min(length, total - start))
        pitch = _clamp_pitch(s.key.degree(tok.degree, base_octave + s.octave))
        notes.append(_note(pitch=pitch, start=start, duration=length, channel=channel,
                           velocity=_velocity(s, velocity, 1.0 if is_accent else 0.0)))
    return _chromatic(s, _density(s, notes))


_TIE = STEP / 4          # a slide overlaps the next note by a 64th
_SHORTEST = Time(1, 32)  # no melodic note is shorter than a 128th note


def _clamp_pitch(p: int) -> int:
    while p > 127:
        p -= 12
    while p < 0:
        p += 12
    return p


def _density(s: Settings, notes: list[Note]) -> list[Note]:
    """Below density 50, notes off the beat drop out; above it, long notes split in two.

    Each note has its own draw, independent of density, so the change is monotonic."""
    rng = _rng(s, s.part, "density")
    out = []
    for i, n in enumerate(notes):
        draw = rng.random()
        on_beat = (n.start * 4).denominator == 1 and (n.start * 4) % 4 == 0
        if s.density < 0.5 and i and not on_beat and draw < (0.5 - s.density) * 1.6:
            continue
        if s.density > 0.5 and n.duration >= STEP * 2 and draw < (s.density - 0.5) * 1.6:
            half = _half_on_grid(n.duration)
            out.append(n.model_copy(update={"duration": half}))
            out.append(n.model_copy(update={"start": n.start + half, "duration": n.duration - half}))
            continue
        out.append(n)
    return out


def _half_on_grid(duration: Fraction) -> Fraction:
    """Half a note's length, rounded down to the 16th grid (at least a 16th)."""
    return max(STEP, (duration / 2 // STEP) * STEP)


def _chromatic(s: Settings, notes: list[Note]) -> list[Note]:
    """Tension adds chromatic passing and neighbour tones between notes a whole tone apart.

    Each candidate has its own random draw, independent of tension, and is taken
    when the draw falls under tension/100: more tension, a superset of changes."""
    if s.tension == 0 or len(notes) < 2:
        return notes
    allowed = tension_pitches(s.key, s.tension)
    rng = _rng(s, s.part, "chromatic")
    out = []
    for a, b in zip(notes, notes[1:] + [None]):
        draw = rng.random()
        if b is None or draw >= s.tension / 100 or a.duration < STEP * 2 or abs(b.pitch - a.pitch) != 2:
            out.append(a)
            continue
        between = (a.pitch + b.pitch) // 2
        if between % 12 not in allowed:
            out.append(a)
            continue
        half = a.duration / 2
        out.append(a.model_copy(update={"duration": half}))
        out.append(a.model_copy(update={"pitch": between, "start": a.start + half, "duration": a.duration - half}))
    return out


# -- the parts ------------------------------------------------------------------------------

def _bass(s: Settings, plan: Plan) -> list[Note]:
    b = s.style.bass
    if b.behaviour in ("acid", "root_fifth", "syncopated", "walking"):
        model, line = _line(s, plan, b.phrases, strong_chord_tones=b.behaviour != "acid")
        return _melodic_notes(s, plan, model, line, b.octave, 100, s.length, b.slide, b.accent)
    steps = _bass_steps(s, plan)
    notes = []
    for bar, step, length in steps:
        pitch = 12 * (b.octave + s.octave + 1) + plan.roots[bar]
        if s.improvise and _rng(s, "bass", bar, step).random() < s.improvise * 0.3:
            pitch = pitch + 12 if step % 8 == 0 else 12 * (b.octave + s.octave + 1) + plan.fifths[bar]
        notes.append(_note(pitch=_clamp_pitch(pitch), start=_start(s, bar, step), duration=length,
                          velocity=_velocity(s, 100, 0), channel=CHANNELS["bass"]))
    return notes


def _bass_steps(s: Settings, plan: Plan) -> list[tuple[int, int, Fraction]]:
    """(bar, step, duration) of bass notes for the rhythmic behaviours."""
    b = s.style.bass
    out = []
    for bar in range(s.bars):
        if b.behaviour == "kick_lock":
            hits = plan.kicks[bar] or [0]
        elif b.behaviour == "sub_roots":
            hits = [0] if bar % s.style.harmony.change_bars == 0 else []
        else:  # offbeat, rolling: the style's bass grid, leaving the kick's steps alone
            template = b.steps or [1.0 if i % 4 == 2 else 0.0 for i in range(16)]
            hits = [i for i in _grid_hits(s, template, "bass", bar) if i not in plan.kicks[bar]]
        bars_held = min(s.style.harmony.change_bars, s.bars - bar) if b.behaviour == "sub_roots" else 1
        for j, step in enumerate(hits):
            nxt = hits[j + 1] if j + 1 < len(hits) else 16 * bars_held
            span = (nxt - step) * STEP
            out.append((bar, step, span if b.behaviour == "sub_roots" else max(STEP / 2, min(s.length, span))))
    return out


def _grid_hits(s: Settings, template: list[float], name: str, bar: int) -> list[int]:
    rng = _rng(s, name, "grid", bar)
    thr = _threshold(s.density)
    hits = []
    for step, p in enumerate(template):
        u = rng.random()
        chance = min(1.0, p * (0.5 + s.density))
        if p > 0 and u < (1 - s.improvise) * (p >= thr) + s.improvise * chance:
            hits.append(step)
    return hits


def _chords(s: Settings, plan: Plan) -> list[Note]:
    c = s.style.chords
    notes = []
    for bar in range(s.bars):
        voiced = [_clamp_pitch(p + 12 * (c.octave - 4 + s.octave)) for p in plan.voicings[bar]]
        if c.sustain:
            if bar % s.style.harmony.change_bars and bar:
                continue
            span = min(s.style.harmony.change_bars, s.bars - bar) * 4
            hits = [(0, Fraction(span))]
        else:
            hits = [(step, s.length) for step in _grid_hits(s, c.steps or [1.0] + [0.0] * 15, "chords", bar)]
        for step, length in hits:
            start = _start(s, bar, step)
            for p in voiced:
                notes.append(_note(pitch=p, start=start, duration=min(length, s.bars * 4 - start),
                                  velocity=_velocity(s, 90, 0), channel=CHANNELS["chords"]))
    return notes


def _lead(s: Settings, plan: Plan) -> list[Note]:
    model, line = _line(s, plan, s.style.lead.phrases)
    return _melodic_notes(s, plan, model, line, s.style.lead.octave, 100, s.length)


def _arp(s: Settings, plan: Plan) -> list[Note]:
    a = s.style.arp
    if a.shape == "acid" or not a.shape:
        model, line = _line(s, plan, a.phrases, strong_chord_tones=False)
        return _melodic_notes(s, plan, model, line, a.octave, 100, s.length, a.slide, a.accent)
    rate = s.length
    rng = _rng(s, "arp")
    notes, t, i = [], Time(0), 0
    total = Time(s.bars * 4)
    while t < total:
        bar = int(t // 4)
        tones = sorted(p + 12 * (a.octave - 4 + s.octave) for p in plan.voicings[bar])
        cycle = tones + [p + 12 for p in tones]
        order = {"up": cycle, "down": cycle[::-1], "updown": cycle + cycle[-2:0:-1]}.get(a.shape)
        pitch = rng.choice(cycle) if order is None else order[i % len(order)]
        if rng.random() < 0.5 + s.density:  # density thins the arp
            notes.append(_note(pitch=_clamp_pitch(pitch), start=t, duration=min(rate, total - t),
                              velocity=_velocity(s, 95, 1.0 if i % 4 == 0 else 0.0), channel=CHANNELS["arp"]))
        t += rate
        i += 1
    return notes


def _inside_loop(notes: list[Note], total: Time) -> list[Note]:
    """Swing and ratchets can push a last note past the loop: cut it at the end."""
    out = []
    for n in notes:
        if n.start >= total:
            continue
        if n.start + n.duration > total:
            n = n.model_copy(update={"duration": total - n.start})
        out.append(n)
    return out


_PARTS = {"drums": _drums, "bass": _bass, "chords": _chords, "lead": _lead, "arp": _arp}


# -- public entry points ------------------------------------------------------------------------

def generate(params: GenParams) -> Clip:
    """One clip for ``params.part``."""
    s = resolve(params)
    return _clip(s, make_plan(s))


def _clip(s: Settings, plan: Plan) -> Clip:
    notes = sorted(_inside_loop(_PARTS[s.part](s, plan), Time(s.bars * 4)), key=lambda n: (n.start, n.pitch))
    return Clip(notes=notes, length_beats=Fraction(s.bars * 4), name=f"{s.style.name} {s.part}",
                bpm=s.bpm, key=s.key.tonic_name, mode=s.key.mode, style=s.style.id, part=s.part)


def arrangement(params: GenParams, parts=PARTS) -> dict[str, Clip]:
    """All parts of one generation, sharing key, chords and kick."""
    base = resolve(params)
    plan = make_plan(base)
    out = {}
    for part in parts:
        s = resolve(params.model_copy(update={"part": part}))
        out[part] = _clip(s, plan)
    return out


def takes(params: GenParams, count: int) -> list[Clip]:
    """``count`` alternatives to audition (A/B): the same settings with successive seeds."""
    return [generate(params.model_copy(update={"seed": params.seed + i})) for i in range(count)]


def b_section(clip: Clip, params: GenParams, shift: int = 3) -> Clip:
    """A B section from an A clip: the same rhythm and contour, moved ``shift`` scale steps
    (drums: the same groove with a fill at the end)."""
    s = resolve(params)
    if s.part == "drums":
        return fill(clip, params, s.bars - 1)
    moved = [n.model_copy(update={"pitch": _clamp_pitch(_diatonic(s.key, n.pitch, shift))}) for n in clip.notes]
    return clip.model_copy(update={"notes": moved, "name": f"{clip.name or s.part} B"})


def _diatonic(key: Key, pitch: int, steps: int) -> int:
    scale = key.scale_pitches(0, 127)
    snapped = key.snap(pitch)
    i = min(range(len(scale)), key=lambda j: abs(scale[j] - snapped))
    return scale[max(0, min(len(scale) - 1, i + steps))] + (pitch - snapped)


def continue_clip(clip: Clip, params: GenParams, bars: int) -> Clip:
    """The clip extended by ``bars`` more bars (at most 16 in all), continuing the harmony."""
    total = min(16, int(clip.length_beats // 4) + bars)
    longer = generate(params.model_copy(update={"bars": total}))
    start = clip.length_beats
    notes = list(clip.notes) + [n for n in longer.notes if n.start >= start]
    return clip.model_copy(update={"notes": notes, "length_beats": Fraction(total * 4)})


def fill(clip: Clip, params: GenParams, bar: int) -> Clip:
    """A fill in the last beat of ``bar``: drums get a snare/tom run, others a scale run."""
    s = resolve(params)
    begin, end = Fraction(bar * 4 + 3), Fraction(bar * 4 + 4)
    kept = [n for n in clip.notes if not begin <= n.start < end]
    rng = _rng(s, "fill-cmd", bar)
    if s.part == "drums":
        run = _fill_notes(replace(s, density=1.0), bar, rng)
    else:
        last = max((n for n in kept if n.start < begin), key=lambda n: n.start, default=None)
        pitch = last.pitch if last else s.key.degree(0, 4)
        scale = s.key.scale_pitches(pitch, pitch + 12)[:4]
        run = [_note(pitch=p, start=begin + i * STEP, duration=STEP, velocity=_velocity(s, 100, 0.5),
                    channel=CHANNELS[s.part]) for i, p in enumerate(scale)]
    return clip.model_copy(update={"notes": sorted(kept + run, key=lambda n: (n.start, n.pitch))})


def humanize(clip: Clip, amount: int = 30, seed: int = 0) -> Clip:
    """Seeded timing (up to ±amount% of a 32nd) and velocity (±amount/5) variation."""
    rng = random.Random(zlib.crc32(f"humanize/{seed}".encode()))
    out = []
    for n in clip.notes:
        shift = Fraction(round((rng.random() * 2 - 1) * amount), 100) * Fraction(1, 8)
        start = min(max(Fraction(0), n.start + shift), clip.length_beats - n.duration)
        velocity = int(max(1, min(127, n.velocity + round((rng.random() * 2 - 1) * amount / 5))))
        out.append(n.model_copy(update={"start": max(Fraction(0), start), "velocity": velocity}))
    return clip.model_copy(update={"notes": out})
