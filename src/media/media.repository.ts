import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MediaEntity } from './media.entity';

export type MediaChanges = Partial<Pick<MediaEntity, 'alt' | 'focusX' | 'focusY' | 'updatedAt'>>;

/** Every statement on `media` (one owner per table). */
@Injectable()
export class MediaRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  findInWorkspace(workspaceId: string, id: string, m: EntityManager = this.ds.manager): Promise<MediaEntity | null> {
    return m.getRepository(MediaEntity).findOne({ where: { id, workspaceId } });
  }

  findById(id: string): Promise<MediaEntity | null> {
    return this.ds.getRepository(MediaEntity).findOne({ where: { id } });
  }

  findBySha256(workspaceId: string, sha256: string): Promise<MediaEntity | null> {
    return this.ds.getRepository(MediaEntity).findOne({ where: { workspaceId, sha256 } });
  }

  /**
   * These items of the workspace; with `m`, each row is locked FOR KEY SHARE until `m`
   * commits, so a delete or the retention job (which lock FOR UPDATE) waits for the post
   * that is being saved with them, and then sees it.
   */
  async findManyInWorkspace(workspaceId: string, ids: string[], m?: EntityManager): Promise<MediaEntity[]> {
    if (ids.length === 0) return [];
    const qb = (m ?? this.ds.manager)
      .getRepository(MediaEntity)
      .createQueryBuilder('x')
      .where('x.workspace_id = :workspaceId', { workspaceId })
      .andWhere('x.id = ANY(:ids)', { ids });
    if (m) qb.setLock('for_key_share');
    return qb.getMany();
  }

  /** Inserts the item; false when the workspace already has an item with its sha256. */
  async insert(m: EntityManager, item: MediaEntity): Promise<boolean> {
    const result = await m
      .createQueryBuilder()
      .insert()
      .into(MediaEntity)
      .values(item)
      .orIgnore()
      .returning(['id'])
      .execute();
    return (result.raw as unknown[]).length > 0;
  }

  list(
    workspaceId: string,
    opts: { limit: number; after?: { createdAt: string; id: string } },
  ): Promise<MediaEntity[]> {
    const qb = this.ds
      .getRepository(MediaEntity)
      .createQueryBuilder('x')
      .where('x.workspace_id = :workspaceId', { workspaceId })
      .orderBy('x.created_at', 'DESC')
      .addOrderBy('x.id', 'DESC')
      .limit(opts.limit + 1);
    if (opts.after) qb.andWhere('(x.created_at, x.id) < (:createdAt, :id)', opts.after);
    return qb.getMany();
  }

  async update(m: EntityManager, workspaceId: string, id: string, changes: MediaChanges): Promise<void> {
    await m.getRepository(MediaEntity).update({ id, workspaceId }, changes);
  }

  /** Locks the item for deleting it (waits for posts being saved with it). */
  lockForDelete(m: EntityManager, workspaceId: string, id: string): Promise<MediaEntity | null> {
    return m
      .getRepository(MediaEntity)
      .createQueryBuilder('x')
      .where('x.id = :id AND x.workspace_id = :workspaceId', { id, workspaceId })
      .setLock('pessimistic_write')
      .getOne();
  }

  async deleteIds(m: EntityManager, ids: string[]): Promise<void> {
    if (ids.length > 0) await m.query(`DELETE FROM media WHERE id = ANY($1::uuid[])`, [ids]);
  }

  /** Items created before `before`, oldest first, locked for the retention job (others skip them). */
  createdBefore(m: EntityManager, before: Date, limit: number): Promise<MediaEntity[]> {
    return m
      .getRepository(MediaEntity)
      .createQueryBuilder('x')
      .where('x.created_at < :before', { before })
      .orderBy('x.created_at')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  /** Which of these ids have a row. */
  async existing(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { id: string }[] = await this.ds.query(`SELECT id FROM media WHERE id = ANY($1::uuid[])`, [ids]);
    return new Set(rows.map((r) => r.id));
  }

  /** Bytes of every stored item (originals; thumbnails and fitted copies not counted). */
  async totalBytes(): Promise<number> {
    const [row] = (await this.ds.query(`SELECT COALESCE(SUM(bytes), 0)::float8 AS total FROM media`)) as {
      total: number;
    }[];
    return row?.total ?? 0;
  }

  /** Runs `work` in a transaction that holds the advisory lock `name`, or not at all when another holds it. */
  async withTransactionLock<T>(name: string, work: (m: EntityManager) => Promise<T>): Promise<T | undefined> {
    return this.ds.transaction(async (m) => {
      const [{ locked }] = (await m.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [name])) as {
        locked: boolean;
      }[];
      return locked ? work(m) : undefined;
    });
  }
}
