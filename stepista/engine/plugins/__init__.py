"""The link to the Stepista plugin: the protocol (``plugin/PROTOCOL.md``), finding instances,
and turning patterns into the loops a plugin plays.

- :mod:`.protocol`: the OSC datagrams both ways (python-osc), :class:`Loop` and its exact
  tick grid;
- :mod:`.discovery`: :func:`find_instances` (a ping sweep of 127.0.0.1:47801-47864) and the
  :class:`AnnouncementListener` on 47800;
- :mod:`.loops`: a pattern or a clip as a :class:`Loop`, several tracks' loops as one.

The engine output that uses them is :mod:`stepista.engine.outputs.plugin` (``plugin:NAME``).

>>> from fractions import Fraction
>>> loop = Loop(Fraction(4), 1, (LoopNote(Fraction(0), Fraction(1), 48, 100),))
>>> clip_message(loop, seq=1, reply_port=0, start=Start(NOW))[:14]
b'/stepista/clip'
"""

from .discovery import AnnouncementListener, find_instances, instance_spec, pick
from .loops import clip_loop, merge_loops, pattern_loop
from .protocol import (LOOP_END, NEXT_QUANTUM, NOW, Ack, Instance, Loop, LoopError, LoopNote,
                       Start, clear_message, clip_message, name_message, ping_message,
                       read_reply, ticks_per_beat)

__all__ = ["AnnouncementListener", "find_instances", "instance_spec", "pick", "clip_loop",
           "merge_loops", "pattern_loop", "LOOP_END", "NEXT_QUANTUM", "NOW", "Ack", "Instance",
           "Loop", "LoopError", "LoopNote", "Start", "clear_message", "clip_message",
           "name_message", "ping_message", "read_reply", "ticks_per_beat"]
