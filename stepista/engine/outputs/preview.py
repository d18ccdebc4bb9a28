"""The silent preview output: nothing is heard, everything is kept (isobar's dummy output).

Messages count as delivered when their time comes; the last ``keep`` of them are in
:attr:`PreviewOutput.log` as ``(at_us, beat, message)``, for the UI and for tests.
"""

from __future__ import annotations

from collections import deque

from ..hosttime import now_us
from .base import Message, Output, Sounding, TimedQueue


class PreviewOutput(Output):
    kind = "preview"

    def __init__(self, name: str = "", *, latency_ms: float = 0.0, clock: bool = False,
                 keep: int = 4096) -> None:
        super().__init__(name, latency_ms=latency_ms, clock=clock)
        self._queue = TimedQueue()
        self._log: deque[tuple[int, float | None, Message]] = deque(maxlen=keep)
        self.sounding = Sounding()

    @property
    def label(self) -> str:
        return "preview" if not self.name else f"preview:{self.name}"

    @property
    def log(self) -> list[tuple[int, float | None, Message]]:
        self._deliver(now_us())
        return list(self._log)

    def _deliver(self, until_us: int) -> None:
        for timed in self._queue.pop_until(until_us + 1):
            self.sounding.delivered(timed.message)
            self._log.append((timed.at_us, timed.beat, timed.message))

    def _send_at(self, message: Message, at_us: int, beat: float) -> None:
        self._deliver(now_us())
        self._queue.push(message, at_us, beat)

    def _cancel_after(self, at_us: int) -> None:
        self._queue.cancel_after(at_us)

    def _panic(self) -> None:
        now = now_us()
        self._deliver(now)
        self._queue.clear()
        for message in self.sounding.panic_messages():
            self._log.append((now, None, message))

    def _close(self) -> None:
        pass
