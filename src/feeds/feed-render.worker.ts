/**
 * Entry of the feed render worker thread (started by FeedRenderPool). It has its own heap
 * and its own database connection, so a large render neither blocks the main event loop
 * nor fills the main heap (and its garbage collections) with rows and strings.
 *
 * Protocol (messages on parentPort):
 *   in  {type: 'render', id, job: FeedRenderJob}
 *       -> {id, ok: true, result: FeedRenderResult} with result.body transferred,
 *          or {id, ok: false, error: {name, message, stack}}
 *   in  {type: 'close'} -> closes the connection, then the thread ends.
 * Jobs run concurrently (their queries queue on the one connection).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Client, type ClientConfig } from 'pg';
import { runFeedRenderJob, type FeedRenderJob } from './feed-render.job';

export interface FeedRenderWorkerData {
  /** How to reach the database (connection string and session options). */
  database: ClientConfig;
}

type Inbound = { type: 'render'; id: number; job: FeedRenderJob } | { type: 'close' };

const port = parentPort;
if (!port) throw new Error('feed-render.worker must run in a worker thread');
const { database } = workerData as FeedRenderWorkerData;

let client: Promise<Client> | undefined;

/** The connection, opened on first use and again after it broke. */
function connection(): Promise<Client> {
  if (!client) {
    const c = new Client(database);
    const opening = c.connect().then(() => c);
    client = opening;
    // A broken connection (server restart, terminated backend) is dropped; the next job reconnects.
    c.on('error', () => {
      if (client === opening) client = undefined;
    });
    c.on('end', () => {
      if (client === opening) client = undefined;
    });
    opening.catch(() => {
      if (client === opening) client = undefined;
    });
  }
  return client;
}

async function render(id: number, job: FeedRenderJob): Promise<void> {
  try {
    const result = await runFeedRenderJob(await connection(), job);
    port!.postMessage({ id, ok: true, result }, [result.body]);
  } catch (e) {
    const error = e as Error;
    port!.postMessage({
      id,
      ok: false,
      error: { name: error?.name ?? 'Error', message: error?.message ?? String(e), stack: error?.stack },
    });
  }
}

async function close(): Promise<void> {
  const c = client;
  client = undefined;
  try {
    if (c) await (await c).end();
  } catch {
    // closing anyway
  }
  port!.close();
}

port.on('message', (msg: Inbound) => {
  if (msg.type === 'render') void render(msg.id, msg.job);
  else if (msg.type === 'close') void close();
});
