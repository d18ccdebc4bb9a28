"""The session file: fresh layout, round trip, atomic writes, broken files kept aside."""

import json
import os

import pytest

from stepista.clip import Clip, Note
from stepista.generate import generate
from tui.session import Params, Session, SessionError, Track, open_session


def test_fresh_session_has_eight_independent_tracks():
    s = Session.fresh()
    assert len(s.tracks) == 8
    assert len({t.name for t in s.tracks}) == 8
    bass, pad, hats = s.tracks[1], s.tracks[2], s.tracks[3]
    assert (bass.style, bass.part, bass.params.key_name) == ("techno", "bass", "C minor")
    assert (pad.style, pad.part, pad.params.key_name) == ("ambient", "chords", "F major")
    assert (hats.style, hats.part, hats.channel) == ("breakbeat", "drums", 10)
    before = [t.params.density for t in s.tracks]
    bass.params.density = 90  # one track's knobs do not move another's
    assert [t.params.density for t in s.tracks] == before[:1] + [90] + before[2:]


def test_style_defaults_fill_the_knobs():
    p = Params.for_style("ambient", "chords")
    assert (p.key, p.mode, p.bars, p.density) == ("F", "major", 8, 30)
    assert Params.for_style("trap", "drums").key == "C#"


def test_round_trip_keeps_clips_exact(tmp_path):
    s = Session.fresh()
    clip = generate(s.tracks[1].gen_params())
    s.tracks[1].source, s.tracks[1].clip = "clip", clip
    s.tracks[2].source, s.tracks[2].code = "code", 'note("c3 [eb3 g3]*2").every(4, rev)'
    s.tracks[2].muted = True
    s.tempo, s.selected, s.history = 133.5, 2, ["bd*4", 'note("c3")']
    triplet = Note(pitch=60, velocity=90, start="1/3", duration="1/3")
    s.tracks[3].source, s.tracks[3].clip = "clip", Clip(notes=[triplet], length_beats=4)
    path = tmp_path / "deep" / "set.json"
    s.save(path)
    back = Session.load(path)
    assert back.tracks[1].clip == clip
    assert back.tracks[3].clip.notes[0].start.denominator == 3
    assert back.tracks[2].code == s.tracks[2].code and back.tracks[2].muted
    assert (back.tempo, back.selected, back.history) == (133.5, 2, ["bd*4", 'note("c3")'])


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    Session.fresh().save(path)
    before = path.read_bytes()
    s = Session.fresh()
    s.tempo = 99

    def broken_dump(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_dump)
    with pytest.raises(OSError):
        s.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]  # no temporary file left


def test_broken_file_is_kept_aside_and_named(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{"tracks": [ {"name": "x", "style": "polka"} ]}')
    session, message = open_session(path)
    assert len(session.tracks) == 8
    assert "tracks.0.style" in message and "polka" in message and "kept it as" in message
    aside = [p for p in tmp_path.iterdir() if ".broken-" in p.name]
    assert len(aside) == 1 and "polka" in aside[0].read_text()


def test_not_json_names_line_and_column(tmp_path):
    path = tmp_path / "s.json"
    path.write_text('{\n  "tempo": 120,\n  oops\n}')
    with pytest.raises(SessionError, match=r"line 3, column 3"):
        Session.load(path)


def test_newer_version_is_refused(tmp_path):
    path = tmp_path / "s.json"
    data = json.loads(Session.fresh().model_dump_json())
    data["version"] = 99
    path.write_text(json.dumps(data))
    with pytest.raises(SessionError, match="newer"):
        Session.load(path)


def test_undo_redo_and_takes_per_track():
    t = Track(name="x", style="house", part="bass")
    a = generate(t.gen_params())
    t.record(); t.source, t.clip = "clip", a
    t.record(); t.source, t.code = "code", "bd*4"
    assert t.undo() and (t.source, t.clip) == ("clip", a)
    assert t.undo() and t.source == "empty"
    assert not t.undo()
    assert t.redo() and t.redo() and t.source == "code"
    t.set_takes([a, a.transpose(2)])
    assert t.next_take() == a.transpose(2) and t.next_take() == a and t.next_take(-1) == a.transpose(2)


def test_audible_follows_mute_and_solo():
    s = Session.fresh()
    for t in s.tracks[:3]:
        t.source, t.code = "code", "bd"
    assert [s.audible(i) for i in range(4)] == [True, True, True, False]
    s.tracks[1].muted = True
    assert [s.audible(i) for i in range(3)] == [True, False, True]
    s.tracks[2].soloed = True
    assert [s.audible(i) for i in range(3)] == [False, False, True]
