"""Start a real engine process for a test and talk to it (``from enginefix import ...``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from stepista.engine import ipc

ROOT = Path(__file__).resolve().parent.parent


class EngineProcess:
    """``stepista engine`` in a subprocess at a private address. Extra args go to the engine."""

    def __init__(self, tmp_path: Path, *args: str, env: dict | None = None) -> None:
        self.address = f"unix:{tmp_path / 'engine.sock'}"
        self.log_path = tmp_path / "engine.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "stepista", "engine", "--address", self.address,
             "--log-level", "INFO", *args],
            stdout=self._log, stderr=subprocess.STDOUT, env=env or os.environ.copy(), cwd=ROOT)
        deadline = time.monotonic() + 20
        while not ipc.is_listening(self.address):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError(f"engine did not start:\n{self.log()}")
            time.sleep(0.05)

    def client(self, name: str = "test") -> ipc.Client:
        return ipc.Client(self.address, name=name)

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(timeout)
        finally:
            self._log.close()

    def __enter__(self) -> "EngineProcess":
        return self

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def wait_until(pred, timeout: float = 5.0, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()
