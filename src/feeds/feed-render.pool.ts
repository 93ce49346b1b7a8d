import { Logger, OnModuleDestroy } from '@nestjs/common';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** The worker entry next to this file: .js when built (dist/), .ts when run from sources (jest). */
export const FEED_RENDER_WORKER_FILE = join(
  __dirname,
  `feed-render.worker${extname(__filename) === '.ts' ? '.ts' : '.js'}`,
);

/**
 * Loads the worker entry. A .js entry is required as is. A .ts entry (tests run the
 * sources through ts-jest, which a worker thread does not have) is loaded through a require
 * hook that transpiles each .ts file with `typescript` (a devDependency, never needed by the
 * built app).
 */
const BOOTSTRAP = `
'use strict';
const { workerData } = require('node:worker_threads');
const { file, typescript } = workerData.bootstrap;
if (typescript) {
  const fs = require('node:fs');
  const ts = require(typescript);
  const compilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    inlineSourceMap: true,
  };
  require.extensions['.ts'] = function (module, filename) {
    const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { fileName: filename, compilerOptions });
    module._compile(out.outputText, filename);
  };
}
require(file);
`;

/** Thrown (rejected) when a render could not be done: the worker failed, died or is closed. */
export class FeedRenderError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FeedRenderError';
  }
}

export interface FeedRenderPoolOptions {
  /** Worker entry (.js, or .ts when run from sources). */
  file?: string;
  /** Passed to the worker as `workerData` (plus `bootstrap`). */
  workerData?: Record<string, unknown>;
  /** Jobs sent to the worker at once; more wait in line (bounds the worker's memory). */
  maxConcurrent?: number;
  /** How long close() lets the worker end cleanly before terminating it. */
  closeTimeoutMs?: number;
}

interface Job {
  id: number;
  message: unknown;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

type Outbound =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

/**
 * One worker thread that renders feeds (feed-render.worker.ts), started on first use and
 * again after it died. A failed job rejects with a FeedRenderError; a worker that crashes or
 * exits rejects the jobs it had and is replaced on the next one; nothing a worker does
 * throws in the main thread. Closed (the worker terminated, waiting jobs rejected) when the
 * app closes.
 */
export class FeedRenderPool implements OnModuleDestroy {
  private readonly logger = new Logger('FeedRenderPool');
  private readonly file: string;
  private readonly maxConcurrent: number;
  private readonly closeTimeoutMs: number;
  private worker?: Worker;
  private readonly running = new Map<number, Job>();
  private readonly waiting: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: FeedRenderPoolOptions = {}) {
    this.file = options.file ?? FEED_RENDER_WORKER_FILE;
    this.maxConcurrent = options.maxConcurrent ?? 4;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 2_000;
  }

  /** Runs `message` (`{type: 'render', job}` with an id added) on the worker; resolves to its result. */
  run<T>(message: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new FeedRenderError('The feed renderer is shut down.'));
    return new Promise<T>((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.push({ id, message: { ...message, id }, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Whether a worker thread is up (for tests and metrics). */
  get threadId(): number | undefined {
    return this.worker?.threadId;
  }

  get pending(): number {
    return this.running.size + this.waiting.length;
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  /** Rejects what waits or runs and ends the worker: cleanly when it can, else terminated. */
  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new FeedRenderError('The feed renderer is shutting down.'));
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'close' });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), this.closeTimeoutMs)),
    );
    const how = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    if (how === 'timeout') await worker.terminate();
  }

  private pump(): void {
    while (!this.closed && this.waiting.length > 0 && this.running.size < this.maxConcurrent) {
      const job = this.waiting.shift()!;
      let worker: Worker;
      try {
        worker = this.worker ?? this.spawn();
      } catch (error) {
        job.reject(
          new FeedRenderError(`The feed renderer could not start: ${(error as Error).message}`, { cause: error }),
        );
        continue;
      }
      this.running.set(job.id, job);
      try {
        worker.postMessage(job.message);
      } catch (error) {
        this.running.delete(job.id);
        job.reject(
          new FeedRenderError(`The render job could not be sent: ${(error as Error).message}`, { cause: error }),
        );
      }
    }
  }

  private spawn(): Worker {
    const typescript = this.file.endsWith('.ts') ? require.resolve('typescript') : undefined;
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { ...this.options.workerData, bootstrap: { file: this.file, typescript } },
    });
    // A running server is kept alive by its HTTP server; the worker alone never holds the process.
    worker.unref();
    this.worker = worker;
    worker.on('message', (msg: Outbound) => this.settle(msg));
    worker.on('messageerror', (error) => {
      // Which job it answered is unknown: fail them all rather than leave one hanging.
      this.logger.error(`A message of the feed render worker could not be read: ${error.message}`);
      this.retire(
        worker,
        new FeedRenderError(`An answer of the feed render worker could not be read: ${error.message}`, {
          cause: error,
        }),
      );
    });
    worker.on('error', (error) => {
      // An uncaught exception in the worker: it is ending; its jobs fail, the next job starts another.
      this.logger.error(`Feed render worker failed: ${error.stack ?? error.message}`);
      this.retire(worker, new FeedRenderError(`The feed render worker failed: ${error.message}`, { cause: error }));
    });
    worker.on('exit', (code) => {
      if (this.worker === worker && !this.closed) this.logger.error(`Feed render worker exited (code ${code})`);
      this.retire(worker, new FeedRenderError(`The feed render worker exited (code ${code}).`));
    });
    return worker;
  }

  private settle(msg: Outbound): void {
    const job = this.running.get(msg.id);
    if (!job) return;
    this.running.delete(msg.id);
    if (msg.ok) job.resolve(msg.result);
    else {
      const error = new FeedRenderError(`Rendering failed: ${msg.error.name}: ${msg.error.message}`);
      if (msg.error.stack) error.stack = `${error.name}: ${error.message}\n    in the worker: ${msg.error.stack}`;
      job.reject(error);
    }
    this.pump();
  }

  /** The worker is gone (or going): its jobs fail; the next job starts a new one. */
  private retire(worker: Worker, error: FeedRenderError): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const job of this.running.values()) job.reject(error);
    this.running.clear();
    void worker.terminate().catch(() => undefined);
    this.pump();
  }

  private failAll(error: FeedRenderError): void {
    for (const job of [...this.running.values(), ...this.waiting]) job.reject(error);
    this.running.clear();
    this.waiting.length = 0;
  }
}
