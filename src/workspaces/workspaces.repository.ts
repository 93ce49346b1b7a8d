import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CategoryEntity, DEFAULT_CATEGORIES } from './category.entity';
import { DEFAULT_WORKSPACE_SETTINGS, WorkspaceEntity, WorkspaceSettings } from './workspace.entity';

@Injectable()
export class WorkspacesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /** Workspaces whose members may join by this email domain (settings.ssoDomains). */
  findBySsoDomain(m: EntityManager, domain: string): Promise<WorkspaceEntity[]> {
    return m
      .getRepository(WorkspaceEntity)
      .createQueryBuilder('w')
      .where(`w.settings -> 'ssoDomains' ? :domain`, { domain })
      .orderBy('w.created_at')
      .limit(100)
      .getMany();
  }

  /** Whether the user is an active member of a workspace that signs in by single sign-on only. */
  async ssoOnlyFor(userId: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(
      `SELECT 1 FROM members m JOIN workspaces w ON w.id = m.workspace_id
       WHERE m.user_id = $1 AND m.revoked_at IS NULL AND (w.settings ->> 'ssoOnly') = 'true' LIMIT 1`,
      [userId],
    );
    return rows.length > 0;
  }

  /** For background jobs: every workspace, a page at a time in id order. */
  page(afterId: string | null, limit: number): Promise<WorkspaceEntity[]> {
    const q = this.ds.getRepository(WorkspaceEntity).createQueryBuilder('w').orderBy('w.id').limit(limit);
    if (afterId) q.where('w.id > :afterId', { afterId });
    return q.getMany();
  }

  findById(id: string, m: EntityManager = this.ds.manager): Promise<WorkspaceEntity | null> {
    return m.getRepository(WorkspaceEntity).findOne({ where: { id } });
  }

  async insertWithDefaults(m: EntityManager, ws: { name: string; timezone: string }): Promise<WorkspaceEntity> {
    const repo = m.getRepository(WorkspaceEntity);
    const saved = await repo.save(repo.create({ ...ws, settings: { ...DEFAULT_WORKSPACE_SETTINGS } }));
    await m.getRepository(CategoryEntity).insert(DEFAULT_CATEGORIES.map((c) => ({ ...c, workspaceId: saved.id })));
    return saved;
  }

  async update(
    m: EntityManager,
    id: string,
    changes: Partial<{ name: string; timezone: string; settings: WorkspaceSettings }>,
  ): Promise<void> {
    await m.getRepository(WorkspaceEntity).update({ id }, { ...changes, version: () => 'version + 1' });
  }

  /** Categories of a workspace, oldest first. */
  listCategories(workspaceId: string, m: EntityManager = this.ds.manager): Promise<CategoryEntity[]> {
    return m.getRepository(CategoryEntity).find({ where: { workspaceId }, order: { createdAt: 'ASC', key: 'ASC' } });
  }

  findCategory(workspaceId: string, key: string, m: EntityManager = this.ds.manager): Promise<CategoryEntity | null> {
    return m.getRepository(CategoryEntity).findOne({ where: { workspaceId, key } });
  }

  /** Inserts a category; false when the key is taken. */
  async insertCategory(
    m: EntityManager,
    c: { workspaceId: string; key: string; name: string; color: string | null },
  ): Promise<CategoryEntity | null> {
    const rows: CategoryEntity[] = await m
      .createQueryBuilder()
      .insert()
      .into(CategoryEntity)
      .values(c)
      .orIgnore()
      .returning('*')
      .execute()
      .then((r) => r.generatedMaps as CategoryEntity[]);
    if (rows.length === 0 || !rows[0].id) return null;
    return this.findCategory(c.workspaceId, c.key, m);
  }
}
