"""A silent output that remembers what it played, for the UI and for tests.

Like isobar's dummy output, :class:`PreviewOutput` sends nothing anywhere. A message counts as
played once its time has come: messages wait in a :class:`TimedQueue` and move into the log
whenever the log is read or another message is sent, so no thread is needed. The log keeps the
last ``size`` messages as ``(at_us, beat, message)``.

>>> out = PreviewOutput()
>>> out.send_at((0x90, 60, 100), 0, beat=1.0)
>>> out.log
[(0, 1.0, (144, 60, 100))]
>>> out.panic()
>>> [m for _, _, m in out.log]
[(144, 60, 100), (128, 60, 0), (176, 123, 0)]
"""

from __future__ import annotations

import threading
from collections import deque

from ..hosttime import now_us
from .base import Message, Output, Sounding, TimedQueue

Entry = tuple[int, float, Message]


class PreviewOutput(Output):
    """Silent; ``log`` holds the last ``size`` messages played, ``sounding`` what still
    sounds."""

    kind = "preview"

    def __init__(self, name: str = "preview", *, size: int = 4096, latency_ms: float = 0.0,
                 clock: bool = False) -> None:
        super().__init__(name, latency_ms=latency_ms, clock=clock)
        self.sounding = Sounding()
        self._log: deque[Entry] = deque(maxlen=size)
        self._queue = TimedQueue()
        self._lock = threading.Lock()  # the log and the ledger change together
        self._last_beat = 0.0

    @property
    def label(self) -> str:
        return self.kind if self.name == "preview" else f"{self.kind}:{self.name}"

    @property
    def log(self) -> list[Entry]:
        """The messages played so far (the last ``size``), oldest first."""
        self._catch_up()
        with self._lock:
            return list(self._log)

    def pending(self) -> int:
        """How many messages wait for their time."""
        return len(self._queue)

    def _catch_up(self) -> None:
        """Move the messages whose time has come into the log."""
        due = self._queue.pop_until(now_us() + 1)
        with self._lock:
            for timed in due:
                self._played(timed.at_us, timed.beat, timed.message)

    def _played(self, at_us: int, beat: float, message: Message) -> None:
        self._log.append((at_us, beat, message))
        self.sounding.delivered(message)
        self._last_beat = beat

    def _send_at(self, message: Message, at_us: int, beat: float) -> None:
        self._queue.push(message, at_us, beat)
        self._catch_up()

    def _cancel_after(self, at_us: int) -> None:
        self._catch_up()
        self._queue.cancel_after(at_us)

    def _panic(self) -> None:
        self._catch_up()
        self._queue.clear()
        at = now_us()
        with self._lock:
            for message in self.sounding.panic_messages():  # logged, not in the ledger
                self._log.append((at, self._last_beat, message))

    def _close(self) -> None:
        self.status = "closed"
