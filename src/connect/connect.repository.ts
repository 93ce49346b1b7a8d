import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface MastodonAppRow {
  instanceUrl: string;
  redirectUri: string;
  clientId: string;
  clientSecretCiphertext: string;
}

export interface ConnectFlowRow {
  id: string;
  platform: 'mastodon';
  userId: string | null;
  memberId: string;
  workspaceId: string;
  instanceUrl: string;
  redirectUri: string;
  channelId: string | null;
  verifierCiphertext: string;
  expiresAt: Date;
  usedAt: Date | null;
}

const FLOW_COLUMNS = `id, platform, user_id AS "userId", member_id AS "memberId", workspace_id AS "workspaceId",
  instance_url AS "instanceUrl", redirect_uri AS "redirectUri", channel_id AS "channelId",
  verifier_ciphertext AS "verifierCiphertext", expires_at AS "expiresAt", used_at AS "usedAt"`;

/** The one owner of `mastodon_apps` and `connect_flows` (migration 1795400500000). */
@Injectable()
export class ConnectRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async findApp(instanceUrl: string, redirectUri: string): Promise<MastodonAppRow | null> {
    const rows: MastodonAppRow[] = await this.ds.query(
      `SELECT instance_url AS "instanceUrl", redirect_uri AS "redirectUri", client_id AS "clientId",
              client_secret_ciphertext AS "clientSecretCiphertext"
         FROM mastodon_apps WHERE instance_url = $1 AND redirect_uri = $2`,
      [instanceUrl, redirectUri],
    );
    return rows[0] ?? null;
  }

  /** Keeps the first registration when two requests registered at once; answers the one kept. */
  async saveApp(app: MastodonAppRow, now: Date): Promise<MastodonAppRow> {
    await this.ds.query(
      `INSERT INTO mastodon_apps (instance_url, redirect_uri, client_id, client_secret_ciphertext, created_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [app.instanceUrl, app.redirectUri, app.clientId, app.clientSecretCiphertext, now],
    );
    return (await this.findApp(app.instanceUrl, app.redirectUri))!;
  }

  async insertFlow(flow: Omit<ConnectFlowRow, 'usedAt'> & { stateHash: string }, now: Date): Promise<void> {
    await this.ds.query(
      `INSERT INTO connect_flows (id, state_hash, platform, user_id, member_id, workspace_id, instance_url,
         redirect_uri, channel_id, verifier_ciphertext, expires_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        flow.id,
        flow.stateHash,
        flow.platform,
        flow.userId,
        flow.memberId,
        flow.workspaceId,
        flow.instanceUrl,
        flow.redirectUri,
        flow.channelId,
        flow.verifierCiphertext,
        flow.expiresAt,
        now,
      ],
    );
  }

  async flowByStateHash(stateHash: string): Promise<ConnectFlowRow | null> {
    const rows: ConnectFlowRow[] = await this.ds.query(
      `SELECT ${FLOW_COLUMNS} FROM connect_flows WHERE state_hash = $1`,
      [stateHash],
    );
    return rows[0] ?? null;
  }

  /** Marks the flow used; false when it already was (or has expired): a state works once. */
  async claimFlow(id: string, now: Date): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(
      `UPDATE connect_flows SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2 RETURNING id`,
      [id, now],
    );
    return rows.length > 0;
  }

  /**
   * Claims the run of a job due every `everyMs`: in one transaction, under a transaction-level
   * advisory lock (another instance claiming at the same moment skips), the run is due when
   * the last one is `everyMs` old or more; true when this instance claimed it.
   */
  async claimJobRun(name: string, everyMs: number, now: Date): Promise<boolean> {
    return this.ds.transaction(async (m) => {
      const [lock] = (await m.query(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, 1795400500000)) AS ok`, [
        name,
      ])) as { ok: boolean }[];
      if (!lock?.ok) return false;
      const rows = (await m.query(
        `INSERT INTO job_runs (name, last_run_at) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET last_run_at = $2 WHERE job_runs.last_run_at <= $3
         RETURNING name`,
        [name, now, new Date(now.getTime() - everyMs)],
      )) as unknown[];
      return rows.length > 0;
    });
  }

  /** Flows ended a day ago or more: nothing needs them (called by the connection check). */
  async deleteOldFlows(before: Date): Promise<void> {
    await this.ds.query(`DELETE FROM connect_flows WHERE expires_at < $1`, [before]);
  }
}
