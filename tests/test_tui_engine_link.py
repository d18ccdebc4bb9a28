"""The TUI's engine link stops when told to, whatever moment the cancellation lands on."""

from __future__ import annotations

import asyncio

import pytest

from tui.engine_link import EngineLink, EngineOptions


class Wire:
    """A writer that takes whatever the link sends."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.sent.append(data)

    async def drain(self) -> None:
        pass

    def close(self) -> None:
        pass


def link() -> EngineLink:
    async def connected() -> None:
        pass

    made = EngineLink(EngineOptions(address="unix:/nonexistent"), on_status=lambda s: None,
                      on_event=lambda e: None, on_state=lambda t: None, on_connected=connected)
    made._writer = Wire()
    return made


async def test_a_cancel_that_lands_with_the_reply_still_stops_the_polling():
    # Python 3.11's wait_for returns a result that completes in the loop pass the task is
    # cancelled in, losing the cancellation: the link's polling task then never ended and
    # the test run hung at teardown
    engine = link()
    loop = asyncio.get_running_loop()
    engine._reader_task = loop.create_future()  # the connection stays up
    task = loop.create_task(engine._serve())
    await asyncio.sleep(0)  # the status request is sent and waits for its reply
    (future,) = engine._pending.values()
    future.set_result({"id": 1, "ok": True})
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 1.0)


async def test_polling_ends_when_the_link_closes():
    engine = link()
    loop = asyncio.get_running_loop()
    engine._reader_task = loop.create_future()
    task = loop.create_task(engine._serve())
    await asyncio.sleep(0)
    engine._closing = True
    (future,) = engine._pending.values()
    future.set_result({"id": 1, "ok": True})
    await asyncio.wait_for(task, 1.0)  # returns, no ConnectionError


async def test_a_reply_that_comes_first_is_returned():
    engine = link()
    task = asyncio.get_running_loop().create_task(engine.request({"op": "status"}))
    await asyncio.sleep(0)
    (future,) = engine._pending.values()
    future.set_result({"id": 1, "ok": True, "playing": False})
    assert (await task)["playing"] is False
