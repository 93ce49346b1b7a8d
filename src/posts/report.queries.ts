import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A published or failed post as the reports read it. */
export interface ReportPostRecord {
  id: string;
  channelId: string;
  status: 'published' | 'failed';
  scheduledAt: Date | null;
  publishedAt: Date | null;
  category: string;
  url: string | null;
}

interface ReportPostRow {
  id: string;
  channel_id: string;
  status: 'published' | 'failed';
  scheduled_at: Date | null;
  published_at: Date | null;
  category: string;
  external_url: string | null;
}

/**
 * The reports' statements on posts (src/reports/ reads them through ReportsQueries, exported
 * by PostsModule): what was published or failed in a range, and a channel's whole
 * publication history for its best times. Both use posts_channel_scheduled_at (channel
 * first); docs/benchmarks.md has the figures for a channel of 10,000 published posts.
 */
@Injectable()
export class ReportsQueries {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The channels' posts published within [from, to) (by published_at) or failed while due
   * within it (by scheduled_at), oldest first.
   */
  async periodPosts(channelIds: readonly string[], from: Date, to: Date): Promise<ReportPostRecord[]> {
    if (channelIds.length === 0) return [];
    const rows: ReportPostRow[] = await this.ds.query(
      `SELECT id, channel_id, status, scheduled_at, published_at, category, external_url
         FROM posts
        WHERE channel_id = ANY($1::uuid[])
          AND ((status = 'published' AND published_at >= $2 AND published_at < $3)
            OR (status = 'failed' AND scheduled_at >= $2 AND scheduled_at < $3))
        ORDER BY COALESCE(published_at, scheduled_at), id`,
      [channelIds, from, to],
    );
    return rows.map((r) => ({
      id: r.id,
      channelId: r.channel_id,
      status: r.status,
      scheduledAt: r.scheduled_at,
      publishedAt: r.published_at,
      category: r.category,
      url: r.external_url,
    }));
  }

  /** Every published post of the channel (id and when), for its weekday x hour table. */
  async publishedHistory(channelId: string): Promise<{ id: string; publishedAt: Date }[]> {
    const rows: { id: string; published_at: Date }[] = await this.ds.query(
      `SELECT id, published_at FROM posts
        WHERE channel_id = $1 AND status = 'published' AND published_at IS NOT NULL
        ORDER BY published_at, id`,
      [channelId],
    );
    return rows.map((r) => ({ id: r.id, publishedAt: r.published_at }));
  }

  /** The channel of each of these posts (posts that no longer exist are absent). */
  async channelsOf(postIds: readonly string[]): Promise<Map<string, string>> {
    if (postIds.length === 0) return new Map();
    const rows: { id: string; channel_id: string }[] = await this.ds.query(
      `SELECT id, channel_id FROM posts WHERE id = ANY($1::uuid[])`,
      [postIds],
    );
    return new Map(rows.map((r) => [r.id, r.channel_id]));
  }
}
