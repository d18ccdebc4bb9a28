"""Standard MIDI file output and input (stepista.midifile)."""

from __future__ import annotations

import os
from fractions import Fraction

import mido
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stepista.clip import Clip, Note
from stepista.midifile import MidiFileError, read_midi, write_midi

SETTINGS = dict(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)


def n(pitch=60, vel=100, start=0, dur=1, ch=1) -> Note:
    return Note(pitch=pitch, velocity=vel, start=start, duration=dur, channel=ch)


def drums() -> Clip:
    return Clip(notes=[n(36, 120, 0, "1/4", 10), n(38, 90, 1, "1/4", 10), n(42, 70, "1/2", "1/8", 10)],
                length_beats=4, style="techno", part="drums")


def bass() -> Clip:
    return Clip(notes=[n(36, 100, 0, "3/4", 2), n(43, 80, "5/2", "3/2", 2)], length_beats=8, name="Acid bass")


def absolute(track) -> list[tuple[int, mido.Message]]:
    out, tick = [], 0
    for msg in track:
        tick += msg.time
        out.append((tick, msg))
    return out


def notes_of(track) -> list[tuple]:
    """(on tick, off tick, channel, pitch, velocity), pairing each note_on with the next off."""
    pending, out = {}, []
    for tick, msg in absolute(track):
        if msg.type == "note_on" and msg.velocity:
            assert (msg.channel, msg.note) not in pending, "a note started twice without an off"
            pending[(msg.channel, msg.note)] = (tick, msg.velocity)
        elif msg.type in ("note_on", "note_off"):
            on, vel = pending.pop((msg.channel, msg.note))
            out.append((on, tick, msg.channel, msg.note, vel))
    assert not pending, "a note-off was lost"
    return sorted(out)


# -- what a DAW sees ----------------------------------------------------------------

def test_file_structure_is_a_proper_type_1_file(tmp_path):
    path = tmp_path / "song.mid"
    write_midi([drums(), bass()], path, bpm=126)
    mid = mido.MidiFile(path)
    assert mid.type == 1 and mid.ticks_per_beat == 480 and len(mid.tracks) == 3
    conductor = [m for m in mid.tracks[0]]
    assert conductor[0] == mido.MetaMessage("track_name", name="song")
    tempo = [m for m in conductor if m.type == "set_tempo"]
    assert [m.tempo for m in tempo] == [mido.bpm2tempo(126)]
    (sig,) = [m for m in conductor if m.type == "time_signature"]
    assert (sig.numerator, sig.denominator) == (4, 4)
    assert [t.name for t in mid.tracks] == ["song", "techno drums", "Acid bass"]
    for track in mid.tracks:
        assert track[-1].type == "end_of_track"
        assert sum(1 for m in track if m.type == "end_of_track") == 1
        assert all(m.time >= 0 for m in track)
    assert [sum(m.time for m in t) for t in mid.tracks] == [8 * 480, 4 * 480, 8 * 480]


def test_exact_ticks_and_channels(tmp_path):
    path = tmp_path / "x.mid"
    write_midi([drums(), bass()], path)
    mid = mido.MidiFile(path)
    assert notes_of(mid.tracks[1]) == [(0, 120, 9, 36, 120), (240, 300, 9, 42, 70), (480, 600, 9, 38, 90)]
    assert notes_of(mid.tracks[2]) == [(0, 360, 1, 36, 100), (1200, 1920, 1, 43, 80)]


def test_ticks_round_to_the_nearest(tmp_path):
    clip = Clip(notes=[n(start="1/3", dur="1/3")], length_beats=4)
    write_midi(clip, tmp_path / "x.mid", ticks_per_beat=96)
    assert notes_of(mido.MidiFile(tmp_path / "x.mid").tracks[1]) == [(32, 64, 0, 60, 100)]
    write_midi(clip, tmp_path / "y.mid", ticks_per_beat=100)
    assert notes_of(mido.MidiFile(tmp_path / "y.mid").tracks[1]) == [(33, 67, 0, 60, 100)]


def test_tiny_notes_last_at_least_one_tick(tmp_path):
    clip = Clip(notes=[n(start=0, dur="1/10000")], length_beats=4)
    write_midi(clip, tmp_path / "x.mid")
    assert notes_of(mido.MidiFile(tmp_path / "x.mid").tracks[1]) == [(0, 1, 0, 60, 100)]


def test_overlapping_same_pitch_notes_end_before_the_next_starts(tmp_path):
    clip = Clip(notes=[n(60, 100, 0, 2), n(60, 90, 1, 2), n(60, 80, 1, "1/2", 2), n(64, 70, 0, 4)],
                length_beats=4)
    write_midi(clip, tmp_path / "x.mid")
    track = mido.MidiFile(tmp_path / "x.mid").tracks[1]
    # channel 1: the first C ends at beat 1 where the next starts; channel 2 is its own key
    assert notes_of(track) == [(0, 480, 0, 60, 100), (0, 1920, 0, 64, 70), (480, 720, 1, 60, 80),
                               (480, 1440, 0, 60, 90)]
    at_480 = [m.type for tick, m in absolute(track) if tick == 480 and m.type.startswith("note")]
    assert at_480 == ["note_off", "note_on", "note_on"]


def test_same_start_same_pitch_notes_merge(tmp_path):
    clip = Clip(notes=[n(60, 50, 0, 1), n(60, 90, 0, 3), n(60, 127, 0, 2)], length_beats=4)
    write_midi(clip, tmp_path / "x.mid")
    assert notes_of(mido.MidiFile(tmp_path / "x.mid").tracks[1]) == [(0, 1440, 0, 60, 90)]


def test_track_names_and_song_title(tmp_path):
    clips = [Clip(length_beats=4, name="Lead"), Clip(length_beats=4, style="dub"), Clip(length_beats=4)]
    write_midi(clips, tmp_path / "t.mid", title="My Song")
    assert [t.name for t in mido.MidiFile(tmp_path / "t.mid").tracks] == ["My Song", "Lead", "dub", "clip 3"]


def test_bpm_defaults_to_the_clips_then_120(tmp_path):
    write_midi(Clip(length_beats=4, bpm=90), tmp_path / "a.mid")
    write_midi(Clip(length_beats=4), tmp_path / "b.mid")
    tempos = [[m.tempo for m in mido.MidiFile(tmp_path / f).tracks[0] if m.type == "set_tempo"]
              for f in ("a.mid", "b.mid")]
    assert tempos == [[mido.bpm2tempo(90)], [mido.bpm2tempo(120)]]


def test_loop_end_is_kept_even_when_silent_at_the_end(tmp_path):
    write_midi(Clip(notes=[n(dur="1/2")], length_beats=16), tmp_path / "x.mid")
    track = mido.MidiFile(tmp_path / "x.mid").tracks[1]
    assert absolute(track)[-1] == (16 * 480, mido.MetaMessage("end_of_track", time=16 * 480 - 240))


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="ticks_per_beat"):
        write_midi(drums(), tmp_path / "x.mid", ticks_per_beat=0)
    with pytest.raises(ValueError, match="ticks_per_beat"):
        write_midi(drums(), tmp_path / "x.mid", ticks_per_beat=40000)
    assert not os.listdir(tmp_path)


# -- atomic writes ---------------------------------------------------------------------

def test_write_replaces_atomically_and_leaves_no_temp_files(tmp_path, monkeypatch):
    path = tmp_path / "song.mid"
    write_midi(drums(), path)
    before = path.read_bytes()
    write_midi(bass(), str(path))
    assert path.read_bytes() != before and os.listdir(tmp_path) == ["song.mid"]

    def broken_save(self, filename=None, file=None):
        file.write(b"MThd partial")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(mido.MidiFile, "save", broken_save)
    kept = path.read_bytes()
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_midi(drums(), path)
    assert path.read_bytes() == kept and os.listdir(tmp_path) == ["song.mid"]


# -- reading ------------------------------------------------------------------------------

def test_read_back(tmp_path):
    path = tmp_path / "song.mid"
    write_midi([drums(), bass()], path, bpm=133.33)
    back = read_midi(path)
    assert [c.name for c in back] == ["techno drums", "Acid bass"]
    assert [c.bpm for c in back] == [133.33, 133.33]
    assert back[0].notes == drums().sorted().notes and back[0].length_beats == 4
    assert back[1].notes == bass().sorted().notes and back[1].length_beats == 8
    assert all(type(x.start) is Fraction for c in back for x in c.notes)


def write_raw(path, tracks, ticks_per_beat=480, type_=1):
    mid = mido.MidiFile(type=type_, ticks_per_beat=ticks_per_beat)
    for messages in tracks:
        mid.tracks.append(mido.MidiTrack(messages))
    mid.save(path)
    return path


def test_read_foreign_file_conventions(tmp_path):
    path = write_raw(tmp_path / "f.mid", [[
        mido.MetaMessage("track_name", name="keys"),
        mido.Message("note_on", channel=3, note=60, velocity=80, time=96),
        mido.Message("note_on", channel=3, note=64, velocity=70, time=0),
        mido.Message("note_on", channel=3, note=60, velocity=0, time=48),   # velocity 0 ends a note
        mido.Message("note_off", channel=3, note=64, velocity=64, time=48),
        mido.Message("note_on", channel=3, note=67, velocity=60, time=96),  # never ended
        mido.Message("note_off", channel=5, note=1, time=0),                # stray off, ignored
        mido.MetaMessage("end_of_track", time=96 * 5),
    ]], ticks_per_beat=96, type_=0)
    (clip,) = read_midi(path)
    assert clip.name == "keys" and clip.bpm == 120 and clip.length_beats == 8
    assert [(x.pitch, x.velocity, x.start, x.duration, x.channel) for x in clip.notes] == [
        (60, 80, 1, Fraction(1, 2), 4), (64, 70, 1, 1, 4), (67, 60, 3, 5, 4)
    ]


def test_read_pairs_repeated_notes_first_in_first_out(tmp_path):
    path = write_raw(tmp_path / "f.mid", [[
        mido.Message("note_on", note=60, velocity=100, time=0),
        mido.Message("note_on", note=60, velocity=50, time=480),
        mido.Message("note_off", note=60, time=480),
        mido.Message("note_off", note=60, time=480),
    ]])
    (clip,) = read_midi(path)
    assert clip.name is None and clip.length_beats == 4
    assert [(x.velocity, x.start, x.duration) for x in clip.notes] == [(100, 0, 2), (50, 1, 2)]


def test_length_covers_the_last_note_and_rounds_up_to_bars(tmp_path):
    path = write_raw(tmp_path / "f.mid", [[
        mido.Message("note_on", note=60, velocity=100, time=480 * 4),
        mido.Message("note_off", note=60, time=480 * 3),
        mido.MetaMessage("end_of_track", time=0),
    ], [mido.MetaMessage("track_name", name="empty")]])
    clips = read_midi(path)
    assert len(clips) == 1 and clips[0].length_beats == 8


def test_read_odd_tempo(tmp_path):
    path = write_raw(tmp_path / "f.mid", [[mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(10))],
                                          [mido.Message("note_on", note=60, velocity=1, time=0),
                                           mido.Message("note_off", note=60, time=1)]])
    (clip,) = read_midi(path)
    assert clip.bpm is None and clip.notes == [n(60, 1, 0, Fraction(1, 480))]


@pytest.mark.parametrize(
    "content, problem",
    [(None, "no such file"), (b"", "empty"), (b"RIFF and some other bytes", "MThd not found"),
     (b"MThd\x00\x00\x00\x06\x00\x01", "ends early")],
)
def test_unreadable_files_raise_midi_file_error(tmp_path, content, problem):
    path = tmp_path / "bad.mid"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(MidiFileError, match=problem) as info:
        read_midi(path)
    assert isinstance(info.value, ValueError)
    assert str(path) in str(info.value) and info.value.path == str(path)


def test_truncated_and_directory_errors(tmp_path):
    write_midi(drums(), tmp_path / "ok.mid")
    data = (tmp_path / "ok.mid").read_bytes()
    (tmp_path / "cut.mid").write_bytes(data[: len(data) - 5])
    with pytest.raises(MidiFileError, match="truncated"):
        read_midi(tmp_path / "cut.mid")
    with pytest.raises(MidiFileError, match="directory"):
        read_midi(tmp_path)


# -- round trip --------------------------------------------------------------------------

GRID = 480


@st.composite
def grid_clips(draw):
    bars = draw(st.integers(1, 4))
    length = 4 * bars * GRID
    taken: dict[tuple[int, int], list[tuple[int, int]]] = {}
    notes = []
    for _ in range(draw(st.integers(0, 16))):
        start = draw(st.integers(0, length - 1))
        end = draw(st.integers(start + 1, min(length, start + 4 * GRID)))
        key = (draw(st.integers(1, 16)), draw(st.integers(0, 127)))
        if any(s < end and start < e for s, e in taken.get(key, [])):
            continue  # same key overlaps are resolved on write, so they cannot round-trip
        taken.setdefault(key, []).append((start, end))
        notes.append(Note(pitch=key[1], velocity=draw(st.integers(1, 127)), channel=key[0],
                          start=Fraction(start, GRID), duration=Fraction(end - start, GRID)))
    return Clip(notes=notes, length_beats=4 * bars, name=draw(st.text("abc xyz", min_size=1, max_size=8)))


@settings(max_examples=120, **SETTINGS)
@given(st.lists(grid_clips(), min_size=1, max_size=3), st.sampled_from([60, 97.5, 120, 174]))
def test_write_read_round_trip_is_exact_on_the_tick_grid(tmp_path, clips, bpm):
    path = tmp_path / "rt.mid"
    write_midi(clips, path, bpm=bpm)
    back = read_midi(path)
    with_notes = [c for c in clips if c.notes]
    assert [c.name for c in back] == [c.name for c in with_notes]
    for original, read in zip(with_notes, back):
        assert read.notes == original.sorted().notes
        assert read.length_beats == original.length_beats and read.bpm == bpm
