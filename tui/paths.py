"""Where the TUI keeps its files (XDG base directories), without importing anything heavy."""

from __future__ import annotations

import os
from pathlib import Path


def default_session_path() -> Path:
    """``$XDG_DATA_HOME/stepista/session.json`` (``~/.local/share/...`` by default)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "stepista" / "session.json"


def state_dir() -> Path:
    """``$XDG_STATE_HOME/stepista`` (``~/.local/state/...``): the engine's log."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "stepista"
