"""What a brief asks for, as data, and how the offline generator plays it.

A `GenerationRequest` is what a plain-words brief becomes, whether the offline parser
(:mod:`stepista.ai.brief`) or Claude reads it: the same pydantic schema is Claude's
structured-output schema, so every field describes itself. ``None`` always means "the
style's default". `realize` runs a request through the generator: one `arrangement` (so
the parts share key, chords and kick), then each `Instruction` in order. What the
generator cannot do is said in `Realized.notices`, never dropped silently.

>>> request = GenerationRequest(style="trap", bpm=140, parts=["drums"], instructions=[
...     Instruction(kind="triplets", bars=[4], text="triplet rolls in bar 4"),
...     Instruction(kind="other", bars=[3], part="drums", text="reverse the hats in bar 3")])
>>> done = realize(request)
>>> sorted(done.clips), done.params.bpm
(['drums'], 140.0)
>>> done.notices
["'reverse the hats in bar 3' is not something the offline generator can do; ignored"]

How each kind is played (D: on the drums; M: on a melodic part):

| kind | played as |
| --- | --- |
| fill | the generator's `fill` in the last beat of the bar (D: snare and toms; M: a scale run). A longer fill closes each bar of its span that way, and on the drums its last bar's second half becomes a 16th run down the toms. Target: the named part, else the drums, else every part. |
| roll | D: the last beat in 32nds on the roll drum (the named one, else the style's `[[rolls]]` lane, else the snare), rising; with a length, a build on that drum. |
| triplets | D, in given bars: beat 3 in triplet 8ths and beat 4 in triplet 16ths on the hats (or the named drum, or the style's triplet roll lane); with no bars, that drum moved onto the triplet-8th grid everywhere. Arp: played at 1/16t. Other parts: reported. |
| half-time | drums and bass (or the named part): each bar's first half stretched over the whole bar, so the backbeat lands on 3. Reported and left alone when the style already plays half-time. |
| double-time | drums and bass (or the named part): each bar played twice as fast, twice. |
| build | D: hits on the snare (or the named drum) doubling in rate over the span: quarters, 8ths, 16ths, 32nds, rising. |
| drop | kick and bass out of every bar before the drop bar, and a snare build in the bar just before it. |
| breakdown | kick and bass (or the named part or drum) out of the bars. |
| mute | the named part or drum silent in the bars (everything when neither is named). |
| variation | the bars generated again with improvise moved by 30: the same harmony, new detail. |
| other | nothing: reported. |

Bars past the loop, parts the request does not have and kinds a part cannot take are
reported the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..clip import Clip, Note
from ..drums import DRUM_CHANNEL, drum_note
from ..generate import PARTS, GenParams, Part, arrangement, fill
from ..styles import Style, load_style
from ..theory import TheoryError, parse_key, scale_name

__all__ = [
    "Kind", "KINDS", "Drum", "DRUMS", "DEFAULT_PARTS", "Instruction", "GenerationRequest",
    "Realized", "realize", "generation_params", "default_bars", "tonic_name",
]

Kind = Literal["fill", "roll", "triplets", "half-time", "double-time", "build", "drop", "breakdown",
               "mute", "variation", "other"]
KINDS: dict[str, str] = {
    "fill": "a drum fill (or a melodic run) closing the bar",
    "roll": "a drum roll in 32nds closing the bar",
    "triplets": "a triplet roll in the bars; with no bars, a triplet feel throughout",
    "half-time": "the groove at half speed in the bars (backbeat on 3)",
    "double-time": "the groove at double speed in the bars",
    "build": "a snare build speeding up over the bars",
    "drop": "the drop: kick and bass held back until this bar",
    "breakdown": "kick and bass out in the bars",
    "mute": "a part or drum silent in the bars",
    "variation": "the bars varied: same harmony, new detail",
    "other": "anything else asked for; reported, not played",
}
Drum = Literal["kick", "snare", "clap", "hats", "toms", "cymbals"]
DRUMS: dict[str, tuple[str, ...]] = {  # General MIDI names; the first is the one a roll plays
    "kick": ("kick", "kick2"),
    "snare": ("snare", "snare2", "rim"),
    "clap": ("clap",),
    "hats": ("closed_hat", "pedal_hat", "open_hat"),
    "toms": ("high_tom", "high_mid_tom", "low_mid_tom", "low_tom", "high_floor_tom", "low_floor_tom"),
    "cymbals": ("ride", "ride2", "ride_bell", "crash", "crash2", "china", "splash"),
}
DEFAULT_PARTS: tuple[str, ...] = ("drums", "bass", "chords")
BarNumber = Annotated[int, Field(ge=1, le=16)]
_LENGTH_KINDS = ("fill", "roll", "build")  # kinds that start at a bar and last length_bars


def tonic_name(text: str) -> str:
    """A tonic spelled as keys spell it: a capital letter, then ``#`` or ``b``.

    >>> tonic_name("f#"), tonic_name("B flat"), tonic_name("eb"), tonic_name("C")
    ('F#', 'Bb', 'Eb', 'C')
    """
    m = _TONIC.match(text) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f"not a tonic: {text!r} (a letter A-G, then # or b, e.g. 'F#', 'Bb')")
    letter, accidental = m.groups()
    sharp = accidental and accidental.strip("- ").lower() in ("#", "♯", "sharp")
    return letter.upper() + ("#" if sharp else "b" if accidental else "")


_TONIC = re.compile(r"\s*([A-Ga-g])\s*(#|♯|b|♭|-?\s*(?:sharp|flat))?\s*\Z")


def default_bars(kind: str, bars: int, length: int = 1) -> list[int]:
    """Where an instruction that names no bars goes in a ``bars``-bar loop (1-based);
    an empty list means everywhere.

    >>> default_bars("fill", 8), default_bars("fill", 8, length=2), default_bars("drop", 8)
    ([8], [7], [5])
    >>> default_bars("breakdown", 8), default_bars("half-time", 8)
    ([5, 6, 7, 8], [])
    """
    second_half = list(range(bars // 2 + 1, bars + 1))
    if kind in _LENGTH_KINDS:
        return [max(1, bars - length + 1)]
    return {"drop": second_half[:1], "breakdown": second_half, "variation": second_half}.get(kind, [])


def _kinds_text() -> str:
    return "; ".join(f"{kind}: {what}" for kind, what in KINDS.items())


class Instruction(BaseModel):
    """One specific thing a brief asks for at given bars, e.g. "triplet rolls in bar 4"."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind = Field(description="what to do. " + _kinds_text())
    bars: list[BarNumber] = Field(default_factory=list, description=(
        "the 1-based bars it applies to; with length_bars, the bars it starts on. Empty: "
        "everywhere, or for fill/roll/build the last bar, for drop the middle, for breakdown and "
        "variation the second half"))
    part: Part | None = Field(None, description="the part it acts on; null: the kind's usual part")
    drum: Drum | None = Field(None, description=(
        "for drum instructions, which drum: kick, snare, clap, hats, toms or cymbals; null: the "
        "style's usual one"))
    length_bars: int | None = Field(None, ge=1, le=16, description=(
        'how many bars it lasts from each start bar, e.g. 2 for "a 2-bar fill"; null: one'))
    text: str = Field("", description="the words of the brief it came from, as written")

    @field_validator("bars")
    @classmethod
    def _in_order(cls, bars: list[int]) -> list[int]:
        return sorted(set(bars))

    @model_validator(mode="after")
    def _drum_is_on_the_drums(self) -> "Instruction":
        if self.drum is not None and self.part not in (None, "drums"):
            raise ValueError(f"the drum {self.drum!r} is on the drums, not the {self.part}")
        if self.drum is not None:
            self.part = "drums"
        return self


class GenerationRequest(BaseModel):
    """A brief as data: what to generate and what to do to it. ``None``: the style's default.

    A key given with its mode splits in two (a mode given on its own wins):

    >>> r = GenerationRequest(style="Drum & Bass", key="f# dorian", parts=["bass", "drums", "bass"])
    >>> r.style, r.key, r.mode, r.parts
    ('dnb', 'F#', 'dorian', ['drums', 'bass'])
    """

    model_config = ConfigDict(extra="forbid")

    style: str = Field(description=(
        "the style id: acid, ambient, breakbeat, dnb, dub, electro, house, idm, lofi, minimal, "
        "techno or trap"))
    bpm: float | None = Field(None, ge=20, le=300, description="tempo in BPM; null: the style's")
    key: str | None = Field(None, description=(
        'the tonic alone, e.g. "F", "F#", "Bb"; null: the style\'s'))
    mode: str | None = Field(None, description=(
        "the scale or mode, e.g. minor, major, dorian, phrygian, lydian, mixolydian, harmonic "
        "minor; null: the style's"))
    parts: list[Part] = Field(default_factory=lambda: list(DEFAULT_PARTS), min_length=1, description=(
        "the parts to generate, one clip each: drums, bass, chords, lead, arp"))
    bars: int = Field(4, ge=1, le=16, description="the loop length in bars of 4/4")
    tension: int | None = Field(None, ge=0, le=100, description=(
        "0: triads and scale notes only .. 100: extended chords and chromatic notes; null: the style's"))
    density: int | None = Field(None, ge=0, le=100, description=(
        "how many steps play in every part, 0 sparse .. 100 busy; null: the style's"))
    improvise: int | None = Field(None, ge=0, le=100, description=(
        "0: the style's templates .. 100: free variation, ghost notes, fills; null: the style's"))
    swing: float | None = Field(None, ge=50, le=75, description=(
        "MPC swing percent: 50 straight, 62 swung, 66 triplet shuffle, 75 the most; null: the style's"))
    velocity: int | None = Field(None, ge=1, le=127, description="base loudness (MIDI velocity); null: the style's")
    accent: int | None = Field(None, ge=0, le=100, description="how far accents stand out; null: the style's")
    mood: list[str] = Field(default_factory=list, description=(
        "the brief's mood words as written, e.g. dark, playful"))
    instructions: list[Instruction] = Field(default_factory=list, description=(
        "specific things asked for at given bars, in the brief's order"))
    seed: int = Field(0, description="the random seed: the same request and seed give the same clips")

    @model_validator(mode="before")
    @classmethod
    def _split_key(cls, data):
        key = data.get("key") if isinstance(data, dict) else None
        if not isinstance(key, str) or _TONIC.match(key):
            return data
        try:
            parsed = parse_key(key)
        except TheoryError:
            return data  # the key validator says what is wrong
        return {**data, "key": parsed.tonic_name, "mode": data.get("mode") or parsed.mode}

    @field_validator("style")
    @classmethod
    def _style_id(cls, value: str) -> str:
        return load_style(value).id

    @field_validator("key")
    @classmethod
    def _tonic(cls, value: str | None) -> str | None:
        return None if value is None else tonic_name(value)

    @field_validator("mode")
    @classmethod
    def _mode(cls, value: str | None) -> str | None:
        return None if value is None else scale_name(value)

    @field_validator("parts")
    @classmethod
    def _parts_in_order(cls, parts: list[str]) -> list[str]:
        return [p for p in PARTS if p in parts]


def generation_params(request: GenerationRequest) -> GenParams:
    """The generator's parameters for a request (the part is its first one).

    >>> generation_params(GenerationRequest(style="techno", key="F#", bars=2)).key
    'F# minor'
    """
    key = None
    if request.key or request.mode:
        home = parse_key(load_style(request.style).harmony.default_key)
        key = f"{request.key or home.tonic_name} {request.mode or home.mode}"
    return GenParams(
        style=request.style, part=request.parts[0], key=key, density=request.density,
        velocity=request.velocity, accent=request.accent, swing=request.swing, bars=request.bars,
        tension=request.tension, improvise=request.improvise, bpm=request.bpm, seed=request.seed)


@dataclass(frozen=True)
class Realized:
    """A request played by the offline generator: a clip per part, the base parameters,
    and what could not be done, in plain words."""

    clips: dict[str, Clip]
    params: GenParams
    notices: list[str] = field(default_factory=list)


def realize(request: GenerationRequest) -> Realized:
    """The request's clips: one arrangement, then each instruction in order (deterministic)."""
    work = _Work(request, generation_params(request))
    for instruction in request.instructions:
        _PLAY[instruction.kind](work, instruction)
    return Realized(work.clips, work.params, work.notices)


# -- the work in progress ------------------------------------------------------------------

class _Work:
    """A request being played: the clips so far, and what has been said about it."""

    def __init__(self, request: GenerationRequest, params: GenParams):
        self.request, self.params = request, params
        self.style: Style = load_style(request.style)
        self.bars = request.bars
        self.clips: dict[str, Clip] = arrangement(params, request.parts)
        self.notices: list[str] = []

    def say(self, ins: Instruction, text: str) -> None:
        self.notices.append(f"'{ins.text or ins.kind}' {text}")

    def notes(self, part: str) -> list[Note]:
        return list(self.clips[part].notes)

    def put(self, part: str, notes: list[Note]) -> None:
        clip = self.clips[part]
        self.clips[part] = clip.model_copy(update={"notes": _tidy(notes, clip.length_beats)})

    def params_for(self, part: str, **changes) -> GenParams:
        return self.params.model_copy(update={"part": part, **changes})

    def spans(self, ins: Instruction) -> list[list[int]]:
        """0-based bars, one run per start bar, ``length_bars`` long; what falls outside the loop is said."""
        length = ins.length_bars or 1
        out = []
        for start in ins.bars or default_bars(ins.kind, self.bars, length):
            if start > self.bars:
                self.say(ins, f"names bar {start}, past the {self.bars}-bar loop; left out there")
                continue
            if start + length - 1 > self.bars:
                self.say(ins, f"runs past the {self.bars}-bar loop; cut at its end")
            out.append(list(range(start - 1, min(start + length - 1, self.bars))))
        return out

    def covered(self, ins: Instruction) -> list[int]:
        """Every 0-based bar an instruction covers; all bars when it names none."""
        if not ins.bars and not default_bars(ins.kind, self.bars):
            return list(range(self.bars))
        return sorted({bar for span in self.spans(ins) for bar in span})

    def targets(self, ins: Instruction, usual: tuple[str, ...]) -> list[str]:
        """The parts an instruction acts on: the named one, else the usual ones present."""
        if ins.part is not None:
            if ins.part in self.clips:
                return [ins.part]
            self.say(ins, f"asks for the {ins.part}, which this request does not generate; ignored")
            return []
        found = [p for p in usual if p in self.clips]
        if not found:
            self.say(ins, f"needs the {' or '.join(usual)}, which this request does not generate; ignored")
        return found

    def drums_only(self, ins: Instruction, what: str) -> bool:
        if ins.part not in (None, "drums"):
            self.say(ins, f"{what} are played on the drums only; the {ins.part} is left as it is")
            return False
        return bool(self.targets(ins, ("drums",)))


# -- note tools --------------------------------------------------------------------------------

def _pitches(*drums: str) -> frozenset[int]:
    return frozenset(drum_note(name) for drum in drums for name in DRUMS[drum])


def _voice(drum: str) -> int:
    return drum_note(DRUMS[drum][0])


def _group(pitch: int) -> frozenset[int]:
    """The drum group a pitch belongs to (just the pitch when it is in none)."""
    return next((_pitches(d) for d in DRUMS if pitch in _pitches(d)), frozenset({pitch}))


def _roll_voice(style: Style, drum: str | None, division: int | None = None) -> tuple[int, frozenset[int]]:
    """The pitch a roll plays and the pitches it replaces: the named drum, else the style's
    first roll lane (one that rolls in ``division`` when given), else snare (hats for triplets)."""
    if drum is not None:
        return _voice(drum), _pitches(drum)
    for roll in style.rolls:
        if division is None or division in roll.divisions:
            pitch = drum_note(style.drums[roll.lane].instrument)
            return pitch, _group(pitch)
    fallback = "snare" if division is None else "hats"
    return _voice(fallback), _pitches(fallback)


def _run(pitches: list[int], starts: list[Fraction], low: int, high: int) -> list[Note]:
    """Drum hits at ``starts`` cycling through ``pitches``, velocity rising from low to high,
    each sounding half the gap to the next."""
    notes = []
    for i, start in enumerate(starts):
        gap = starts[i + 1] - start if i + 1 < len(starts) else start - starts[i - 1] if i else Fraction(1, 4)
        velocity = round(low + (high - low) * i / max(1, len(starts) - 1))
        notes.append(Note(pitch=pitches[i % len(pitches)], velocity=velocity, start=start,
                          duration=gap / 2, channel=DRUM_CHANNEL))
    return notes


def _spans_in_beats(bars: list[int]) -> list[tuple[Fraction, Fraction]]:
    """0-based bars as merged (begin, end) beat spans."""
    spans: list[list[Fraction]] = []
    for bar in sorted(set(bars)):
        if spans and spans[-1][1] == bar * 4:
            spans[-1][1] = Fraction(bar * 4 + 4)
        else:
            spans.append([Fraction(bar * 4), Fraction(bar * 4 + 4)])
    return [(a, b) for a, b in spans]


def _silence(notes: list[Note], spans, only: frozenset[int] | None = None) -> list[Note]:
    """Notes (of ``only`` pitches, or all) taken out of the beat spans; notes sounding into
    a span from before it stop where it begins."""
    out = []
    for n in notes:
        if only is not None and n.pitch not in only:
            out.append(n)
            continue
        if any(a <= n.start < b for a, b in spans):
            continue
        cut = min((a for a, b in spans if n.start < a < n.end), default=None)
        out.append(n if cut is None else n.model_copy(update={"duration": cut - n.start}))
    return out


def _splice(notes: list[Note], other: list[Note], spans) -> list[Note]:
    """``notes`` with the beat spans taken from ``other`` (cut at each span's end)."""
    kept = _silence(notes, spans)
    for a, b in spans:
        kept += [n.model_copy(update={"duration": min(n.duration, b - n.start)})
                 for n in other if a <= n.start < b]
    return kept


def _tidy(notes: list[Note], length: Fraction) -> list[Note]:
    """Notes inside the loop, one per start, pitch and channel (the loudest), in order."""
    best: dict[tuple, Note] = {}
    for n in notes:
        if n.start >= length or n.duration <= 0:
            continue
        if n.end > length:
            n = n.model_copy(update={"duration": length - n.start})
        key = (Fraction(n.start), n.pitch, n.channel)
        if key not in best or n.velocity > best[key].velocity:
            best[key] = n
    return sorted(best.values(), key=lambda n: (n.start, n.pitch))


# -- the kinds -----------------------------------------------------------------------------------

_TOM_RUN = ("snare", "snare", "high_tom", "high_tom", "high_mid_tom", "low_mid_tom", "low_tom", "low_floor_tom")


def _fill(work: _Work, ins: Instruction) -> None:
    usual = ("drums",) if "drums" in work.clips else tuple(work.clips)
    parts = work.targets(ins, usual)
    spans = work.spans(ins) if parts else []
    for part in parts:
        for span in spans:
            for bar in span:
                if part == "drums" and len(span) > 1 and bar == span[-1]:
                    work.put(part, _tom_run(work.notes(part), bar))
                else:
                    work.clips[part] = fill(work.clips[part], work.params_for(part), bar)


def _tom_run(notes: list[Note], bar: int) -> list[Note]:
    """The bar's second half as a 16th run from the snare down the toms (kick and bass drum kept)."""
    begin = Fraction(bar * 4 + 2)
    kept = _silence(notes, [(begin, begin + 2)], _pitches("snare", "clap", "hats", "toms", "cymbals"))
    starts = [begin + Fraction(i, 4) for i in range(8)]
    return kept + _run([drum_note(name) for name in _TOM_RUN], starts, 90, 124)


def _roll(work: _Work, ins: Instruction) -> None:
    if not work.drums_only(ins, "rolls"):
        return
    pitch, replaced = _roll_voice(work.style, ins.drum)
    for span in work.spans(ins):
        if len(span) > 1:
            work.put("drums", _build_on(work.notes("drums"), span, pitch, replaced))
            continue
        begin = Fraction(span[0] * 4 + 3)
        kept = _silence(work.notes("drums"), [(begin, begin + 1)], replaced)
        work.put("drums", kept + _run([pitch], [begin + Fraction(i, 8) for i in range(8)], 60, 118))


def _build(work: _Work, ins: Instruction) -> None:
    if not work.drums_only(ins, "builds"):
        return
    drum = ins.drum or "snare"
    for span in work.spans(ins):
        work.put("drums", _build_on(work.notes("drums"), span, _voice(drum), _pitches(drum)))


def _build_on(notes: list[Note], span: list[int], pitch: int, replaced: frozenset[int]) -> list[Note]:
    """Hits over the bars of ``span`` in four equal stretches of quarters, 8ths, 16ths and 32nds."""
    begin, quarter = Fraction(span[0] * 4), Fraction(len(span))
    starts = [begin + quarter * i + rate * j
              for i, rate in enumerate((Fraction(1), Fraction(1, 2), Fraction(1, 4), Fraction(1, 8)))
              for j in range(int(quarter / rate))]
    kept = _silence(notes, [(begin, begin + 4 * quarter)], replaced)
    return kept + _run([pitch], starts, 50, 122)


def _triplets(work: _Work, ins: Instruction) -> None:
    if ins.part == "arp":
        _triplet_arp(work, ins)
        return
    if ins.part not in (None, "drums"):
        work.say(ins, f"triplets are played on the drums and the arp; the {ins.part} is left as it is")
        return
    if not work.targets(ins, ("drums",)):
        return
    pitch, replaced = _roll_voice(work.style, ins.drum, division=3)
    notes = work.notes("drums")
    if not ins.bars:
        work.put("drums", _on_triplet_grid(notes, replaced))
        return
    for bar in work.covered(ins):
        begin = Fraction(bar * 4 + 2)
        starts = [begin + Fraction(i, 3) for i in range(3)] + [begin + 1 + Fraction(i, 6) for i in range(6)]
        notes = _silence(notes, [(begin, begin + 2)], replaced) + _run([pitch], starts, 70, 115)
    work.put("drums", notes)


def _on_triplet_grid(notes: list[Note], pitches: frozenset[int]) -> list[Note]:
    """Those drums moved to the nearest triplet 8th (a triplet feel)."""
    out = []
    for n in notes:
        if n.pitch in pitches:
            start = Fraction(round(n.start * 3), 3)
            n = n.model_copy(update={"start": start, "duration": min(n.duration, Fraction(1, 6))})
        out.append(n)
    return out


def _triplet_arp(work: _Work, ins: Instruction) -> None:
    if not work.targets(ins, ("arp",)):
        return
    if work.style.arp.shape == "acid":
        work.say(ins, f"cannot move {work.style.name}'s 303 line off its 16th grid; left as it is")
        return
    triplet = arrangement(work.params_for("arp", length="1/16t"), ["arp"])["arp"]
    spans = _spans_in_beats(work.covered(ins))
    work.put("arp", _splice(work.notes("arp"), list(triplet.notes), spans))


def _half_time(work: _Work, ins: Instruction) -> None:
    _retime(work, ins, "half-time")


def _double_time(work: _Work, ins: Instruction) -> None:
    _retime(work, ins, "double-time")


def _retime(work: _Work, ins: Instruction, feel: str) -> None:
    if ins.part in (None, "drums") and ins.drum is None and work.style.feel.feel == feel:
        work.say(ins, f"{work.style.name} already plays {feel}; the groove is left as it is")
        return
    bars = work.covered(ins)
    for part in work.targets(ins, ("drums", "bass")):
        only = _pitches(ins.drum) if ins.drum and part == "drums" else None
        notes = work.notes(part)
        for bar in bars:
            notes = _retime_bar(notes, bar, feel == "half-time", only)
        work.put(part, notes)


def _retime_bar(notes: list[Note], bar: int, half: bool, only: frozenset[int] | None) -> list[Note]:
    """Half-time: the bar's first half stretched over it. Double-time: the bar squeezed into
    its first half and played twice."""
    begin, end = Fraction(bar * 4), Fraction(bar * 4 + 4)
    moving = [n for n in notes if begin <= n.start < end and (only is None or n.pitch in only)]
    out = [n for n in notes if not (begin <= n.start < end and (only is None or n.pitch in only))]
    for n in moving:
        if half and n.start < begin + 2:
            start = begin + (n.start - begin) * 2
            out.append(n.model_copy(update={"start": start, "duration": min(n.duration * 2, end - start)}))
        elif not half:
            for offset in (0, 2):
                start = begin + offset + (n.start - begin) / 2
                out.append(n.model_copy(update={"start": start, "duration": min(n.duration / 2, end - start)}))
    return out


def _drop(work: _Work, ins: Instruction) -> None:
    for bar in work.covered(ins):
        if bar == 0:
            work.say(ins, "comes at bar 1, with nothing before it to hold back; ignored")
            continue
        _kick_and_bass_out(work, ins, list(range(bar)))
        if "drums" in work.clips:
            work.put("drums", _build_on(work.notes("drums"), [bar - 1], _voice("snare"), _pitches("snare")))


def _breakdown(work: _Work, ins: Instruction) -> None:
    _kick_and_bass_out(work, ins, work.covered(ins))


def _kick_and_bass_out(work: _Work, ins: Instruction, bars: list[int]) -> None:
    spans = _spans_in_beats(bars)
    for part in work.targets(ins, ("drums", "bass")):
        only = _pitches(ins.drum or "kick") if part == "drums" else None
        work.put(part, _silence(work.notes(part), spans, only))


def _mute(work: _Work, ins: Instruction) -> None:
    spans = _spans_in_beats(work.covered(ins))
    for part in work.targets(ins, tuple(work.clips)):
        only = _pitches(ins.drum) if ins.drum and part == "drums" else None
        work.put(part, _silence(work.notes(part), spans, only))


def _variation(work: _Work, ins: Instruction) -> None:
    parts = work.targets(ins, tuple(work.clips))
    if not parts:
        return
    now = work.request.improvise if work.request.improvise is not None else work.style.defaults.improvise
    varied = arrangement(work.params.model_copy(update={"improvise": now + 30 if now <= 70 else now - 30}), parts)
    spans = _spans_in_beats(work.covered(ins))
    for part in parts:
        work.put(part, _splice(work.notes(part), list(varied[part].notes), spans))


def _other(work: _Work, ins: Instruction) -> None:
    work.say(ins, "is not something the offline generator can do; ignored")


_PLAY = {
    "fill": _fill, "roll": _roll, "triplets": _triplets, "half-time": _half_time,
    "double-time": _double_time, "build": _build, "drop": _drop, "breakdown": _breakdown,
    "mute": _mute, "variation": _variation, "other": _other,
}
