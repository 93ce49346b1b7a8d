import { Logger } from '@nestjs/common';
import { isValidTid } from '@atproto/syntax';
import { FixedClock } from '../../common/clock';
import { LATE_ANSWER_MS, TEST_TIMEOUT_MS } from '../../../test/fakes/http-fake';
import { BlueskyFake } from '../../../test/fakes/bluesky.fake';
import { BlueskyAdapter } from './bluesky.adapter';
import { blueskyRkey } from './bluesky-rkey';
import { PublishHttpClient } from './http-client';
import type { PublishablePost, PublishTarget } from './platform-adapter';
import { PublishError } from './publish-error';
import { loopbackEgress } from '../../../test/fakes/loopback';

Logger.overrideLogger(['error', 'warn']);

const HANDLE = 'bottega.example.com';
const PASSWORD = 'abcd-efgh-ijkl-mnop';
const FRIEND_DID = 'did:plc:friend000000000000000000';

function post(overrides: Partial<PublishablePost> = {}): PublishablePost {
  return {
    id: 'a1b2c3d4-0000-4000-8000-000000000001',
    title: null,
    body: 'Ciao',
    link: null,
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

function bytesOf(text: string, start: number, end: number): string {
  return Buffer.from(text, 'utf8').subarray(start, end).toString('utf8');
}

describe('blueskyRkey', () => {
  it('is a valid TID, stable for a key and different for another key', () => {
    const keys = ['a1b2c3d4-0000-4000-8000-000000000001', 'x', '', 'post-42', 'ü'.repeat(100)];
    for (const key of keys) {
      expect(isValidTid(blueskyRkey(key))).toBe(true);
      expect(blueskyRkey(key)).toBe(blueskyRkey(key));
    }
    expect(new Set(keys.map(blueskyRkey)).size).toBe(keys.length);
  });
});

describe('BlueskyAdapter against the PDS fake', () => {
  let fake: BlueskyFake;
  let adapter: BlueskyAdapter;
  let target: PublishTarget;
  const clock = new FixedClock(new Date('2026-06-01T07:00:05Z'));

  beforeEach(async () => {
    fake = new BlueskyFake({ handle: HANDLE, password: PASSWORD, knownHandles: { 'friend.bsky.social': FRIEND_DID } });
    const base = await fake.start();
    adapter = new BlueskyAdapter(new PublishHttpClient({ timeoutMs: TEST_TIMEOUT_MS }, clock, loopbackEgress()), clock);
    target = {
      channelId: 'c-bsky',
      platform: 'bluesky',
      name: 'Bottega',
      handle: `@${HANDLE}`,
      credentials: { service: base, identifier: HANDLE, appPassword: PASSWORD },
    };
  });
  afterEach(() => fake.stop());

  it('creates a post at the deterministic rkey and returns its bsky.app url', async () => {
    const key = 'a1b2c3d4-0000-4000-8000-000000000001';
    const outcome = await adapter.publish(
      post({ title: 'Novità', body: 'Nuovo orario', link: 'https://example.com/orari' }),
      target,
      key,
    );

    expect(fake.records).toHaveLength(1);
    const [record] = fake.records;
    const rkey = blueskyRkey(key);
    expect(record?.rkey).toBe(rkey);
    expect(record?.value).toMatchObject({
      $type: 'app.bsky.feed.post',
      text: 'Novità\n\nNuovo orario\n\nhttps://example.com/orari',
      createdAt: '2026-06-01T07:00:05.000Z',
    });
    expect(outcome).toEqual({
      externalId: `at://${fake.did}/app.bsky.feed.post/${rkey}`,
      externalUrl: `https://bsky.app/profile/${HANDLE}/post/${rkey}`,
    });
  });

  it('turns links and resolvable mentions into facets with UTF-8 byte offsets', async () => {
    const body =
      'Perché 👍🏽 leggere https://example.com/è?x=1, grazie @friend.bsky.social e @nessuno.example.org #caffè';
    await adapter.publish(post({ body }), target, 'key-facets');

    const value = fake.records[0]?.value as {
      text: string;
      facets: { index: { byteStart: number; byteEnd: number }; features: Record<string, string>[] }[];
    };
    const byKind = (suffix: string) =>
      value.facets.filter((f) => f.features.some((feature) => feature['$type']?.endsWith(suffix)));

    const [link] = byKind('#link');
    expect(bytesOf(value.text, link!.index.byteStart, link!.index.byteEnd)).toBe('https://example.com/è?x=1');
    expect(link!.features[0]).toEqual({ $type: 'app.bsky.richtext.facet#link', uri: 'https://example.com/è?x=1' });

    const mentions = byKind('#mention');
    expect(mentions).toHaveLength(1); // the unknown handle stays plain text
    expect(bytesOf(value.text, mentions[0]!.index.byteStart, mentions[0]!.index.byteEnd)).toBe('@friend.bsky.social');
    expect(mentions[0]!.features[0]).toEqual({ $type: 'app.bsky.richtext.facet#mention', did: FRIEND_DID });

    const [tag] = byKind('#tag');
    expect(bytesOf(value.text, tag!.index.byteStart, tag!.index.byteEnd)).toBe('#caffè');
  });

  it('reuses the session across publications of a channel', async () => {
    await adapter.publish(post({ id: 'p1' }), target, 'k1');
    await adapter.publish(post({ id: 'p2' }), target, 'k2');
    expect(fake.records).toHaveLength(2);
    expect(fake.createSessionCalls).toBe(1);
  });

  it('refreshes an expired access token once and publishes', async () => {
    await adapter.publish(post({ id: 'p1' }), target, 'k1');
    fake.expireAccessTokens();
    await adapter.publish(post({ id: 'p2' }), target, 'k2');
    expect(fake.records).toHaveLength(2);
    expect(fake.refreshSessionCalls).toBe(1);
    expect(fake.createSessionCalls).toBe(1);
  });

  it('creates a new session when the refresh token is refused too', async () => {
    await adapter.publish(post({ id: 'p1' }), target, 'k1');
    fake.revokeSessions();
    await adapter.publish(post({ id: 'p2' }), target, 'k2');
    expect(fake.records).toHaveLength(2);
    expect(fake.createSessionCalls).toBe(2);
  });

  it('maps a wrong app password to auth_expired without repeating it', async () => {
    const error = await failure(
      adapter.publish(
        post(),
        { ...target, credentials: { ...target.credentials, appPassword: 'zzzz-zzzz-zzzz-zzzz' } },
        'k',
      ),
    );
    expect(error).toMatchObject({ kind: 'auth_expired', retryable: false, status: 401 });
    expect(error.message).not.toContain('zzzz-zzzz-zzzz-zzzz');
    expect(fake.records).toHaveLength(0);
  });

  it('publishes once when the same key is published again (the PDS refuses the taken rkey)', async () => {
    const first = await adapter.publish(post(), target, 'key-same');
    const second = await adapter.publish(post(), target, 'key-same');
    expect(second).toEqual(first);
    expect(fake.records).toHaveLength(1);
    expect(fake.requests.filter((r) => r.path.endsWith('createRecord')).map((r) => r.outcome)).toEqual([
      'handled',
      'handled',
    ]);
  });

  it('publishes once too when the PDS answers a taken rkey with a 500, as the reference PDS does', async () => {
    await fake.stop();
    fake = new BlueskyFake({ handle: HANDLE, password: PASSWORD, duplicateAnswer: 'internal-error' });
    target = { ...target, credentials: { ...target.credentials, service: await fake.start() } };
    adapter.forgetSessions();
    const first = await adapter.publish(post(), target, 'key-500');
    const second = await adapter.publish(post(), target, 'key-500');
    expect(second).toEqual(first);
    expect(fake.records).toHaveLength(1);
  });

  it('recognises on the spot a post stored by a createRecord whose answer timed out', async () => {
    fake.setLatency(LATE_ANSWER_MS, '/xrpc/com.atproto.repo.createRecord');
    const outcome = await adapter.publish(post(), target, 'key-slow');
    expect(fake.records).toHaveLength(1);
    expect(outcome.externalId).toBe(fake.records[0]?.uri);
  });

  it('reports unknown_outcome when the PDS stays silent, and the retry yields exactly one post', async () => {
    await adapter.publish(post({ id: 'warm-up' }), target, 'warm-up'); // session ready
    fake.setLatency(LATE_ANSWER_MS);
    const error = await failure(adapter.publish(post(), target, 'key-silent'));
    expect(error).toMatchObject({ kind: 'unknown_outcome', retryable: true });
    expect(fake.records.map((r) => r.rkey)).toContain(blueskyRkey('key-silent'));

    fake.resetFaults();
    const outcome = await adapter.publish(post(), target, 'key-silent');
    expect(fake.records.filter((r) => r.rkey === blueskyRkey('key-silent'))).toHaveLength(1);
    expect(outcome.externalUrl).toBe(`https://bsky.app/profile/${HANDLE}/post/${blueskyRkey('key-silent')}`);
  });

  it('maps 503 on createRecord to transient (nothing stored) and the retry publishes', async () => {
    fake.failNext(1, 503, undefined, '/xrpc/com.atproto.repo.createRecord');
    const error = await failure(adapter.publish(post(), target, 'key-503'));
    expect(error).toMatchObject({ kind: 'transient', retryable: true, status: 503 });
    expect(fake.records).toHaveLength(0);
    await adapter.publish(post(), target, 'key-503');
    expect(fake.records).toHaveLength(1);
  });

  it('maps 429 to rate_limited with Retry-After', async () => {
    fake.failNext(1, 429, 120, '/xrpc/com.atproto.repo.createRecord');
    const error = await failure(adapter.publish(post(), target, 'key-429'));
    expect(error).toMatchObject({ kind: 'rate_limited', retryable: true, retryAfterMs: 120_000 });
  });

  it('refuses a text over 300 graphemes without sending it', async () => {
    const error = await failure(adapter.publish(post({ body: 'é'.repeat(301) }), target, 'key-long'));
    expect(error).toMatchObject({ kind: 'rejected', retryable: false });
    expect(error.message).toContain('301');
    expect(fake.requests.filter((r) => r.path.endsWith('createRecord'))).toHaveLength(0);
  });

  it('accepts 300 graphemes of emoji with skin tones (many more code points)', async () => {
    const body = '👍🏽'.repeat(300);
    await adapter.publish(post({ body }), target, 'key-emoji');
    expect((fake.records[0]?.value as { text: string }).text).toBe(body);
  });
});
