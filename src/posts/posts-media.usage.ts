import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { MediaUsage } from '../media/media-usage';
import { POST_STATUS, type PostStatus } from './post-state.machine';
import { PostsRepository } from './posts.repository';

/** Posts that may still be published (a failed one may be rescheduled): their media must stay. */
const NOT_YET_PUBLISHED: readonly PostStatus[] = [
  POST_STATUS.draft,
  POST_STATUS.in_review,
  POST_STATUS.approved,
  POST_STATUS.scheduled,
  POST_STATUS.publishing,
  POST_STATUS.failed,
];

/** What the media module asks of posts (see media-usage.ts), answered from the posts table. */
@Injectable()
export class PostsMediaUsage extends MediaUsage {
  constructor(private readonly posts: PostsRepository) {
    super();
  }

  inUseBy(mediaIds: string[], m?: EntityManager): Promise<Set<string>> {
    return this.posts.mediaUsedAmong(mediaIds, NOT_YET_PUBLISHED, m);
  }

  referenced(mediaIds: string[], m?: EntityManager): Promise<Set<string>> {
    return this.posts.mediaUsedAmong(mediaIds, null, m);
  }
}
