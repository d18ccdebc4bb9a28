"""The engine: clock (Ableton Link), lookahead scheduler, MIDI outputs and the IPC that feeds it.

It runs in a process of its own (``stepista engine``), so the timing path never shares a GIL
with the TUI. Time on the timing path is integer microseconds of the host clock that Link and
JACK both read (:mod:`stepista.engine.hosttime`); beats are Link beats; one cycle is one bar of
:data:`BEATS_PER_CYCLE` beats.
"""

BEATS_PER_CYCLE = 4
