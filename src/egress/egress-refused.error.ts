/**
 * A tenant-given address the egress guard will not connect to. The message is for the
 * tenant: it names the host as written in the URL (never its path or query, which can hold
 * secrets) and not what the name resolved to, so that it tells nothing about the network.
 */
export class EgressRefusedError extends Error {
  override readonly name = 'EgressRefusedError';
  readonly code = 'EGRESS_REFUSED';

  constructor(
    /** The URL's hostname, e.g. `localhost`, `127.0.0.1`, `[::1]`. */
    readonly host: string,
    /** What it resolved to and why that is refused: for logs, never for tenants. */
    readonly address: string,
    readonly range: string,
  ) {
    super(`the address ${host} is not allowed: it is not a public internet address`);
  }
}

/** The EgressRefusedError behind an error (fetch wraps connection errors in `cause`). */
export function egressRefusal(error: unknown): EgressRefusedError | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== null && typeof current === 'object' && !seen.has(current)) {
    if (current instanceof EgressRefusedError) return current;
    seen.add(current);
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      const inner = errors.map(egressRefusal).find((e) => e !== undefined);
      if (inner) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
