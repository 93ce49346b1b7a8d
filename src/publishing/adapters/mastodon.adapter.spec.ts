import { Logger } from '@nestjs/common';
import { FixedClock } from '../../common/clock';
import { LATE_ANSWER_MS, TEST_TIMEOUT_MS } from '../../../test/fakes/http-fake';
import { MastodonFake } from '../../../test/fakes/mastodon.fake';
import { PublishHttpClient } from './http-client';
import { MastodonAdapter, parseMastodonStatus, statusUrl } from './mastodon.adapter';
import type { PublishablePost, PublishTarget } from './platform-adapter';
import { PublishError } from './publish-error';
import { loopbackEgress } from '../../../test/fakes/loopback';

Logger.overrideLogger(['error', 'warn']);

const TOKEN = 'mastodon-secret-token-0123456789';

function post(overrides: Partial<PublishablePost> = {}): PublishablePost {
  return {
    id: '5d7f3b0a-2a51-4b8e-9d1c-0f6a8e1b2c3d',
    title: 'Orari estivi',
    body: 'Da lunedì siamo aperti fino alle 20.',
    link: 'https://example.com/orari',
    category: 'informative',
    scheduledAt: new Date('2026-06-01T07:00:00Z'),
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<PublishError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PublishError) return error;
    throw error;
  }
  throw new Error('expected the publication to fail');
}

describe('MastodonAdapter against the Mastodon fake', () => {
  const fake = new MastodonFake({ accessToken: TOKEN, username: 'bottega' });
  const clock = new FixedClock(new Date('2026-06-01T07:00:00Z'));
  const adapter = new MastodonAdapter(new PublishHttpClient({ timeoutMs: TEST_TIMEOUT_MS }, clock, loopbackEgress()));
  let target: PublishTarget;

  beforeAll(async () => {
    const base = await fake.start();
    target = {
      channelId: 'c1',
      platform: 'mastodon',
      name: 'Bottega',
      handle: '@bottega@example.social',
      credentials: { instanceUrl: `${base}/`, accessToken: TOKEN },
    };
  });
  afterAll(() => fake.stop());
  afterEach(() => fake.resetFaults());

  it('publishes a public status with title, body and link and returns its id and url', async () => {
    const outcome = await adapter.publish(post(), target, 'key-publish');

    expect(fake.statuses).toHaveLength(1);
    const [status] = fake.statuses;
    expect(status?.text).toBe('Orari estivi\n\nDa lunedì siamo aperti fino alle 20.\n\nhttps://example.com/orari');
    expect(status?.visibility).toBe('public');
    expect(status?.idempotencyKey).toBe('key-publish');
    expect(outcome).toEqual({ externalId: status?.id, externalUrl: `${fake.url}/@bottega/${status?.id}` });
  });

  it('does not create a second status when the same key is published again', async () => {
    const before = fake.statuses.length;
    const first = await adapter.publish(post(), target, 'key-twice');
    const second = await adapter.publish(post(), target, 'key-twice');
    expect(second).toEqual(first);
    expect(fake.statuses.length).toBe(before + 1);
  });

  it('maps a refused token to auth_expired without repeating the token', async () => {
    const error = await failure(
      adapter.publish(
        post(),
        { ...target, credentials: { ...target.credentials, accessToken: 'wrong-token-abcdef' } },
        'key-auth',
      ),
    );
    expect(error.kind).toBe('auth_expired');
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(401);
    expect(error.message).toContain('The access token is invalid');
    expect(error.message).not.toContain('wrong-token-abcdef');
    expect(error.message).not.toContain(TOKEN);
  });

  it('maps 503 to a retryable transient error, and the retry publishes once', async () => {
    const before = fake.statuses.length;
    fake.failNext(1, 503);
    const error = await failure(adapter.publish(post(), target, 'key-503'));
    expect(error).toMatchObject({ kind: 'transient', retryable: true, status: 503 });
    expect(fake.statuses.length).toBe(before);

    await adapter.publish(post(), target, 'key-503');
    expect(fake.statuses.length).toBe(before + 1);
  });

  it('maps 429 to rate_limited and honours Retry-After in seconds', async () => {
    fake.failNext(1, 429, 30);
    const error = await failure(adapter.publish(post(), target, 'key-429'));
    expect(error).toMatchObject({ kind: 'rate_limited', retryable: true, status: 429, retryAfterMs: 30_000 });
  });

  it('honours Retry-After given as an HTTP date, measured from the clock', async () => {
    fake.failNext(1, 429, new Date(clock.now().getTime() + 90_000).toUTCString());
    const error = await failure(adapter.publish(post(), target, 'key-429-date'));
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(90_000);
  });

  it('reports unknown_outcome when the answer comes after the timeout, and the retry yields the same single status', async () => {
    const before = fake.statuses.length;
    fake.setLatency(LATE_ANSWER_MS);
    const error = await failure(adapter.publish(post(), target, 'key-timeout'));
    expect(error).toMatchObject({ kind: 'unknown_outcome', retryable: true });
    expect(fake.statuses.length).toBe(before + 1); // the server did create it

    fake.resetFaults();
    const outcome = await adapter.publish(post(), target, 'key-timeout');
    expect(fake.statuses.length).toBe(before + 1);
    expect(outcome.externalId).toBe(fake.statuses.at(-1)?.id);
  });

  it('reports unknown_outcome when the connection drops after the server handled the request', async () => {
    const before = fake.statuses.length;
    fake.dropNext(1, { afterHandling: true });
    const error = await failure(adapter.publish(post(), target, 'key-reset'));
    expect(error.kind).toBe('unknown_outcome');
    await adapter.publish(post(), target, 'key-reset');
    expect(fake.statuses.length).toBe(before + 1);
  });

  it('maps a status over the limit (422) to rejected with the server reason', async () => {
    const error = await failure(
      adapter.publish(post({ title: null, link: null, body: 'a'.repeat(501) }), target, 'key-long'),
    );
    expect(error).toMatchObject({ kind: 'rejected', retryable: false, status: 422 });
    expect(error.message).toContain('Text character limit of 500 exceeded');
  });

  it('counts a long link as 23 characters, as Mastodon does', async () => {
    const link = `https://example.com/${'x'.repeat(200)}`;
    const body = 'a'.repeat(500 - 2 - 23);
    const outcome = await adapter.publish(post({ title: null, body, link }), target, 'key-link');
    expect(outcome.externalUrl).toContain('/@bottega/');
  });

  it('refuses credentials without an access token before calling the server', async () => {
    const before = fake.requests.length;
    const error = await failure(
      adapter.publish(post(), { ...target, credentials: { instanceUrl: fake.url } }, 'key-creds'),
    );
    expect(error.kind).toBe('rejected');
    expect(error.message).toContain('accessToken');
    expect(fake.requests.length).toBe(before);
  });

  it('maps an unreachable instance to a retryable error that does not tell a closed port from a silent one', async () => {
    const gone = new MastodonFake({ accessToken: TOKEN });
    const base = await gone.start();
    await gone.stop();
    const error = await failure(
      adapter.publish(post(), { ...target, credentials: { instanceUrl: base, accessToken: TOKEN } }, 'key-gone'),
    );
    // A write that got no answer is unknown_outcome whatever the port's state (retried with
    // the same Idempotency-Key), with one sentence for refused, reset and timed out alike.
    expect(error).toMatchObject({ kind: 'unknown_outcome', retryable: true });
    expect(error.message).toContain(`could not connect to ${new URL(base).host}`);
    expect(error.message).not.toContain('ECONNREFUSED');
  });
});

describe('the status URL taken from a Mastodon answer', () => {
  const instance = new URL('https://mastodon.example/');
  const statusWith = (fields: Record<string, unknown>) =>
    parseMastodonStatus({ id: '110000000000000001', account: { username: 'bottega' }, ...fields })!;

  it('is the answer’s url, else its uri, when http(s)', () => {
    expect(statusUrl(instance, statusWith({ url: 'https://mastodon.example/@bottega/1', uri: 'https://x/2' }))).toBe(
      'https://mastodon.example/@bottega/1',
    );
    expect(
      statusUrl(instance, statusWith({ url: null, uri: 'https://mastodon.example/users/bottega/statuses/1' })),
    ).toBe('https://mastodon.example/users/bottega/statuses/1');
  });

  it('is built from the instance when the answer gives another scheme', () => {
    for (const bad of [
      'javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      'data:text/html,x',
      ' https://x.example/a b',
      `https://x.example/${'a'.repeat(2100)}`,
    ]) {
      expect([bad, statusUrl(instance, statusWith({ url: bad, uri: bad }))]).toEqual([
        bad,
        'https://mastodon.example/@bottega/110000000000000001',
      ]);
    }
    expect(
      statusUrl(
        instance,
        parseMastodonStatus({ id: '7', url: 'javascript:alert(1)', account: { username: 'x/../y' } })!,
      ),
    ).toBe('https://mastodon.example/api/v1/statuses/7');
  });

  it('refuses an id that could not be a path segment', () => {
    expect(parseMastodonStatus({ id: '../../admin', url: 'https://mastodon.example/@a/1' })).toBeUndefined();
    expect(parseMastodonStatus({ id: 'javascript:alert(1)' })).toBeUndefined();
  });
});
