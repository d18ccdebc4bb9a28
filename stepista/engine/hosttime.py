"""Host time: integer microseconds on the clock Ableton Link reads.

Link reads CLOCK_MONOTONIC_RAW on Linux (and so does JACK, so a Link time is a JACK time),
mach_absolute_time on macOS (CLOCK_UPTIME_RAW) and QueryPerformanceCounter on Windows
(``time.perf_counter``). Everything on the timing path is stamped in these microseconds.

>>> a = now_us(); b = now_us(); 0 <= b - a < 1_000_000
True
"""

from __future__ import annotations

import sys
import time

if sys.platform.startswith("linux"):
    _CLOCK = time.CLOCK_MONOTONIC_RAW
elif sys.platform == "darwin":
    _CLOCK = time.CLOCK_UPTIME_RAW
else:
    _CLOCK = None


def now_us() -> int:
    """The host time now, in microseconds."""
    if _CLOCK is None:
        return time.perf_counter_ns() // 1000
    return time.clock_gettime_ns(_CLOCK) // 1000


SPIN_US = 1500
"""How long before a deadline :func:`sleep_until` stops sleeping and spins."""


def sleep_until(deadline_us: int, spin_us: int = SPIN_US) -> int:
    """Sleep until shortly before ``deadline_us``, then spin to it; return the time reached.

    The OS may wake a sleeper a millisecond or more late, so the last ``spin_us`` are spent
    polling the clock: that is what makes a plain sender thread land within tens of µs.
    """
    remaining = deadline_us - now_us() - spin_us
    if remaining > 0:
        time.sleep(remaining / 1e6)
    t = now_us()
    while t < deadline_us:
        t = now_us()
    return t
