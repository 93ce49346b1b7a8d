import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock, SystemClock } from '../common/clock';
import type { MediaUploadLedger, Platform } from './adapters/platform-adapter';

/**
 * The one owner of `post_media_uploads`: what was uploaded for a post, per platform, kept
 * across attempts (and instances) so that a retry reuses it. Each put is its own statement,
 * committed at once: an upload recorded survives the instance dying right after it.
 */
@Injectable()
export class MediaUploadsRepository {
  private readonly clock: Clock;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Optional() @Inject(Clock) clock?: Clock | null,
  ) {
    this.clock = clock ?? new SystemClock();
  }

  /** The ledger of one post on one platform, for `PlatformAdapter.publish`. */
  ledgerFor(postId: string, platform: Platform): MediaUploadLedger {
    return {
      get: (mediaId) => this.get(postId, mediaId, platform),
      put: (mediaId, platformMediaId) => this.put(postId, mediaId, platform, platformMediaId),
    };
  }

  async get(postId: string, mediaId: string, platform: Platform): Promise<string | null> {
    const rows: { platformMediaId: string }[] = await this.ds.query(
      `SELECT platform_media_id AS "platformMediaId" FROM post_media_uploads
        WHERE post_id = $1 AND media_id = $2 AND platform = $3`,
      [postId, mediaId, platform],
    );
    return rows[0]?.platformMediaId ?? null;
  }

  /** Records (or replaces: a file uploaded again after the platform lost it) the platform's id. */
  async put(postId: string, mediaId: string, platform: Platform, platformMediaId: string): Promise<void> {
    await this.ds.query(
      `INSERT INTO post_media_uploads (post_id, media_id, platform, platform_media_id, created_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (post_id, media_id, platform)
       DO UPDATE SET platform_media_id = EXCLUDED.platform_media_id, created_at = EXCLUDED.created_at`,
      [postId, mediaId, platform, platformMediaId, this.clock.now()],
    );
  }

  /** Every recorded upload of a post, oldest first (for operators and tests). */
  async forPost(
    postId: string,
  ): Promise<{ mediaId: string; platform: string; platformMediaId: string; createdAt: Date }[]> {
    return this.ds.query(
      `SELECT media_id AS "mediaId", platform, platform_media_id AS "platformMediaId", created_at AS "createdAt"
         FROM post_media_uploads WHERE post_id = $1 ORDER BY created_at, media_id`,
      [postId],
    );
  }
}
