"""Generation speed: median time for a 16-bar clip of every part in every style,
and for a whole 16-bar, 5-part arrangement (shared plan).

    python benchmarks/generate.py [--repeats 9]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stepista.generate import PARTS, GenParams, arrangement, generate  # noqa: E402
from stepista.styles import style_ids  # noqa: E402


def median_ms(fn, repeats: int) -> float:
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    generate(GenParams(style="techno", part="lead"))  # load styles and warm caches once
    print(f"{'style':<10}" + "".join(f"{p:>9}" for p in PARTS) + f"{'5 parts':>10}   (ms, 16 bars, median of {args.repeats})")
    totals = []
    for style in style_ids():
        row = [median_ms(lambda i: generate(GenParams(style=style, part=part, bars=16, seed=i)), args.repeats)
               for part in PARTS]
        whole = median_ms(lambda i: arrangement(GenParams(style=style, bars=16, seed=i)), args.repeats)
        totals.append(whole)
        print(f"{style:<10}" + "".join(f"{t:9.1f}" for t in row) + f"{whole:10.1f}")
    print(f"16-bar 5-part arrangement: median {statistics.median(totals):.1f} ms, worst style {max(totals):.1f} ms")


if __name__ == "__main__":
    main()
