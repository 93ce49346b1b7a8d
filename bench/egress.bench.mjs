// Egress guard benchmark: what the guard costs per platform request, against a loopback
// stand-in (the dispatcher benchmark publishes through the mock adapter, which makes no HTTP
// call, so it never meets the guard).
//
//   npm run build && node bench/egress.bench.mjs
//
// The same POST (a ~300-byte JSON body, answered 200 with a small JSON) through:
// - `global fetch`: the adapters' HTTP layer before the guard (Node's bundled undici);
// - `undici, plain Agent`: the undici the guard uses, without any check;
// - `EgressGuard.fetch`: the guard (EGRESS_ALLOW=127.0.0.0/8,::1/128, so loopback passes:
//   every connection is resolved, judged and its remote address judged again);
// - `PublishHttpClient`: the adapters' path through the guard (timeout signal, error
//   mapping, JSON parse), as the Mastodon adapter calls it.
// Two shapes: keep-alive to 127.0.0.1 (connections reused, as with a platform), and a new
// connection per request to `localhost` (the server closes each one: a lookup and a check
// every time, the guard's worst case). Concurrency 32; rounds interleaved, median reported.
// BENCH_EGRESS_REQUESTS (default 4000) sets the requests per round (a quarter of it for the
// new-connection shape).
import 'reflect-metadata';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { EgressGuard } = require(resolve('dist/src/egress/egress-guard.js'));
const { PublishHttpClient } = require(resolve('dist/src/publishing/adapters/http-client.js'));
const { Agent, fetch: undiciFetch } = require('undici');
require('@nestjs/common').Logger.overrideLogger(['error', 'warn']); // as LOG_LEVEL=warn: no per-request debug line

const REQUESTS = Number(process.env.BENCH_EGRESS_REQUESTS ?? 4000);
const CONCURRENCY = 32;
const ROUNDS = 5;
const BODY = JSON.stringify({ status: 'x'.repeat(260), visibility: 'public' });
const ANSWER = JSON.stringify({ id: '110000000000000001', url: 'https://mastodon.example/@acme/110000000000000001' });

let closeEach = false;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', ...(closeEach ? { connection: 'close' } : {}) });
    res.end(ANSWER);
  });
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const { port } = server.address();

const guard = new EgressGuard({ egressAllow: ['127.0.0.0/8', '::1/128'] });
const client = new PublishHttpClient({ timeoutMs: 10_000 }, undefined, guard);
const plain = new Agent();
const headers = { 'content-type': 'application/json', authorization: 'Bearer bench-token' };

const variants = {
  'global fetch': async (url) => {
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body: BODY,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    await res.text();
  },
  'undici, plain Agent': async (url) => {
    const res = await undiciFetch(url, {
      method: 'POST',
      headers,
      body: BODY,
      redirect: 'manual',
      dispatcher: plain,
      signal: AbortSignal.timeout(10_000),
    });
    await res.text();
  },
  'EgressGuard.fetch': async (url) => {
    const res = await guard.fetch(url, { method: 'POST', headers, body: BODY, signal: AbortSignal.timeout(10_000) });
    await res.text();
  },
  PublishHttpClient: async (url) => {
    await client.requestJson({ platform: 'mastodon', method: 'POST', url, headers, body: BODY }, (b) => b);
  },
};

async function round(send, url, n) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        next++;
        await send(url);
      }
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const shape of [
  { name: 'keep-alive, 127.0.0.1', url: `http://127.0.0.1:${port}/api/v1/statuses`, n: REQUESTS, close: false },
  {
    name: 'new connection per request, localhost',
    url: `http://localhost:${port}/api/v1/statuses`,
    n: Math.round(REQUESTS / 4),
    close: true,
  },
]) {
  closeEach = shape.close;
  for (const send of Object.values(variants)) await round(send, shape.url, Math.min(500, shape.n)); // warm-up
  const rates = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, send] of Object.entries(variants)) rates[name].push(await round(send, shape.url, shape.n));
  }
  const baseline = median(rates['global fetch']);
  console.log(`\n${shape.name}: ${shape.n} requests per round, concurrency ${CONCURRENCY}, median of ${ROUNDS} rounds`);
  console.log('| path | requests/s | wall µs per request | vs global fetch |');
  console.log('|---|---:|---:|---:|');
  for (const name of Object.keys(variants)) {
    const rate = median(rates[name]);
    console.log(`| ${name} | ${Math.round(rate)} | ${(1e6 / rate).toFixed(0)} | ${(rate / baseline).toFixed(2)} |`);
  }
}

// The check itself, without any I/O: what each new connection pays on top of its lookup.
const { AllowList, judgeAddress } = require(resolve('dist/src/egress/address-policy.js'));
const allow = new AllowList(['127.0.0.0/8', '::1/128']);
const samples = ['127.0.0.1', '93.184.216.34', '::ffff:7f00:1', '2606:4700:4700::1111', '10.1.2.3', '64:ff9b::808:808'];
const CHECKS = 600_000;
for (let i = 0; i < 60_000; i++) judgeAddress(samples[i % samples.length], allow);
const checkStarted = performance.now();
for (let i = 0; i < CHECKS; i++) judgeAddress(samples[i % samples.length], allow);
console.log(
  `\njudgeAddress (the check alone, no I/O): ${(((performance.now() - checkStarted) * 1e6) / CHECKS).toFixed(0)} ns per address`,
);

await guard.onModuleDestroy();
await plain.close();
server.closeAllConnections();
server.close();
