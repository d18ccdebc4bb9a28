"""The Claude layer against a fake Messages API: the real SDK builds and sends every request,
retries and parses; only the transport is fake (tests/aifake.py)."""

import json
from fractions import Fraction

import anthropic
import httpx2
import pytest

from aifake import (
    API_KEY, BASE_URL, FakeClaude, FakeTime, api_error, message, notes_answer, overloaded,
    rate_limited, read_timeout, refusal, server_error, truncated,
)
from stepista.ai.brief import BriefError, parse_brief
from stepista.ai.claude import ClaudeGenerator, ClipAnswer, Context, beats_json
from stepista.ai.config import AiConfig, ConfigError, ai_status, load_config, make_client
from stepista.ai.request import GenerationRequest
from stepista.clip import Clip, Note
from stepista.generate import GenParams, generate, resolve
from stepista.theory import tension_pitches

BASS = GenParams(style="techno", part="bass", key="C minor", bars=1, tension=0, seed=3)
GOOD = [(48, 100, 0, "1/2"), (51, 90, 1, "1/2"), (55, 96, 2, 0.5), (58, 80, 3, 0.25)]
CONFIG = AiConfig(model="claude-test-model", timeout=30, budget=90, max_retries=2)
TWELVE = {"density", "velocity", "accent", "swing", "length", "octave", "bars", "tension", "improvise",
          "bpm", "key", "mode"}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No real key, config file or model override leaks in from the machine running the tests."""
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "STEPISTA_AI_MODEL",
                 "ANTHROPIC_PROFILE", "ANTHROPIC_CONFIG_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def clock(monkeypatch):
    return FakeTime().install(monkeypatch)


def generator(fake: FakeClaude, clock, config=CONFIG, **kw) -> ClaudeGenerator:
    return ClaudeGenerator(fake.client(**kw), config=config, clock=clock)


def assert_valid(answer, params=BASS):
    """Whatever happened, the clip plays only allowed pitches, sane velocities, inside the loop."""
    s = resolve(params)
    classes = tension_pitches(s.key, s.tension)
    clip = answer.clip
    assert clip.notes, "an empty clip"
    assert all(n.pitch % 12 in classes for n in clip.notes)
    assert all(1 <= n.velocity <= 127 for n in clip.notes)
    assert all(0 <= n.start and n.end <= s.bars * 4 for n in clip.notes)
    assert clip.length_beats == s.bars * 4 and clip.part == s.part and clip.style == s.style.id
    Clip.model_validate(clip.model_dump())


# -- a good answer, and what the SDK sent ----------------------------------------------------------

def test_a_good_answer_becomes_the_clip(clock):
    fake = FakeClaude(notes_answer(GOOD))
    answer = generator(fake, clock).clip(BASS)
    assert answer.source == "claude"
    assert answer.notice == "Claude's answer: 4 notes"
    assert [(n.pitch, n.velocity, n.start, n.duration, n.channel) for n in answer.clip.notes] == [
        (48, 100, 0, Fraction(1, 2), 2), (51, 90, 1, Fraction(1, 2), 2), (55, 96, 2, Fraction(1, 2), 2),
        (58, 80, 3, Fraction(1, 4), 2)]
    assert (answer.clip.key, answer.clip.mode, answer.clip.bpm) == ("C", "minor", 130)
    assert not answer.report.changed
    assert_valid(answer)
    assert len(fake.requests) == 1


def test_the_request_carries_model_schema_and_the_whole_musical_context(clock):
    fake = FakeClaude(notes_answer(GOOD))
    context = Context(other_kicks=[0, 1, Fraction(5, 2), 3], chord_roots=[(1, "C"), (2, "Ab")])
    generator(fake, clock).clip(BASS.model_copy(update={"density": 70, "swing": 56}), context=context)
    request = fake.requests[0]
    assert (request.method, str(request.url)) == ("POST", f"{BASE_URL}/v1/messages")
    assert API_KEY in request.headers.get("x-api-key", "") + request.headers.get("authorization", "")
    assert request.headers["anthropic-version"]
    body = fake.bodies[0]
    assert body["model"] == "claude-test-model"
    assert body["output_config"] == {"format": {"type": "json_schema",
                                                "schema": anthropic.transform_schema(ClipAnswer)}}
    note_schema = body["output_config"]["format"]["schema"]["$defs"]["NoteAnswer"]
    assert set(note_schema["required"]) == {"pitch", "velocity", "start", "duration"}
    assert note_schema["additionalProperties"] is False
    assert "General MIDI" in note_schema["properties"]["pitch"]["description"]
    assert "allowed_pitch_classes" in body["system"]
    sent = fake.request_json()
    assert sent["style"]["id"] == "techno" and sent["part"] == "bass"
    assert (sent["key"], sent["mode"]) == ("C", "minor")
    assert sent["loop"] == {"bars": 1, "beats": 4, "bpm": 130}
    assert set(sent["parameters"]) == TWELVE
    assert sent["parameters"]["density"] == 70 and sent["parameters"]["swing"] == 56
    assert sent["parameters"]["key"] == "C minor" and sent["parameters"]["tension"] == 0
    assert sent["allowed_pitch_classes"] == [0, 2, 3, 5, 7, 8, 10]
    assert sent["channel"] == 2 and sent["max_notes"] == 512
    assert sent["other_tracks"] == {"kick_beats": [0, 1, 2.5, 3],
                                    "chord_roots": [{"bar": 1, "root": "C"}, {"bar": 2, "root": "Ab"}]}
    assert "varying" not in sent and sent["task"] == "new clip"


def test_a_variation_sends_the_clip_being_varied(clock):
    varied = Clip(notes=[Note(pitch=48, velocity=100, start=0, duration=Fraction(1, 3)),
                         Note(pitch=55, velocity=90, start=Fraction(4, 3), duration=1)], length_beats=4)
    fake = FakeClaude(notes_answer(GOOD))
    generator(fake, clock).clip(BASS, varying=varied)
    sent = fake.request_json()
    assert sent["task"].startswith("variation")
    assert sent["varying"]["notes"] == [[48, 100, 0, "1/3"], [55, 90, "4/3", 1]]
    assert fake.prompt().startswith("Vary the bass clip")


def test_drums_get_the_style_drum_map_instead_of_pitch_classes(clock):
    drums = GenParams(style="techno", part="drums", bars=1)
    fake = FakeClaude(notes_answer([(36, 120, 0, 0.25), (37, 80, 1, 0.25), (200, 80, 2, 0.25)]))
    answer = generator(fake, clock).clip(drums)
    sent = fake.request_json()
    assert sent["channel"] == 10 and sent["style_drum_notes"]["kick"] == 36
    assert "allowed_pitch_classes" not in sent
    assert [n.pitch for n in answer.clip.notes] == [36, 37, 81]
    assert all(n.channel == 10 for n in answer.clip.notes)
    assert answer.notice == "Claude's answer had 1 note outside the drum map (snapped)"


# -- answers that validation fixes -----------------------------------------------------------------

def test_off_scale_notes_are_snapped_counted_and_told(clock):
    notes = GOOD + [(49, 100, 0.5, 0.25), (52, 100, 1.5, 0.25), (54, 100, 2.5, 0.25)]
    answer = generator(FakeClaude(notes_answer(notes)), clock).clip(BASS)
    assert answer.source == "claude"
    assert answer.report.counts == {"snapped": 3}
    assert answer.notice == "Claude's answer had 3 notes outside C minor (snapped)"
    assert sorted(n.pitch for n in answer.clip.notes) == [48, 48, 51, 51, 53, 55, 58]
    assert_valid(answer)


def test_velocity_200_is_clamped(clock):
    answer = generator(FakeClaude(notes_answer(GOOD[:3] + [(58, 200, 3, 0.25)])), clock).clip(BASS)
    assert answer.source == "claude"
    assert answer.clip.notes[-1].velocity == 127
    assert answer.notice == "Claude's answer had 1 velocity outside 1-127 (clamped)"
    assert_valid(answer)


def test_negative_starts_move_into_the_loop(clock):
    answer = generator(FakeClaude(notes_answer(GOOD[:3] + [(58, 80, -0.5, 0.5)])), clock).clip(BASS)
    assert answer.clip.notes[-1].start == Fraction(7, 2)
    assert answer.notice == "Claude's answer had 1 note before beat 0 (moved into the loop)"
    assert_valid(answer)


def test_notes_past_the_loop_are_trimmed_or_dropped(clock):
    notes = GOOD[:3] + [(58, 80, 3, 4), (60, 80, 6, 1)]
    answer = generator(FakeClaude(notes_answer(notes)), clock).clip(BASS)
    assert [(n.start, n.end) for n in answer.clip.notes][-1] == (3, 4)
    assert answer.notice == ("Claude's answer had 1 note starting after the loop end (dropped), "
                             "1 note past the loop end (trimmed)")
    assert_valid(answer)


# -- answers that cannot be used: one retry with the problem, then offline --------------------------

def test_invalid_json_is_retried_with_the_error(clock):
    fake = FakeClaude(message('{"notes": [{"pitch": 48,'), notes_answer(GOOD))
    answer = generator(fake, clock).clip(BASS)
    assert answer.source == "claude" and len(fake.requests) == 2
    assert answer.notice.startswith("Claude's second answer: 4 notes; the first was not valid JSON")
    retry = fake.bodies[1]["messages"][0]["content"]
    assert retry[0] == fake.bodies[0]["messages"][0]["content"][0]  # the same request...
    assert retry[1]["text"].startswith("Your previous answer could not be used: it was not valid JSON")
    assert fake.bodies[1]["output_config"] == fake.bodies[0]["output_config"]


def test_two_failed_answers_hand_over_to_the_offline_generator(clock):
    fake = FakeClaude(message("Here is a groovy bassline!"), message('{"tracks": []}'))
    answer = generator(fake, clock).clip(BASS)
    assert answer.source == "offline" and len(fake.requests) == 2
    assert answer.notice == (
        "Claude's answers could not be used (the first was not valid JSON: expected value at line 1 "
        "column 1; the second did not follow the schema: notes: Field required, tracks: Extra inputs "
        "are not permitted): offline generator used")
    assert answer.clip == generate(BASS)
    assert_valid(answer)


def test_a_refusal_is_retried_then_falls_back(clock):
    fake = FakeClaude(refusal("Declined."), notes_answer(GOOD))
    answer = generator(fake, clock).clip(BASS)
    assert answer.source == "claude"
    assert answer.notice == "Claude's second answer: 4 notes; the first was a refusal: Declined."
    fake = FakeClaude(refusal(), refusal())
    answer = generator(fake, clock).clip(BASS)
    assert answer.source == "offline" and "was a refusal" in answer.notice
    assert_valid(answer)


def test_max_tokens_truncation_is_retried_asking_for_fewer_notes(clock):
    fake = FakeClaude(truncated(GOOD * 20), notes_answer(GOOD))
    answer = generator(fake, clock).clip(BASS)
    assert answer.source == "claude"
    assert "the first was cut off at max_tokens" in answer.notice
    assert "Write fewer notes" in fake.bodies[1]["messages"][0]["content"][1]["text"]
    assert fake.bodies[0]["max_tokens"] >= 8000
    fake = FakeClaude(truncated(GOOD * 20), truncated(GOOD * 20))
    assert generator(fake, clock).clip(BASS).source == "offline"


def test_an_empty_answer_is_retried(clock):
    fake = FakeClaude(notes_answer([]), notes_answer(GOOD))
    answer = generator(fake, clock).clip(BASS)
    assert answer.source == "claude" and answer.notice.endswith("the first had no notes")
    assert "it had no notes" in fake.bodies[1]["messages"][0]["content"][1]["text"]


def test_an_answer_needing_heavy_fixes_is_retried_with_the_report(clock):
    off_key = [(49, 100, 0, 0.5), (52, 100, 1, 0.5), (54, 100, 2, 0.5), (55, 100, 3, 0.5)]
    fake = FakeClaude(notes_answer(off_key), notes_answer(off_key))
    answer = generator(fake, clock).clip(BASS)
    assert answer.source == "offline"
    follow_up = fake.bodies[1]["messages"][0]["content"][1]["text"]
    assert "needed fixes in 3 of its 4 notes: 3 notes outside C minor (snapped)" in follow_up
    assert_valid(answer)


def test_a_body_that_is_no_message_counts_as_a_failed_answer(clock):
    """A proxy can answer 200 with anything; the SDK builds it loosely, we refuse it."""
    garbage = [httpx2.Response(200, text="<html>gateway</html>"),
               httpx2.Response(200, json={"type": "message", "content": "x", "stop_reason": "end_turn"})]
    answer = generator(FakeClaude(*garbage), clock).clip(BASS)
    assert answer.source == "offline"
    assert answer.notice == ("Claude's answers could not be used (the first was not a Messages API message; "
                             "the second held no text): offline generator used")


# -- the network and the API failing: bounded retries, then offline --------------------------------

def test_a_429_is_retried_after_the_time_it_asks_for(clock):
    fake = FakeClaude(rate_limited(retry_after=3), notes_answer(GOOD))
    answer = generator(fake, clock).clip(BASS)
    assert answer.source == "claude" and answer.notice == "Claude's answer: 4 notes"
    assert clock.sleeps == [3]
    assert [r.headers["x-stainless-retry-count"] for r in fake.requests] == ["0", "1"]


def test_429s_past_the_retries_fall_back(clock):
    fake = FakeClaude(*[rate_limited(retry_after=1)] * 3)
    answer = generator(fake, clock).clip(BASS)
    assert answer.source == "offline" and len(fake.requests) == 3 and clock.sleeps == [1, 1]
    assert answer.notice == ("Claude unavailable (HTTP 429 rate_limit_error after 2 retries): "
                             "offline generator used")
    assert answer.clip == generate(BASS)
    assert_valid(answer)


def test_a_429_asking_for_longer_than_the_budget_falls_back_at_once(clock):
    fake = FakeClaude(rate_limited(retry_after=600), notes_answer(GOOD))
    answer = generator(fake, clock).clip(BASS)
    assert answer.source == "offline" and len(fake.requests) == 1 and clock.sleeps == []
    assert "asked to wait 600 s, past the time budget" in answer.notice


@pytest.mark.parametrize("failure, words", [(server_error, "HTTP 500 api_error"),
                                            (overloaded, "HTTP 529 overloaded_error")])
def test_5xx_are_retried_then_fall_back(clock, failure, words):
    answer = generator(FakeClaude(failure(), notes_answer(GOOD)), clock).clip(BASS)
    assert answer.source == "claude" and len(clock.sleeps) == 1
    fake = FakeClaude(failure(), failure(), failure())
    answer = generator(fake, clock).clip(BASS)
    assert answer.source == "offline" and len(fake.requests) == 3
    assert answer.notice == f"Claude unavailable ({words} after 2 retries): offline generator used"
    assert_valid(answer)


def test_a_timeout_is_retried_then_falls_back(clock):
    answer = generator(FakeClaude(read_timeout, notes_answer(GOOD)), clock).clip(BASS)
    assert answer.source == "claude"
    fake = FakeClaude(read_timeout, httpx2.ConnectTimeout, read_timeout)
    answer = generator(fake, clock).clip(BASS)
    assert answer.source == "offline" and len(fake.requests) == 3
    assert answer.notice == "Claude unavailable (timed out after 2 retries): offline generator used"
    assert_valid(answer)


def test_a_lost_connection_falls_back(clock):
    fake = FakeClaude(httpx2.ConnectError, httpx2.ConnectError, httpx2.ConnectError)
    answer = generator(fake, clock).clip(BASS)
    assert answer.notice == ("Claude unavailable (no connection to the API after 2 retries): "
                             "offline generator used")


def test_the_time_budget_cuts_attempts_and_ends_the_retries(clock):
    def slow_then_timeout(request):
        clock.now += 50  # this attempt used 50 s before timing out
        return read_timeout(request)

    fake = FakeClaude(slow_then_timeout, slow_then_timeout, notes_answer(GOOD))
    config = AiConfig(model="m", timeout=60, budget=90, max_retries=5)
    answer = ClaudeGenerator(fake.client(max_retries=5), config=config, clock=clock).clip(BASS)
    timeouts = [float(r.headers["x-stainless-timeout"]) for r in fake.requests]
    assert timeouts[0] == 60 and timeouts[1] == pytest.approx(90 - 50 - clock.sleeps[0])
    assert answer.source == "offline" and len(fake.requests) == 2
    assert answer.notice == ("Claude unavailable (timed out after 1 retry, then no answer within 90 s): "
                             "offline generator used")


def test_other_api_errors_fall_back_at_once(clock):
    fake = FakeClaude(api_error(401, "authentication_error", "invalid x-api-key"))
    answer = generator(fake, clock).clip(BASS)
    assert answer.source == "offline" and len(fake.requests) == 1 and clock.sleeps == []
    assert answer.notice == "Claude unavailable (HTTP 401 authentication_error): offline generator used"


SCENARIOS = {
    "good": [notes_answer(GOOD)],
    "off scale": [notes_answer(GOOD + [(49, 90, 0.5, 0.5)])],
    "velocity 200": [notes_answer([(48, 200, 0, 1)] + GOOD[1:])],
    "negative start": [notes_answer(GOOD + [(48, 90, -1, 0.5)])],
    "past the loop": [notes_answer(GOOD + [(48, 90, 3.5, 9), (48, 90, 12, 1)])],
    "invalid json": [message("{"), message("{")],
    "refusal": [refusal(), refusal()],
    "max_tokens": [truncated(GOOD), truncated(GOOD)],
    "429": [rate_limited()] * 3,
    "500": [server_error()] * 3,
    "timeout": [read_timeout] * 3,
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_scenario_ends_in_a_valid_clip_and_a_notice(clock, name):
    answer = generator(FakeClaude(*SCENARIOS[name]), clock).clip(BASS)
    assert_valid(answer)
    assert answer.notice and answer.source in ("claude", "offline")
    assert (answer.source == "offline") == ("offline generator used" in answer.notice)


# -- offline: no key, determinism -------------------------------------------------------------------

def test_without_a_key_the_offline_generator_answers_without_any_request(clock):
    answer = ClaudeGenerator(config=CONFIG, clock=clock).clip(BASS)
    assert answer.source == "offline"
    assert answer.notice == "AI offline: no ANTHROPIC_API_KEY; offline generator used"
    assert answer.clip == generate(BASS)


def test_the_offline_fallback_is_deterministic(clock):
    first = generator(FakeClaude(server_error(), server_error(), server_error()), clock).clip(BASS)
    again = generator(FakeClaude(message("{"), message("{")), clock).clip(BASS)
    assert first.source == again.source == "offline"
    assert first.clip == again.clip == generate(BASS)
    other = generator(FakeClaude(message("{"), message("{")), clock).clip(BASS.model_copy(update={"seed": 4}))
    assert other.clip != first.clip


# -- briefs: Claude reads them into the same GenerationRequest the offline parser makes -------------

BRIEF = "dark trap drums at 140 with triplet rolls in bar 4"
CLAUDE_READING = {
    "style": "trap", "bpm": 140, "key": "F", "mode": "minor", "parts": ["drums"], "bars": 4, "tension": 60,
    "mood": ["dark"], "instructions": [{"kind": "triplets", "bars": [4], "text": "triplet rolls in bar 4"}],
    "seed": 0,
}


def test_claude_reads_a_brief_into_a_generation_request(clock):
    fake = FakeClaude(message(json.dumps(CLAUDE_READING)))
    answer = generator(fake, clock).request_from_brief(BRIEF, seed=7)
    assert answer.source == "claude" and answer.notice == "Claude read the brief"
    assert answer.request == GenerationRequest.model_validate(CLAUDE_READING)
    body = fake.bodies[0]
    assert body["model"] == "claude-test-model"
    assert body["output_config"]["format"]["schema"] == anthropic.transform_schema(GenerationRequest)
    sent = fake.request_json()
    assert sent == {"brief": BRIEF, "seed": 7, "current_request": None}
    assert "brief" in body["system"]


def test_a_follow_up_brief_sends_the_request_it_changes(clock):
    base = parse_brief("deep house in A minor, 8 bars", seed=3)
    fake = FakeClaude(message(json.dumps({**base.model_dump(mode="json"), "mood": ["darker"]})))
    answer = generator(fake, clock).request_from_brief("same progression but darker", base=base)
    assert answer.source == "claude" and answer.request.mood == ["darker"]
    sent = fake.request_json()
    assert sent["current_request"] == base.model_dump(mode="json") and sent["seed"] == 3


def test_a_reading_the_schema_rejects_is_retried_then_read_offline(clock):
    fake = FakeClaude(message(json.dumps({**CLAUDE_READING, "style": "dubstep"})), message("{}"))
    answer = generator(fake, clock).request_from_brief(BRIEF)
    assert answer.source == "offline" and answer.request == parse_brief(BRIEF)
    assert "unknown style 'dubstep'" in fake.bodies[1]["messages"][0]["content"][1]["text"]
    assert answer.notice.startswith("Claude's answers could not be used (the first did not follow the schema")
    assert answer.notice.endswith(": brief read offline")


def test_a_brief_falls_back_to_the_offline_parser_when_claude_is_unavailable(clock):
    answer = generator(FakeClaude(*[rate_limited()] * 3), clock).request_from_brief(BRIEF)
    assert answer.source == "offline" and answer.request == parse_brief(BRIEF)
    assert answer.notice == ("Claude unavailable (HTTP 429 rate_limit_error after 2 retries): "
                             "brief read offline")
    answer = ClaudeGenerator(config=CONFIG, clock=clock).request_from_brief(BRIEF, seed=2)
    assert answer.source == "offline" and answer.request == parse_brief(BRIEF, seed=2)
    assert answer.notice == "AI offline: no ANTHROPIC_API_KEY; brief read offline"


def test_briefs_nobody_can_read_raise_brief_error(clock):
    fake = FakeClaude()
    with pytest.raises(BriefError, match="empty brief"):
        generator(fake, clock).request_from_brief("   ")
    assert fake.requests == []
    fake = FakeClaude(*[server_error()] * 3)
    with pytest.raises(BriefError, match=r"that I can use.*; Claude unavailable \(HTTP 500"):
        generator(fake, clock).request_from_brief("qwerty uiop")


# -- configuration: model, key, base URL -------------------------------------------------------------

def test_the_model_comes_from_the_environment(clock, monkeypatch):
    monkeypatch.setenv("STEPISTA_AI_MODEL", "claude-from-env")
    fake = FakeClaude(notes_answer(GOOD))
    ClaudeGenerator(fake.client(), clock=clock).clip(BASS)
    assert fake.bodies[0]["model"] == "claude-from-env"


def test_the_model_comes_from_the_config_file_and_the_environment_wins(clock, monkeypatch, tmp_path):
    path = tmp_path / "config" / "stepista" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('[ai]\nmodel = "claude-from-file"\nbudget = 45\n')
    fake = FakeClaude(notes_answer(GOOD))
    generator_ = ClaudeGenerator(fake.client(), clock=clock)
    generator_.clip(BASS)
    assert fake.bodies[0]["model"] == "claude-from-file" and generator_.config.budget == 45
    monkeypatch.setenv("STEPISTA_AI_MODEL", "claude-from-env")
    assert load_config().model == "claude-from-env"


def test_the_default_model_is_one_the_sdk_lists_and_does_not_deprecate():
    from anthropic.resources.messages.messages import DEPRECATED_MODELS
    from anthropic.types.model import Model

    model = load_config().model
    assert model in Model.__args__[0].__args__ and model not in DEPRECATED_MODELS


def test_anthropic_base_url_and_key_from_the_environment_reach_the_sdk(clock, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "https://proxy.example.test/anthropic")
    fake = FakeClaude(notes_answer(GOOD))
    client = make_client(CONFIG, http_client=fake.http_client())
    generator_ = ClaudeGenerator(client, config=CONFIG, clock=clock)
    assert generator_.clip(BASS).source == "claude"
    request = fake.requests[0]
    assert str(request.url) == "https://proxy.example.test/anthropic/v1/messages"
    sent_key = request.headers.get("x-api-key", "") + request.headers.get("authorization", "")
    assert "sk-ant-from-env" in sent_key
    assert client.max_retries == CONFIG.max_retries and client.timeout.read == CONFIG.timeout


def test_with_a_key_in_the_environment_the_default_client_is_built_from_config(clock, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "https://proxy.example.test")
    fake = FakeClaude(notes_answer(GOOD))
    monkeypatch.setattr("stepista.ai.claude.make_client", lambda config: make_client(
        config, http_client=fake.http_client()))
    answer = ClaudeGenerator(config=CONFIG, clock=clock).clip(BASS)
    assert answer.source == "claude" and str(fake.requests[0].url).startswith("https://proxy.example.test/")


def test_ai_status_says_online_or_why_not(monkeypatch, tmp_path):
    assert ai_status() == "AI offline: no ANTHROPIC_API_KEY"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-x")
    assert ai_status() == f"AI online (model {load_config().model})"
    monkeypatch.setenv("STEPISTA_AI_MODEL", "claude-haiku-5-5")
    assert ai_status() == "AI online (model claude-haiku-5-5)"
    path = tmp_path / "config" / "stepista" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("[ai]\nmodel = \n")
    assert ai_status().startswith(f"AI offline: {path}: ") and "line 2" in ai_status()


@pytest.mark.parametrize("text, words", [
    ("[ai]\nmodle = 'x'\n", "unknown [ai] setting 'modle'"),
    ("[ai]\ntimeout = -1\n", "timeout -1 must be a number of seconds"),
    ("[ai]\nmax_retries = 'two'\n", "max_retries 'two' must be a whole number 0-5"),
    ("ai = 3\n", "[ai] must be a table"),
])
def test_a_bad_config_file_is_named_with_what_is_wrong(tmp_path, text, words):
    path = tmp_path / "config" / "stepista" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert str(caught.value).startswith(f"{path}: ") and words in str(caught.value)


def test_beats_in_the_request_are_exact():
    assert [beats_json(x) for x in (0, Fraction(1, 4), Fraction(4, 3), 2.5)] == [0, 0.25, "4/3", 2.5]
    assert json.loads(json.dumps(beats_json(Fraction(7, 12)))) == "7/12"
