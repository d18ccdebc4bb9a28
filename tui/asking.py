"""What the ask line asks and what it does with the answer, kept out of the app.

The selected track is the brief's starting point, so "same but darker" or "add a fill on bar 4"
change what the track has. Only the knobs the performer moved away from the style's defaults go
into that starting point: a brief that names another style gets that style's own defaults for
the rest. The other tracks' clips travel as context (Claude sees their kicks and chord roots).
The answer for the track's part (or the first part when the brief names others) becomes a new
take of the track; the knobs and the style picker then show what was asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from stepista.ai.ask import AskResult
from stepista.ai.request import GenerationRequest
from stepista.clip import Clip
from stepista.styles import load_style

from .session import Params, Session, Track

NUMBERS = ("density", "velocity", "accent", "swing", "tension", "improvise")
"""The knobs a request carries as numbers (bars, key and mode are handled on their own)."""


def base_request(track: Track) -> GenerationRequest:
    """The track as a request: its style, part and seed, and what the performer changed.

    >>> t = Track(name="bass", style="techno", part="bass", params=Params.for_style("techno", "bass"))
    >>> r = base_request(t); (r.style, r.parts, r.density, r.key)
    ('techno', ['bass'], None, None)
    >>> t.params.density = 90; t.params.key = "F"
    >>> r = base_request(t); (r.density, r.key, r.mode)
    (90, 'F', 'minor')
    """
    home = Params.for_style(track.style, track.part)
    p = track.params
    moved = {name: getattr(p, name) for name in NUMBERS if getattr(p, name) != getattr(home, name)}
    key = {} if (p.key, p.mode) == (home.key, home.mode) else {"key": p.key, "mode": p.mode}
    return GenerationRequest(style=track.style, parts=[track.part], bars=p.bars, seed=track.seed,
                             **key, **moved)


def context_clips(session: Session, index: int, shown) -> dict[str, Clip]:
    """The clips the other tracks play, by part (the first track of a part wins); ``shown(i)``
    gives track i's clip as the roll shows it (live code rendered into one)."""
    others: dict[str, Clip] = {}
    for i, track in enumerate(session.tracks):
        if i == index or not session.audible(i):
            continue
        clip = shown(i)
        if clip is not None and clip.notes:
            others.setdefault("drums" if track.drums else track.part, clip)
    return others


@dataclass(frozen=True)
class Adopted:
    part: str
    clip: Clip
    unused: list[str]  # other parts the brief made, not put on this track


def adopt(track: Track, result: AskResult) -> Adopted:
    """Make the answer a new take of ``track`` (recorded for undo) and set the track's style,
    part and knobs to the request's."""
    part = track.part if track.part in result.clips else next(iter(result.clips))
    clip = result.clips[part]
    request = result.request
    params = Params.for_style(request.style, part, f"{clip.key} {clip.mode}")
    for name in NUMBERS:
        if getattr(request, name) is not None:
            setattr(params, name, getattr(request, name))
    params.bars = request.bars
    params.octave = track.params.octave  # a brief has no octave words: the performer's stays
    track.record()
    track.style, track.part, track.params = request.style, part, params
    track.add_take(clip)
    track.source, track.clip = "clip", clip
    return Adopted(part, clip, [p for p in result.clips if p != part])


def answered_by(result: AskResult, part: str) -> str:
    """Who wrote the clip, in words for the status line."""
    writer = "Claude" if result.sources.get(part) == "claude" else "the offline generator"
    reader = "Claude" if result.read_by == "claude" else "the offline parser"
    return f"brief read by {reader}, {part} written by {writer}"


def style_name(style_id: str) -> str:
    return load_style(style_id).name
