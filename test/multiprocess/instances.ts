import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { TEST_SECRET_KEY } from '../support/test-app';

// Real application processes for the multi-process tests (test/multiprocess/instance.ts).
const ROOT = join(__dirname, '..', '..');

export interface Instance {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: string[];
  /** The port it listens on (127.0.0.1). */
  port: number;
}

/**
 * Starts test/multiprocess/instance.ts as a child process on `databaseUrl` with the given
 * publishing options (and the adapters' HTTP timeout, when given) and extra environment
 * variables; resolves once it listens.
 */
export function startInstance(
  databaseUrl: string,
  name: string,
  publishing: Record<string, unknown> = {},
  httpTimeoutMs?: number,
  env: Record<string, string> = {},
): Promise<Instance> {
  const child = spawn(
    process.execPath,
    ['-r', './test/multiprocess/ts-register.cjs', './test/multiprocess/instance.ts'],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: databaseUrl,
        SECRET_KEY: TEST_SECRET_KEY,
        PORT: '0',
        LOG_LEVEL: 'warn',
        PALINSESTO_TEST_PUBLISHING: JSON.stringify(publishing),
        ...(httpTimeoutMs ? { PALINSESTO_TEST_HTTP_TIMEOUT_MS: String(httpTimeoutMs) } : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output.join('')}`)), 90_000);
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      output.push(d.toString());
      if (d.toString().includes('READY')) {
        clearTimeout(timer);
        resolve({ child, exited, output, port: Number(/READY (\d+)/.exec(output.join(''))?.[1]) });
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${output.join('')}`));
    });
  });
}

export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
