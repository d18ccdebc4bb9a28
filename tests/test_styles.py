"""The 12 styles as data: each follows its genre, and a broken file says where."""

from pathlib import Path

import pytest

from stepista.styles import STYLE_IDS, StyleError, load_style, load_styles, parse_phrase


def test_all_twelve_styles_load():
    assert sorted(load_styles()) == sorted(STYLE_IDS)


def hits(lane, threshold=0.99):
    return [i for i, p in enumerate(lane.steps) if p >= threshold]


def test_techno_is_four_on_the_floor_at_125_to_135():
    s = load_style("techno")
    assert (s.tempo.min, s.tempo.max) == (125, 135) and 125 <= s.tempo.default <= 135
    assert hits(s.drums["kick"]) == [0, 4, 8, 12] and s.drums["kick"].core


def test_house_has_open_hats_on_the_offbeats():
    s = load_style("house")
    assert hits(s.drums["open_hat"]) == [2, 6, 10, 14]
    assert hits(s.drums["kick"]) == [0, 4, 8, 12]
    assert "m7" in s.harmony.vocabulary


def test_trap_is_half_time_with_the_snare_on_beat_3_and_hat_rolls():
    s = load_style("trap")
    assert (s.tempo.min, s.tempo.max) == (130, 150) and s.feel.feel == "half-time"
    assert hits(s.drums["snare"]) == [8] and hits(s.drums["clap"]) == [8]
    roll = next(r for r in s.rolls if r.lane == "closed_hat")
    assert 2 in roll.divisions and 3 in roll.divisions  # 1/32 and triplet ratchets


def test_dnb_two_step_kick_on_steps_1_and_11():
    s = load_style("dnb")
    assert 165 <= s.tempo.min and s.tempo.max <= 178
    assert hits(s.drums["kick"]) == [0, 10] and hits(s.drums["snare"]) == [4, 12]


def test_dub_one_drop_between_60_and_100():
    s = load_style("dub")
    assert (s.tempo.min, s.tempo.max) == (60, 100)
    assert hits(s.drums["kick"]) == [8] and hits(s.drums["rim"]) == [8]
    assert {"one-drop", "steppers"} <= set(s.feel.grooves)
    assert s.bass.behaviour == "root_fifth"


def test_lofi_is_slow_and_swung_with_extended_chords():
    s = load_style("lofi")
    assert (s.tempo.min, s.tempo.max) == (70, 95) and s.feel.swing >= 58
    assert {"m9", "maj9", "m11"} <= set(s.harmony.vocabulary)


def test_ambient_changes_slowly_with_suspended_colours():
    s = load_style("ambient")
    assert s.harmony.change_bars >= 4 and {"sus2", "add9"} <= set(s.harmony.vocabulary)


def test_acid_has_a_303_line_with_slides_and_accents():
    s = load_style("acid")
    assert s.bass.behaviour == "acid" and s.arp.shape == "acid"
    steps = [step for p in s.arp.phrases for step in parse_phrase(p)]
    assert any(x.slide for x in steps) and any(x.accent for x in steps)


@pytest.mark.parametrize("name,style_id", [("Drum & Bass", "dnb"), ("lo-fi", "lofi"), ("TECHNO", "techno")])
def test_common_spellings(name, style_id):
    assert load_style(name).id == style_id


def test_unknown_style_lists_the_known_ones():
    with pytest.raises(StyleError, match="known: acid"):
        load_style("polka")


BUILT_IN = Path(__file__).resolve().parents[1] / "styles"


@pytest.fixture
def user_styles(tmp_path, monkeypatch):
    """A user style directory, with the loader's cache cleared around the test."""
    from stepista import styles

    monkeypatch.setenv("STEPISTA_STYLES", str(tmp_path))
    styles._load_all.cache_clear()
    yield tmp_path
    styles._load_all.cache_clear()


def test_a_broken_user_file_names_the_file_and_field(user_styles):
    text = (BUILT_IN / "techno.toml").read_text()
    text = text.replace('id = "techno"', 'id = "mystyle"').replace("default = 130", "default = 400")
    (user_styles / "mystyle.toml").write_text(text)
    with pytest.raises(StyleError) as info:
        load_styles()
    assert "mystyle.toml" in str(info.value) and "tempo.default" in str(info.value)


def test_invalid_toml_is_reported_with_the_file(user_styles):
    (user_styles / "broken.toml").write_text("id = \n")
    with pytest.raises(StyleError, match="broken.toml: not valid TOML"):
        load_styles()


def test_a_user_style_is_added_and_can_override(user_styles):
    text = (BUILT_IN / "house.toml").read_text()
    (user_styles / "deephouse.toml").write_text(
        text.replace('id = "house"', 'id = "deephouse"').replace('name = "House"', 'name = "Deep House"'))
    (user_styles / "house.toml").write_text(text.replace("default = 124", "default = 122"))
    assert load_style("deephouse").name == "Deep House"
    assert load_style("house").tempo.default == 122


def test_phrase_errors_are_clear():
    with pytest.raises(ValueError, match="bad phrase token"):
        parse_phrase("0 x 3")
