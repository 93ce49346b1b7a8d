import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import {
  defaultLimits,
  MASTODON_DEFAULT_MEDIA,
  type MediaLimits,
  type PlatformLimits,
} from '../../content/content-limits';
import { baseUrl, requireHttpUrl } from './channel-credentials';
import { PublishHttpClient } from './http-client';
import { asRecord, type JsonRecord } from './json-shape';
import type { Platform } from './platform-adapter';

/** Injection token for {@link PlatformLimitsOptions}; optional. */
export const PLATFORM_LIMITS_OPTIONS = 'PLATFORM_LIMITS_OPTIONS';

export interface PlatformLimitsOptions {
  /** How long an instance's answer is kept (default 1 hour). */
  ttlMs?: number;
  /** How long a failure to ask is remembered, so a down instance is not asked on every check (default 1 minute). */
  failureTtlMs?: number;
  /** Time limit of the question (default 3 s: this runs while a person waits for a save). */
  timeoutMs?: number;
  /** Instances kept at most (default 1 000). */
  maxInstances?: number;
}

const DEFAULTS: Required<PlatformLimitsOptions> = {
  ttlMs: 60 * 60 * 1000,
  failureTtlMs: 60 * 1000,
  timeoutMs: 3_000,
  maxInstances: 1_000,
};

function positiveInt(record: JsonRecord | undefined, key: string): number | undefined {
  const value = record?.[key];
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * Mastodon's `GET /api/v2/instance` configuration as limits; undefined when it is not one.
 * Every number must be a positive whole number, else the stock value stands; MIME types are
 * kept only as `type/subtype` tokens.
 */
export function parseMastodonInstance(body: unknown, host: string): PlatformLimits | undefined {
  const configuration = asRecord(asRecord(body)?.['configuration']);
  if (!configuration) return undefined;
  const statuses = asRecord(configuration['statuses']);
  const attachments = asRecord(configuration['media_attachments']);
  const stock = defaultLimits('mastodon');
  const types = attachments?.['supported_mime_types'];
  const mimeTypes = Array.isArray(types)
    ? types.filter((t): t is string => typeof t === 'string' && /^[a-z]+\/[a-z0-9.+-]{1,100}$/i.test(t))
    : undefined;
  const maxMedia = positiveInt(statuses, 'max_media_attachments') ?? MASTODON_DEFAULT_MEDIA.maxItems;
  const media: MediaLimits = {
    ...MASTODON_DEFAULT_MEDIA,
    maxItems: maxMedia,
    maxImages: maxMedia,
    imageMimeTypes: mimeTypes ? mimeTypes.filter((t) => t.startsWith('image/')) : MASTODON_DEFAULT_MEDIA.imageMimeTypes,
    videoMimeTypes: mimeTypes ? mimeTypes.filter((t) => t.startsWith('video/')) : MASTODON_DEFAULT_MEDIA.videoMimeTypes,
    imageMaxBytes: positiveInt(attachments, 'image_size_limit') ?? MASTODON_DEFAULT_MEDIA.imageMaxBytes,
    videoMaxBytes: positiveInt(attachments, 'video_size_limit') ?? MASTODON_DEFAULT_MEDIA.videoMaxBytes,
    altMaxLength: positiveInt(attachments, 'description_limit') ?? MASTODON_DEFAULT_MEDIA.altMaxLength,
  };
  return {
    platform: 'mastodon',
    name: `Mastodon (${host})`,
    source: 'instance',
    text: {
      maxCharacters: positiveInt(statuses, 'max_characters') ?? stock.text!.maxCharacters,
      unit: 'characters',
      urlWeight: positiveInt(statuses, 'characters_reserved_per_url') ?? stock.text!.urlWeight,
    },
    media,
  };
}

/**
 * What a channel's platform takes: text length and media. Mastodon's come from the instance
 * itself (`GET /api/v2/instance`, through the egress guard like every platform call), kept
 * an hour per instance; when the instance cannot be asked, the stock numbers (500
 * characters, 23 per link, 4 media) for a minute. Bluesky's are the lexicons' and the video
 * service's; a webhook has none. Never throws.
 */
@Injectable()
export class PlatformLimitsService {
  private readonly logger = new Logger(PlatformLimitsService.name);
  private readonly options: Required<PlatformLimitsOptions>;
  private readonly cache: LRUCache<string, PlatformLimits>;
  private readonly pending = new Map<string, Promise<PlatformLimits>>();

  constructor(
    private readonly http: PublishHttpClient,
    @Optional() @Inject(PLATFORM_LIMITS_OPTIONS) options?: PlatformLimitsOptions | null,
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.cache = new LRUCache({ max: this.options.maxInstances, ttl: this.options.ttlMs });
  }

  async limitsFor(target: { platform: Platform; credentials: Record<string, unknown> }): Promise<PlatformLimits> {
    if (target.platform !== 'mastodon') return defaultLimits(target.platform);
    let instance: string;
    try {
      instance = baseUrl(requireHttpUrl(target.credentials, 'instanceUrl', 'mastodon'));
    } catch {
      return defaultLimits('mastodon');
    }
    const cached = this.cache.get(instance);
    if (cached) return cached;
    const pending = this.pending.get(instance);
    if (pending) return pending;
    const asking = this.ask(instance).finally(() => this.pending.delete(instance));
    this.pending.set(instance, asking);
    return asking;
  }

  /** Forgets what was learnt of one instance (or all). */
  forget(instanceUrl?: string): void {
    if (instanceUrl === undefined) this.cache.clear();
    else this.cache.delete(baseUrl(new URL(instanceUrl)));
  }

  private async ask(instance: string): Promise<PlatformLimits> {
    const host = new URL(instance).host;
    try {
      const { body } = await this.http.requestJson(
        {
          platform: 'mastodon',
          method: 'GET',
          url: `${instance}/api/v2/instance`,
          timeoutMs: this.options.timeoutMs,
          addressField: 'instanceUrl',
        },
        (value) => parseMastodonInstance(value, host),
      );
      this.cache.set(instance, body);
      return body;
    } catch (error) {
      this.logger.debug(
        `Limits of ${host}: the instance could not be asked (${(error as Error).message}); stock limits`,
      );
      const fallback = defaultLimits('mastodon');
      this.cache.set(instance, fallback, { ttl: this.options.failureTtlMs });
      return fallback;
    }
  }
}
