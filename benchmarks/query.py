"""Query speed: microseconds per cycle over 20 representative expressions.

Each expression is built once, then queried one cycle at a time for 64 cycles
(the way a scheduler walks forward). The figure is total time divided by
20 × 64 queries. The best of several repeats is reported, to show what the
code costs rather than what the machine was doing.

    python benchmarks/query.py            # our figure
    python benchmarks/query.py --strudel DIR   # also run Strudel 1.1.0 under Node,
                                               # DIR holding node_modules/@strudel/{core,mini}
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stepista.lang import evaluate  # noqa: E402

EXPRESSIONS = [
    'note("c3 [eb3 g3]*2").fast(2).every(4, rev)',
    's("bd*4, ~ sn, hh*8")',
    's("bd(3,8), hh*16?, ~ cp")',
    'note("<c3 eb3 g3 bb3>*8").velocity(sine.range(0.4, 1).segment(8))',
    'note("c2 [~ c3] <eb2 g2> c2").off(0.25, x => x.add(note(12)))',
    's("bd sd [~ bd] sd").sometimesBy(0.3, x => x.ply(2))',
    'note("{c3 eb3 g3, c4 d4 eb4 f4 g4}%8")',
    'note("c3 e3 g3 b3").chunk(4, x => x.fast(2))',
    's("hh*8").degradeBy(0.4).swingBy(1/3, 4)',
    'n("0 .. 7").iter(4).palindrome()',
    'note("[c3|eb3|g3]*8").legato(0.5)',
    's("<bd [bd bd]> ~ <sn cp> ~").every(3, fast(2)).late(0.125)',
    'note("c3@3 eb3 g3@2 bb3").ply("<1 2>")',
    's("bd*2, [~ hh]*2, ~ sn").superimpose(x => x.late(0.0625))',
    'note("c3 eb3 g3").struct("x ~ x x ~ x x ~")',
    'note("<[c3,eb3,g3] [f3,ab3,c4]>").segment(4)',
    's("bd:2 sn:1 hh:3 cp").euclidRot(5, 8, 2)',
    'note("c2*16").mask("<1 [1 0]>*4").velocity(rand.range(0.5, 1))',
    'stack(note("c2 g2"), s("hh*8"), note("<e4 g4>/2")).fast("<1 2>")',
    'note("c3 d3 e3 f3 g3 a3 b3 c4").someCyclesBy(0.5, rev).iter(8)',
]
CYCLES = 64


def measure_ours(repeats: int) -> tuple[float, int]:
    patterns = [evaluate(src).pattern() for src in EXPRESSIONS]
    best, events = float("inf"), 0
    for _ in range(repeats):
        count = 0
        start = time.perf_counter()
        for pat in patterns:
            for c in range(CYCLES):
                count += len(pat.query_arc(c, c + 1))
        best = min(best, time.perf_counter() - start)
        events = count
    return best / (len(EXPRESSIONS) * CYCLES) * 1e6, events


_NODE_SCRIPT = r"""
import * as core from '@strudel/core';
import { mini, miniAllStrings } from '@strudel/mini';
Object.assign(globalThis, core);
globalThis.mini = mini;
miniAllStrings();
const exprs = JSON.parse(process.argv[2]);
const repeats = Number(process.argv[3]);
const cycles = Number(process.argv[4]);
const pats = exprs.map((e) => new Function(`return (${e});`)());
let best = Infinity, events = 0;
for (let r = 0; r < repeats; r++) {
  let count = 0;
  const t0 = performance.now();
  for (const p of pats) for (let c = 0; c < cycles; c++) count += p.queryArc(c, c + 1).length;
  best = Math.min(best, performance.now() - t0);
  events = count;
}
console.log(JSON.stringify({ us: (best * 1000) / (exprs.length * cycles), events }));
"""


def measure_strudel(directory: Path, repeats: int) -> dict:
    if shutil.which("node") is None:
        raise SystemExit("node is not installed")
    with tempfile.NamedTemporaryFile("w", suffix=".mjs", dir=directory, delete=False) as f:
        f.write(_NODE_SCRIPT)
        script = f.name
    try:
        out = subprocess.run(
            ["node", script, json.dumps(EXPRESSIONS), str(repeats), str(CYCLES)],
            capture_output=True, text=True, check=True, cwd=directory,
        )
    finally:
        Path(script).unlink()
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--strudel", type=Path, help="directory with node_modules/@strudel 1.1.0")
    args = parser.parse_args()
    us, events = measure_ours(args.repeats)
    print(f"stepista: {us:.1f} us per cycle ({len(EXPRESSIONS)} expressions x {CYCLES} cycles, {events} events)")
    if args.strudel:
        theirs = measure_strudel(args.strudel, args.repeats)
        print(f"strudel 1.1.0 (node): {theirs['us']:.1f} us per cycle ({theirs['events']} events)")


if __name__ == "__main__":
    main()
