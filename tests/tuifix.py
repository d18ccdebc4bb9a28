"""Helpers for the TUI's Pilot tests (``from tuifix import ...``)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tui.app import StepistaApp
from tui.engine_link import EngineOptions
from tui.session import Session


def screen_text(app) -> str:
    """What the terminal would show, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settle(pilot, condition, timeout: float = 10.0, what: str = "condition") -> None:
    """Let the app run until ``condition()`` holds (a real engine answers in its own time)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def quiet_session() -> Session:
    """A fresh session without Link (tests run their own engine, alone)."""
    session = Session.fresh()
    session.link = False
    return session


def make_app(tmp_path: Path, engine=None, session: Session | None = None, **kwargs) -> StepistaApp:
    options = EngineOptions(address=engine.address) if engine is not None else None
    return StepistaApp(session or quiet_session(), tmp_path / "session.json", engine=options,
                       export_dir=tmp_path / "exports", connect=engine is not None, **kwargs)


async def engine_status(app) -> dict:
    return await app.link.request({"op": "status"})


def run(coro):
    return asyncio.run(coro)
