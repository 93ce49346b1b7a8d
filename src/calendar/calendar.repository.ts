import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/**
 * The calendar's own database work: its REPEATABLE READ snapshot, in which the posts, the
 * plan windows and the plan revisions they belong to are read (through PostsService and
 * PlanService, whose tables they are).
 */
@Injectable()
export class CalendarRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Runs `work` in one REPEATABLE READ transaction: every statement in it sees the same
   * snapshot, so posts read in it belong to the revision read in it.
   */
  snapshot<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction('REPEATABLE READ', work);
  }
}
