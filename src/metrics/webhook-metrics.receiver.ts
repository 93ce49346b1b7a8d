import { Injectable } from '@nestjs/common';
import { ChannelsService } from '../channels/channels.service';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode, type FieldError } from '../common/domain-error';
import { publishedPostOfChannel } from '../posts/published-posts.query';
import { verifyWebhookSignature } from '../publishing/adapters/webhook-signature';
import type { MetricSnapshot } from './metric-snapshot';
import { MetricsCollectionMetrics } from './metrics-collection.metrics';
import { MetricsRepository } from './metrics.repository';
import { PostClickCounts } from './post-click-counts';
import { Optional } from '@nestjs/common';

const COUNT_FIELDS = ['likes', 'reposts', 'replies', 'quotes'] as const;
const MAX_COUNT = 2_147_483_647;
/** How far in the future a stated `at` may be (the receiver's clock may run ahead). */
const FUTURE_SKEW_MS = 5 * 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NOT_FOUND = 'Channel';

/**
 * The webhook platform's metrics: its receiver posts a post's counts to
 * `POST /v1/hooks/webhook-metrics/{channelId}`, the body signed like our deliveries to it
 * (X-Palinsesto-Signature: sha256=<hex HMAC-SHA256 of the exact body with the channel's
 * webhook secret>). Payload (docs/api.md): `{ "externalId" | "postId", "at"?, "likes"?,
 * "reposts"?, "replies"?, "quotes"? }` (a count left out is null). A bad or missing signature
 * is a 403 and records nothing; so is a channel without a secret.
 */
@Injectable()
export class WebhookMetricsReceiver {
  constructor(
    private readonly channels: ChannelsService,
    private readonly repo: MetricsRepository,
    private readonly clock: Clock,
    private readonly metrics: MetricsCollectionMetrics,
    @Optional() private readonly clicks?: PostClickCounts | null,
  ) {}

  async receive(
    channelId: string,
    rawBody: Buffer | undefined,
    signature: string | undefined,
  ): Promise<{ recorded: boolean; postId: string }> {
    const [channel] = UUID.test(channelId) ? await this.channels.byIds([channelId]) : [];
    // Only webhook channels take metrics; any other id reads as unknown.
    if (!channel || channel.platform !== 'webhook') throw DomainError.notFound(NOT_FOUND);
    const credentials = await this.channels.credentialsFor({ id: channel.id });
    const secret = typeof credentials['secret'] === 'string' ? credentials['secret'] : '';
    if (secret === '') {
      throw new DomainError(
        ErrorCode.Forbidden,
        "This channel has no webhook secret, so its metrics cannot be verified: set the channel's credentials.secret.",
      );
    }
    if (!rawBody || !verifyWebhookSignature(rawBody, secret, signature)) {
      throw new DomainError(
        ErrorCode.Forbidden,
        'X-Palinsesto-Signature is missing or wrong: sign the exact body with HMAC-SHA256 and the channel\'s webhook secret ("sha256=<hex>").',
      );
    }
    const input = this.parse(rawBody);
    const post = await publishedPostOfChannel(this.repo.manager, channel.id, input.ref);
    if (!post) throw DomainError.notFound('Published post');
    const now = this.clock.now();
    const at = input.at ?? now;
    if (at.getTime() > now.getTime() + FUTURE_SKEW_MS) throw DomainError.invalid('at', 'at must not be in the future.');
    if (at.getTime() < post.publishedAt.getTime())
      throw DomainError.invalid('at', 'at must not be before the post was published.');
    const snapshot: MetricSnapshot = { at, ...input.counts, clicks: null };
    if (this.clicks) snapshot.clicks = (await this.clicks.countsByPost([post.id], at)).get(post.id) ?? null;
    const recorded = await this.repo.insertPushedSnapshot(post.id, snapshot);
    if (recorded) this.metrics.snapshots.inc({ platform: 'webhook', source: 'webhook' });
    return { recorded, postId: post.id };
  }

  private parse(raw: Buffer): {
    ref: { postId: string } | { externalId: string };
    at: Date | null;
    counts: Record<(typeof COUNT_FIELDS)[number], number | null>;
  } {
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw DomainError.invalid('body', 'The body must be a JSON object.');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw DomainError.invalid('body', 'The body must be a JSON object.');
    const record = body as Record<string, unknown>;
    const errors: FieldError[] = [];
    const known = new Set<string>(['postId', 'externalId', 'at', ...COUNT_FIELDS]);
    for (const key of Object.keys(record)) {
      if (!known.has(key)) errors.push({ field: key, message: `${key.slice(0, 40)} is not a field of this payload` });
    }
    const postId = record['postId'];
    const externalId = record['externalId'];
    let ref: { postId: string } | { externalId: string } | null = null;
    if ((postId === undefined) === (externalId === undefined)) {
      errors.push({ field: 'externalId', message: 'Give exactly one of externalId and postId' });
    } else if (postId !== undefined) {
      if (typeof postId === 'string' && UUID.test(postId)) ref = { postId };
      else errors.push({ field: 'postId', message: 'postId must be a UUID' });
    } else if (typeof externalId === 'string' && externalId.length > 0 && externalId.length <= 2048) {
      ref = { externalId };
    } else {
      errors.push({ field: 'externalId', message: 'externalId must be a string of 1 to 2048 characters' });
    }
    let at: Date | null = null;
    if (record['at'] !== undefined) {
      const text = record['at'];
      const parsed = typeof text === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(text) ? new Date(text) : null;
      if (parsed && !Number.isNaN(parsed.getTime())) at = parsed;
      else errors.push({ field: 'at', message: 'at must be an ISO 8601 date-time with its offset' });
    }
    const counts = { likes: null, reposts: null, replies: null, quotes: null } as Record<
      (typeof COUNT_FIELDS)[number],
      number | null
    >;
    for (const field of COUNT_FIELDS) {
      const value = record[field];
      if (value === undefined || value === null) continue;
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_COUNT)
        counts[field] = value;
      else errors.push({ field, message: `${field} must be a whole number, 0 or more, or null` });
    }
    if (errors.length > 0 || !ref) {
      throw new DomainError(ErrorCode.InvalidInput, `The metrics payload is invalid: ${errors[0]?.message ?? ''}.`, {
        errors,
      });
    }
    return { ref, at, counts };
  }
}
