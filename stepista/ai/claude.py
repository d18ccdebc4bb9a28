"""Claude as a composer: the whole musical context in, typed note arrays out, validated clips
back, and the offline generator whenever Claude cannot answer.

**How the answer is kept structured (anthropic 2.11).** Every request carries the Messages
API's structured output, ``output_config={"format": {"type": "json_schema", "schema": S}}``,
which constrains Claude's text to the JSON schema ``S`` of a pydantic model: `ClipAnswer`
for clips, the brief helper's `GenerationRequest` for briefs. ``S`` is the SDK's own
rendering of the model (``anthropic.transform_schema``), byte for byte what
``client.messages.parse(output_format=Model)`` sends. We call ``messages.create`` and parse
ourselves rather than call ``messages.parse``, because ``parse`` validates inside the SDK and
raises on a text that does not fit, which throws away the ``stop_reason``: a refusal, a
``max_tokens`` cut and a schema slip need different words in the retry and in the notice. A
strict tool (``input_schema`` = the schema, forced by ``tool_choice``) would constrain the
same way, but it dresses an answer up as a tool call; structured output is the API's direct
form of "answer in this shape". Reading an answer is four steps, each failing with a reason:
stop reason, JSON, schema (pydantic), music (`validate_notes`).

**Failures.**

- An answer that arrives but cannot be used (a refusal, a ``max_tokens`` cut, no text, bad
  JSON, a schema error, or a `Report.problem`: no notes, none playable, most needing fixes)
  is asked for once more, the problem stated in the follow-up message. A second failure
  hands over to the offline generator.
- Timeouts, lost connections, 429 and 5xx are retried by the SDK itself (the client's
  ``max_retries``, 2 by default, honouring ``retry-after``) inside a total time budget kept
  by an SDK middleware (`_Budget`): each attempt's timeout is cut to what is left, a
  ``retry-after`` longer than what is left ends the retries, and no attempt starts after the
  deadline. Then the offline generator answers. Other API errors (401, 400...) go offline
  at once.
- Every call has a timeout and the whole request a deadline: nothing here blocks forever.

The offline answer for a clip is the seeded generator's (`stepista.generate.generate`), for a
brief the offline parser's (`parse_brief`), so the same input always gives the same result.
`Answer` and `BriefAnswer` say which source answered (``"claude"`` or ``"offline"``) and carry
the `notice` the UI shows, e.g. ``Claude's answer had 3 notes outside C minor (snapped)`` or
``Claude unavailable (HTTP 429 rate_limit_error after 2 retries): offline generator used``.

The calls block (the SDK is synchronous): run them off the UI thread. They return within about
the config's ``budget`` (plus at most one retry back-off of a second or two): no attempt starts
after the deadline and each attempt's timeouts are cut to the time left. httpx's timeouts bound
each wait for data, not a whole body, so only a server trickling bytes slower than that could
hold a call longer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import anthropic
import httpx2
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..clip import Clip
from ..drums import DRUM_CHANNEL, drum_note
from ..generate import CHANNELS, GenParams, generate, resolve
from ..theory import tension_pitches
from .brief import BriefError, parse_brief
from .config import CONNECT_TIMEOUT, AiConfig, has_api_key, load_config, make_client
from .request import GenerationRequest
from .validate import MAX_NOTES, Report, validate_notes

__all__ = ["NoteAnswer", "ClipAnswer", "Context", "Answer", "BriefAnswer", "ClaudeGenerator",
           "request_from_brief", "clip_request", "clip_prompt", "brief_prompt", "beats_json"]

CLIP_MAX_TOKENS = 16_000   # about 25 tokens a note: room for MAX_NOTES notes
BRIEF_MAX_TOKENS = 2_000
Source = Literal["claude", "offline"]
NO_KEY = "AI offline: no ANTHROPIC_API_KEY"


# -- the answer schema ----------------------------------------------------------------------------

# The docstrings and descriptions below are what Claude reads in the schema. The ranges live in
# the descriptions, not in constraints: a value out of range is fixed (and counted) by
# validation rather than failing the whole answer.

class NoteAnswer(BaseModel):
    """One note of the clip."""

    model_config = ConfigDict(extra="forbid")

    pitch: int = Field(description="MIDI note number 0-127 (60 = middle C). Its pitch class "
                       "(pitch % 12) must be one of allowed_pitch_classes; on drums, the "
                       "General MIDI drum note (36 kick, 38 snare, 42 closed hat...).")
    velocity: int = Field(description="MIDI velocity 1-127: how hard the note is played.")
    start: float | str = Field(description="Onset in beats from the loop start, at least 0 and "
                               "before the loop end: a number such as 1.5, or an exact "
                               "fraction \"n/d\" such as \"4/3\" for triplets.")
    duration: float | str = Field(description="Length in beats, above 0, ending by the loop "
                                  "end: a number such as 0.25, or \"n/d\" such as \"1/3\".")


class ClipAnswer(BaseModel):
    """The whole answer: the clip's notes."""

    model_config = ConfigDict(extra="forbid")

    notes: list[NoteAnswer] = Field(description="Every note of the clip, in any order. Notes on "
                                    "one pitch must not overlap.")


# -- what goes in and what comes out ---------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    """What the other tracks play, so Claude's clip fits them.

    ``other_kicks``: beats (from the loop start) where another track's kick plays;
    ``chord_roots``: ``(bar, root name)`` pairs, bars counted from 1, e.g. ``(1, "A")``.
    """

    other_kicks: Sequence[float | Fraction] = ()
    chord_roots: Sequence[tuple[int, str]] = ()


@dataclass(frozen=True)
class Answer:
    """A validated clip, who wrote it, what the UI should say, and what validation changed."""

    clip: Clip
    source: Source
    notice: str
    report: Report = field(default_factory=Report)


@dataclass(frozen=True)
class BriefAnswer:
    """A brief read into a structured request, who read it, and what the UI should say."""

    request: GenerationRequest
    source: Source
    notice: str


@dataclass(frozen=True)
class _Question:
    """One thing to ask Claude: the system prompt, the user message, the answer's schema."""

    system: str
    prompt: str
    schema: type[BaseModel]
    max_tokens: int


class _Unusable(Exception):
    """An answer arrived but cannot be used; the message completes "the answer ..." (it goes
    into the retry and the notice)."""


class _Unavailable(Exception):
    """No answer came: the network or the API failed; the message says how."""


class _OutOfTime(Exception):
    """Raised by the budget middleware: not an SDK error, so it ends the SDK's retry loop."""


# -- the time budget, as SDK middleware -----------------------------------------------------------

class _Budget(anthropic.Middleware):
    """Keeps one request, the SDK's retries included, inside a deadline, and remembers how
    the attempts failed (for the notice)."""

    def __init__(self, deadline: float, clock: Callable[[], float], attempt_timeout: float):
        self.deadline, self.clock, self.attempt_timeout = deadline, clock, attempt_timeout
        self.attempts = 0
        self.last_failure: str | None = None
        self.refused_wait: float | None = None  # a retry-after longer than the time left

    def left(self) -> float:
        return self.deadline - self.clock()

    def handle(self, request: anthropic.APIRequest, call_next):
        left = self.left()
        if left <= 0:
            raise _OutOfTime()
        self.attempts += 1
        cut = min(self.attempt_timeout, left)
        try:
            response = call_next(request.copy(timeout=httpx2.Timeout(cut, connect=min(CONNECT_TIMEOUT, cut))))
        except anthropic.APITimeoutError:
            self.last_failure = "timed out"
            raise
        except anthropic.APIConnectionError:
            self.last_failure = "no connection to the API"
            raise
        if response.status_code >= 400:
            self.last_failure = f"HTTP {response.status_code}"
            wait = _retry_after(response.headers)
            if wait is not None and wait >= self.left():
                self.refused_wait = wait
                response.headers["x-should-retry"] = "false"
        return response

    def retries(self) -> str:
        n = self.attempts - 1
        return "" if n <= 0 else f" after {n} retr{'y' if n == 1 else 'ies'}"


def _retry_after(headers) -> float | None:
    """Seconds the API asks us to wait (``retry-after-ms`` or ``retry-after`` in seconds)."""
    for name, scale in (("retry-after-ms", 1000), ("retry-after", 1)):
        try:
            return float(headers.get(name)) / scale
        except (TypeError, ValueError):
            continue
    return None


# -- the generator --------------------------------------------------------------------------------

CLIP_SYSTEM = """\
You write MIDI clips for Stepista, a live-coding instrument played alongside a DAW. You answer \
with notes only, as one JSON object that follows the given schema; never prose.
Rules: every pitch's class (pitch % 12) is in allowed_pitch_classes (drums: a General MIDI drum \
note); velocities 1-127; every note starts at or after beat 0 and ends by the loop end; notes on \
one pitch never overlap; at most max_notes notes.
Make music that fits the style, the part and the parameters, and the other tracks: lock bass and \
drums to other_tracks.kick_beats, follow other_tracks.chord_roots.
Parameters: density 0-100 (how many steps play), velocity (base level), accent 0-100 (how much \
accented steps stand out), swing 50-75 (MPC swing of the off 16ths), length (note length, t = \
triplet), octave (register shift), bars, tension 0-100 (0: in the scale, triads; higher: \
chromatic passing tones and 7ths to 13ths), improvise 0-100 (0: the style's template; higher: \
freer variation, ghost notes, fills), bpm, key and mode."""


class ClaudeGenerator:
    """Asks Claude for clips and briefs, and answers offline when Claude cannot.

    ``client`` is an ``anthropic.Anthropic`` (tests hand in one over a fake transport); by
    default one is built from the config when ``ANTHROPIC_API_KEY`` is set, and without a key
    every answer is the offline one. ``clock`` measures the time budget (injectable for tests).
    """

    def __init__(self, client: anthropic.Anthropic | None = None, *, config: AiConfig | None = None,
                 clock: Callable[[], float] = time.monotonic, max_notes: int = MAX_NOTES):
        self.config = config or load_config()
        self.clock = clock
        self.max_notes = max_notes
        self._client = client

    @property
    def online(self) -> bool:
        return self._client is not None or has_api_key()

    def _the_client(self) -> anthropic.Anthropic:
        if self._client is None:
            self._client = make_client(self.config)
        return self._client

    # -- clips ----------------------------------------------------------------------------------

    def clip(self, params: GenParams, *, context: Context = Context(), varying: Clip | None = None) -> Answer:
        """One validated clip for ``params`` (a variation of ``varying`` when given)."""
        if not self.online:
            return self._offline_clip(params, f"{NO_KEY}; offline generator used")
        prompt = clip_prompt(params, context=context, varying=varying, max_notes=self.max_notes)
        question = _Question(CLIP_SYSTEM, prompt, ClipAnswer, CLIP_MAX_TOKENS)
        try:
            (clip, report), first = self._converse(question, self._clip_acceptor(params))
        except (_Unavailable, _Unusable) as exc:
            return self._offline_clip(params, f"{_why_not(exc)}: offline generator used")
        return Answer(clip, "claude", _clip_notice(clip, report, first), report)

    def _clip_acceptor(self, params: GenParams) -> Callable[[ClipAnswer], tuple[Clip, Report]]:
        s = resolve(params)

        def accept(answer: ClipAnswer) -> tuple[Clip, Report]:
            clip, report = validate_notes(answer, key=s.key, tension=s.tension, length_beats=s.bars * 4,
                                          channel=CHANNELS[s.part], max_notes=self.max_notes)
            problem = report.problem()
            if problem:
                raise _Unusable(problem)
            return clip.model_copy(update=_clip_labels(s)), report
        return accept

    def _offline_clip(self, params: GenParams, notice: str) -> Answer:
        """The seeded generator's clip, as it is: it keeps key and tension by construction, and
        its deliberate ties (an acid slide overlapping the next note) are not ours to cut."""
        clip = generate(params)
        return Answer(clip, "offline", notice, Report(answered=len(clip.notes), kept=len(clip.notes)))

    # -- briefs ---------------------------------------------------------------------------------

    def request_from_brief(self, text: str, *, seed: int = 0,
                           base: GenerationRequest | None = None) -> BriefAnswer:
        """The brief as a structured `GenerationRequest`: Claude's reading when online, the
        offline parser's (`parse_brief`, same ``seed`` and ``base``) when not or when Claude
        fails. ``base`` is the request in force, for briefs like "same but darker". Realizing
        the request (`realize`) is the caller's next step, the same for both sources.

        Raises `BriefError` for a blank brief, and when Claude failed and the offline parser
        finds nothing it can use (the message then says why Claude did not answer)."""
        if not text or not text.strip():
            parse_brief(text)  # raises: an empty brief, and what to say instead
        if not self.online:
            return BriefAnswer(parse_brief(text, seed=seed, base=base), "offline",
                               f"{NO_KEY}; brief read offline")
        try:
            question = _Question(BRIEF_SYSTEM, brief_prompt(text, seed=seed, base=base), GenerationRequest,
                                 BRIEF_MAX_TOKENS)
            request, first = self._converse(question, _as_is)
        except (_Unavailable, _Unusable) as exc:
            return _offline_brief(text, seed, base, _why_not(exc))
        notice = "Claude read the brief" + (f"; the first answer {first}" if first else "")
        return BriefAnswer(request, "claude", notice)

    # -- talking to the API ---------------------------------------------------------------------

    def _converse(self, question: _Question, accept: Callable):
        """``accept(answer)`` for Claude's answer, asking once more when the first cannot be
        used. Returns ``(accepted, first problem or None)``; raises `_Unavailable`, or
        `_Unusable` naming both problems."""
        deadline = self.clock() + self.config.budget
        content = [{"type": "text", "text": question.prompt}]
        first: str | None = None
        while True:
            message = self._send(question, content, deadline)
            try:
                return accept(_read_answer(message, question.schema)), first
            except _Unusable as exc:
                if first is not None:
                    raise _Unusable(f"the first {first}; the second {exc}") from None
                first = str(exc)
                content = [*content, {"type": "text", "text": _follow_up(first)}]

    def _send(self, question: _Question, content: list[dict], deadline: float):
        budget = _Budget(deadline, self.clock, self.config.timeout)
        if budget.left() <= 0:
            raise _Unavailable(f"no answer within {self.config.budget:g} s")
        client = self._the_client().with_middleware(budget)
        try:
            return client.messages.create(
                model=self.config.model, max_tokens=question.max_tokens, system=question.system,
                messages=[{"role": "user", "content": content}],
                output_config={"format": _json_format(question.schema)},
                timeout=min(self.config.timeout, budget.left()),
            )
        except _OutOfTime:
            failed = f"{budget.last_failure}{budget.retries()}, then " if budget.last_failure else ""
            raise _Unavailable(f"{failed}no answer within {self.config.budget:g} s") from None
        except anthropic.APITimeoutError:
            raise _Unavailable(f"timed out{budget.retries()}") from None
        except anthropic.APIConnectionError:
            raise _Unavailable(f"no connection to the API{budget.retries()}") from None
        except anthropic.APIStatusError as exc:
            raise _Unavailable(_status_words(exc, budget)) from None
        except anthropic.AnthropicError as exc:
            raise _Unavailable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


def request_from_brief(text: str, *, seed: int = 0, base: GenerationRequest | None = None,
                       client: anthropic.Anthropic | None = None) -> BriefAnswer:
    """`ClaudeGenerator.request_from_brief` with the settings from the config."""
    return ClaudeGenerator(client).request_from_brief(text, seed=seed, base=base)


def _offline_brief(text: str, seed: int, base: GenerationRequest | None, why: str) -> BriefAnswer:
    try:
        request = parse_brief(text, seed=seed, base=base)
    except BriefError as exc:
        raise BriefError(f"{exc}; {why}", exc.word, exc.position) from None
    return BriefAnswer(request, "offline", f"{why}: brief read offline")


# -- reading answers ------------------------------------------------------------------------------

def _read_answer(message, schema: type[BaseModel]):
    """The answer in ``message`` as a ``schema`` instance, or `_Unusable` saying why not.

    Defensive about the message itself: a proxy can hand the SDK any body, which it then
    builds into a loose (unvalidated) object."""
    if not isinstance(message, anthropic.types.Message):
        raise _Unusable("was not a Messages API message")
    stop = message.stop_reason
    if stop == "refusal":
        details = getattr(message, "stop_details", None)
        why = getattr(details, "explanation", None) or getattr(details, "category", None)
        raise _Unusable("was a refusal" + (f": {why}" if why else ""))
    if stop == "max_tokens":
        tokens = getattr(getattr(message, "usage", None), "output_tokens", None)
        raise _Unusable("was cut off at max_tokens" + (f" after {tokens} tokens" if tokens else ""))
    if stop not in ("end_turn", "stop_sequence"):
        raise _Unusable(f"stopped early ({stop})")
    text = "".join(_texts(message.content))
    if not text.strip():
        raise _Unusable("held no text")
    try:
        return schema.model_validate_json(text)
    except ValidationError as exc:
        raise _Unusable(_schema_words(exc)) from None


def _texts(content) -> list[str]:
    if not isinstance(content, list):
        return []
    return [block.text for block in content
            if getattr(block, "type", None) == "text" and isinstance(getattr(block, "text", None), str)]


def _schema_words(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    if errors and errors[0]["type"] == "json_invalid":
        return f"was not valid JSON: {errors[0]['msg'].removeprefix('Invalid JSON: ')}"
    shown = ", ".join(f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg'].removeprefix('Value error, ')}"
                      for e in errors[:3])
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return f"did not follow the schema: {shown}{more}"


def _as_is(answer):
    return answer


def _json_format(schema: type[BaseModel]) -> dict:
    """The structured-output format for ``schema``, as ``messages.parse`` would send it."""
    return {"type": "json_schema", "schema": anthropic.transform_schema(schema)}


def _why_not(exc: Exception) -> str:
    if isinstance(exc, _Unavailable):
        return f"Claude unavailable ({exc})"
    return f"Claude's answers could not be used ({exc})"


def _status_words(exc: anthropic.APIStatusError, budget: _Budget) -> str:
    kind = exc.body.get("error", {}).get("type") if isinstance(exc.body, dict) else None
    words = f"HTTP {exc.status_code}" + (f" {kind}" if kind else "") + budget.retries()
    if budget.refused_wait is not None:
        words += f"; it asked to wait {budget.refused_wait:g} s, past the time budget"
    return words


def _follow_up(problem: str) -> str:
    advice = " Write fewer notes so the answer fits." if "max_tokens" in problem else ""
    return (f"Your previous answer could not be used: it {problem}. Answer again with one JSON "
            f"object that follows the schema.{advice}")


def _clip_notice(clip: Clip, report: Report, first: str | None) -> str:
    who = "Claude's answer" if first is None else "Claude's second answer"
    said = f"{who} had {report}" if report.changed else f"{who}: {len(clip.notes)} notes"
    return said if first is None else f"{said}; the first {first}"


def _clip_labels(s) -> dict:
    return {"name": f"{s.style.name} {s.part} (Claude)", "bpm": s.bpm, "style": s.style.id, "part": s.part}


# -- what Claude is told --------------------------------------------------------------------------

def beats_json(x) -> int | float | str:
    """A beat time for JSON: a whole number, a short decimal, or ``"n/d"`` when a decimal
    would be inexact (triplets).

    >>> beats_json(Fraction(2)), beats_json(Fraction(3, 8)), beats_json(Fraction(4, 3))
    (2, 0.375, '4/3')
    """
    x = Fraction(x)
    if x.denominator == 1:
        return int(x)
    if x.denominator & (x.denominator - 1) == 0:  # a power of two: exact in binary
        return float(x)
    return f"{x.numerator}/{x.denominator}"


def _parameters(params: GenParams) -> dict:
    """All twelve parameters, resolved to the values the generator would use."""
    s = resolve(params)
    length = params.length or ("1/16" if s.part == "drums" else getattr(s.style, s.part).note_length)
    return {
        "density": round(s.density * 100), "velocity": s.velocity, "accent": round(s.accent * 100),
        "swing": params.swing if params.swing is not None else s.style.feel.swing,
        "length": length, "octave": s.octave, "bars": s.bars, "tension": s.tension,
        "improvise": round(s.improvise * 100), "bpm": s.bpm, "key": str(s.key), "mode": s.key.mode,
    }


def _pitch_rules(s) -> dict:
    if s.part == "drums":
        lanes = {name: drum_note(lane.instrument) for name, lane in s.style.drums.items()}
        return {"channel": DRUM_CHANNEL, "style_drum_notes": lanes,
                "allowed_pitches": "General MIDI drum notes 35-81"}
    register = getattr(s.style, s.part).octave + s.octave
    return {"channel": CHANNELS[s.part], "allowed_pitch_classes": sorted(tension_pitches(s.key, s.tension)),
            "pitch_class_names": "0=C 1=C# 2=D 3=D# 4=E 5=F 6=F# 7=G 8=G# 9=A 10=A# 11=B",
            "register": f"around octave {register} (C{register} = MIDI {12 * (register + 1)})"}


def clip_request(params: GenParams, *, context: Context = Context(), varying: Clip | None = None,
                 max_notes: int = MAX_NOTES) -> dict:
    """Everything Claude is told about one clip, as a JSON-ready dict."""
    s = resolve(params)
    request = {
        "task": "variation of the clip in 'varying'" if varying is not None else "new clip",
        "style": {"id": s.style.id, "name": s.style.name, "description": s.style.description},
        "part": s.part, "key": s.key.tonic_name, "mode": s.key.mode,
        "loop": {"bars": s.bars, "beats": s.bars * 4, "bpm": s.bpm},
        "parameters": _parameters(params), **_pitch_rules(s), "max_notes": max_notes,
        "other_tracks": {
            "kick_beats": [beats_json(b) for b in context.other_kicks],
            "chord_roots": [{"bar": bar, "root": root} for bar, root in context.chord_roots],
        },
    }
    if varying is not None:
        request["varying"] = {
            "note_format": "[pitch, velocity, start, duration]",
            "length_beats": beats_json(varying.length_beats),
            "notes": [[n.pitch, n.velocity, beats_json(n.start), beats_json(n.duration)]
                      for n in sorted(varying.notes, key=lambda n: (n.start, n.pitch))],
        }
    return request


def clip_prompt(params: GenParams, *, context: Context = Context(), varying: Clip | None = None,
                max_notes: int = MAX_NOTES) -> str:
    """The user message for one clip: one line of task, then the request as JSON."""
    request = clip_request(params, context=context, varying=varying, max_notes=max_notes)
    verb = "Vary the" if varying is not None else "Write the"
    task = f"{verb} {request['part']} clip described by this JSON."
    return task + "\n" + json.dumps(request, separators=(",", ":"))


BRIEF_SYSTEM = """\
You read performers' briefs for Stepista, a live-coding instrument that generates electronic \
music clips. You answer with one JSON object that follows the given schema; never prose."""

BRIEF_TASK = """\
Read the performer's brief below into the generation request the schema describes. Set only \
what the brief says and leave the rest null (the style's defaults). Moods become parameters as \
a producer would set them (dark: a minor or phrygian mode and more tension; uplifting: major, \
brighter; tense: more tension; playful: more improvise and swing; melancholic: minor, slower), \
and their words go into mood. Things asked for at given bars go into instructions with the \
brief's words in text; what no kind covers is kind "other". Keep the given seed unless the \
brief asks for another take (then add 1). When current_request is given, the brief changes \
it: start from it and change only what the brief asks."""


def brief_prompt(text: str, *, seed: int = 0, base: GenerationRequest | None = None) -> str:
    """The user message for a brief: the task, then the brief and what it may change, as JSON."""
    given = {"brief": text, "seed": base.seed if base else seed,
             "current_request": base.model_dump(mode="json") if base else None}
    return BRIEF_TASK + "\n" + json.dumps(given, separators=(",", ":"))
