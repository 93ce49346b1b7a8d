import type { Readable } from 'node:stream';
import { abortableDelay } from './abortable-delay';
import type { Platform } from './platform-adapter';
import { PublishError } from './publish-error';

/** Longest pause between two polls of a file still being processed. */
const MAX_POLL_INTERVAL_MS = 5_000;

/**
 * Polls `check` until it returns a value (not undefined), backing off from `intervalMs`
 * (x1.5 each time, at most 5 s), for at most `timeoutMs` in all. Past that the attempt fails
 * as `transient` with `what` in the message: the platform keeps processing, and the retry
 * (which reuses the uploaded ids through the ledger) polls again.
 */
export async function pollUntilReady<T>(
  check: () => Promise<T | undefined>,
  options: { platform: Platform; what: string; timeoutMs: number; intervalMs: number; signal?: AbortSignal },
): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  let interval = Math.max(1, options.intervalMs);
  for (;;) {
    const ready = await check();
    if (ready !== undefined) return ready;
    const left = deadline - performance.now();
    if (left <= 0) {
      throw new PublishError(
        'transient',
        `${options.platform}: ${options.what} was still being processed after ${Math.round(options.timeoutMs / 1000)} s; trying again later.`,
        { platform: options.platform },
      );
    }
    try {
      await abortableDelay(Math.min(interval, left), options.signal);
    } catch {
      throw new PublishError('transient', `${options.platform}: aborted while waiting for ${options.what}.`, {
        platform: options.platform,
      });
    }
    interval = Math.min(MAX_POLL_INTERVAL_MS, interval * 1.5);
  }
}

/** The chunks of a node Readable as Uint8Arrays (what fetch streams). */
export async function* chunksOf(stream: Readable): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) {
    yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
  }
}

/** Ordinal words for messages: "image 2 of 4". */
export function nth(index: number, total: number, kind: string): string {
  return `${kind} ${index + 1} of ${total}`;
}
