import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { FixedClock } from '../../common/clock';
import { LATE_ANSWER_MS, TEST_TIMEOUT_MS } from '../../../test/fakes/http-fake';
import { WebhookReceiverFake } from '../../../test/fakes/webhook-receiver.fake';
import { EgressGuard } from '../../egress/egress-guard';
import { PublishHttpClient } from './http-client';
import { redact, retryAfterMs } from './http-error-mapping';
import { PublishError } from './publish-error';
import { loopbackEgress } from '../../../test/fakes/loopback';

Logger.overrideLogger(['error', 'warn']);

async function failure(promise: Promise<unknown>): Promise<PublishError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PublishError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const idShape = (body: unknown): { id: string } | undefined => {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? { id } : undefined;
};

describe('PublishHttpClient', () => {
  const server = new WebhookReceiverFake();
  const clock = new FixedClock(new Date('2026-03-01T10:00:00Z'));
  const http = new PublishHttpClient({ timeoutMs: TEST_TIMEOUT_MS }, clock, loopbackEgress());
  let url: string;

  beforeAll(async () => {
    url = `${await server.start()}/api`;
  });
  afterAll(() => server.stop());
  beforeEach(() => server.resetFaults().respondWith(200, { id: 'x1' }));

  it('returns a parsed 2xx JSON body', async () => {
    const answer = await http.requestJson({ platform: 'mastodon', method: 'POST', url, json: { a: 1 } }, idShape);
    expect(answer.body).toEqual({ id: 'x1' });
    expect(server.deliveries.at(-1)?.json).toEqual({ a: 1 });
  });

  it('treats a 2xx without the expected JSON as transient', async () => {
    server.respondWith(200, '<html>maintenance</html>');
    expect(await failure(http.requestJson({ platform: 'mastodon', method: 'POST', url }, idShape))).toMatchObject({
      kind: 'transient',
      retryable: true,
      status: 200,
    });
    server.respondWith(200, { unexpected: true });
    expect((await failure(http.requestJson({ platform: 'mastodon', method: 'POST', url }, idShape))).kind).toBe(
      'transient',
    );
  });

  it('maps 401 and 403 to auth_expired, 404/422 to rejected, 5xx/408 to transient', async () => {
    const kinds: Record<number, string> = {
      401: 'auth_expired',
      403: 'auth_expired',
      404: 'rejected',
      422: 'rejected',
      500: 'transient',
      502: 'transient',
      408: 'transient',
    };
    for (const [status, kind] of Object.entries(kinds)) {
      server.respondWith(Number(status), { error: 'nope' });
      const error = await failure(http.request({ platform: 'webhook', method: 'POST', url }));
      expect([status, error.kind, error.status]).toEqual([status, kind, Number(status)]);
    }
  });

  it('quotes a short excerpt of the platform reason, XRPC code included', async () => {
    server.respondWith(400, { error: 'InvalidRequest', message: `Invalid record: ${'x'.repeat(500)}` });
    const error = await failure(http.request({ platform: 'bluesky', method: 'POST', url }));
    expect(error.platformCode).toBe('InvalidRequest');
    expect(error.message).toContain('Invalid record: xxx');
    expect(error.message.length).toBeLessThan(320);
  });

  it('treats a redirect as rejected instead of following it with the body', async () => {
    server.respondWith(301, '', { location: 'https://elsewhere.example.com/' });
    expect((await failure(http.request({ platform: 'webhook', method: 'POST', url }))).kind).toBe('rejected');
  });

  it('keeps secrets and bearer tokens out of error messages', async () => {
    server.respondWith(400, { error: 'token tok_very_secret_1 is not valid; header was Bearer abc.def.ghi' });
    const error = await failure(
      http.request({
        platform: 'mastodon',
        method: 'POST',
        url,
        headers: { authorization: 'Bearer tok_very_secret_1' },
        secrets: ['tok_very_secret_1'],
      }),
    );
    expect(error.message).not.toContain('tok_very_secret_1');
    expect(error.message).not.toContain('abc.def.ghi');
    expect(JSON.stringify(error)).not.toContain('tok_very_secret_1');
  });

  it('maps a timeout to unknown_outcome for a write and to transient for a read', async () => {
    server.setLatency(LATE_ANSWER_MS);
    expect((await failure(http.request({ platform: 'mastodon', method: 'POST', url }))).kind).toBe('unknown_outcome');
    expect((await failure(http.request({ platform: 'mastodon', method: 'GET', url }))).kind).toBe('transient');
    expect((await failure(http.request({ platform: 'bluesky', method: 'POST', url, writes: false }))).kind).toBe(
      'transient',
    );
  });

  it('maps a connection dropped before any answer to unknown_outcome for a write', async () => {
    server.dropNext(1);
    expect((await failure(http.request({ platform: 'webhook', method: 'POST', url }))).kind).toBe('unknown_outcome');
  });

  it('maps an abort by the caller: before sending transient, while waiting unknown_outcome', async () => {
    const before = server.deliveries.length;
    expect(
      (await failure(http.request({ platform: 'webhook', method: 'POST', url, signal: AbortSignal.abort() }))).kind,
    ).toBe('transient');
    expect(server.deliveries.length).toBe(before);

    server.setLatency(500);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const error = await failure(
      http.request({ platform: 'webhook', method: 'POST', url, signal: controller.signal, timeoutMs: 5000 }),
    );
    expect(error.kind).toBe('unknown_outcome');
    expect(error.message).toContain('aborted');
  });
});

describe('retryAfterMs', () => {
  const now = new Date('2026-03-01T10:00:00Z');
  it('reads Retry-After as seconds or an HTTP date, and the platforms’ reset headers', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '120' }), now)).toBe(120_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Sun, 01 Mar 2026 10:01:30 GMT' }), now)).toBe(90_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Sun, 01 Mar 2026 09:00:00 GMT' }), now)).toBe(0);
    expect(retryAfterMs(new Headers({ 'x-ratelimit-reset': '2026-03-01T10:05:00.000Z' }), now)).toBe(300_000);
    expect(retryAfterMs(new Headers({ 'ratelimit-reset': String(now.getTime() / 1000 + 60) }), now)).toBe(60_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
  });
});

describe('redact', () => {
  it('replaces every secret occurrence and any bearer token', () => {
    expect(redact('a s3cr3t b s3cr3t Bearer xyz.123', ['s3cr3t'])).toBe('a [redacted] b [redacted] Bearer [redacted]');
  });
});

describe('PublishHttpClient: what a remote answer may put in an error', () => {
  const server = new WebhookReceiverFake();
  const http = new PublishHttpClient(
    { timeoutMs: TEST_TIMEOUT_MS },
    new FixedClock(new Date('2026-03-01T10:00:00Z')),
    loopbackEgress(),
  );
  const MARKER = 'INTERNAL-ONLY: db_password=hunter2';
  let url: string;

  beforeAll(async () => {
    url = `${await server.start()}/api`;
  });
  afterAll(() => server.stop());
  beforeEach(() => server.resetFaults());

  it('quotes the platforms’ documented error fields of a 4xx, and only those', async () => {
    server.respondWith(422, { error: 'Validation failed: Text character limit of 500 exceeded', detail: MARKER });
    expect((await failure(http.request({ platform: 'mastodon', method: 'POST', url }))).message).toBe(
      `mastodon (${new URL(url).host}) answered 422 Unprocessable Entity: Validation failed: Text character limit of 500 exceeded.`,
    );
    server.respondWith(400, { message: MARKER, detail: MARKER }); // no XRPC error code: not an XRPC error
    expect((await failure(http.request({ platform: 'bluesky', method: 'POST', url }))).message).not.toContain(
      'INTERNAL-ONLY',
    );
  });

  it('quotes nothing of a webhook’s body, of any 5xx body, or of plain text and HTML', async () => {
    const answers: [string, number, unknown][] = [
      ['webhook', 400, { error: MARKER, message: MARKER }],
      ['mastodon', 500, { error: MARKER }],
      ['bluesky', 502, { error: 'InternalServerError', message: MARKER }],
      ['mastodon', 400, MARKER],
      ['bluesky', 400, `<html><body>${MARKER}</body></html>`],
    ];
    for (const [platform, status, body] of answers) {
      server.respondWith(status, body);
      const error = await failure(http.request({ platform: platform as 'webhook', method: 'POST', url }));
      expect([platform, status, error.message.includes('INTERNAL-ONLY')]).toEqual([platform, status, false]);
      expect(error.message).toContain(`answered ${status}`);
    }
  });

  it('gives the standard reason phrase, never the server’s own', async () => {
    const raw = createServer((_req, res) => {
      res.statusCode = 503;
      res.statusMessage = MARKER;
      res.end();
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    try {
      const at = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/`;
      const error = await failure(http.request({ platform: 'mastodon', method: 'GET', url: at }));
      expect(error.message).toBe(`mastodon (${new URL(at).host}) answered 503 Service Unavailable.`);
    } finally {
      raw.closeAllConnections();
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });

  it('says the same sentence whether the port is closed, silent or resets', async () => {
    const closed = new WebhookReceiverFake();
    const closedUrl = `${await closed.start()}/api`;
    await closed.stop();
    const sentence = (error: PublishError, at: string) =>
      `${error.kind}: ${error.message.split(new URL(at).host).join('<host>')}`;

    const refused = sentence(
      await failure(http.request({ platform: 'webhook', method: 'POST', url: closedUrl })),
      closedUrl,
    );
    server.dropNext(1);
    const reset = sentence(await failure(http.request({ platform: 'webhook', method: 'POST', url })), url);
    server.setLatency(LATE_ANSWER_MS);
    const silent = sentence(await failure(http.request({ platform: 'webhook', method: 'POST', url })), url);
    expect(refused).toBe(
      `unknown_outcome: webhook (<host>): could not connect to <host>, or it did not answer within ${TEST_TIMEOUT_MS} ms; the request may have been received, so it is retried with the same idempotency key.`,
    );
    expect(reset).toBe(refused);
    expect(silent).toBe(refused);
  });

  it('refuses an address the egress guard refuses, permanently, naming the field, without sending anything', async () => {
    const guarded = new PublishHttpClient(
      { timeoutMs: TEST_TIMEOUT_MS },
      undefined,
      new EgressGuard({ egressAllow: [] }),
    );
    const before = server.requests.length;
    const error = await failure(guarded.request({ platform: 'webhook', method: 'POST', url, addressField: 'url' }));
    expect(error).toMatchObject({ kind: 'rejected', retryable: false, addressRefused: true });
    expect(error.message).toBe(
      'webhook: the address 127.0.0.1 is not allowed: it is not a public internet address (credentials.url).',
    );
    expect(server.requests.length).toBe(before);
  });
});
