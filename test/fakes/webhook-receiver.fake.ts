import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { header, HttpFake, parseJson, type FakeRequest, type FakeResponse } from './http-fake';

export interface WebhookDelivery {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  /** The exact bytes received (what the signature covers). */
  rawBody: Buffer;
  json: unknown;
  deliveryId?: string;
  signature?: string;
}

/**
 * A webhook receiver: records every delivery with its headers and raw body, answers with a
 * configurable status/body, and checks X-Palinsesto-Signature with a given secret on its
 * own (HMAC-SHA256 over the raw body), without the app's code.
 */
export class WebhookReceiverFake extends HttpFake {
  readonly deliveries: WebhookDelivery[] = [];
  private answer: FakeResponse = { status: 200, body: { ok: true } };

  constructor(options: { latencyMs?: number } = {}) {
    super(options);
  }

  /** How to answer the next deliveries (default 200 `{ok: true}`). */
  respondWith(status: number, body?: unknown, headers?: Record<string, string>): this {
    this.answer = { status, body, headers };
    return this;
  }

  /** Whether the delivery's signature is `sha256=` + HMAC-SHA256(secret, raw body). */
  verify(delivery: WebhookDelivery, secret: string): boolean {
    if (!delivery.signature) return false;
    const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(delivery.rawBody).digest('hex')}`);
    const received = Buffer.from(delivery.signature);
    return expected.length === received.length && timingSafeEqual(expected, received);
  }

  /** Distinct delivery ids, in order: what a receiver that drops repeats would process. */
  uniqueDeliveryIds(): string[] {
    return [...new Set(this.deliveries.map((d) => d.deliveryId).filter((id): id is string => id !== undefined))];
  }

  protected override handle(request: FakeRequest): FakeResponse {
    const queryAt = request.query.toString();
    this.deliveries.push({
      method: request.method,
      path: request.path,
      query: queryAt,
      headers: request.headers,
      rawBody: request.rawBody,
      json: parseJson(request.text),
      deliveryId: header(request.headers, 'x-palinsesto-delivery'),
      signature: header(request.headers, 'x-palinsesto-signature'),
    });
    return this.answer;
  }
}
