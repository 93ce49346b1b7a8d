import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeedRenderError, FeedRenderPool } from './feed-render.pool';

// A stand-in worker speaking the render worker's protocol, steered by its jobs.
const FAKE_WORKER = `
const { parentPort, threadId, workerData } = require('node:worker_threads');
const held = [];
parentPort.on('message', (m) => {
  if (m.type === 'close') {
    if (!workerData.stubborn) parentPort.close();
    return;
  }
  const job = m.job;
  if (job.crash) throw new Error('boom in the worker');
  if (job.exit) process.exit(3);
  if (job.hold) return held.push(m.id);
  if (job.delayMs) return setTimeout(() => parentPort.postMessage({ id: m.id, ok: true, result: { value: job.value, threadId } }), job.delayMs);
  if (job.fail) return parentPort.postMessage({ id: m.id, ok: false, error: { name: 'TypeError', message: 'bad data', stack: 'TypeError: bad data' } });
  const body = new ArrayBuffer(job.bytes || 0);
  parentPort.postMessage({ id: m.id, ok: true, result: { value: job.value, threadId, body } }, [body]);
});
`;

interface Echo {
  value: unknown;
  threadId: number;
  body: ArrayBuffer;
}

describe('FeedRenderPool', () => {
  let dir: string;
  let file: string;
  const pools: FeedRenderPool[] = [];
  const pool = (options: ConstructorParameters<typeof FeedRenderPool>[0] = {}) => {
    const p = new FeedRenderPool({ file, ...options });
    pools.push(p);
    return p;
  };
  const job = (job: Record<string, unknown>) => ({ type: 'render', job });

  beforeAll(() => {
    Logger.overrideLogger(false); // the pool logs worker failures; they are expected here
    dir = mkdtempSync(join(tmpdir(), 'feed-render-pool-'));
    file = join(dir, 'fake-worker.js');
    writeFileSync(file, FAKE_WORKER);
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    Logger.overrideLogger(['error', 'warn', 'log']);
  });

  it('runs jobs on one worker thread and hands the transferred bytes back', async () => {
    const p = pool({ maxConcurrent: 2 });
    expect(p.threadId).toBeUndefined(); // started on first use
    const results = await Promise.all([1, 2, 3, 4, 5].map((value) => p.run<Echo>(job({ value, bytes: 1000 }))));
    expect(results.map((r) => r.value)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(results.map((r) => r.threadId)).size).toBe(1);
    expect(results[0].threadId).toBe(p.threadId);
    expect(results.every((r) => r.body instanceof ArrayBuffer && r.body.byteLength === 1000)).toBe(true);
    expect(p.pending).toBe(0);
  });

  it('rejects a job the worker failed with a FeedRenderError naming the cause, and goes on', async () => {
    const p = pool();
    const failed = p.run(job({ fail: true }));
    await expect(failed).rejects.toBeInstanceOf(FeedRenderError);
    await expect(failed).rejects.toThrow('Rendering failed: TypeError: bad data');
    const before = (await p.run<Echo>(job({ value: 'a' }))).threadId;
    expect((await p.run<Echo>(job({ value: 'b' }))).threadId).toBe(before);
  });

  it('rejects the jobs of a worker that crashed or exited, and starts a new one for the next job', async () => {
    const p = pool();
    const first = (await p.run<Echo>(job({ value: 1 }))).threadId;
    const held = expect(p.run(job({ hold: true }))).rejects.toThrow(/feed render worker failed: boom in the worker/);
    await expect(p.run(job({ crash: true }))).rejects.toThrow(/feed render worker failed: boom in the worker/);
    await held;
    const second = (await p.run<Echo>(job({ value: 2 }))).threadId;
    expect(second).not.toBe(first);
    await expect(p.run(job({ exit: true }))).rejects.toThrow('The feed render worker exited (code 3).');
    const third = await p.run<Echo>(job({ value: 3 }));
    expect(third.value).toBe(3);
    expect(third.threadId).not.toBe(second);
  });

  it('keeps jobs beyond maxConcurrent waiting until a slot frees', async () => {
    const p = pool({ maxConcurrent: 1 });
    const done: string[] = [];
    const slow = p.run<Echo>(job({ value: 'slow', delayMs: 50 })).then((r) => done.push(r.value as string));
    const quick = p.run<Echo>(job({ value: 'quick' })).then((r) => done.push(r.value as string));
    expect(p.pending).toBe(2);
    await Promise.all([slow, quick]);
    // Run side by side, the quick job would answer first; it waited for the slow one's slot.
    expect(done).toEqual(['slow', 'quick']);
  });

  it('on close, rejects what runs or waits, ends the worker and refuses new jobs', async () => {
    const p = pool({ maxConcurrent: 1 });
    await p.run(job({ value: 0 }));
    const running = expect(p.run(job({ hold: true }))).rejects.toThrow('The feed renderer is shutting down.');
    const waiting = expect(p.run(job({ value: 1 }))).rejects.toThrow('The feed renderer is shutting down.');
    await p.close();
    await running;
    await waiting;
    expect(p.threadId).toBeUndefined();
    await expect(p.run(job({ value: 2 }))).rejects.toThrow('The feed renderer is shut down.');
  });

  it('terminates a worker that does not end by itself on close', async () => {
    const p = pool({ workerData: { stubborn: true }, closeTimeoutMs: 50 });
    await p.run(job({ value: 0 }));
    await p.close();
    expect(p.threadId).toBeUndefined();
  });

  it('rejects, and does not throw, when the worker file cannot be loaded', async () => {
    const p = pool({ file: join(dir, 'missing.js') });
    await expect(p.run(job({ value: 1 }))).rejects.toBeInstanceOf(FeedRenderError);
  });
});
