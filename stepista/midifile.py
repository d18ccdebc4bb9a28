"""Standard MIDI files: clips out to a type-1 file a DAW opens, and back.

Track 0 is the conductor track (song name, tempo, 4/4); each clip gets its own
named track. Times are exact: a note at beat ``b`` lands on tick
``round(b * ticks_per_beat)`` and reads back as ``Fraction(tick, ticks_per_beat)``.

>>> import os, tempfile
>>> from .clip import Clip, Note
>>> clip = Clip(notes=[Note(pitch=36, velocity=110, start=0, duration=0.25, channel=10)],
...             length_beats=4, name="kick")
>>> with tempfile.TemporaryDirectory() as d:
...     write_midi(clip, os.path.join(d, "song.mid"), bpm=128)
...     [(c.name, c.bpm, c.notes == clip.notes) for c in read_midi(os.path.join(d, "song.mid"))]
[('kick', 128.0, True)]
"""

from __future__ import annotations

import math
import os
import tempfile
from collections import defaultdict
from fractions import Fraction
from typing import Iterable

import mido

from .clip import BEATS_PER_CYCLE, Clip, Note
from .files import write_atomically

__all__ = ["MidiFileError", "write_midi", "read_midi", "DEFAULT_BPM"]

DEFAULT_BPM = 120.0
_MAX_TICKS_PER_BEAT = 0x7FFF  # SMF division: 15 bits of ticks per quarter note


class MidiFileError(ValueError):
    """A MIDI file that cannot be read (missing, not MIDI, or broken)."""

    def __init__(self, path, problem: str):
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


# -- writing ------------------------------------------------------------------

def _track_name(clip: Clip, index: int) -> str:
    if clip.name:
        return clip.name
    words = [w for w in (clip.style, clip.part) if w]
    return " ".join(words) if words else f"clip {index + 1}"


def _note_spans(notes: list[Note], tpb: int) -> list[tuple[int, int, int, int, int]]:
    """``(on, off, channel index, pitch, velocity)`` in ticks, with same-key overlaps resolved.

    Every note lasts at least one tick. When two notes share a channel and
    pitch, the earlier one ends where the later one starts (a receiver would
    otherwise take the first note-off for both); notes starting on the same
    tick merge into the longest, loudest one.
    """
    by_key: dict[tuple[int, int], list[list[int]]] = defaultdict(list)
    for n in notes:
        on = round(n.start * tpb)
        off = max(round(n.end * tpb), on + 1)
        by_key[(n.channel - 1, n.pitch)].append([on, off, n.velocity])
    spans = []
    for (channel, pitch), items in by_key.items():
        items.sort(key=lambda x: (x[0], -x[1], -x[2]))
        kept: list[list[int]] = []
        for on, off, velocity in items:
            if kept and kept[-1][0] == on:
                continue  # same start: the first (longest, loudest) stands for both
            if kept and kept[-1][1] > on:
                kept[-1][1] = on
            kept.append([on, off, velocity])
        spans.extend((on, off, channel, pitch, velocity) for on, off, velocity in kept)
    return spans


def _delta_times(timed: list[tuple[int, mido.Message]]) -> list[mido.Message]:
    """Messages with absolute ticks turned into delta times."""
    out, now = [], 0
    for tick, msg in timed:
        out.append(msg.copy(time=tick - now))
        now = tick
    return out


def _clip_track(clip: Clip, index: int, tpb: int) -> mido.MidiTrack:
    timed = []
    for on, off, channel, pitch, velocity in _note_spans(clip.notes, tpb):
        # sorted by tick, offs before ons: a note ends before its successor starts
        off_msg = mido.Message("note_off", channel=channel, note=pitch, velocity=0)
        on_msg = mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)
        timed += [((off, 0, channel, pitch), off_msg), ((on, 1, channel, pitch), on_msg)]
    timed.sort(key=lambda item: item[0])
    last = timed[-1][0][0] if timed else 0
    end = max(math.ceil(clip.length_beats * tpb), last)
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=_track_name(clip, index))])
    track.extend(_delta_times([(key[0], msg) for key, msg in timed]))
    track.append(mido.MetaMessage("end_of_track", time=end - last))
    return track


def _conductor_track(title: str, bpm: float, end: int) -> mido.MidiTrack:
    return mido.MidiTrack([
        mido.MetaMessage("track_name", name=title),
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)),
        mido.MetaMessage("time_signature", numerator=4, denominator=4,
                         clocks_per_click=24, notated_32nd_notes_per_beat=8),
        mido.MetaMessage("end_of_track", time=end),
    ])


def save_atomically(mid: mido.MidiFile, path) -> None:
    """Save ``mid`` to ``path`` through a temporary file, fsync and rename: never a half file."""
    write_atomically(path, lambda fh: mid.save(file=fh))


def write_midi(clips: Clip | Iterable[Clip], path, bpm: float | None = None,
               ticks_per_beat: int = 480, title: str | None = None) -> None:
    """Write clips to a type-1 Standard MIDI File at ``path``, atomically.

    ``bpm`` defaults to the first clip's bpm, else 120. ``title`` (the song
    name on track 0) defaults to the file name without its extension. Note
    channels are written as MIDI channel ``channel - 1`` (drums, channel 10,
    are index 9). Each clip track ends at its loop length.
    """
    clips = [clips] if isinstance(clips, Clip) else list(clips)
    if not isinstance(ticks_per_beat, int) or not 0 < ticks_per_beat <= _MAX_TICKS_PER_BEAT:
        raise ValueError(f"ticks_per_beat must be an int in 1..{_MAX_TICKS_PER_BEAT}, not {ticks_per_beat!r}")
    if bpm is None:
        bpm = next((c.bpm for c in clips if c.bpm is not None), DEFAULT_BPM)
    if not 0 < bpm:
        raise ValueError(f"bpm must be positive, not {bpm!r}")
    if title is None:
        title = os.path.splitext(os.path.basename(os.fspath(path)))[0]
    mid = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    tracks = [_clip_track(c, i, ticks_per_beat) for i, c in enumerate(clips)]
    song_end = max((sum(m.time for m in t) for t in tracks), default=0)
    mid.tracks.append(_conductor_track(title, bpm, song_end))
    mid.tracks.extend(tracks)
    save_atomically(mid, path)


# -- reading ------------------------------------------------------------------

def _open(path) -> mido.MidiFile:
    if not os.path.exists(path):
        raise MidiFileError(path, "no such file")
    if os.path.isdir(path):
        raise MidiFileError(path, "is a directory, not a MIDI file")
    if os.path.getsize(path) == 0:
        raise MidiFileError(path, "the file is empty, not a MIDI file")
    try:
        mid = mido.MidiFile(path, clip=True)
    except EOFError:
        raise MidiFileError(path, "the MIDI data ends early (truncated file)") from None
    except OSError as exc:
        raise MidiFileError(path, f"not a readable Standard MIDI File ({exc})") from None
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise MidiFileError(path, f"broken MIDI data ({exc})") from None
    if not 0 < mid.ticks_per_beat <= _MAX_TICKS_PER_BEAT:
        problem = f"unsupported time division {mid.ticks_per_beat} (SMPTE timing is not supported)"
        raise MidiFileError(path, problem)
    return mid


def _file_bpm(mid: mido.MidiFile) -> float | None:
    """The first tempo in the file (MIDI's default 120 when there is none)."""
    for track in mid.tracks:
        for msg in track:
            if msg.type == "set_tempo":
                bpm = round(mido.tempo2bpm(msg.tempo), 2)
                return bpm if 20 <= bpm <= 300 else None
    return DEFAULT_BPM


def _track_notes(track: mido.MidiTrack) -> tuple[list[tuple[int, int, int, int, int]], int, str | None]:
    """``(on, off, channel 1-16, pitch, velocity)`` tuples, the end tick and the track name."""
    pending: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    notes, name, tick = [], None, 0
    for msg in track:
        tick += msg.time
        if msg.type == "track_name" and name is None:
            name = msg.name or None
        elif msg.type == "note_on" and msg.velocity > 0:
            pending[(msg.channel, msg.note)].append((tick, msg.velocity))
        elif msg.type in ("note_off", "note_on") and pending.get((msg.channel, msg.note)):
            on, velocity = pending[(msg.channel, msg.note)].pop(0)  # first on, first off
            notes.append((on, tick, msg.channel + 1, msg.note, velocity))
    for (channel, pitch), ons in pending.items():  # never lose a note: close at the end
        notes.extend((on, tick, channel + 1, pitch, velocity) for on, velocity in ons)
    return notes, tick, name


def _clip_from_track(track: mido.MidiTrack, tpb: int, bpm: float | None) -> Clip | None:
    raw, end_tick, name = _track_notes(track)
    if not raw:
        return None
    notes = [
        Note(pitch=pitch, velocity=velocity, start=Fraction(on, tpb),
             duration=Fraction(max(off - on, 1), tpb), channel=channel)
        for on, off, channel, pitch, velocity in raw
    ]
    last_end = max(n.end for n in notes)
    bar_ticks = BEATS_PER_CYCLE * tpb
    bars = max(math.ceil(Fraction(end_tick, bar_ticks)), math.ceil(last_end / BEATS_PER_CYCLE), 1)
    return Clip(notes=notes, length_beats=bars * BEATS_PER_CYCLE, name=name, bpm=bpm).sorted()


def read_midi(path) -> list[Clip]:
    """The clips in a MIDI file: one per track that has notes.

    Times are exact fractions of a beat (``tick / ticks_per_beat``); the clip
    length is the track's end rounded up to whole 4-beat bars; the track name
    becomes the clip name and the file's first tempo its bpm. A missing or
    unreadable file raises `MidiFileError`.
    """
    mid = _open(path)
    bpm = _file_bpm(mid)
    clips = []
    for track in mid.tracks:
        try:
            clip = _clip_from_track(track, mid.ticks_per_beat, bpm)
        except ValueError as exc:
            raise MidiFileError(path, f"track {track.name!r} does not make a valid clip: {exc}") from None
        if clip is not None:
            clips.append(clip)
    return clips
