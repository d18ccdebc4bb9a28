"""Files written so that a crash, a full disk or a kill never leaves half of one behind.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "session.json"
>>> write_atomically(path, lambda fh: fh.write(b'{"tracks": []}'))
>>> path.read_bytes()
b'{"tracks": []}'
"""

from __future__ import annotations

import os
import tempfile
from typing import BinaryIO, Callable


def write_atomically(path, write: Callable[[BinaryIO], object]) -> None:
    """Call ``write(fh)`` on a temporary file beside ``path``, fsync it, then rename it over
    ``path``: readers see the old file or the new one, never a mixture. On any failure the
    old file is untouched and the temporary file removed."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _sync_directory(directory)


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); where directories cannot be opened, skip."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
