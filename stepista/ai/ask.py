"""``stepista ask "BRIEF"``: a brief in plain words to clips, one per part.

Online (``ANTHROPIC_API_KEY`` set, no ``--offline``): Claude reads the brief into a structured
`GenerationRequest`, the offline generator realizes it (one arrangement, then the brief's
fills, rolls and the like), and Claude then writes each part's clip from the same parameters,
seeing the other parts' kick positions and chord roots; every note it sends is validated
(`stepista.ai.validate`). A part Claude cannot answer keeps the generator's clip, and says so.
Offline: the offline parser reads the brief and the generator writes every clip.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

from ..clip import Clip
from ..notes import midi_to_note
from .brief import BriefError, parse_brief
from .config import ai_status, has_api_key
from .request import GenerationRequest, realize

KICK_PITCHES = (35, 36)


@dataclass
class AskResult:
    request: GenerationRequest
    clips: dict[str, Clip]
    sources: dict[str, str]                            # part -> "claude" | "offline"
    notices: list[str] = field(default_factory=list)   # what to tell the performer
    read_by: str = "offline"                           # who read the brief


class AskCancelled(Exception):
    """The performer cancelled the ask; nothing it made is used."""


def ask(text: str, *, offline: bool = False, seed: int = 0, client=None,
        base: GenerationRequest | None = None, others: dict[str, Clip] | None = None,
        cancel: threading.Event | None = None, progress: Callable[[str], None] | None = None,
        varying: Clip | None = None) -> AskResult:
    """The brief's clips. ``client`` is an ``anthropic.Anthropic`` (tests pass a faked one).

    ``base`` is the request in force (the TUI's selected track), so a relative brief such as
    "same but darker" changes it; ``others`` are clips other tracks play, by part, which Claude
    sees as context (their kicks and chord roots). ``cancel``, when set, stops the asking between
    requests with `AskCancelled`; a request already on the wire finishes and is thrown away.
    ``progress`` hears, from this thread, what is being asked now (for a progress line).
    ``varying`` is the clip the brief changes (the TUI's track): Claude gets it as the clip to
    vary when it writes that clip's part.
    """
    tell = progress or (lambda _what: None)
    online = not offline and (client is not None or has_api_key())
    if not online:
        request = parse_brief(text, seed=seed, base=base)
        why = "--offline" if offline else ai_status()
        result = _realized(request, "offline", [f"{why}: the offline parser and generator answered"])
        return result
    from .claude import ClaudeGenerator

    claude = ClaudeGenerator(client)
    tell("Claude is reading the brief")
    answer = claude.request_from_brief(text, seed=seed, base=base)
    _check(cancel)
    result = _realized(answer.request, answer.source, [answer.notice] if answer.notice else [])
    if answer.source == "claude":
        _claude_clips(claude, result, others or {}, varying, cancel, tell)
    return result


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise AskCancelled("cancelled")


def _realized(request: GenerationRequest, read_by: str, notices: list[str]) -> AskResult:
    realized = realize(request)
    return AskResult(request, dict(realized.clips), {part: "offline" for part in realized.clips},
                     notices + list(realized.notices), read_by)


def _claude_clips(claude, result: AskResult, others: dict[str, Clip], varying: Clip | None,
                  cancel: threading.Event | None, tell: Callable[[str], None]) -> None:
    from ..generate import GenParams
    from .claude import Context
    from .request import generation_params

    base = generation_params(result.request)
    parts = list(result.clips)
    for number, part in enumerate(parts, 1):
        _check(cancel)
        tell(f"Claude is writing the {part}" + (f" ({number} of {len(parts)})" if len(parts) > 1 else ""))
        around = {**others, **{p: c for p, c in result.clips.items() if p != part}}
        context = Context(other_kicks=_kicks(around), chord_roots=_chord_roots(around))
        params: GenParams = base.model_copy(update={"part": part})
        vary = varying if varying is not None and varying.part == part else None
        answer = claude.clip(params, context=context, varying=vary)
        if answer.source == "claude":
            result.clips[part] = answer.clip
            result.sources[part] = "claude"
        if answer.notice:
            result.notices.append(f"{part}: {answer.notice}")


def _kicks(clips: dict[str, Clip]) -> list[float]:
    drums = clips.get("drums")
    return sorted({float(n.start) for n in drums.notes if n.pitch in KICK_PITCHES}) if drums else []


def _chord_roots(clips: dict[str, Clip]) -> list[tuple[int, str]]:
    """The lowest note of the chords (else the bass) in each bar, as a root name."""
    source = clips.get("chords") or clips.get("bass")
    if source is None:
        return []
    lowest: dict[int, int] = defaultdict(lambda: 128)
    for n in source.notes:
        bar = int(n.start // 4) + 1
        lowest[bar] = min(lowest[bar], n.pitch)
    return [(bar, midi_to_note(p).rstrip("-0123456789")) for bar, p in sorted(lowest.items())]


# -- the command --------------------------------------------------------------------------

def add_command(sub) -> None:
    import argparse

    p = sub.add_parser(
        "ask", help="a brief in plain words to clips (Claude when a key is set, else offline)",
        description="Turn a brief into clips, one per part: Claude reads it and writes the notes "
                    "when ANTHROPIC_API_KEY is set (every note validated), the offline parser and "
                    "generator otherwise or with --offline.",
        epilog='examples:\n  stepista ask "dark trap drums at 140 with triplet rolls in bar 4"\n'
               '  stepista ask "uplifting house in F major, 8 bars" --offline -o house.mid',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("brief", metavar="BRIEF")
    p.add_argument("--offline", action="store_true", help="do not ask Claude")
    p.add_argument("--seed", type=int, default=0, help="seed of the offline parser and generator")
    p.add_argument("-o", "--output", metavar="FILE.mid", help="write the clips to a MIDI file (a track a part)")
    p.add_argument("--json", action="store_true", help="print the request, the clips and the notices as JSON")
    p.set_defaults(run=cmd_ask)


def cmd_ask(args, client=None) -> int:
    from ..cli import BadInput, write_midi_or_bad_input

    try:
        result = ask(args.brief, offline=args.offline, seed=args.seed, client=client)
    except BriefError as exc:
        raise BadInput(str(exc)) from None
    if args.output:
        write_midi_or_bad_input(list(result.clips.values()), args.output)
    if args.json:
        json.dump(to_json(result), sys.stdout)
        sys.stdout.write("\n")
    else:
        _print(result, args.output)
    return 0


def to_json(result: AskResult) -> dict:
    return {"read_by": result.read_by, "request": result.request.model_dump(mode="json"),
            "notices": result.notices,
            "clips": [{**clip.to_json_dict(), "source": result.sources[part]}
                      for part, clip in result.clips.items()]}


def _print(result: AskResult, path: str | None) -> None:
    r = result.request
    print(f"{r.style} {', '.join(r.parts)}, {r.bars} bars" + (f", {r.bpm:g} BPM" if r.bpm else "")
          + f" (brief read by {'Claude' if result.read_by == 'claude' else 'the offline parser'})")
    for part, clip in result.clips.items():
        print(f"  {part}: {len(clip.notes)} notes, {clip.key} {clip.mode}, by "
              f"{'Claude' if result.sources[part] == 'claude' else 'the offline generator'}")
    for notice in result.notices:
        print(f"  note: {notice}", file=sys.stderr)
    if path:
        print(f"wrote {path}")
