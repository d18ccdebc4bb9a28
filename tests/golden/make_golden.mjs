// make_golden.mjs - generate golden pattern data from the real Strudel 1.1.0.
//
//   cd /tmp/x && npm init -y && npm install @strudel/core@1.1.0 @strudel/mini@1.1.0
//   node /path/to/tests/golden/make_golden.mjs
//
// Writes mini_strudel.json, core_strudel.json, mini_rejected.txt, core_missing.txt
// next to this script. Our own script; it only calls Strudel's public API.
import { writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Resolve @strudel/* from the current working directory (where npm install ran),
// so this script itself can live anywhere (e.g. in the repo).
const resolveEsm = (name) => {
  const dir = join(process.cwd(), 'node_modules', name);
  const main = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).main;
  return pathToFileURL(join(dir, main)).href;
};
const core = await import(resolveEsm('@strudel/core'));
const { mini, miniAllStrings } = await import(resolveEsm('@strudel/mini'));
// Make plain JS strings passed as pattern arguments parse as mini-notation
// (what the Strudel REPL does), so `.fast("<1 2>")`, `.struct("x ~ x x")` work.
miniAllStrings();
Object.assign(globalThis, core);
globalThis.mini = mini;

const OUT = dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------- helpers
const fr = (f) => `${f.s < 0 && f.n !== 0 ? '-' : ''}${f.n}/${f.d}`;
const F = (s) => core.Fraction(s); // accepts "n/d" strings

function sortHaps(haps) {
  const key = (h) => JSON.stringify(h.value);
  return haps.slice().sort((a, b) => {
    if (a.whole && !b.whole) return -1;
    if (!a.whole && b.whole) return 1;
    if (a.whole && b.whole) {
      const c = a.whole.begin.compare(b.whole.begin);
      if (c) return c;
    }
    const c2 = a.part.begin.compare(b.part.begin);
    if (c2) return c2;
    const ka = key(a), kb = key(b);
    if (ka < kb) return -1;
    if (ka > kb) return 1;
    // extra tiebreaks (never needed by the spec's three keys unless values are equal)
    if (a.whole && b.whole) {
      const c3 = a.whole.end.compare(b.whole.end);
      if (c3) return c3;
    }
    return a.part.end.compare(b.part.end);
  });
}

function events(pat, from, to) {
  const haps = pat.queryArc(F(from), F(to));
  return sortHaps(haps).map((h) => ({
    whole: h.whole ? [fr(h.whole.begin), fr(h.whole.end)] : null,
    part: [fr(h.part.begin), fr(h.part.end)],
    value: h.value,
  }));
}

// Each entry: [string, tags...]. Tags are only for the coverage check.
// Range policy: 0..4, or 0..8 if the string contains '<', '/', '%' or '|'
// (longer periods); every third string also gets a fractional range.
const MINI = [
  // plain sequences
  ['a', 'seq'], ['a b', 'seq'], ['a b c', 'seq'], ['a b c d e', 'seq'], ['bd sd hh cp', 'seq'],
  ['bd  sd   hh', 'seq'], ['  a b  ', 'seq'],
  // numbers
  ['0 1 2 3', 'num'], ['-1 -2 3', 'num'], ['0.25 0.5 -0.75', 'num'], ['1 2.5 -3.125 4e2', 'num'],
  ['10 -10 0', 'num'], ['1.0 2.50', 'num'], ['[0 1] -3.5', 'num', 'sub'],
  // words with #, note names, other chars
  ['c4 eb3 f#2 a', 'word'], ['c# db e#5', 'word'], ['f#4 ~ bb2 g', 'word', 'rest'], ['C4 Eb4 G4', 'word'],
  ['a.b c_d', 'word'], ['bd^ sd', 'word'],
  // rests
  ['a ~ b', 'rest'], ['~ a', 'rest'], ['~ ~ a ~', 'rest'], ['a - b', 'rest'], ['- a -', 'rest'],
  ['[a ~] [~ b]', 'rest', 'sub'], ['~', 'rest'], ['a [~ b]*2 -', 'rest', 'sub', 'fast'],
  // subsequences and nesting
  ['[a b] c', 'sub'], ['a [b c]', 'sub'], ['[a b] [c d e]', 'sub'], ['[a [b c]] d', 'sub', 'nest'],
  ['[[a b] [c [d e]]]', 'sub', 'nest'], ['a [b [c [d [e f]]]]', 'sub', 'nest'], ['[[[a]]] b', 'sub', 'nest'],
  ['[a [b c] [d [e f g]]] h', 'sub', 'nest'],
  // dot grouping
  ['a b . c d e', 'dot'], ['a . b c . d e f', 'dot'], ['[a b . c] d', 'dot', 'sub'], ['a b . [c d] e', 'dot', 'sub'],
  ['a*2 . b c', 'dot', 'fast'], ['a . b?', 'dot', 'degrade'],
  // stacks
  ['a, b', 'stack'], ['a b, c d e', 'stack'], ['[a, b] c', 'stack', 'sub'], ['[a, b c, d e f]', 'stack', 'sub'],
  ['a b, [c d, e]', 'stack', 'sub', 'nest'], ['[a b, c] [d, e f]', 'stack', 'sub'], ['a, b, c, d', 'stack'],
  // alternation
  ['<a b>', 'alt'], ['<a b c>', 'alt'], ['a <b c>', 'alt'], ['<a b> <c d e>', 'alt'], ['<a <b c>>', 'alt', 'nest'],
  ['<a [b c]>', 'alt', 'sub'], ['<a, b c>', 'alt', 'stack'], ['<a b, c d e>', 'alt', 'stack'],
  ['<a b>*2', 'alt', 'fast'], ['<a b c>/2', 'alt', 'slow'], ['<a*2 b/2>', 'alt', 'fast', 'slow'],
  ['<a b>*3 c', 'alt', 'fast'], ['<[a b] <c d>>', 'alt', 'nest', 'sub'], ['[<a b> <c d>]*2', 'alt', 'fast', 'sub'],
  ['<a ~ b>', 'alt', 'rest'], ['<a <b <c d>>>', 'alt', 'nest'], ['<a b>!2 c', 'alt', 'replicate'],
  ['<a b>@3 c', 'alt', 'elong'], ['<a b, c>*2', 'alt', 'stack', 'fast'], ['<a, b c d>/2', 'alt', 'stack', 'slow'],
  ['<a b . c>', 'alt', 'dot'], ['a b@2.5', 'elong', 'fracfactor'],
  // fast / slow with integer factors
  ['a*2', 'fast'], ['a*3 b', 'fast'], ['a b*2', 'fast'], ['[a b]*2', 'fast', 'sub'], ['[a b c]*2 d', 'fast', 'sub'],
  ['a/2', 'slow'], ['a/2 b', 'slow'], ['[a b c]/2', 'slow', 'sub'], ['[a b]/3 c', 'slow', 'sub'],
  ['a*4/2', 'fast', 'slow'], ['[a b]*2/3', 'fast', 'slow', 'sub'], ['a*0', 'fast'],
  // fractional factors
  ['a*1.5', 'fast', 'fracfactor'], ['a/1.5', 'slow', 'fracfactor'], ['[a b c]*1.5', 'fast', 'fracfactor', 'sub'],
  ['a b/1.5', 'slow', 'fracfactor'], ['[a b]*0.5 c', 'fast', 'fracfactor', 'sub'], ['a*2.5 b', 'fast', 'fracfactor'],
  ['[a b c d]/2.5', 'slow', 'fracfactor', 'sub'],
  // patterned factors
  ['hh*<2 4>', 'fast', 'patfactor', 'alt'], ['a*[2 3]', 'fast', 'patfactor', 'sub'], ['a/<2 3>', 'slow', 'patfactor', 'alt'],
  ['[a b]*<1 2 3>', 'fast', 'patfactor', 'alt', 'sub'], ['a*[1 2, 3]', 'fast', 'patfactor', 'stack'],
  ['a*<2 [3 4]>', 'fast', 'patfactor', 'alt'], ['[a b c]/[1 2]', 'slow', 'patfactor', 'sub'],
  ['bd*<2 3> sd', 'fast', 'patfactor', 'alt'], ['a*<1.5 2>', 'fast', 'patfactor', 'fracfactor'],
  // replicate !
  ['a!3 b', 'replicate'], ['a!2 b!2', 'replicate'], ['[a b]!2 c', 'replicate', 'sub'], ['a!3', 'replicate'],
  ['a ! ! b', 'bang'], ['a ! b !', 'bang'], ['a!', 'bang'], ['a b !', 'bang'], ['[a b] ! c', 'bang', 'sub'],
  ['a!2 !', 'bang', 'replicate'], ['a*2!2 b', 'replicate', 'fast'], ['<a b c>!3 d', 'replicate', 'alt'],
  // @ elongation and _
  ['a@3 b', 'elong'], ['a@1.5 b', 'elong'], ['[a b]@2 c', 'elong', 'sub'], ['a b@2 c', 'elong'], ['a@0.5 b', 'elong'],
  ['a@2 b@3 c', 'elong'], ['a@', 'elong'],
  ['a _ _ b', 'under'], ['a b _', 'under'], ['a _ b _ _', 'under'], ['[a b] _ c', 'under', 'sub'], ['a@2 _ b', 'under', 'elong'],
  ['a!2 b@2', 'replicate', 'elong'], ['a@2!2 b', 'replicate', 'elong'], ['a!2@3 b', 'replicate', 'elong'],
  ['a _ ! b', 'under', 'bang'], ['a ! _ b', 'under', 'bang'],
  // degrade ?
  ['a?', 'degrade'], ['a? b', 'degrade'], ['a*8?', 'degrade', 'fast'], ['a? b? c? d?', 'degrade'], ['a?0.3 b?0.7', 'degrade'],
  ['[a b c d]?', 'degrade', 'sub'], ['a*8?0.2', 'degrade', 'fast'], ['hh*16?', 'degrade', 'fast'],
  ['[a? b?]*4', 'degrade', 'fast', 'sub'], ['a? a? a? a?', 'degrade'], ['<a b>? c?', 'degrade', 'alt'], ['a?0 b?1', 'degrade'],
  // random choice |
  ['a | b', 'choice'], ['a | b | c', 'choice'], ['[a|b|c]*4', 'choice', 'fast', 'sub'], ['a b | c d', 'choice'],
  ['[a|b] [c|d]', 'choice', 'sub'], ['[a | b]*8', 'choice', 'fast'], ['a? | b', 'choice', 'degrade'],
  ['[a|b|c] [d|e]?', 'choice', 'degrade'], ['<a|b> c', 'choice', 'alt'],
  // polymeter
  ['{a b c, d e}', 'poly'], ['{a b c}%4', 'poly', 'polystep'], ['{a b, c d e}%<2 4>', 'poly', 'polystep', 'patfactor'],
  ['{a b c d e}%2', 'poly', 'polystep'], ['{a b, c d e, f g h i}', 'poly'], ['{a b c}', 'poly'], ['{a [b c] d, e f}', 'poly', 'sub'],
  ['{a b c}%4 . d e', 'poly', 'polystep', 'dot'], ['{a <b c>, d e f}', 'poly', 'alt'], ['{a b c}%1.5', 'poly', 'polystep', 'fracfactor'],
  ['{a b c}*2', 'poly', 'fast'], ['{a b c, d e}%[2 4]', 'poly', 'polystep', 'patfactor'],
  // euclid
  ['a(3,8)', 'euclid'], ['a(3,8,2)', 'euclid', 'euclidrot'], ['a(<3 5>,8)', 'euclid', 'euclidpat', 'alt'],
  ['a(3,8,<0 2>)', 'euclid', 'euclidrot', 'euclidpat', 'alt'], ['a(-3,8)', 'euclid', 'euclidneg'], ['[a b](3,8)', 'euclid', 'sub'],
  ['a(5,8) b', 'euclid'], ['bd(3,8) sd(2,5)', 'euclid'], ['a(3,8,-1)', 'euclid', 'euclidrot'], ['a(7,16,3)', 'euclid', 'euclidrot'],
  ['a(-3,8,2)', 'euclid', 'euclidneg', 'euclidrot'], ['a(-5,8)', 'euclid', 'euclidneg'], ['a(3,<8 16>)', 'euclid', 'euclidpat', 'alt'],
  ['a(3, 8)', 'euclid'], ['a(0,8)', 'euclid'], ['a(8,8)', 'euclid'], ['a(3,8)*2', 'euclid', 'fast'],
  ['<a b>(3,8)', 'euclid', 'alt'], ['a([3 5],8)', 'euclid', 'euclidpat', 'sub'],
  // : indexes
  ['bd:3 sn:1', 'colon'], ['bd:<1 2>', 'colon', 'alt'], ['bd:3*2 sn', 'colon', 'fast'], ['a:1:2', 'colon'], ['0:1 2:3', 'colon', 'num'],
  ['[bd sd]:2', 'colon', 'sub'], ['bd:[1 2]', 'colon', 'sub'],
  // .. ranges
  ['0 .. 3', 'range'], ['0..3', 'range'], ['3..0', 'range'], ['3 .. 0', 'range'], ['[0 .. 4]*2', 'range', 'fast'],
  ['0 .. <2 4>', 'range', 'alt'], ['a 0 .. 2', 'range'], ['-2 .. 2', 'range', 'num'], ['[0 .. 3] [5 .. 6]', 'range', 'sub'],
  ['<0 4> .. 6', 'range', 'alt'],
  // combinations
  ['<a [b c]>*2 d?', 'combo', 'alt', 'fast', 'degrade'], ['[a, b c](3,8,<0 2>)', 'combo', 'euclid', 'euclidrot', 'stack'],
  ['bd*2 [~ sd] <hh oh>*4 cp?', 'combo', 'fast', 'rest', 'alt', 'degrade'],
  ['[a b c]@2 <d e>!2 f(3,8)', 'combo', 'elong', 'alt', 'replicate', 'euclid'],
  ['{a b c}%4, <d e>*2', 'combo', 'poly', 'polystep', 'stack'], ['[a*2 b/2]!2 . c@3 d', 'combo', 'replicate', 'dot', 'elong'],
  ['<a!2 b@3>', 'combo', 'alt', 'replicate', 'elong'], ['<[a|b] c?>*4', 'combo', 'choice', 'degrade', 'alt'],
  ['bd:<0 1 2>(3,8) sn:2?', 'combo', 'colon', 'euclid', 'degrade'], ['[0 .. 3]*<1 2> 7', 'combo', 'range', 'patfactor'],
  ['c4 [eb4 g4]*2 <bb4 [c5 d5]>/2', 'combo', 'word', 'alt', 'slow'], ['{a b c, d e}%<3 5>?', 'combo', 'poly', 'degrade'],
  ['a [b <c d>](<3 5>,8,<0 1 2>)', 'combo', 'euclid', 'euclidpat'], ['[a ~ b@2]*1.5 c!2', 'combo', 'fracfactor', 'replicate'],
  ['<a b c>/1.5 [d e]*<2 3>', 'combo', 'slow', 'fracfactor', 'patfactor'], ['a . b c . [d e]*2 f@2', 'combo', 'dot', 'elong'],
  ['[[a b]*2 c]/2, d(3,8)', 'combo', 'stack', 'euclid'], ['a _ b! c? d:1', 'combo', 'under', 'bang', 'degrade', 'colon'],
  ['<0 .. 2>', 'combo', 'range', 'alt'], ['<a b>(3,8,2)?', 'combo', 'euclid', 'degrade'],
  ['[a b c d]*2?0.25 . e', 'combo', 'degrade', 'dot'], ['{<a b> c d}%<2 3>', 'combo', 'poly', 'alt'],
  // things that might be rejected
  ['a b]', 'reject'], ['[a b', 'reject'], ['a(3)', 'reject'], ['a*', 'reject'], ['<>', 'reject'], ['a,,b', 'reject'],
  ['{a b}%', 'reject'], ['a :', 'reject'], ['[]', 'reject'], ['a | | b', 'reject'], ['a b . . c', 'reject'], ['a (3,8)', 'euclid'],
  ['{a b', 'reject'], ['<a b', 'reject'], ['a b>', 'reject'], ['a(3,8', 'reject'], [', a', 'reject'], ['a |', 'reject'],
  ['a..', 'quirk'], ['a . ', 'reject'], ['a@b', 'quirk'], ['a!b', 'quirk'], ['a?x', 'quirk'], ['a b}', 'reject'], ['a(3,8,1,2)', 'reject'], ['a % 2', 'reject'],
];

// strings that always get a fractional range too (used for hand spot-checks)
const ALWAYS_FRAC = new Set(['a b', 'a*3 b', 'a b c', '<a b>']);
const RANGE_TRIPLE = [['1/3', '7/3'], ['5/4', '11/4'], ['-1/2', '3/2']];

function longPeriod(s) {
  return /[<\/%|]/.test(s);
}

const miniCases = [];
const rejected = [];
const seenMini = new Set();
let fracIdx = 0;
MINI.forEach(([s], i) => {
  if (seenMini.has(s)) throw new Error('duplicate mini string ' + s);
  seenMini.add(s);
  let pat;
  try {
    pat = mini(s);
    pat.queryArc(F('0/1'), F('1/1'));
  } catch (e) {
    rejected.push([s, String(e.message).split('\n')[0]]);
    return;
  }
  const ranges = [longPeriod(s) ? ['0/1', '8/1'] : ['0/1', '4/1']];
  if (i % 3 === 0 || ALWAYS_FRAC.has(s)) ranges.push(RANGE_TRIPLE[fracIdx++ % RANGE_TRIPLE.length]);
  if (ALWAYS_FRAC.has(s) && !ranges.some(([f]) => f === '1/3')) ranges.push(['1/3', '7/3']);
  for (const [from, to] of ranges) {
    miniCases.push({ mini: s, from, to, events: events(pat, from, to) });
  }
});

// ---------------------------------------------------------------- core expressions
// [expr, tags..., {ranges}] - range 0..4 by default, 0..8 when the tag 'long' is present,
// plus a fractional range when 'frac' is present.
const CORE = [
  // sequence / fastcat / seq
  ['sequence("a", "b", "c")', 'sequence'], ['fastcat("a", ["b", "c"])', 'sequence'], ['seq(mini("a b"), "c")', 'sequence', 'frac'],
  ['sequence(mini("<a b>"), mini("c d"))', 'sequence', 'long'],
  // slowcat / cat
  ['slowcat("a", "b", "c")', 'cat', 'long'], ['cat(mini("a b"), mini("c"))', 'cat', 'frac'], ['cat(mini("a b"), mini("<c d>"), "e")', 'cat', 'long'],
  ['slowcat(mini("a b c"), mini("d").fast(2))', 'cat', 'fast'],
  // stack
  ['stack(mini("a b"), mini("c d e"))', 'stack', 'frac'], ['stack("a", mini("b*2"), mini("<c d>"))', 'stack', 'long'],
  ['stack(mini("a b").fast(2), mini("c").slow(2))', 'stack', 'fast', 'slow'],
  // timeCat
  ['timeCat([1, mini("a")], [3, mini("b c")])', 'timecat', 'frac'], ['timeCat([1, "a"], [1, "b"], [2, "c"])', 'timecat'],
  ['timeCat([0.5, mini("a b")], [1.5, mini("<c d>")])', 'timecat', 'long'], ['timecat([2, mini("a")], [1, mini("b c d")])', 'timecat'],
  // fast / slow
  ['mini("a b c d").fast(2)', 'fast'], ['mini("a b c d").fast("<1 2>")', 'fast', 'long'], ['mini("a b").fast(1.5)', 'fast', 'frac'],
  ['mini("a b").fast("1 2")', 'fast'], ['fast(2, mini("a b"))', 'fast'], ['mini("a b c d").slow(2)', 'slow', 'long'],
  ['mini("a b c").slow(1.5)', 'slow', 'long', 'frac'], ['mini("a b c d").slow("<1 2>")', 'slow', 'long'], ['slow(3, mini("a b c"))', 'slow', 'long'],
  ['mini("a b").fast(0.5)', 'fast', 'long'],
  // early / late
  ['mini("a b").late(0.25)', 'late', 'frac'], ['mini("a b").late("<0 0.25>")', 'late', 'long'], ['mini("a b c").early(0.25)', 'early'],
  ['mini("a b c").early(1.5)', 'early'], ['mini("a b").early("<0 0.5 0.25>")', 'early', 'long'], ['late(1/3, mini("a b c"))', 'late', 'frac'],
  ['mini("<a b> c").late(1)', 'late', 'long'],
  // rev
  ['mini("a b c d").rev()', 'rev'], ['mini("a [b c] d").rev()', 'rev', 'frac'], ['rev(mini("<a b> c d"))', 'rev', 'long'],
  ['mini("a b c").late(0.25).rev()', 'rev', 'late'], ['mini("a@3 b").rev()', 'rev', 'frac'],
  // every / firstOf / lastOf
  ['mini("a b c d").every(3, fast(2))', 'every', 'long'], ['mini("a b c d").every(3, rev)', 'every', 'long'],
  ['mini("a b c").every(2, x => x.late(0.25))', 'every'], ['mini("a b").firstOf(4, x => x.fast(2))', 'firstOf', 'long'],
  ['mini("a b c").lastOf(3, rev)', 'lastOf', 'long'], ['mini("a b").lastOf(2, x => x.fast(3))', 'lastOf'],
  ['mini("a b c d").every("<2 3>", rev)', 'every', 'long'], ['mini("a b").every(1, rev)', 'every'],
  // when
  ['mini("0 1 2 3").when(mini("<1 0>"), x => x.fast(2))', 'when', 'long'], ['mini("a b c d").when(mini("1 0"), rev)', 'when'],
  ['mini("a b c d").when("<0 1 1>", x => x.late(0.125))', 'when', 'long'],
  // degradeBy / sometimesBy / someCyclesBy
  ['mini("a*8").degradeBy(0.5)', 'degradeBy'], ['mini("a*8").degradeBy(0.25)', 'degradeBy', 'frac'], ['mini("a b c d").degradeBy(0.9)', 'degradeBy'],
  ['mini("a*8").degradeBy("<0.2 0.8>")', 'degradeBy', 'long'], ['mini("a*8").sometimesBy(0.5, x => x.late(0.0625))', 'sometimesBy'],
  ['mini("a*4").sometimesBy(0.3, fast(2))', 'sometimesBy'], ['mini("a b c d").sometimesBy(0.75, rev)', 'sometimesBy'],
  ['mini("a*4").someCyclesBy(0.5, fast(2))', 'someCyclesBy', 'long'], ['mini("a b c").someCyclesBy(0.3, rev)', 'someCyclesBy', 'long'],
  ['mini("a*4").someCyclesBy(0.7, x => x.late(0.125))', 'someCyclesBy', 'long'],
  // euclid / euclidRot
  ['mini("a").euclid(3, 8)', 'euclid'], ['mini("a b c d").euclid("<3 5>", 8)', 'euclid', 'long'], ['mini("a").euclid(5, 8)', 'euclid', 'frac'],
  ['mini("a b").euclid(3, "<8 16>")', 'euclid', 'long'], ['mini("a").euclidRot(3, 8, 2)', 'euclidRot'], ['mini("a").euclidRot(3, 8, "<0 1 2>")', 'euclidRot', 'long'],
  ['mini("a b").euclidRot(5, 16, 3)', 'euclidRot', 'frac'], ['mini("a").euclid(-3, 8)', 'euclid'],
  // struct / mask
  ['mini("a b c d").struct("x ~ x x")', 'struct'], ['mini("a b").struct("x*3")', 'struct', 'frac'], ['mini("<a b>").struct("x [~ x] <x x*2>")', 'struct', 'long'],
  ['pure("a").struct(mini("1 0 1 1"))', 'struct'], ['mini("a b c d").mask("1 0 1 1")', 'mask'], ['mini("a*8").mask("<1 [0 1]>")', 'mask', 'long'],
  ['mini("a b").mask("1 [0 1] 1")', 'mask', 'frac'], ['mini("a [b c]").mask("true false")', 'mask'],
  // ply
  ['mini("a b").ply(2)', 'ply'], ['mini("a b").ply("<2 3>")', 'ply', 'long'], ['mini("a [b c]").ply(3)', 'ply', 'frac'], ['mini("a@3 b").ply(2)', 'ply'],
  // off / superimpose
  ['mini("a b").off(0.25, x => x.fast(2))', 'off'], ['mini("a b c").off(0.125, x => x.rev())', 'off', 'frac'], ['mini("a b").off("<0 0.5>", x => x.slow(2))', 'off', 'long'],
  ['mini("a b").superimpose(x => x.late(0.125))', 'superimpose'], ['mini("a b c").superimpose(x => x.fast(2), x => x.rev())', 'superimpose'],
  ['mini("a <b c>").superimpose(x => x.early(0.25))', 'superimpose', 'long'],
  // chunk
  ['mini("a b c d").chunk(4, x => x.fast(2))', 'chunk', 'long'], ['mini("a b c d").chunk(4, x => x.late(0.125))', 'chunk', 'long'],
  ['mini("a b c").chunk(3, rev)', 'chunk', 'long'], ['mini("0 1 2 3 4 5 6 7").chunk(2, x => x.fast(2))', 'chunk'],
  // iter
  ['mini("a b c").iter(4)', 'iter', 'long'], ['mini("a b c d").iter(4)', 'iter', 'long', 'frac'], ['mini("a b c d").iter("<2 4>")', 'iter', 'long'],
  // palindrome
  ['mini("a b c").palindrome()', 'palindrome', 'long'], ['mini("a [b c] d").palindrome()', 'palindrome', 'long'],
  // segment / range / signals
  ['sine.segment(4)', 'segment', 'sine'], ['sine.range(1,5).segment(8)', 'segment', 'range', 'sine'], ['rand.segment(4)', 'segment', 'rand'],
  ['irand(8).segment(4)', 'segment', 'irand'], ['perlin.segment(4)', 'segment', 'perlin', 'long'], ['saw.segment(4).fast(2)', 'segment', 'saw', 'fast'],
  ['square.segment(4)', 'segment', 'square'], ['tri.segment(8)', 'segment', 'tri'], ['saw.range(-1, 1).segment(4)', 'segment', 'range', 'saw'],
  ['tri.range(0, 10).segment(5)', 'segment', 'range', 'tri', 'frac'], ['square.range(2, 4).segment(2)', 'segment', 'range', 'square'],
  ['rand.range(0, 100).segment(8)', 'segment', 'range', 'rand'], ['perlin.range(0, 10).segment(2)', 'segment', 'range', 'perlin', 'long'],
  ['irand("<4 16>").segment(4)', 'segment', 'irand', 'long'], ['sine.segment("<2 4>")', 'segment', 'sine', 'long'],
  ['mini("a b").segment(3)', 'segment', 'frac'], ['sine.fast(2).segment(4)', 'segment', 'sine', 'fast'], ['saw.slow(2).segment(4)', 'segment', 'saw', 'slow', 'long'],
  ['sine.struct("x ~ x x")', 'struct', 'sine'], ['saw.segment(2).late(0.25)', 'segment', 'saw', 'late', 'frac'],
  ['mini("0 1 2 3").range(10, 20)', 'range'],
  // signals queried directly (continuous haps, whole = null)
  ['sine', 'sine', 'signal', 'frac'], ['saw', 'saw', 'signal'], ['rand', 'rand', 'signal'], ['perlin', 'perlin', 'signal'],
  // swingBy
  ['mini("a b").swingBy(1/3, 4)', 'swingBy'], ['mini("a*8").swingBy(1/3, 4)', 'swingBy', 'frac'], ['mini("a*4").swingBy(0.25, 2)', 'swingBy'],
  // combinations
  ['mini("a b c d").every(2, fast(2)).rev()', 'every', 'rev', 'long'], ['mini("a b").ply(2).late(0.125).every(3, rev)', 'ply', 'late', 'every', 'long'],
  ['stack(mini("a b c d").chunk(4, x => x.fast(2)), mini("e*2").degradeBy(0.5))', 'stack', 'chunk', 'degradeBy', 'long'],
  ['cat(mini("a b").iter(2), mini("c d").palindrome())', 'cat', 'iter', 'palindrome', 'long'],
  ['mini("a b c d").struct("x(3,8)").off(0.25, x => x.late(0.125))', 'struct', 'off'],
  ['mini("0 1 2 3").superimpose(x => x.fast(2).degradeBy(0.5))', 'superimpose', 'degradeBy'],
  ['sequence(mini("a b").euclid(3, 8), mini("c").ply(2))', 'sequence', 'euclid', 'ply', 'frac'],
  ['timeCat([1, mini("a b").rev()], [2, mini("c d e").iter(3)])', 'timecat', 'rev', 'iter', 'long'],
  ['mini("a b c d").mask("1 0 1 1").every(2, x => x.early(0.25))', 'mask', 'every', 'early'],
  ['sine.segment(4).range(0, 8).fast(2)', 'segment', 'range', 'sine', 'fast'],
  ['mini("a b").when(mini("1 0 1"), x => x.ply(2)).slow(2)', 'when', 'ply', 'slow', 'long'],
  ['mini("a b c d").swingBy(1/8, 2).every(2, rev)', 'swingBy', 'every', 'rev'],
  ['mini("a*8").sometimesBy(0.5, x => x.ply(2)).mask("1 1 0 1")', 'sometimesBy', 'mask', 'ply'],
  ['mini("a b c").chunk(3, x => x.late(0.25)).palindrome()', 'chunk', 'palindrome', 'long'],
  ['mini("a b c d").lastOf(4, x => x.iter(4))', 'lastOf', 'iter', 'long'],
  ['mini("a b").firstOf(2, x => x.euclidRot(3, 8, 1))', 'firstOf', 'euclidRot', 'long'],
  ['stack(mini("a"), mini("b")).someCyclesBy(0.5, x => x.fast(2))', 'stack', 'someCyclesBy', 'long'],
  ['mini("a b c").firstOf(3, rev)', 'firstOf', 'long'], ['irand(4).segment(8).fast(2)', 'irand', 'segment', 'fast'],
  ['square.segment(8).late(0.125)', 'square', 'segment', 'late'], ['tri.segment(4).slow(2)', 'tri', 'segment', 'slow', 'long'],
  // expected to throw (kept to document call signatures)
  ['mini("a b").when("1 0", x => x.fast(2), 3)', 'throws'],
];

const coreCases = [];
const missing = [];
const seenExpr = new Set();
for (const [expr, ...tags] of CORE) {
  if (seenExpr.has(expr)) throw new Error('duplicate expr ' + expr);
  seenExpr.add(expr);
  let pat;
  try {
    pat = new Function('return (' + expr + ');')();
    if (!(pat instanceof core.Pattern)) throw new Error('did not return a Pattern');
    pat.queryArc(F('0/1'), F('1/1'));
  } catch (e) {
    missing.push([expr, String(e.message).split('\n')[0]]);
    continue;
  }
  const ranges = [tags.includes('long') ? ['0/1', '8/1'] : ['0/1', '4/1']];
  if (tags.includes('frac')) ranges.push(['1/3', '7/3']);
  for (const [from, to] of ranges) {
    coreCases.push({ expr, from, to, events: events(pat, from, to) });
  }
}

// Pretty but compact: one case per top-level element, one event per line.
const dump = (cases) => {
  const out = cases.map((c) => {
    const { events: evs, ...head } = c;
    const h = JSON.stringify(head).slice(0, -1);
    if (!evs.length) return ` ${h}, "events": []}`;
    return ` ${h}, "events": [\n` + evs.map((e) => '  ' + JSON.stringify(e)).join(',\n') + '\n ]}';
  });
  return '[\n' + out.join(',\n') + '\n]\n';
};
writeFileSync(join(OUT, 'mini_strudel.json'), dump(miniCases));
writeFileSync(join(OUT, 'core_strudel.json'), dump(coreCases));
writeFileSync(join(OUT, 'mini_rejected.txt'), rejected.map(([s]) => s).join('\n') + (rejected.length ? '\n' : ''));
writeFileSync(
  join(OUT, 'core_missing.txt'),
  missing.map(([e, m]) => `${e}\t${m}`).join('\n') + (missing.length ? '\n' : ''),
);

// coverage report (stderr)
const count = (list, accepted) => {
  const c = {};
  for (const [s, ...tags] of list) if (accepted.has(s)) for (const t of tags) if (typeof t === 'string') c[t] = (c[t] || 0) + 1;
  return c;
};
const okMini = new Set(miniCases.map((c) => c.mini));
const okCore = new Set(coreCases.map((c) => c.expr));
console.error(`mini: ${okMini.size} distinct strings, ${miniCases.length} cases, ${rejected.length} rejected`);
console.error(`core: ${okCore.size} distinct exprs, ${coreCases.length} cases, ${missing.length} missing/throwing`);
console.error('mini features:', JSON.stringify(count(MINI, okMini)));
console.error('core features:', JSON.stringify(count(CORE, okCore)));
for (const [s, m] of rejected) console.error('REJECTED mini:', JSON.stringify(s), '->', m);
for (const [s, m] of missing) console.error('MISSING core:', s, '->', m);
