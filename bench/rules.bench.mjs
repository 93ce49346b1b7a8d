// Rule engine on its own (no HTTP, no database): per-call latency of what the calendar
// endpoint asks (evaluate + findGaps + mixShares over one month) and what a schedule asks
// (affectedRange + checkChange on the loaded window), plus nextSlot.
//   npx tsc -p tsconfig.build.json && node bench/rules.bench.mjs
// When the full build is broken by work in progress elsewhere, compile the rules alone:
//   npx tsc --ignoreConfig --outDir /tmp/rules-build --module commonjs --target es2022 \
//     --esModuleInterop --skipLibCheck --strict src/rules/index.ts
//   RULES_DIST=/tmp/rules-build/index.js node bench/rules.bench.mjs
// RULES_COMPARE=<other build's index.js> also checks that both builds give identical
// results (deep equality) on every scenario, e.g. against a build of the previous version.
// BENCH_ITERATIONS (default 1000) bounds the timed calls per case.
import { createRequire, Module } from 'node:module';
import { isDeepStrictEqual } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// A build outside the repo still resolves luxon from the repo's node_modules.
process.env.NODE_PATH = [join(root, 'node_modules'), process.env.NODE_PATH].filter(Boolean).join(':');
Module._initPaths();
const require = createRequire(import.meta.url);
const load = (p) => require(resolve(root, p));
const engine = load(process.env.RULES_DIST ?? 'dist/src/rules/index.js');
const other = process.env.RULES_COMPARE ? load(process.env.RULES_COMPARE) : null;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 1000);
const ZONE = process.env.BENCH_ZONE ?? 'Europe/Rome';

const rules = {
  enforcement: 'block',
  cadence: { maxPostsPerDay: 12, minSpacingMinutes: 30, maxGapHours: 72, postsPerWeek: 3 },
  mix: { windowDays: 14, limits: { promotional: { max: 0.3 } } },
};

// Deterministic pseudo-random numbers (mulberry32).
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const MIN = 60_000;
const ts = (s) => Date.parse(s);

/** The calendar benchmark's month: 300 posts in March 2027, ten a day from 08:00 every 90 minutes (no violation but the mix). */
function regularMonth() {
  const categories = ['informative', 'informative', 'engagement', 'promotional'];
  const out = [];
  for (let i = 0; i < 300; i++) {
    const day = 1 + Math.floor(i / 10);
    const minutes = 8 * 60 + (i % 10) * 90;
    const at = `2027-03-${String(day).padStart(2, '0')}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00+01:00`;
    out.push({ id: `r${String(i).padStart(4, '0')}`, at: new Date(at), category: categories[i % 4] });
  }
  return out;
}

/**
 * ~330 posts at random minutes between 2027-02-07 and 2027-04-22 (what insights loads for
 * March with the margins), 40% promotional, with crowded days, close pairs and a few
 * multi-day gaps: plenty of violations of every kind, across the DST change of 28 March.
 */
function messyMonth(seed = 7) {
  const r = rng(seed);
  const from = ts('2027-02-07T00:00:00Z');
  const to = ts('2027-04-22T00:00:00Z');
  const out = [];
  let i = 0;
  for (let day = from; day < to; day += DAY) {
    const d = (day - from) / DAY;
    if (d % 17 === 5 || d % 17 === 6 || d % 17 === 7) continue; // three empty days now and then
    const n = r() < 0.15 ? 13 + Math.floor(r() * 4) : 2 + Math.floor(r() * 6);
    for (let k = 0; k < n; k++) {
      const at = day + Math.floor(r() * 24 * 60) * MIN;
      out.push({
        id: `m${String(i++).padStart(4, '0')}`,
        at: new Date(at),
        category: r() < 0.4 ? 'promotional' : r() < 0.5 ? 'informative' : 'engagement',
      });
    }
  }
  // shuffle: the engine must not rely on the caller's order
  for (let k = out.length - 1; k > 0; k--) {
    const j = Math.floor(r() * (k + 1));
    [out[k], out[j]] = [out[j], out[k]];
  }
  return out;
}

/** A long dense plan (ten posts a day, a random minute in each 144-minute stretch) for checkChange. */
function densePlan(days, seed = 11) {
  const r = rng(seed);
  const start = ts('2026-06-01T00:00:00Z');
  const out = [];
  for (let k = 0; k < days * 10; k++) {
    const at = start + k * 144 * MIN + Math.floor(r() * 144) * MIN;
    out.push({
      id: `d${String(k).padStart(6, '0')}`,
      at: new Date(at),
      category: r() < 0.28 ? 'promotional' : 'informative',
    });
  }
  return out;
}

function time(name, fn, iterations = ITERATIONS) {
  for (let i = 0; i < Math.min(200, Math.ceil(iterations / 5)); i++) fn(i);
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const at = (p) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
  const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
  return { name, p50: at(50), p99: at(99), mean };
}

const now = new Date('2027-02-20T12:00:00Z');
const march = { from: new Date('2027-03-01T00:00:00+01:00'), to: new Date('2027-04-01T00:00:00+02:00') };
const only = (key, value) => ({
  enforcement: 'block',
  cadence: key === 'mix' ? {} : { [key]: value },
  ...(key === 'mix' ? { mix: rules.mix } : {}),
});

function insights(e, timeline, r = rules) {
  return {
    gaps: e.findGaps(timeline, r, ZONE, { ...march, now }),
    violations: e.evaluate(timeline, r, ZONE, { now, ...march }),
    mix: e.mixShares(timeline, march.from, march.to),
  };
}

const regular = regularMonth();
const messy = messyMonth();
const dense = densePlan(730);
const denseSorted = [...dense].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
const r = rng(3);
const changes = Array.from({ length: 64 }, (_, k) => {
  // A post moved (or added) to a random minute of the dense period's second year.
  const at = new Date(ts('2027-06-01T00:00:00Z') + Math.floor(r() * 300 * 24 * 60) * MIN);
  const moved = k % 2 === 0 ? denseSorted[3650 + Math.floor(r() * 3000)] : null;
  return { at, moved, category: r() < 0.5 ? 'promotional' : 'informative' };
});

/** What PlanService.assess does for a change (the slice stands for the database window). */
function assess(e, change, r = rules) {
  const after = { id: change.moved?.id ?? 'new-post', at: change.at, category: change.category };
  const instants = [change.moved?.at, after.at].filter(Boolean);
  const range = e.affectedRange(r, ZONE, instants);
  const stored = e.sliceForRange(denseSorted, range.from.getTime(), range.to.getTime());
  const others = stored.filter((p) => p.id !== after.id);
  const oldPlan = change.moved ? [...others, change.moved] : others;
  return { size: oldPlan.length, result: e.checkChange(oldPlan, [...others, after], r, ZONE, { now, range }) };
}

const cases = [
  ['insights, calendar month (300 posts): evaluate + findGaps + mixShares', (e) => insights(e, regular)],
  ['  evaluate only', (e) => e.evaluate(regular, rules, ZONE, { now, ...march })],
  ['  findGaps only', (e) => e.findGaps(regular, rules, ZONE, { ...march, now })],
  ['  mixShares only', (e) => e.mixShares(regular, march.from, march.to)],
  [`insights, messy month (${messy.length} posts, many violations)`, (e) => insights(e, messy)],
  ['  evaluate maxPostsPerDay only', (e) => e.evaluate(messy, only('maxPostsPerDay', 12), ZONE, { now, ...march })],
  ['  evaluate minSpacing only', (e) => e.evaluate(messy, only('minSpacingMinutes', 30), ZONE, { now, ...march })],
  ['  evaluate maxGapHours only', (e) => e.evaluate(messy, only('maxGapHours', 72), ZONE, { now, ...march })],
  ['  evaluate postsPerWeek only', (e) => e.evaluate(messy, only('postsPerWeek', 3), ZONE, { now, ...march })],
  ['  evaluate mix only', (e) => e.evaluate(messy, only('mix'), ZONE, { now, ...march })],
  [
    '  evaluate quietHours 22:00-07:00 only',
    (e) => e.evaluate(messy, only('quietHours', { start: '22:00', end: '07:00' }), ZONE, { now, ...march }),
  ],
  ['  evaluate without range (whole timeline)', (e) => e.evaluate(messy, rules, ZONE, { now })],
  [
    `assess (affectedRange + checkChange) in a dense plan of ${dense.length} posts`,
    (e, i) => assess(e, changes[i % changes.length]),
  ],
  // Slow by nature (one checkChange per candidate tried): fewer calls.
  [
    'nextSlot informative after 2027-03-10 (messy month)',
    (e) => e.nextSlot(messy, rules, ZONE, { category: 'informative', after: new Date('2027-03-10T10:00:00Z'), now }),
    50,
  ],
  [
    'nextSlot promotional after 2027-03-10 (messy month; none within a year)',
    (e) => e.nextSlot(messy, rules, ZONE, { category: 'promotional', after: new Date('2027-03-10T10:00:00Z'), now }),
    10,
  ],
];

if (other) {
  let compared = 0;
  for (const [name, fn, iterations] of cases) {
    for (let i = 0; i < (iterations ? 1 : changes.length); i++) {
      const a = fn(engine, i);
      const b = fn(other, i);
      if (!isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)))) {
        throw new Error(`results differ for "${name.trim()}" (#${i})`);
      }
      compared++;
    }
  }
  console.log(`identical results to ${process.env.RULES_COMPARE} on ${compared} calls`);
}

const sizes = changes.map((c) => assess(engine, c).size).sort((a, b) => a - b);
console.log(`assess windows: ${sizes[0]}..${sizes.at(-1)} posts (median ${sizes[sizes.length >> 1]})`);
const messyViolations = engine.evaluate(messy, rules, ZONE, { now, ...march });
const byRule = {};
for (const v of messyViolations) byRule[v.rule] = (byRule[v.rule] ?? 0) + 1;
console.log(`messy month violations in March: ${JSON.stringify(byRule)}`);
console.log(
  `\nzone ${ZONE}, ${ITERATIONS} timed calls per case, node ${process.version}, TZ=${process.env.TZ ?? '(unset)'}\n`,
);
console.log('| case | p50 ms | p99 ms | mean ms |\n|---|---|---|---|');
for (const [name, fn, iterations] of cases) {
  const t = time(name, (i) => fn(engine, i), iterations);
  console.log(`| ${name} | ${t.p50.toFixed(3)} | ${t.p99.toFixed(3)} | ${t.mean.toFixed(3)} |`);
}
