"""Where a track can play: every MIDI output, one open output, or a plugin instance.

The `o` key walks these choices for the selected track. A plugin instance (a Stepista plugin in
a DAW track) is listed once, whether the engine has it open already (its output label) or not
yet (its spec, opened on choosing it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutputChoice:
    label: str | None  # the engine output's label; None: every MIDI output, or not open yet
    spec: str | None   # a plugin instance not open yet: the spec that opens it
    title: str         # what the status line says


def output_choices(outputs: dict[str, str], plugins: list[dict]) -> list[OutputChoice]:
    """The choices in `o` order: all, each open output, then each plugin instance not open.

    >>> plugins = [{"name": "Drums", "id": "1a2b3c4d", "port": 47801, "spec": "plugin:Drums",
    ...             "output": None}]
    >>> [c.title for c in output_choices({"jack:Stepista": "ok"}, plugins)]
    ['all', 'jack:Stepista', "plugin 'Drums' (1a2b3c4d on port 47801)"]
    >>> output_choices({}, [{**plugins[0], "output": "plugin:#47801"}])[1].label
    'plugin:#47801'
    >>> len(output_choices({"plugin:Drums": "ok"}, plugins))
    2
    """
    choices = [OutputChoice(None, None, "all")]
    choices += [OutputChoice(label, None, label) for label in outputs]
    for p in plugins:
        title = f"plugin {p['name']!r} ({p['id']} on port {p['port']})"
        if p["spec"] in outputs:
            continue  # open already, under its spec
        if p.get("output") is None:
            choices.append(OutputChoice(None, p["spec"], title))
        elif p["output"] not in outputs:
            choices.append(OutputChoice(p["output"], None, title))
    return choices
