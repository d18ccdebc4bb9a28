"""The General MIDI drum map (channel 10), with the short names live coders use.

>>> drum_note("kick"), drum_note("bd"), drum_note("hh"), drum_note("oh")
(36, 36, 42, 46)
>>> drum_name(38)
'snare'
"""

from __future__ import annotations

__all__ = ["GM_DRUMS", "DRUM_ALIASES", "drum_note", "drum_name", "DRUM_CHANNEL"]

DRUM_CHANNEL = 10

GM_DRUMS: dict[str, int] = {
    "kick2": 35, "kick": 36, "rim": 37, "snare": 38, "clap": 39, "snare2": 40,
    "low_floor_tom": 41, "closed_hat": 42, "high_floor_tom": 43, "pedal_hat": 44,
    "low_tom": 45, "open_hat": 46, "low_mid_tom": 47, "high_mid_tom": 48, "crash": 49,
    "high_tom": 50, "ride": 51, "china": 52, "ride_bell": 53, "tambourine": 54,
    "splash": 55, "cowbell": 56, "crash2": 57, "vibraslap": 58, "ride2": 59,
    "high_bongo": 60, "low_bongo": 61, "mute_conga": 62, "open_conga": 63, "low_conga": 64,
    "high_timbale": 65, "low_timbale": 66, "high_agogo": 67, "low_agogo": 68, "cabasa": 69,
    "maracas": 70, "short_whistle": 71, "long_whistle": 72, "short_guiro": 73,
    "long_guiro": 74, "claves": 75, "high_wood_block": 76, "low_wood_block": 77,
    "mute_cuica": 78, "open_cuica": 79, "mute_triangle": 80, "open_triangle": 81,
}

# Short names from drum machines and live-coding sample banks.
DRUM_ALIASES: dict[str, str] = {
    "bd": "kick", "sd": "snare", "sn": "snare", "cp": "clap", "hh": "closed_hat",
    "ch": "closed_hat", "oh": "open_hat", "rs": "rim", "rim": "rim", "lt": "low_tom",
    "mt": "low_mid_tom", "ht": "high_tom", "cr": "crash", "rd": "ride", "cb": "cowbell",
    "sh": "maracas", "shaker": "maracas", "tb": "tambourine", "perc": "claves",
    "cl": "claves", "conga": "open_conga", "bongo": "high_bongo", "tom": "low_tom",
}

_NAMES = {note: name for name, note in GM_DRUMS.items()}


def drum_note(name: str) -> int:
    """The GM note number of a drum name or alias; KeyError names the unknown drum."""
    key = name.lower().replace("-", "_").replace(" ", "_")
    key = DRUM_ALIASES.get(key, key)
    if key not in GM_DRUMS:
        raise KeyError(f"unknown drum {name!r}; known: {', '.join(sorted(GM_DRUMS))}")
    return GM_DRUMS[key]


def drum_name(note: int) -> str:
    """The GM name of a drum note (``note N`` when outside the map)."""
    return _NAMES.get(note, f"note {note}")
