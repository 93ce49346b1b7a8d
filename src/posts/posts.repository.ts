import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager } from 'typeorm';
import { PostEntity } from './post.entity';
import { PostStatus } from './post-state.machine';

export type PostChanges = Partial<
  Pick<PostEntity, 'status' | 'body' | 'title' | 'link' | 'media' | 'category' | 'scheduledAt' | 'sequence'>
>;

@Injectable()
export class PostsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  findInWorkspace(workspaceId: string, id: string, m: EntityManager = this.ds.manager): Promise<PostEntity | null> {
    return m.getRepository(PostEntity).findOne({ where: { id, workspaceId } });
  }

  async insert(m: EntityManager, post: Partial<PostEntity>): Promise<PostEntity> {
    const repo = m.getRepository(PostEntity);
    return repo.save(repo.create(post));
  }

  /** Applies changes when the stored version still is `version`; false when it moved on. */
  async updateAtVersion(m: EntityManager, id: string, version: number, changes: PostChanges): Promise<boolean> {
    const result = await m
      .createQueryBuilder()
      .update(PostEntity)
      .set({ ...changes, version: () => 'version + 1', updatedAt: () => 'now()' })
      .where('id = :id AND version = :version', { id, version })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async deleteAtVersion(m: EntityManager, id: string, version: number): Promise<boolean> {
    const result = await m.getRepository(PostEntity).delete({ id, version });
    return (result.affected ?? 0) > 0;
  }

  /** A channel's posts by time (undated drafts last), keyset-paginated. */
  listForChannel(
    channelId: string,
    opts: { statuses?: string[]; from?: Date; to?: Date; limit: number; after?: { at: string; id: string } },
  ): Promise<PostEntity[]> {
    const qb = this.ds
      .getRepository(PostEntity)
      .createQueryBuilder('p')
      .where('p.channel_id = :channelId', { channelId })
      .orderBy(`COALESCE(p.scheduled_at, 'infinity'::timestamptz)`)
      .addOrderBy('p.id')
      .limit(opts.limit + 1);
    if (opts.statuses?.length) qb.andWhere('p.status IN (:...statuses)', { statuses: opts.statuses });
    if (opts.from) qb.andWhere('p.scheduled_at >= :from', { from: opts.from });
    if (opts.to) qb.andWhere('p.scheduled_at < :to', { to: opts.to });
    if (opts.after) {
      qb.andWhere(
        new Brackets((w) =>
          w.where(`(COALESCE(p.scheduled_at, 'infinity'::timestamptz), p.id) > (:at::timestamptz, :id)`, opts.after!),
        ),
      );
    }
    return qb.getMany();
  }

  /** Posts of the given channels dated in [from, to), for calendars. */
  findDatedInRange(channelIds: string[], from: Date, to: Date, statuses?: readonly PostStatus[]): Promise<PostEntity[]> {
    if (channelIds.length === 0) return Promise.resolve([]);
    const qb = this.ds
      .getRepository(PostEntity)
      .createQueryBuilder('p')
      .where('p.channel_id IN (:...channelIds)', { channelIds })
      .andWhere('p.scheduled_at >= :from AND p.scheduled_at < :to', { from, to })
      .orderBy('p.scheduled_at')
      .addOrderBy('p.id');
    if (statuses) qb.andWhere('p.status IN (:...statuses)', { statuses });
    return qb.getMany();
  }
}
