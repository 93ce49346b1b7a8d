import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PreparedQueries, preparedStatement } from '../database/prepared-queries';
import { ApiTokenEntity } from './api-token.entity';
import type { KeyHolder } from './members.repository';

/** A token's holder for the guard, with the token's id (its last use is recorded). */
export type TokenHolder = KeyHolder & { tokenId: string };

const TOKEN_HOLDER = preparedStatement(
  'api_tokens_holder',
  `SELECT m.id, m.workspace_id AS "workspaceId", m.role, m.name, m.email, m.user_id AS "userId", t.read_only AS "readOnly", t.id AS "tokenId"
   FROM api_tokens t JOIN members m ON m.id = t.member_id
   WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND m.revoked_at IS NULL`,
);

/** A token as its owner lists it (never its secret: only the hash is stored). */
export interface TokenListing {
  id: string;
  name: string;
  workspaceId: string;
  readOnly: boolean;
  lastUsedAt: Date | null;
  createdAt: Date;
}

/**
 * The one owner of `api_tokens`. Its reads join `members` (the same folder's table) because
 * a token is worth exactly its member.
 */
@Injectable()
export class ApiTokensRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly prepared: PreparedQueries,
  ) {}

  /** One indexed read, prepared: the holder of an active token of an active member. */
  async findHolderByHash(tokenHash: string): Promise<TokenHolder | null> {
    const rows = await this.prepared.rows<TokenHolder>(TOKEN_HOLDER, [tokenHash]);
    return rows[0] ?? null;
  }

  async insert(
    m: EntityManager,
    token: Pick<ApiTokenEntity, 'memberId' | 'name' | 'tokenHash' | 'readOnly' | 'createdAt'>,
  ): Promise<ApiTokenEntity> {
    const repo = m.getRepository(ApiTokenEntity);
    return repo.save(repo.create({ ...token, lastUsedAt: null, revokedAt: null }));
  }

  /** The user's active tokens over all their active memberships, newest first. */
  listOfUser(userId: string): Promise<TokenListing[]> {
    return this.ds.query(
      `SELECT t.id, t.name, m.workspace_id AS "workspaceId", t.read_only AS "readOnly", t.last_used_at AS "lastUsedAt", t.created_at AS "createdAt"
       FROM api_tokens t JOIN members m ON m.id = t.member_id
       WHERE m.user_id = $1 AND m.revoked_at IS NULL AND t.revoked_at IS NULL ORDER BY t.created_at DESC, t.id`,
      [userId],
    );
  }

  /** Revokes the user's token; answers its member (workspace) when it was theirs and active. */
  async revokeOfUser(
    m: EntityManager,
    userId: string,
    tokenId: string,
    at: Date,
  ): Promise<{ memberId: string; workspaceId: string; name: string } | null> {
    const [rows] = (await m.query(
      `UPDATE api_tokens t SET revoked_at = $3 FROM members m
       WHERE t.id = $2 AND m.id = t.member_id AND m.user_id = $1 AND t.revoked_at IS NULL
       RETURNING m.id AS "memberId", m.workspace_id AS "workspaceId", t.name`,
      [userId, tokenId, at],
    )) as [{ memberId: string; workspaceId: string; name: string }[], number];
    return rows[0] ?? null;
  }

  /** Records a use unless one was recorded within the last minute. */
  async touch(id: string, at: Date): Promise<void> {
    await this.ds.query(
      `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
      [id, at],
    );
  }
}
