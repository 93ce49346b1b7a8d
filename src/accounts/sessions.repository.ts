import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PreparedQueries, preparedStatement } from '../database/prepared-queries';
import { SessionEntity } from './session.entity';

/** What authenticating a request by cookie needs: the session and its user. */
export interface SessionHolder {
  sessionId: string;
  userId: string;
  name: string;
  email: string;
  createdAt: Date;
  lastSeenAt: Date;
}

const SESSION_HOLDER = preparedStatement(
  'sessions_holder',
  `SELECT s.id AS "sessionId", s.user_id AS "userId", u.name, u.email, s.created_at AS "createdAt", s.last_seen_at AS "lastSeenAt"
   FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`,
);

/** The one owner of `sessions`. */
@Injectable()
export class SessionsRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly prepared: PreparedQueries,
  ) {}

  /** One indexed read (unique `token_hash`), prepared: every cookie-authenticated request runs it. */
  async findByHash(tokenHash: string): Promise<SessionHolder | null> {
    const rows = await this.prepared.rows<SessionHolder>(SESSION_HOLDER, [tokenHash]);
    return rows[0] ?? null;
  }

  async insert(m: EntityManager, userId: string, tokenHash: string, at: Date): Promise<SessionEntity> {
    const repo = m.getRepository(SessionEntity);
    return repo.save(repo.create({ userId, tokenHash, createdAt: at, lastSeenAt: at }));
  }

  /** Moves last use to `at` unless it moved within the last minute (one write a minute at most). */
  async touch(id: string, at: Date): Promise<void> {
    await this.ds.query(
      `UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2::timestamptz - interval '1 minute'`,
      [id, at],
    );
  }

  async deleteById(id: string, m: EntityManager = this.ds.manager): Promise<void> {
    await m.getRepository(SessionEntity).delete({ id });
  }

  /**
   * Deletes, a batch at a time, the sessions unused since `idleBefore` or started before
   * `startedBefore` (no request can use them any more); answers how many went.
   */
  async deleteExpired(idleBefore: Date, startedBefore: Date, batch: number): Promise<number> {
    const [, affected] = (await this.ds.query(
      `DELETE FROM sessions WHERE id IN (
         SELECT id FROM sessions WHERE last_seen_at < $1 OR created_at < $2 LIMIT $3)`,
      [idleBefore, startedBefore, batch],
    )) as [unknown, number];
    return affected;
  }

  /** Ends every session of the user; answers how many. */
  async deleteOfUser(m: EntityManager, userId: string): Promise<number> {
    const result = await m.getRepository(SessionEntity).delete({ userId });
    return result.affected ?? 0;
  }
}
