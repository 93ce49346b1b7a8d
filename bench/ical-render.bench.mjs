// Feed rendering benchmark: ical-generator rendering a calendar by itself vs renderFeed on
// the same posts (renderFeed is what the feed render worker runs).
//
//   npm run build && node bench/ical-render.bench.mjs [10000 100000 ...]
//
// RENDERER=<path to compiled ical-feed.renderer.js> overrides the default
// dist/src/feeds/ical-feed.renderer.js. To compile the renderer alone:
//   npx tsc --ignoreConfig --types node --outDir .tmp/bench-feeds --rootDir . \
//     --module nodenext --moduleResolution nodenext --target es2022 --esModuleInterop \
//     --skipLibCheck --strict src/feeds/ical-feed.renderer.ts
//   RENDERER=.tmp/bench-feeds/src/feeds/ical-feed.renderer.js node bench/ical-render.bench.mjs
// The ical-generator column renders prebuilt ICalEventData (its own cost only); the
// renderFeed columns include building summaries and descriptions from the posts.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const rendererPath = resolve(process.env.RENDERER ?? 'dist/src/feeds/ical-feed.renderer.js');
const { renderFeed } = await import(pathToFileURL(rendererPath).href);
const { default: ical, ICalEventStatus } = require('ical-generator');

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
if (sizes.length === 0) sizes.push(10_000, 100_000);

const STATUSES = ['draft', 'in_review', 'approved', 'scheduled', 'publishing', 'published', 'failed', 'cancelled'];
const WORDS =
  'costanza presenza canale contenuto informativo promozionale città perché più 😀 news, sale; update'.split(' ');

function makePosts(n) {
  const base = Date.UTC(2027, 0, 1);
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 8 + (i % 40) }, (_, j) => WORDS[(i * 7 + j) % WORDS.length]);
    return {
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      channelId: `ch-${i % 3}`,
      channelName: ['Mastodon', 'LinkedIn', 'Bluesky'][i % 3],
      channelZone: 'Europe/Rome',
      body: words.join(' ') + (i % 5 === 0 ? '\nSeconda riga, con link https://example.com/p?utm_source=x' : ''),
      title: i % 4 === 0 ? `Titolo ${i}` : null,
      link: i % 2 === 0 ? `https://example.com/${i}?utm_campaign=spring` : null,
      category: i % 5 === 0 ? 'promotional' : 'informative',
      categoryName: i % 5 === 0 ? 'Promotional' : 'Informative',
      status: STATUSES[i % STATUSES.length],
      scheduledAt: new Date(base + i * 1_800_000),
      sequence: i % 3,
      createdAt: new Date(base - 86_400_000),
      updatedAt: new Date(base - 3_600_000),
      externalUrl: `https://social.example/@team/${i}`,
      violations: i % 11 === 0 ? ['Promotional posts are above 20 % of the last 4 weeks.'] : undefined,
    };
  });
}

const STATUS_MAP = {
  draft: 'TENTATIVE',
  in_review: 'TENTATIVE',
  approved: 'TENTATIVE',
  failed: 'TENTATIVE',
  cancelled: 'CANCELLED',
};

/** The same events as plain ICalEventData, built up front: ical-generator's own cost only. */
function toEventData(posts, stamp) {
  return posts.map((p) => ({
    id: `post-${p.id}@bench.example`,
    sequence: p.sequence,
    stamp,
    start: p.scheduledAt,
    end: new Date(p.scheduledAt.getTime() + 900_000),
    summary: `[${p.channelName}] ${(p.title ?? p.body).slice(0, 60)}`,
    description: `${p.body}\n\nCategory: ${p.categoryName}\nStatus: ${p.status}`,
    categories: [{ name: p.categoryName }],
    status: STATUS_MAP[p.status] ?? ICalEventStatus.CONFIRMED,
    created: p.createdAt,
    lastModified: p.updatedAt,
    url: p.status === 'published' ? p.externalUrl : null,
  }));
}

function time(fn, runs) {
  const ms = [];
  let out;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    out = fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)], out };
}

const rows = [];
for (const n of sizes) {
  const runs = n >= 50_000 ? 5 : 11;
  const posts = makePosts(n);
  const stamp = new Date();
  const cal = { name: 'Bench', description: 'Benchmark feed', host: 'bench.example', generatedAt: stamp, posts };
  const data = toEventData(posts, stamp);
  const gen = () =>
    ical({
      prodId: { company: 'Palinsesto', product: 'Palinsesto' },
      name: 'Bench',
      ttl: 900,
      events: data,
    }).toString();
  // warm up
  gen();
  renderFeed(cal);
  const a = time(gen, runs);
  const b = time(() => renderFeed(cal), runs);
  rows.push({
    events: n,
    'ical-generator ms': a.median.toFixed(0),
    'renderFeed ms': b.median.toFixed(0),
    ratio: (b.median / a.median).toFixed(2),
    MB: (Buffer.byteLength(b.out) / 1e6).toFixed(1),
  });
}
console.log(`node ${process.version}, median of runs`);
console.table(rows);
