"""The offline brief parser: a brief in plain words to a `GenerationRequest`, with no network.

>>> r = parse_brief("dark trap drums at 140 with triplet rolls in bar 4")
>>> r.style, r.bpm, r.parts, r.mood, r.mode
('trap', 140.0, ['drums'], ['dark'], 'minor')
>>> [(i.kind, i.bars) for i in r.instructions]
[('triplets', [4])]
>>> parse_brief("same progression but darker", base=r).mode
'phrygian'
>>> parse_brief("techno at 400 bpm")
Traceback (most recent call last):
...
stepista.ai.brief.BriefError: '400 bpm' at character 11: a tempo is 20 to 300 BPM

The vocabulary it reads is the table in ``docs/briefs.md`` (keep the two in step: a word
added here gets a row there and a brief in ``tests/data/briefs.json``).

How it reads:

- The brief is read in passes: genres, tempo, swing, instructions (clause by clause), the loop
  length, key, moods and changes, parts, seed words. Each pass takes the words it understands,
  so later passes do not read them again: "drum and bass" is a style, not two parts; "bar 4" is
  a place, not a tempo. Words it does not know are skipped.
- Style: the first genre named. With none, the style whose tempo range holds the BPM, with the
  nearest default (ties: alphabetical); with no BPM either, the first mood's suggestion (dark,
  tense, aggressive, energetic: techno; happy, funky: house; bright: ambient; chill, sad,
  melancholic, jazzy: lofi; weird: idm); else techno.
- Moods and changes move numbers from the style's default (or the base request's value) in the
  brief's order, clamped to each range; the first one naming a mode sets it unless the brief
  names one. Darker takes major-like modes to minor and minor to phrygian; brighter takes
  minor-like modes to major and major to lydian.
- Parts: the parts named outside instructions; else the default drums, bass and chords; "full
  track" means all five. Parts an instruction names (other than mute and breakdown) are added.
  Parts after no/without are taken out.
- Instructions: a clause ends at a comma, "with", "then", "but", "plus", "and" (not "bars 3 and
  4"). A clause with an instruction word or a bar place is an instruction. "at bar N" means from
  N on for half-time and double-time, and bar N alone otherwise. Fill, roll and build start at
  their bar and last `length_bars`; a range ("bars 7-8", "the last 2 bars") is their length.
  With no place: fill, roll and build go in the last bar, a drop in the middle, a breakdown or
  variation over the second half, anything else everywhere.
- Bars: when the brief gives no count, the loop grows from 4 (or the base's) to 8 or 16 to hold
  the bars its instructions name.
- Relative briefs ("same progression but darker", "faster", "add a fill on bar 7") change
  ``base``: its seed stays (so "same progression" holds) unless the brief asks for another take;
  named parts replace the base's unless added ("with a bassline", "add arp"); instructions are
  added to the base's.
- A brief with nothing usable raises `BriefError` saying what was expected, and so does a
  number out of range, naming the words and where they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..generate import PARTS
from ..styles import load_style, load_styles
from ..theory import parse_key, scale_name
from .request import DEFAULT_PARTS, GenerationRequest, Instruction, default_bars, tonic_name

__all__ = ["parse_brief", "BriefError", "GENRES", "MOODS", "PART_WORDS", "DRUM_WORDS"]


class BriefError(ValueError):
    """A brief that cannot be read: which words, where (``position``, 0-based), what would work."""

    def __init__(self, message: str, word: str | None = None, position: int | None = None):
        super().__init__(message)
        self.word, self.position = word, position


def _at(match: re.Match, what: str) -> BriefError:
    return BriefError(f"{match[0].strip()!r} at character {match.start() + 1}: {what}",
                      match[0].strip(), match.start())


# -- the vocabulary ------------------------------------------------------------------------------

GENRES: dict[str, tuple[str, ...]] = {
    "acid": ("acid", "acid house", "acid techno", "303", "tb-303", "tb303"),
    "ambient": ("ambient", "drone", "soundscape", "chillout", "chill-out"),
    "breakbeat": ("breakbeat", "breakbeats", "breaks", "big beat", "nu skool breaks"),
    "dnb": ("dnb", "d&b", "d'n'b", "d n b", "drum and bass", "drum & bass", "drum n bass", "drum 'n' bass",
            "drum'n'bass", "jungle", "liquid funk", "neurofunk"),
    "dub": ("dub", "dub techno", "dub reggae", "reggae"),
    "electro": ("electro", "electro funk", "electroclash", "miami bass"),
    "house": ("house", "deep house", "tech house", "electro house", "progressive house", "french house",
              "garage", "uk garage", "disco", "nu disco"),
    "idm": ("idm", "glitch", "braindance", "intelligent dance music"),
    "lofi": ("lofi", "lofi hip hop", "hip hop", "boom bap", "chillhop", "jazzhop"),
    "minimal": ("minimal techno", "minimal house", "microhouse", "micro house"),
    "techno": ("techno", "trance"),
    "trap": ("trap", "drill", "dubstep"),
}


@dataclass(frozen=True)
class _Mood:
    words: tuple[str, ...]
    change: dict[str, float] = field(default_factory=dict)  # added to tension, density, ... (or bpm: a ratio)
    mode: str | None = None      # the mode it suggests
    step: int = 0                # darker (-1) / brighter (+1)
    style: str | None = None     # the style it suggests when the brief names no genre or tempo
    kept: bool = True            # listed in the request's mood (tempo and length words are not)


MOODS: tuple[_Mood, ...] = (
    _Mood(("dark", "moody", "gloomy", "brooding", "gritty", "murky"), {"tension": 25}, "minor", style="techno"),
    _Mood(("sinister", "menacing", "ominous", "evil", "eerie", "spooky", "creepy", "haunting", "haunted"),
          {"tension": 30}, "phrygian", style="techno"),
    _Mood(("tense", "anxious", "nervous", "edgy", "suspenseful", "urgent"), {"tension": 30, "density": 5},
          style="techno"),
    _Mood(("uplifting", "happy", "joyful", "joyous", "cheerful", "sunny", "euphoric", "hopeful", "positive",
           "feel-good"), {"tension": -10, "density": 5}, "major", style="house"),
    _Mood(("bright", "dreamy", "ethereal", "floaty", "magical", "shimmering", "airy"),
          {"tension": 10, "density": -5}, "lydian", style="ambient"),
    _Mood(("melancholic", "melancholy", "wistful", "nostalgic", "bittersweet", "reflective"),
          {"tension": 15, "density": -10}, "dorian", style="lofi"),
    _Mood(("sad", "sorrowful", "mournful", "somber", "sombre", "lonely"), {"tension": 10, "density": -15},
          "minor", style="lofi"),
    _Mood(("playful", "bouncy", "quirky", "fun", "cheeky", "whimsical", "silly"),
          {"density": 15, "improvise": 20}),
    _Mood(("chill", "chilled", "laid-back", "relaxed", "mellow", "calm", "lazy", "smooth", "easygoing",
           "cosy", "cozy"), {"density": -15, "swing": 4, "velocity": -10}, style="lofi"),
    _Mood(("aggressive", "hard", "heavy", "angry", "brutal", "pounding", "banging", "intense", "raw",
           "relentless"), {"tension": 10, "density": 15, "velocity": 15, "accent": 20}, style="techno"),
    _Mood(("energetic", "driving", "upbeat", "lively", "hype", "hyped", "punchy", "peak-time"),
          {"density": 15, "velocity": 10, "accent": 10}, style="techno"),
    _Mood(("sparse", "minimal", "minimalist", "stripped", "stripped-back", "spacious", "empty", "bare",
           "skeletal"), {"density": -25}),
    _Mood(("busy", "dense", "complex", "intricate", "frantic", "full-on", "hectic"),
          {"density": 25, "improvise": 10}),
    _Mood(("weird", "experimental", "glitchy", "wonky", "unpredictable", "wild", "chaotic", "loose", "random",
           "strange"), {"tension": 10, "improvise": 30}, style="idm"),
    _Mood(("simple", "steady", "tight", "repetitive", "hypnotic", "predictable", "clean", "solid"),
          {"tension": -10, "improvise": -15}),
    _Mood(("jazzy", "soulful"), {"tension": 25, "swing": 4}, style="lofi"),
    _Mood(("lush", "rich", "warm"), {"tension": 20}),
    _Mood(("funky", "groovy", "funk"), {"density": 10, "improvise": 10, "swing": 4}, "dorian", style="house"),
    # changes: comparatives, for a relative brief or on the style's defaults
    _Mood(("darker", "moodier", "gloomier", "grittier", "murkier"), {"tension": 20}, step=-1),
    _Mood(("sadder",), {"tension": 10, "density": -10}, step=-1),
    _Mood(("brighter", "happier", "lighter", "sunnier", "cheerier"), {"tension": -10}, step=1),
    _Mood(("tenser", "more tension"), {"tension": 20}),
    _Mood(("less tension",), {"tension": -20}),
    _Mood(("busier", "denser", "fuller", "more notes", "more going on"), {"density": 20}),
    _Mood(("sparser", "emptier", "thinner", "fewer notes", "barer"), {"density": -20}),
    _Mood(("weirder", "wilder", "crazier", "stranger", "looser", "more random", "more improvised"),
          {"improvise": 20}),
    _Mood(("tighter", "simpler", "steadier", "more predictable", "less random"), {"improvise": -20}),
    _Mood(("harder", "heavier", "punchier", "angrier"), {"velocity": 15, "accent": 15, "density": 10}),
    _Mood(("softer", "gentler", "quieter", "calmer"), {"velocity": -15, "accent": -10}),
    _Mood(("louder",), {"velocity": 15}),
    _Mood(("chiller", "mellower", "lazier"), {"density": -15, "swing": 4}),
    _Mood(("faster", "quicker", "speed up", "speed it up"), {"bpm": 0.10}, kept=False),
    _Mood(("slower", "slow down", "slow it down"), {"bpm": -0.10}, kept=False),
    _Mood(("fast", "uptempo", "quick", "rapid"), {"bpm_to": 1}, kept=False),
    _Mood(("slow", "downtempo", "slowed"), {"bpm_to": -1}, kept=False),
    _Mood(("longer", "twice as long", "double the length"), {"bars": 2}, kept=False),
    _Mood(("shorter", "half the length"), {"bars": 0.5}, kept=False),
)
_STRONG = ("very", "really", "super", "extremely", "extra", "ultra", "much", "way", "a lot", "seriously",
           "massively", "properly", "even")
_WEAK = ("slightly", "a bit", "a little", "a little bit", "a touch", "somewhat", "kinda", "kind of", "a tad",
         "mildly")

PART_WORDS: dict[str, tuple[str, ...]] = {
    "drums": ("drums", "drum", "drum kit", "kit", "kick", "kicks", "kick drum", "hats", "hat", "hi-hats",
              "hi-hat", "snare", "snares", "clap", "claps", "percussion", "perc", "toms", "cymbals"),
    "bass": ("bass", "bassline", "basslines", "bass line", "sub", "sub bass", "808", "808s", "low end"),
    "chords": ("chords", "chord", "chord progression", "pads", "pad", "keys", "piano", "rhodes", "stabs", "stab",
               "harmony", "strings", "organ"),
    "lead": ("lead", "leads", "melody", "melodies", "hook", "hooks", "topline", "riff", "riffs", "lead line"),
    "arp": ("arp", "arps", "arpeggio", "arpeggios", "arpeggiated", "arpeggiator", "sequence", "sequencer"),
}
DRUM_WORDS: dict[str, tuple[str, ...]] = {
    "kick": ("kick", "kicks", "kick drum", "bass drum"),
    "snare": ("snare", "snares", "rim", "rimshot"),
    "clap": ("clap", "claps"),
    "hats": ("hats", "hat", "hi-hats", "hi-hat"),
    "toms": ("toms", "tom"),
    "cymbals": ("cymbal", "cymbals", "crash", "ride"),
}
_NUMBERS = {w: i for i, w in enumerate(("zero one two three four five six seven eight nine ten eleven twelve "
                                         "thirteen fourteen fifteen sixteen").split())}
_ORDINALS = {w: i + 1 for i, w in enumerate(("first second third fourth fifth sixth seventh eighth ninth tenth "
                                             "eleventh twelfth thirteenth fourteenth fifteenth sixteenth").split())}
_MODES = ("dorian", "phrygian", "lydian", "mixolydian", "locrian", "aeolian", "ionian", "harmonic minor",
          "melodic minor", "phrygian dominant", "lydian dominant", "minor pentatonic", "major pentatonic",
          "pentatonic", "whole tone", "hungarian minor", "double harmonic", "hirajoshi")
_LENGTH_KINDS = ("fill", "roll", "build")  # they start at a bar and last length_bars
_LADDER = ("locrian", "phrygian", "minor", "dorian", "mixolydian", "major", "lydian")  # dark to bright


# -- regular expressions built from the tables ----------------------------------------------------

_B, _E = r"(?<![\w&'])", r"(?![\w&'])"  # word edges that keep "d&b" and "d'n'b" whole


def _phrase(words) -> str:
    """One alternation of phrases, longest first; a space or hyphen inside a phrase matches any
    run of spaces and hyphens, or none."""
    def one(word: str) -> str:
        return r"[\s-]*".join(re.escape(piece) for piece in re.split(r"[\s-]+", word))
    return "(?:" + "|".join(one(w) for w in sorted(set(words), key=len, reverse=True)) + ")"


def _number(text: str) -> int:
    """A number written as digits, a word or an ordinal: "8", "eight", "eighth", "8th"."""
    text = text.lower().strip()
    if text.isdigit():
        return int(text)
    if text in _NUMBERS or text in _ORDINALS:
        return _NUMBERS.get(text, _ORDINALS.get(text))
    return int(text[:-2])


_NUMBER = r"(?:\d{1,3}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + ")"
_ORDINAL = r"(?:\d{1,3}(?:st|nd|rd|th)|" + "|".join(sorted(_ORDINALS, key=len, reverse=True)) + ")"
_ALL_PARTS = _phrase(w for words in PART_WORDS.values() for w in words)
_ALL_DRUMS = _phrase(w for words in DRUM_WORDS.values() for w in words)
_KIND_NOUNS = (r"(?:fills?|turnarounds?|rolls?|ratchets?|build[\s-]?ups?|builds?|risers?|break[\s-]?downs?|"
               r"breaks?|half[\s-]?time|double[\s-]?time|variations?|triplets?|drops?)")


def _word_of(table: dict[str, tuple[str, ...]], text: str) -> str | None:
    """Which entry of a word table a matched phrase belongs to."""
    for name, words in table.items():
        if re.fullmatch(_phrase(words), text.strip(), re.I):
            return name
    return None


# -- reading ----------------------------------------------------------------------------------------

class _Scan:
    """The brief as it is read: each pass takes the words it understands and blanks them,
    so positions stay the brief's."""

    def __init__(self, text: str):
        self.text = self.left = text
        self.used = False

    def find(self, pattern: str, start: int = 0, end: int | None = None, flags=re.I) -> list[re.Match]:
        return list(re.compile(pattern, flags).finditer(self.left, start, len(self.left) if end is None else end))

    def take(self, pattern: str, start: int = 0, end: int | None = None, flags=re.I) -> list[re.Match]:
        found = self.find(pattern, start, end, flags)
        for m in found:
            self.blank(m)
        return found

    def blank(self, m: re.Match, group: int = 0) -> None:
        a, b = m.span(group)
        self.left = self.left[:a] + " " * (b - a) + self.left[b:]
        self.used = True


@dataclass
class _Pending:
    """An instruction read from a clause, its bars still to be placed in the loop."""
    kind: str
    place: tuple[str, list[int]] | None
    length: int | None
    part: str | None
    drum: str | None
    text: str


@dataclass
class _Reading:
    style: str | None = None
    genre_ends: list[int] = field(default_factory=list)
    bpm: float | None = None
    swing: float | None = None
    swing_change: float = 0
    tonic: str | None = None
    mode: str | None = None
    bars: int | None = None
    moods: list[tuple[str, _Mood, float]] = field(default_factory=list)  # (words, mood, factor)
    named: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    everything: bool = False
    pending: list[_Pending] = field(default_factory=list)
    dropped_kinds: set[str] = field(default_factory=set)
    reroll: int = 0


def parse_brief(text: str, *, seed: int = 0, base: GenerationRequest | None = None) -> GenerationRequest:
    """The request a brief asks for; with ``base``, the base changed as the brief says.

    >>> r = parse_brief("an 8-bar deep house bassline in A minor, a fill at the end, swung")
    >>> r.style, r.parts, r.key, r.mode, r.bars, r.swing, [(i.kind, i.bars) for i in r.instructions]
    ('house', ['bass'], 'A', 'minor', 8, 62.0, [('fill', [8])])
    """
    if not text or not text.strip():
        raise BriefError("an empty brief; say what to make, e.g. 'dark techno drums at 130 in F minor'")
    scan, reading = _Scan(text), _Reading()
    for read in (_read_style, _read_tempo, _read_swing, _read_clauses, _read_bars, _read_key, _read_mode,
                 _read_moods, _read_parts, _read_seed):
        read(scan, reading)
    same = bool(scan.find(r"\b(?:same|keep|again|now)\b"))
    if not scan.used and not (base is not None and same):
        raise BriefError(
            f"nothing in {text.strip()!r} that I can use; expected a style (techno, house, dnb, ...), a tempo "
            "('at 128'), a key ('in F minor'), a mood (dark, uplifting, ...), parts (drums, bass, ...), bars "
            "('8 bars') or an instruction ('a fill at bar 4')")
    return _request(reading, seed, base)


# -- the passes ---------------------------------------------------------------------------------------

def _genre_table() -> dict[str, str]:
    """Every genre phrase and the style it means: the table, then each style's id and name."""
    table = {word: style for style, words in GENRES.items() for word in words}
    for style_id, style in load_styles().items():
        for word in (style_id, style.name.lower()):
            if word != "minimal":  # bare "minimal" is read last: another genre makes it a mood
                table.setdefault(word, style_id)
    return table


def _read_style(scan: _Scan, r: _Reading) -> None:
    table = _genre_table()
    found = scan.take(_B + _phrase(table) + _E)
    if not found:
        found = scan.take(r"\bminimal\b")
        table = {"minimal": "minimal"}
    for m in found:
        r.genre_ends.append(m.end())
    if found:
        first = found[0][0].lower()
        r.style = next(style for word, style in sorted(table.items(), key=lambda kv: -len(kv[0]))
                       if re.fullmatch(_phrase([word]), first, re.I))


_TEMPO_NUMBER = r"(\d{1,4}(?:\.\d+)?)"
_NOT_A_TEMPO = r"(?![\w.%]|\s*(?:%|percent|bars?\b|measures?\b|-bar))"


def _read_tempo(scan: _Scan, r: _Reading) -> None:
    stated = (scan.take(rf"(?<![\w.]){_TEMPO_NUMBER}\s*(?:bpm|b\.p\.m\.?|beats\s+per\s+minute)(?!\w)")
              + scan.take(rf"\b(?:bpm|tempo|speed)\s*(?:of|at|is|:|=|around|about|~)?\s*{_TEMPO_NUMBER}(?![\w.])"))
    for m in sorted(stated, key=lambda m: m.start()):
        if not 20 <= float(m[1]) <= 300:
            raise _at(m, "a tempo is 20 to 300 BPM")
        r.bpm = r.bpm or float(m[1])
    loose = scan.find(rf"(?:\b(?:at|around|about|roughly|approximately)\s+|@\s*|~\s*)(\d{{2,3}}){_NOT_A_TEMPO}")
    next_to_genre = re.compile(rf"(?:\s+[a-z]+)?\s*(\d{{2,3}}){_NOT_A_TEMPO}", re.I)
    after_genre = [m for end in r.genre_ends for m in [next_to_genre.match(scan.left, end)] if m]
    for m in sorted(loose + after_genre, key=lambda m: m.start()):
        if 60 <= int(m[1]) <= 200:
            scan.blank(m, 1 if m.start() in r.genre_ends else 0)  # "drill beat 142": the word stays
            r.bpm = r.bpm or float(m[1])


_LIGHT = r"(?:light|lightly|slight|slightly|subtle|subtly|gentle|gently|a\s+bit\s+of|a\s+little|a\s+touch\s+of|some)"
_HEAVY = r"(?:heavy|heavily|deep|hard|very|really|super|strong|strongly|lots\s+of|a\s+lot\s+of)"


def _read_swing(scan: _Scan, r: _Reading) -> None:
    for m in scan.take(r"\b(?:more|extra)\s+(?:swing|shuffle)\b|\b(?:swingier|shufflier)\b"):
        r.swing_change += 6
    for m in scan.take(r"\bless\s+(?:swing|shuffle)\b|\bstraighter\b"):
        r.swing_change -= 6
    numbers = (scan.take(r"(?<![\w.])(\d{1,3}(?:\.\d+)?)\s*(?:%|percent)?\s*(?:of\s+)?(?:swing|shuffle)\b")
               + scan.take(r"\b(?:swing|shuffle)\s*(?:of|at|:|=)?\s*(\d{1,3}(?:\.\d+)?)\s*(?:%|percent)?(?![\w.])"))
    for m in numbers:
        if not 50 <= float(m[1]) <= 75:
            raise _at(m, "swing is 50 (straight) to 75 percent")
        r.swing = r.swing or float(m[1])
    words = scan.take(rf"\b(?:({_HEAVY})\s+|({_LIGHT})\s+)?(swung|swingy|swinging|swing|shuffled|shuffly|"
                      r"shuffling|shuffle|triplet\s+(?:feel|swing|groove))\b")
    for m in words:
        value = 62 if m[3].lower().startswith("sw") else 66
        r.swing = r.swing or value + (4 if m[1] else -6 if m[2] else 0)
    if scan.take(r"\b(?:straight|unswung|no\s+swing|without\s+swing|quanti[sz]ed|rigid)\b"):
        r.swing = r.swing or 50


# -- instructions, clause by clause -------------------------------------------------------------------

_BREAKS = (r"[;.!?]+"
           r"|,(?!\s*" + _NUMBER + r"\b(?!\s*-?\s*(?:bars?|measures?)\b))"  # not in "bars 2, 4 and 6"
           r"|\s(?:with|then|and\s+then|plus|but|also|while|where)\s"
           r"|\s(?:and|&)\s(?!\s*(?:" + _NUMBER + r"|bars?)\b)")
_KINDS = (
    ("triplets", r"\btriplets?\b|\btrips\b|\b1/(?:4|8|16)t\b"),
    ("roll", r"\brolls?\b|\bratchet(?:s|ed|ing)?\b"),
    ("build", r"\bbuild[\s-]?ups?\b|\brisers?\b|\bbuilds\b|\b(?:a|the|snare|drum|bar|long|short)[\s-]+build\b"
              r"|\bbuild(?=\s+(?:into|before|to|over|in|on|at|from)\b)"),
    ("fill", r"\bfills?\b|\bturnarounds?\b"),
    ("drop", r"\bdrop\b(?!\s+(?:an?|it|down|by|the|out|all|everything)\b)"),
    ("breakdown", r"\bbreak[\s-]?downs?\b|\bbreak\s+it\s+down\b|\bbreak\b"),
    ("half-time", r"\bhalf[\s-]?(?:time|speed)\b|\bhalftime\b"),
    ("double-time", r"\bdouble[\s-]?(?:time|speed)\b|\bdoubletime\b"),
    ("variation", r"\bvariations?\b|\bvary\b|\bvaried\b|\b(?:switch|change|mix|shake)\s+(?:it|things)\s+up\b"),
    ("other", r"\b(?:revers(?:e|ed|ing)|backwards?|stutter(?:s|ed|ing)?|chop(?:s|ped)?|filter(?:s|ed)?|sweeps?|"
              r"sidechain(?:ed)?|reverb|delay|echo(?:es)?|transpos(?:e|ed)|modulat(?:e|es|ion)|key\s+change|"
              r"pitch(?:ed)?\s+(?:up|down)|octave\s+(?:up|down|higher|lower)|drop\s+(?:it\s+)?an\s+octave|"
              r"fade(?:s|d)?(?:\s+(?:in|out))?|vocals?|samples?|tape\s+stop|gated?)\b"),
)
_MUTE = (r"\b(?:mute[sd]?|muting|silence|kill|cut|remove|stop|lose|take\s+out|pull\s+out|drop(?:\s+out)?|no|"
         r"without)\s+(?:out\s+)?(?:the\s+|all\s+(?:the\s+)?|any\s+)?(?P<target>" + _ALL_DRUMS + "|" + _ALL_PARTS
         + r")" + _E)
_NEGATED = (r"\b(?:no|without|remove|lose|drop|skip|cut)\s+(?:the\s+|any\s+|more\s+)?(?P<kind>" + _KIND_NOUNS
            + r")\b")
_PLACE_PREFIX = r"(?:(?P<prep>from|after|starting\s+(?:at|on|from|in)|at|in|on|until|till|up\s+to)\s+)?(?:the\s+)?"
_PLACES = (
    ("last", r"\b(?:in\s+|on\s+|at\s+|for\s+|over\s+)?(?:the\s+)?(?:last|final|closing)\s+(?:(?P<n>" + _NUMBER
             + r")\s+)?bars?\b"),
    ("first", r"\b(?:in\s+|on\s+|at\s+|for\s+|over\s+)?(?:the\s+)?(?:first|opening)\s+(?:(?P<n>" + _NUMBER
              + r")\s+)?bars?\b"),
    ("every", r"\bevery\s+(?:(?P<other>other)|(?P<n>" + _NUMBER + r")(?:st|nd|rd|th)?|(?P<o>" + _ORDINAL
              + r"))?\s*bars?\b"),
    ("last", r"\b(?:at|by|towards?|near)\s+the\s+end\b(?:\s+of\s+(?:the\s+)?(?:loop|pattern|clip|phrase|track|it))?"
             r"|\bto\s+(?:end|finish)(?:\s+it)?\b"),
    ("first", r"\b(?:at|from|to)\s+the\s+(?:start|beginning)\b(?:\s+of\s+(?:the\s+)?(?:loop|pattern|clip|it))?"),
    ("middle", r"\b(?:in\s+the\s+middle|halfway(?:\s+through)?)\b"),
    ("before-drop", r"\b(?:before|into|leading\s+(?:in)?to|up\s+to)\s+(?:it|the\s+drop)\b"),
    ("bars", r"\b" + _PLACE_PREFIX + r"bars?\s+(?P<nums>" + _NUMBER + r"(?:\s*(?:,|and|&|or|-|–|to|through|thru)\s*"
             + _NUMBER + r"(?![\w-]|\s*-?\s*(?:bars?|measures?)\b))*)(?P<on>\s+onwards?)?"),
    ("bars", r"\b" + _PLACE_PREFIX + r"(?P<nums>" + _ORDINAL + r")\s+bar\b(?P<on>\s+onwards?)?"),
)
_LENGTHS = (
    r"(?<![\w/])(?P<n>" + _NUMBER + r"|a|an|one|single)[\s-]*(?:bar|measure)s?(?:[\s-]+long)?(?=\s+(?:\w+\s+)?"
    + _KIND_NOUNS + r"\b)",
    r"\b(?:for|lasting|over|of)\s+(?P<n>" + _NUMBER + r")\s+(?:bars?|measures?)\b",
)


def _clauses(scan: _Scan) -> list[tuple[int, int]]:
    """Where the clauses are: the brief cut at commas, "with", "then", "and", ..."""
    cuts = [m.span() for m in scan.find(_BREAKS)]
    starts = [0] + [b for _, b in cuts]
    ends = [a for a, _ in cuts] + [len(scan.left)]
    return [(a, b) for a, b in zip(starts, ends) if scan.left[a:b].strip()]


def _read_clauses(scan: _Scan, r: _Reading) -> None:
    for start, end in _clauses(scan):
        _read_clause(scan, r, start, end)


def _read_clause(scan: _Scan, r: _Reading, start: int, end: int) -> None:
    for m in scan.take(_NEGATED, start, end):
        r.dropped_kinds.add(_kind_of(m["kind"]))
    place = _read_place(scan, start, end)
    drop_at = _read_place(scan, start, end) if place and place[0] == "before-drop" else None
    kind, keyword = _kind_in(scan, start, end, place is not None)
    if kind is None and place is None:
        return
    length = _read_length(scan, start, end)
    if keyword is not None and kind != "mute":  # a mute's target is read next, as the drum or part
        scan.blank(keyword)
    part, drum = _read_target(scan, start, end)
    text = scan.text[start:end].strip(" ,;.!?")
    r.pending.append(_Pending(kind or "other", place, length, part, drum, text))
    if drop_at is not None:  # "a build into the drop at bar 9": the drop is there
        r.pending.append(_Pending("drop", drop_at, None, None, None, text))


_NOUN_KINDS = (("fill", "fill|turnaround"), ("roll", "roll|ratchet"), ("build", "build|riser"),
               ("breakdown", "break"), ("half-time", "half"), ("double-time", "double"),
               ("variation", "variation"), ("triplets", "triplet"), ("drop", "drop"))


def _kind_of(noun: str) -> str:
    return next(kind for kind, stem in _NOUN_KINDS if re.match(stem, noun, re.I))


def _kind_in(scan: _Scan, start: int, end: int, placed: bool) -> tuple[str | None, re.Match | None]:
    """The instruction kind a clause names, and the words naming it. A mute needs a place or a
    drum: "no drums" on its own leaves a part out instead."""
    for m in scan.find(_MUTE, start, end):
        if placed or _word_of(DRUM_WORDS, m["target"]):
            return "mute", m
    for kind, pattern in _KINDS:
        found = scan.find(pattern, start, end)
        if found:
            return kind, found[0]
    return None, None


def _read_place(scan: _Scan, start: int, end: int) -> tuple[str, list[int]] | None:
    """The bars a clause names, as (how, numbers): ``bars``/``from``/``at``/``until`` with bar
    numbers, ``last``/``first`` with a count, ``every`` with a step, ``middle``."""
    for how, pattern in _PLACES:
        found = scan.take(pattern, start, end)
        if not found:
            continue
        m = found[0]
        if how != "bars":
            return how, [_bar_number(m, _count(m))]
        numbers = [_bar_number(m, n) for mm in found for n in _numbers(mm["nums"])]
        prep = m["prep"].split()[0].lower() if m["prep"] else ""
        ranged = len(found) == 1 and re.fullmatch(_RANGE, m["nums"].strip(), re.I)
        how = "from" if prep in ("from", "after", "starting") or m["on"] else (
            "until" if prep in ("until", "till", "up") else "range" if ranged else "at" if prep == "at" else "bars")
        return how, numbers
    return None


def _count(m: re.Match) -> int:
    """The number in "the last 2 bars", "every 4th bar", "every other bar" (1 when none)."""
    words = m.groupdict()
    if words.get("other"):
        return 2
    number = words.get("n") or words.get("o")
    return _number(number) if number else 1


_RANGE = _NUMBER + r"\s*(?:-|–|to|through|thru)\s*" + _NUMBER


def _numbers(text: str) -> list[int]:
    """Bar numbers from "3-4", "2, 4 and 6", "5 to 8"."""
    out: list[int] = []
    pieces = re.split(r"\s*(-|–|\bto\b|\bthrough\b|\bthru\b|,|\band\b|&|\bor\b)\s*", text.strip(), flags=re.I)
    ranged = False
    for piece in pieces:
        if piece.lower() in ("-", "–", "to", "through", "thru"):
            ranged = True
        elif piece.strip() and piece.lower() not in (",", "and", "&", "or"):
            n = _number(piece)
            out += list(range(out[-1] + 1, n + 1)) if ranged and out else [n]
            ranged = False
    return out


def _bar_number(m: re.Match, n: int) -> int:
    if not 1 <= n <= 16:
        raise _at(m, f"bar {n}: bars are numbered 1 to 16")
    return n


def _read_length(scan: _Scan, start: int, end: int) -> int | None:
    for pattern in _LENGTHS:
        found = scan.take(pattern, start, end)
        if found:
            n = found[0]["n"].lower()
            length = 1 if n in ("a", "an", "single") else _number(n)
            return _bar_number(found[0], length)
    return None


def _read_target(scan: _Scan, start: int, end: int) -> tuple[str | None, str | None]:
    """The part and drum a clause names (taken, so they do not choose the request's parts)."""
    drums = scan.take(_B + _ALL_DRUMS + _E, start, end)
    parts = scan.take(_B + _ALL_PARTS + _E, start, end)
    drum = _word_of(DRUM_WORDS, drums[0][0]) if drums else None
    part = "drums" if drum else _word_of(PART_WORDS, parts[0][0]) if parts else None
    return part, drum


# -- the loop length, key and mode --------------------------------------------------------------------

def _read_bars(scan: _Scan, r: _Reading) -> None:
    found = scan.take(r"(?<![\w/])(?P<n>" + _NUMBER + r"|single)[\s-]*(?:bars?|measures?)(?![\w])")
    for m in found:
        n = 1 if m["n"].lower() == "single" else _number(m["n"])
        if not 1 <= n <= 16:
            raise _at(m, "a loop is 1 to 16 bars")
        r.bars = r.bars or n


_SCALE_WORDS = _phrase(["min", "maj", "minor", "major", "natural minor", *_MODES, "blues", "major blues",
                        "in sen", "egyptian", "altered", "half whole", "diminished", "chromatic"])
_KEY = (r"(?P<pre>\b(?:in(?:\s+the\s+key\s+of)?|key(?:\s+of|\s+is)?\s*:?)\s+)?(?<![\w#])(?P<letter>[A-Ga-g])"
        r"(?P<acc>[#♯♭]|b(?![a-ln-z])|[\s-]?(?:sharp|flat)\b)?"
        r"(?:(?P<short>m|min|maj)(?![\w])|[\s-]*(?P<mode>" + _SCALE_WORDS + r")(?![\w]))?(?![\w#♯♭'&])")


def _read_key(scan: _Scan, r: _Reading) -> None:
    for m in scan.find(_KEY, flags=0):
        if not _is_key(m, scan.left[m.end():]):
            continue
        scan.blank(m)
        r.tonic = tonic_name(m["letter"] + (m["acc"] or ""))
        quality = m["short"] or m["mode"]
        if quality:
            r.mode = "minor" if quality.lower() == "m" else scale_name(quality)
        return


def _is_key(m: re.Match, rest: str) -> bool:
    """A letter is a key after "in"/"key", or with an accidental or mode; "a" is the article
    unless a mode follows it and "key" does not ("in a minor key" is the mode alone)."""
    letter, named = m["letter"], bool(m["short"] or m["mode"])
    if re.match(r"[\s-]*(?:key|scale|tonality)\b", rest, re.I) and letter == "a":
        return False
    if letter == "a" and not (named or m["acc"]):
        return False
    if m["pre"]:
        return True
    if letter.islower():
        return bool(m["acc"]) and (named or m["acc"] not in ("b",)) and m["short"] is None
    return bool(m["acc"] or named)


def _read_mode(scan: _Scan, r: _Reading) -> None:
    modes = _phrase(_MODES)
    found = (scan.take(_B + r"(?:in\s+(?:an?\s+)?)?(?P<mode>" + modes + r")(?:[\s-](?:key|mode|scale))?" + _E)
             + scan.take(r"\b(?:in\s+(?:an?\s+)?)?(?P<mode>minor|major)(?:[\s-](?:key|mode|scale|tonality))\b")
             + scan.take(r"\bin\s+(?P<mode>minor|major)\b"))
    if found and r.mode is None:
        r.mode = scale_name(min(found, key=lambda m: m.start())["mode"])


# -- moods, parts, seed -------------------------------------------------------------------------------

def _read_moods(scan: _Scan, r: _Reading) -> None:
    words = {w: mood for mood in MOODS for w in mood.words}
    pattern = (_B + r"(?:(?P<degree>" + _phrase(_STRONG + _WEAK) + r")\s+)?(?:(?P<way>more|less)\s+)?(?P<word>"
               + _phrase(words) + ")" + _E)
    for m in scan.take(pattern):
        mood = next(mood for w, mood in words.items() if re.fullmatch(_phrase([w]), m["word"], re.I))
        degree = (m["degree"] or "").lower()
        factor = 1.5 if degree and re.fullmatch(_phrase(_STRONG), degree) else 0.5 if degree else 1.0
        if (m["way"] or "").lower() == "less":
            factor, mood = -factor, _Mood(mood.words, mood.change, kept=mood.kept)
        r.moods.append((re.sub(r"\s+", " ", m[0].lower().strip()), mood, factor))


def _read_parts(scan: _Scan, r: _Reading) -> None:
    for m in scan.take(r"\b(?:no|without|minus|except(?:\s+for)?|sans|but\s+no|not?\s+any|lose|drop|remove)\s+"
                       r"(?:the\s+|any\s+)?(?P<p>" + _ALL_PARTS + ")" + _E):
        r.left_out.append(_word_of(PART_WORDS, m["p"]))
    for m in scan.take(r"\b(?:everything|all)\s+(?:but|except)\s+(?:the\s+)?(?P<p>" + _ALL_PARTS + ")" + _E):
        r.left_out.append(_word_of(PART_WORDS, m["p"]))
        r.everything = True
    for m in scan.take(r"\b(?P<p>drum|beat|bass)[\s-]?less\b"):
        r.left_out.append("bass" if m["p"].lower() == "bass" else "drums")
    if scan.take(r"\b(?:full|whole|entire|complete)\s+(?:track|tune|song|arrangement|production|band|mix)\b"
                 r"|\beverything\b|\ball\s+(?:the\s+)?(?:parts|instruments|tracks)\b|\bthe\s+works\b"):
        r.everything = True
    for m in scan.take(r"\b(?:add|adding|plus|also|with|bring\s+in|throw\s+in)\s+(?:a\s+|an\s+|the\s+|some\s+)?"
                       r"(?P<p>" + _ALL_PARTS + ")" + _E):
        r.added.append(_word_of(PART_WORDS, m["p"]))
    scan.take(r"\b808s?\b(?=\s+(?:drums?|kit|kicks?|snares?|claps?|hats?|cowbells?|toms?)\b)")  # the drum machine
    for m in scan.take(_B + _ALL_PARTS + _E):
        r.named.append(_word_of(PART_WORDS, m[0]))
    for m in scan.take(r"(?<!\d )(?<!\d)\bbeats?\b"):
        r.named.append("drums")
    for m in scan.find(r"\b(?:track|tune|song|arrangement|production)\b"):
        before = scan.text[:m.start()].split()
        if not (before and re.fullmatch(_ALL_PARTS, before[-1], re.I)):
            scan.blank(m)
            r.everything = True


def _read_seed(scan: _Scan, r: _Reading) -> None:
    r.reroll = len(scan.take(r"\b(?:another|different|new|fresh)\s+(?:one|take|version|go|seed|idea|pattern|"
                             r"progression|groove)\b|\bre-?roll\b|\btry\s+again\b|\bsomething\s+else\b"))


# -- the request ------------------------------------------------------------------------------------

def _request(r: _Reading, seed: int, base: GenerationRequest | None) -> GenerationRequest:
    style = r.style or (base.style if base else None) or _style_for(r)
    start = base or GenerationRequest(style=style, seed=seed)
    values = start.model_dump()
    values.update(style=style, seed=start.seed + r.reroll, mood=start.mood + [w for w, m, _ in r.moods if m.kept])
    _apply_moods(values, r, load_style(style))
    values["key"] = r.tonic or start.key
    values["bpm"] = r.bpm or values["bpm"]
    if r.swing is not None:
        values["swing"] = r.swing
    values["bars"] = r.bars or _grown(values["bars"], r.pending)
    kept = [i for i in start.instructions if i.kind not in r.dropped_kinds]
    drop_bar = _drop_bar(kept, r.pending, values["bars"])
    values["instructions"] = kept + [_instruction(p, values["bars"], drop_bar) for p in r.pending]
    values["parts"] = _parts(r, start if base else None, values["instructions"])
    return GenerationRequest.model_validate(values)


def _drop_bar(kept: list[Instruction], pending: list[_Pending], bars: int) -> int | None:
    """The bar of the first drop (for "a build before it")."""
    drops = [i for i in kept if i.kind == "drop"] + [_instruction(p, bars) for p in pending if p.kind == "drop"]
    return drops[0].bars[0] if drops and drops[0].bars else None


def _style_for(r: _Reading) -> str:
    """The style when no genre is named: by tempo, else by the first mood's suggestion, else techno."""
    if r.bpm is not None:
        styles = sorted(load_styles().values(), key=lambda s: s.id)
        fits = [s for s in styles if s.tempo.min <= r.bpm <= s.tempo.max] or styles
        return min(fits, key=lambda s: abs(s.tempo.default - r.bpm)).id
    return next((m.style for _, m, factor in r.moods if m.style and factor > 0), "techno")


def _apply_moods(values: dict, r: _Reading, style) -> None:
    """Moods and changes on the numbers (from the style's defaults when unset), then the mode."""
    home = {"tension": style.defaults.tension, "density": style.defaults.density,
            "improvise": style.defaults.improvise, "velocity": style.defaults.velocity,
            "accent": style.defaults.accent, "swing": style.feel.swing, "bpm": style.tempo.default}
    limits = {"tension": (0, 100), "density": (0, 100), "improvise": (0, 100), "velocity": (1, 127),
              "accent": (0, 100), "swing": (50, 75), "bpm": (20, 300)}
    mode, named = values["mode"], r.mode is not None
    changes = [(m.change, factor) for _, m, factor in r.moods]
    if r.swing_change:
        changes.append(({"swing": r.swing_change}, 1.0))
    for change, factor in changes:
        for name, amount in change.items():
            if name in limits:
                now = values[name] if values[name] is not None else home[name]
                moved = now * (1 + amount * factor) if name == "bpm" else now + amount * factor
                low, high = limits[name]
                values[name] = max(low, min(high, round(moved)))
        if "bpm_to" in change:
            values["bpm"] = style.tempo.max if change["bpm_to"] * factor > 0 else style.tempo.min
        if "bars" in change:
            values["bars"] = max(1, min(16, round(values["bars"] * change["bars"] ** (1 if factor > 0 else -1))))
    for _, m, factor in r.moods:
        if m.mode and not named and factor > 0:
            mode, named = m.mode, True
        elif m.step:
            mode = _stepped(mode or parse_key(style.harmony.default_key).mode, m.step * (1 if factor > 0 else -1))
    values["mode"] = r.mode or mode


def _stepped(mode: str, step: int) -> str:
    """A mode one step darker (step < 0) or brighter: darker takes major-like modes to minor and
    minor to phrygian; brighter takes minor-like modes to major and major to lydian."""
    if step < 0:
        if mode in ("phrygian", "locrian"):
            return mode
        return "phrygian" if mode == "minor" or mode not in _LADDER else "minor"
    return "lydian" if mode in ("major", "lydian") else "major"


def _grown(bars: int, pending: list[_Pending]) -> int:
    """The loop length, grown (to 8, then 16) to hold the bars instructions name by number."""
    needed = max((max(p.place[1]) + (p.length or 1) - 1 for p in pending
                  if p.place and p.place[0] in ("bars", "range", "at", "from", "until")), default=0)
    while bars < needed:
        bars = 8 if bars < 8 else 16
    return bars


def _instruction(p: _Pending, bars: int, drop_bar: int | None = None) -> Instruction:
    """A pending instruction with its place resolved in a loop of ``bars`` bars (and the
    bar of the drop, for what comes before it)."""
    how, numbers = p.place or ("default", [])
    if how == "before-drop":
        before = drop_bar and drop_bar > 1
        how, numbers = ("bars", [max(1, drop_bar - (p.length or 1))]) if before else ("default", [])
    numbers = default_bars(p.kind, bars, p.length or 1) if how == "default" else _placed(p, how, numbers, bars)
    length = p.length
    if p.kind in _LENGTH_KINDS and how in ("range", "last", "first", "from", "until"):
        length = length or (len(numbers) if len(numbers) > 1 else None)  # "the last 2 bars": one 2-bar fill
        numbers = [max(1, bars - (length or 1) + 1)] if how == "last" else numbers[:1]
    return Instruction(kind=p.kind, bars=numbers, part=p.part, drum=p.drum, length_bars=length, text=p.text)


def _placed(p: _Pending, how: str, numbers: list[int], bars: int) -> list[int]:
    """Bar numbers from a place: "at bar 5" is from bar 5 on for a feel change (unless it has a length)."""
    n = numbers[0]
    if how == "at" and p.kind in ("half-time", "double-time") and not p.length:
        how = "from"
    return {
        "last": lambda: list(range(max(1, bars - n + 1), bars + 1)),
        "first": lambda: list(range(1, n + 1)),
        "until": lambda: list(range(1, n + 1)),
        "every": lambda: list(range(n, bars + 1, n)),
        "middle": lambda: [bars // 2 + 1],
        "from": lambda: list(range(n, max(n, bars) + 1)),
    }.get(how, lambda: numbers)()


def _parts(r: _Reading, base: GenerationRequest | None, instructions: list[Instruction]) -> list[str]:
    """The parts named (else the base's, else the default), plus those added and those the
    instructions act on, less those left out."""
    if r.everything:
        chosen = list(PARTS)
    elif r.named:
        chosen = r.named + r.added
    else:
        chosen = list(base.parts if base else DEFAULT_PARTS) + r.added
    chosen += [i.part for i in instructions if i.part and i.kind not in ("mute", "breakdown", "drop")]
    kept = [p for p in PARTS if p in chosen and p not in r.left_out]
    return (kept or [p for p in DEFAULT_PARTS if p not in r.left_out]
            or [p for p in PARTS if p not in r.left_out] or list(DEFAULT_PARTS))
