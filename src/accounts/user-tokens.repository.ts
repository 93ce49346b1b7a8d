import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { UserTokenEntity, type UserTokenPurpose } from './user-token.entity';

/** The one owner of `user_tokens` (emailed verification and reset links). */
@Injectable()
export class UserTokensRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async insert(
    m: EntityManager,
    token: Pick<UserTokenEntity, 'userId' | 'purpose' | 'tokenHash' | 'expiresAt' | 'createdAt'>,
  ): Promise<void> {
    await m.getRepository(UserTokenEntity).insert({ ...token, usedAt: null });
  }

  /**
   * Uses the link once: marks it used when it is unused, unexpired and of this purpose, and
   * answers its user; null otherwise (forged, used, expired). One statement, so two uses
   * racing cannot both win.
   */
  async consume(m: EntityManager, purpose: UserTokenPurpose, tokenHash: string, now: Date): Promise<string | null> {
    const [rows] = (await m.query(
      `UPDATE user_tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 RETURNING user_id`,
      [tokenHash, purpose, now],
    )) as [{ user_id: string }[], number];
    return rows[0]?.user_id ?? null;
  }

  /** Voids the user's unused links of a purpose (a new reset voids the older ones). */
  async voidUnused(m: EntityManager, userId: string, purpose: UserTokenPurpose, now: Date): Promise<void> {
    await m.query(`UPDATE user_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, [
      userId,
      purpose,
      now,
    ]);
  }

  /** Deletes the links that expired before `before` (used or not, none can be used again); answers how many. */
  async deleteExpired(before: Date): Promise<number> {
    const [, affected] = (await this.ds.query(`DELETE FROM user_tokens WHERE expires_at < $1`, [before])) as [
      unknown,
      number,
    ];
    return affected;
  }
}
