"""A built wheel holds the package, the TUI package, the style data and the console script,
and runs away from the source tree (not only as an editable install)."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
    )
    (path,) = out.glob("stepista-*.whl")
    return path


def test_wheel_contents(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "stepista/mini/grammar.py" in names and "tui/__init__.py" in names
    assert {f"stepista/_styles/{s}.toml" for s in ("techno", "dub", "idm")} <= set(names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "stepista = stepista.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "GPL-3.0-or-later" in metadata


def test_installed_wheel_runs_outside_the_source_tree(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", "import stepista, sys; print(stepista.__file__); "
         "from stepista.styles import load_styles; assert len(load_styles()) == 12; "
         "from stepista.cli import main; sys.exit(main(['query', 'a b', '--json']))"],
        capture_output=True, text=True, cwd=tmp_path, env=env, check=True,
    )
    first_line, events = out.stdout.splitlines()
    assert first_line.startswith(str(target))
    assert '"value": "b"' in events
