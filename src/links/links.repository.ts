import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Who a tracked link belongs to. */
export interface LinkOwner {
  postId: string;
  channelId: string;
  workspaceId: string;
  campaign: string | null;
}

export interface LinkClicks {
  postId: string;
  code: string;
  targetUrl: string;
  clicks: number;
}

/** The SQL of `tracked_links` and `link_clicks` (their one owner). */
@Injectable()
export class LinksRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Creates the links not there yet, each with its candidate code; a target the post already
   * has keeps its code, and a code that happens to be taken is skipped (the caller retries).
   */
  async insertMissing(owner: LinkOwner, links: readonly { code: string; targetUrl: string }[]): Promise<void> {
    if (links.length === 0) return;
    await this.ds.query(
      `INSERT INTO tracked_links (code, post_id, channel_id, workspace_id, target_url, campaign)
       SELECT v.code, $3, $4, $5, v.target_url, $6
       FROM unnest($1::text[], $2::text[]) AS v(code, target_url)
       ON CONFLICT DO NOTHING`,
      [
        links.map((l) => l.code),
        links.map((l) => l.targetUrl),
        owner.postId,
        owner.channelId,
        owner.workspaceId,
        owner.campaign,
      ],
    );
  }

  /** The codes of these targets of a post (target -> code). */
  async codesOf(postId: string, targets: readonly string[]): Promise<Map<string, string>> {
    const rows: { code: string; target_url: string }[] = await this.ds.query(
      `SELECT code, target_url FROM tracked_links WHERE post_id = $1 AND target_url = ANY($2::text[])`,
      [postId, targets],
    );
    return new Map(rows.map((r) => [r.target_url, r.code]));
  }

  /** Where a code redirects, or null. */
  async targetOf(code: string): Promise<string | null> {
    const rows: { target_url: string }[] = await this.ds.query(`SELECT target_url FROM tracked_links WHERE code = $1`, [
      code,
    ]);
    return rows[0]?.target_url ?? null;
  }

  /** Adds counted clicks (code, period start, clicks); codes that do not exist (any more) are skipped. */
  async addClicks(rows: readonly { code: string; periodStart: Date; clicks: number }[]): Promise<void> {
    if (rows.length === 0) return;
    await this.ds.query(
      `INSERT INTO link_clicks (code, period_start, clicks)
       SELECT v.code, v.period_start, v.clicks
       FROM unnest($1::text[], $2::timestamptz[], $3::integer[]) AS v(code, period_start, clicks)
       JOIN tracked_links t ON t.code = v.code
       ON CONFLICT (code, period_start) DO UPDATE SET clicks = link_clicks.clicks + EXCLUDED.clicks`,
      [rows.map((r) => r.code), rows.map((r) => r.periodStart), rows.map((r) => r.clicks)],
    );
  }

  /** Clicks per post in periods that started before `until`: posts with tracked links only (0 without clicks). */
  async countsByPost(postIds: readonly string[], until: Date): Promise<Map<string, number>> {
    if (postIds.length === 0) return new Map();
    const rows: { post_id: string; clicks: string }[] = await this.ds.query(
      `SELECT t.post_id, COALESCE(SUM(c.clicks), 0) AS clicks
       FROM tracked_links t
       LEFT JOIN link_clicks c ON c.code = t.code AND c.period_start < $2
       WHERE t.post_id = ANY($1::uuid[])
       GROUP BY t.post_id`,
      [postIds, until],
    );
    return new Map(rows.map((r) => [r.post_id, Number(r.clicks)]));
  }

  /** Clicks per tracked link of these posts in periods that started within [from, to); links without clicks give 0. */
  async clicksByLink(postIds: readonly string[], from: Date, to: Date): Promise<LinkClicks[]> {
    if (postIds.length === 0) return [];
    const rows: { post_id: string; code: string; target_url: string; clicks: string }[] = await this.ds.query(
      `SELECT t.post_id, t.code, t.target_url, COALESCE(SUM(c.clicks), 0) AS clicks
       FROM tracked_links t
       LEFT JOIN link_clicks c ON c.code = t.code AND c.period_start >= $2 AND c.period_start < $3
       WHERE t.post_id = ANY($1::uuid[])
       GROUP BY t.post_id, t.code, t.target_url, t.created_at
       ORDER BY t.post_id, t.created_at, t.code`,
      [postIds, from, to],
    );
    return rows.map((r) => ({ postId: r.post_id, code: r.code, targetUrl: r.target_url, clicks: Number(r.clicks) }));
  }
}
