"""The offline brief parser against a hand-written corpus, and requests played by the generator."""

import json
from fractions import Fraction
from pathlib import Path

import pytest
from pydantic import ValidationError

from stepista.ai.brief import GENRES, MOODS, PART_WORDS, BriefError, parse_brief
from stepista.ai.request import GenerationRequest, Instruction, realize
from stepista.styles import load_style

CORPUS = json.loads((Path(__file__).parent / "data" / "briefs.json").read_text())["cases"]
RELATIVE = {"up": lambda value, ref: value > ref, "down": lambda value, ref: value < ref}


def _reference(field: str, request: GenerationRequest, base: GenerationRequest | None):
    """What "up"/"down" compare with: the base's value, else the style's default."""
    if base is not None and getattr(base, field) is not None:
        return getattr(base, field)
    style = load_style(request.style)
    return {"swing": style.feel.swing, "bpm": style.tempo.default}.get(field) or getattr(style.defaults, field)


def _check_field(field, expected, request, base):
    value = getattr(request, field)
    if field == "instructions":
        assert len(value) == len(expected), [i.model_dump(exclude_defaults=True) for i in value]
        for got, want in zip(value, expected):
            assert {k: getattr(got, k) for k in want} == want, got
    elif isinstance(expected, str) and expected in RELATIVE:
        assert value is not None, f"{field} left at the style's default"
        reference = _reference(field, request, base)
        assert RELATIVE[expected](value, reference), f"{field} {value} is not {expected} from {reference}"
    elif isinstance(expected, str) and expected == "default":
        assert value is None
    else:
        assert value == expected, f"{field}: {value!r} != {expected!r}"


def test_corpus_is_large_enough_and_covers_errors_and_relative_briefs():
    assert len(CORPUS) >= 60
    assert sum("base" in case for case in CORPUS) >= 10
    assert sum("error" in case for case in CORPUS) >= 5


@pytest.mark.parametrize("case", CORPUS, ids=[c["brief"] or "(empty)" for c in CORPUS])
def test_brief(case):
    base = parse_brief(case["base"]) if "base" in case else None
    if "error" in case:
        with pytest.raises(BriefError, match=None) as caught:
            parse_brief(case["brief"], base=base)
        assert case["error"] in str(caught.value)
        return
    request = parse_brief(case["brief"], base=base)
    for field, expected in case["expect"].items():
        _check_field(field, expected, request, base)


# -- the parser's promises beyond the corpus ----------------------------------------------------

def test_errors_name_the_words_and_where_they_are():
    with pytest.raises(BriefError) as caught:
        parse_brief("dnb at 500 bpm")
    assert caught.value.word == "500 bpm" and caught.value.position == 7
    assert "character 8" in str(caught.value)


def test_nothing_usable_says_what_was_expected():
    with pytest.raises(BriefError, match="expected a style"):
        parse_brief("make it pop")


def test_the_seed_is_kept_by_a_relative_brief_and_given_to_a_fresh_one():
    assert parse_brief("techno", seed=7).seed == 7
    assert parse_brief("darker", base=parse_brief("techno", seed=7), seed=0).seed == 7


def test_parsing_is_deterministic():
    brief = "dark but playful acid at 128, 8 bars, a 2-bar fill at the end"
    assert parse_brief(brief) == parse_brief(brief)


def test_request_schema_documents_every_field():
    schema = GenerationRequest.model_json_schema()
    assert all("description" in spec for spec in schema["properties"].values())
    instruction = schema["$defs"]["Instruction"]["properties"]
    assert all("description" in spec for spec in instruction.values())


def test_request_rejects_unknown_fields_and_values():
    with pytest.raises(ValidationError):
        GenerationRequest(style="techno", tempo=120)
    with pytest.raises(ValidationError):
        GenerationRequest(style="polka")
    with pytest.raises(ValidationError):
        GenerationRequest(style="techno", mode="dorain")
    with pytest.raises(ValidationError):
        Instruction(kind="fill", bars=[17])


# -- realize ---------------------------------------------------------------------------------------

def _inside_loop(clip):
    return all(0 <= n.start and n.end <= clip.length_beats for n in clip.notes)


@pytest.mark.parametrize("brief", [
    "dark trap drums at 140 with triplet rolls in bar 4",
    "full track, house in F minor, 8 bars, a 2-bar fill at the end",
    "melancholic lofi chords and melody in D, swung, half-time at bar 3",
    "acid techno, 8 bars, drop at bar 5, variation in the last bar",
    "ambient pads and arp in C lydian, triplet arp in bar 2, mute the chords in bar 4",
])
def test_realize_gives_a_clip_per_part_sharing_the_key_inside_the_loop(brief):
    request = parse_brief(brief, seed=3)
    done = realize(request)
    assert list(done.clips) == request.parts
    keys = {(clip.key, clip.mode) for clip in done.clips.values()}
    assert len(keys) == 1
    for clip in done.clips.values():
        assert clip.length_beats == request.bars * 4
        assert _inside_loop(clip)
        assert clip.notes
    again = realize(parse_brief(brief, seed=3))
    assert again.clips == done.clips and again.notices == done.notices


def test_a_different_seed_gives_different_clips():
    one, two = (realize(parse_brief("techno drums and bass", seed=s)).clips for s in (1, 2))
    assert one != two


def test_dark_trap_brief_end_to_end():
    request = parse_brief("dark trap drums at 140 with triplet rolls in bar 4")
    assert (request.style, request.bpm, request.parts, request.mood) == ("trap", 140, ["drums"], ["dark"])
    [instruction] = request.instructions
    assert instruction.kind in ("triplets", "roll") and instruction.bars == [4]
    drums = realize(request).clips["drums"]
    hats = sorted(n.start for n in drums.notes if n.pitch == 42 and 12 <= n.start < 16)
    gaps = {b - a for a, b in zip(hats, hats[1:])}
    assert gaps & {Fraction(1, 3), Fraction(1, 6)}


def test_what_the_generator_cannot_do_is_reported():
    request = parse_brief("techno drums and bass, reverse the bassline in bar 3, a fill on bar 9, 8 bars")
    notices = realize(request).notices
    assert any("reverse the bassline in bar 3" in n and "not something" in n for n in notices)
    assert any("bar 9" in n and "past the 8-bar loop" in n for n in notices)


def test_triplets_on_the_lead_and_a_missing_part_are_reported():
    request = GenerationRequest(style="house", parts=["drums", "lead"], instructions=[
        Instruction(kind="triplets", part="lead", bars=[2], text="triplet lead in bar 2"),
        Instruction(kind="fill", part="arp", bars=[4], text="an arp fill")])
    notices = realize(request).notices
    assert any("triplet lead" in n and "left as it is" in n for n in notices)
    assert any("arp fill" in n and "does not generate" in n for n in notices)


def test_half_time_on_a_half_time_style_is_reported_not_applied():
    plain = realize(GenerationRequest(style="trap", parts=["drums"]))
    asked = realize(GenerationRequest(style="trap", parts=["drums"], instructions=[
        Instruction(kind="half-time", text="half-time")]))
    assert asked.clips == plain.clips
    assert asked.notices == ["'half-time' Trap already plays half-time; the groove is left as it is"]


def test_half_time_moves_the_backbeat_to_beat_three():
    request = GenerationRequest(style="house", parts=["drums"], bars=2, improvise=0,
                                instructions=[Instruction(kind="half-time", bars=[2])])
    clip = realize(request).clips["drums"]
    claps = [n.start for n in clip.notes if n.pitch == 39]
    assert claps == [1, 3, 6]  # bar 1 as written (2 and 4); bar 2 in half time (3)


def test_mute_and_breakdown_silence_their_bars():
    request = parse_brief("house, 4 bars, mute the hats in bar 2, breakdown in bar 4", seed=1)
    done = realize(request)
    drums, bass = done.clips["drums"], done.clips["bass"]
    assert not [n for n in drums.notes if n.pitch in (42, 44, 46) and 4 <= n.start < 8]
    assert not [n for n in drums.notes if n.pitch == 36 and n.start >= 12]
    assert not [n for n in bass.notes if n.start >= 12 or n.end > 12]
    assert [n for n in drums.notes if n.pitch == 36 and n.start < 12]


def test_a_fill_changes_only_its_bar():
    plain = realize(parse_brief("techno drums, 4 bars"))
    filled = realize(parse_brief("techno drums, 4 bars, a fill on bar 2"))
    before = [n for n in plain.clips["drums"].notes if not 4 <= n.start < 8]
    after = [n for n in filled.clips["drums"].notes if not 4 <= n.start < 8]
    assert before == after
    assert plain.clips["drums"] != filled.clips["drums"]


def test_realize_honours_the_request_numbers():
    request = parse_brief("dnb in C# dorian at 172, 2 bars", seed=5)
    done = realize(request)
    assert (done.params.key, done.params.bpm, done.params.bars) == ("C# dorian", 172, 2)
    assert all(clip.bpm == 172 and clip.key == "C#" and clip.mode == "dorian" for clip in done.clips.values())


# -- the vocabulary tables are what the parser reads ------------------------------------------------


@pytest.mark.parametrize("word,style", [(w, s) for s, words in GENRES.items() for w in words])
def test_every_genre_spelling_is_read(word, style):
    assert parse_brief(word).style == style


@pytest.mark.parametrize("word", [w for mood in MOODS if mood.kept for w in mood.words])
def test_every_mood_word_is_read(word):
    assert parse_brief(f"techno, {word}").mood == [word]


@pytest.mark.parametrize("word,part", [(w, p) for p, words in PART_WORDS.items() for w in words])
def test_every_part_word_is_read(word, part):
    assert parse_brief(f"techno {word}").parts == [part]


def test_an_out_of_loop_bar_is_reported_once():
    request = GenerationRequest(style="techno", parts=["chords", "lead"], instructions=[
        Instruction(kind="fill", bars=[9], text="a fill on bar 9")])
    assert realize(request).notices == ["'a fill on bar 9' names bar 9, past the 4-bar loop; left out there"]


def _style_rows() -> list[tuple[str, str]]:
    """(word, style id) for every plain word in the style rows of docs/briefs.md."""
    import pathlib
    import re

    doc = (pathlib.Path(__file__).parent.parent / "docs" / "briefs.md").read_text()
    pairs, group = [], None
    for line in doc.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) != 3 or cells[0] == "group" or cells[0].startswith("---"):
            continue
        group = cells[0] or group
        target = re.fullmatch(r"`(\w+)`", cells[2])
        if group == "style" and target:
            words = cells[1].split(";")[0]
            pairs += [(w.strip(), target.group(1)) for w in words.split(",") if w.strip()]
    return pairs


def test_the_documented_style_words_are_the_ones_read():
    pairs = _style_rows()
    assert len(pairs) > 40
    for word, style in pairs:
        assert parse_brief(f"{word} drums").style == style, word
