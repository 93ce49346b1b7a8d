import { Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '../common/domain-error';
import { EgressGuard } from '../egress/egress-guard';
import { EgressRefusedError } from '../egress/egress-refused.error';

/** How long one request to a platform may take while connecting or checking. */
export const CONNECT_TIMEOUT_MS = 10_000;

export interface JsonAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Requests of the connect flows and the connection check, every one through the egress
 * guard (instances, resolvers and PDSes are tenant-given addresses). Logs carry the method,
 * origin, path and status only: never a header, a body, or a query string (codes, states).
 */
@Injectable()
export class ConnectHttp {
  private readonly logger = new Logger('Connect');

  constructor(private readonly egress: EgressGuard) {}

  /**
   * The answer (any status) with its JSON body ({} when not JSON); a network failure or a
   * refused address is a 422 naming `what` (the address refused, or that it did not answer).
   */
  async json(
    what: string,
    url: URL,
    init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string | URLSearchParams } = {},
  ): Promise<JsonAnswer> {
    const method = init.method ?? 'GET';
    let response;
    try {
      response = await this.egress.fetch(url, {
        method,
        headers: { accept: 'application/json', 'user-agent': 'Palinsesto/0.1 (+connect)', ...init.headers },
        body: init.body,
        signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS),
      });
    } catch (error) {
      const refused = refusal(error);
      this.logger.warn(`${method} ${url.origin}${url.pathname} failed: ${refused ? refused.message : 'no answer'}`);
      throw new DomainError(
        ErrorCode.Unprocessable,
        refused ? `${what}: ${refused.message}` : `${what}: ${url.host} did not answer.`,
      );
    }
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      // not JSON: an empty body
    }
    if (response.status >= 400) this.logger.log(`${method} ${url.origin}${url.pathname} answered ${response.status}`);
    return { status: response.status, body };
  }
}

function refusal(error: unknown): EgressRefusedError | undefined {
  if (error instanceof EgressRefusedError) return error;
  const cause = (error as { cause?: unknown })?.cause;
  return cause instanceof EgressRefusedError ? cause : undefined;
}

export function stringOf(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
