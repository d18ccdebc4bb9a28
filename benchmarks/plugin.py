"""The plugin's audio-thread cost: processBlock with the densest pattern the protocol allows
(16 bars of sixteenths, eight notes a step: 2,048 notes) at 64-sample blocks, 48 kHz.

Two figures: the whole plugin through its VST3 wrapper, loaded by the headless test host
(`stepista_testhost bench`, the issue's figure, target <= 1% of real time), and the player core
alone (`stepista_player_bench`, no JUCE). Build first: plugin/build.sh.

    python benchmarks/plugin.py [--seconds 60] [--block 64]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "plugin" / "build"
VST3 = BUILD / "StepistaPlugin_artefacts" / "Release" / "VST3" / "Stepista.vst3"
HOST = BUILD / "host" / "stepista_testhost_artefacts" / "Release" / "stepista_testhost"
CORE_BENCH = BUILD / "bench" / "stepista_player_bench"


def host_bench(seconds: float, block: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "dense.state"
        subprocess.run([str(HOST), "state", str(VST3), "--pattern", "dense", "--out", str(state)],
                       check=True, capture_output=True, timeout=60)
        out = subprocess.run([str(HOST), "bench", str(VST3), "--state-in", str(state), "--seconds",
                              str(seconds), "--block", str(block), "--sr", "48000"],
                             check=True, capture_output=True, text=True, timeout=600).stdout
    return next(json.loads(line) for line in out.splitlines() if '"bench"' in line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="audio to process (default 60)")
    parser.add_argument("--block", type=int, default=64)
    args = parser.parse_args()
    if not (VST3.is_dir() and HOST.is_file() and CORE_BENCH.is_file()):
        sys.exit("the plugin is not built: run plugin/build.sh first")
    r = host_bench(args.seconds, args.block)
    print(f"plugin processBlock via VST3, dense 16-bar pattern, {r['block']}-sample blocks at "
          f"{r['sr']:.0f} Hz, {r['blocks']} blocks ({r['events']} MIDI events):")
    print(f"  median {r['median_ns'] / 1000:.2f} us, p99 {r['p99_ns'] / 1000:.2f} us, "
          f"max {r['max_ns'] / 1000:.1f} us per block of {r['block_ns'] / 1000:.0f} us")
    print(f"  {r['realtime_pct_median']:.3f}% of real time (median), {r['realtime_pct_mean']:.3f}% (mean);"
          f" p99 {100 * r['p99_ns'] / r['block_ns']:.3f}%  [target <= 1%]")
    print("player core alone (no JUCE):")
    sys.stdout.flush()
    subprocess.run([str(CORE_BENCH)], check=True)


if __name__ == "__main__":
    main()
