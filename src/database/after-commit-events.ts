import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit, OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter2, EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';

/**
 * An event's name, carrying the type of its payload so that the module stating the fact
 * and the modules listening to it agree on its shape. Declare one with `eventName<P>('a.b')`
 * in the module that states the fact; listen with `@OnEvent(THAT_NAME)`.
 */
export type EventName<P> = string & { readonly __payload?: P };

export function eventName<P>(name: string): EventName<P> {
  return name as EventName<P>;
}

interface Staged {
  name: string;
  payload: unknown;
}

/** Where a query runner keeps what its open transaction (and each savepoint in it) stated. */
const FRAMES = Symbol('palinsesto.afterCommitEvents');
type Frames = (Staged[] | null)[];

/**
 * Events delivered after the transaction that states their fact has committed, never for
 * a change that rolled back (see docs/events.md).
 *
 * - `emitOnCommit(m, name, payload)` inside a transaction: the event waits on `m`'s query
 *   runner and is emitted when its COMMIT has been acknowledged; a rollback (of the
 *   transaction, or of the savepoint it was stated in) drops it. This hangs off TypeORM's
 *   transaction events, so it holds however the transaction was opened.
 * - `emitCommitted(name, payload)` for a fact already committed, e.g. by a single
 *   autocommitted statement whose `await` has returned.
 *
 * Delivery runs `@OnEvent` listeners through EventEmitter2 (in the order the events were
 * stated), off the committing connection: a listener that opens a transaction takes a
 * connection of its own and never waits on the one that stated the event. A listener's
 * failure is logged and reaches neither the stating code nor the other listeners.
 *
 * The guarantee is at most once, on this instance: an instance that dies between the
 * commit and the end of its listeners loses that delivery. A listener whose work must not
 * be lost keeps a backstop that finds the missed facts in the database (the alerts' sweep
 * of failed posts is one). Do not catch a failed statement and carry on inside a
 * transaction that states events: PostgreSQL then answers COMMIT with a rollback that
 * TypeORM does not report.
 */
@Injectable()
export class AfterCommitEvents implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Events');
  private readonly deliveries = new Set<Promise<void>>();
  private readonly subscriber: EntitySubscriberInterface = {
    afterTransactionStart: ({ queryRunner }) => {
      framesOf(queryRunner).push(null);
    },
    afterTransactionCommit: ({ queryRunner }) => {
      const frames = framesOf(queryRunner);
      const done = frames.pop() ?? null;
      if (queryRunner.isTransactionActive) {
        // A savepoint was released: its events now belong to the enclosing transaction.
        if (done && frames.length > 0) frames[frames.length - 1] = [...(frames[frames.length - 1] ?? []), ...done];
        return;
      }
      delete (queryRunner.data as Record<symbol, unknown>)[FRAMES];
      if (done) this.deliver(done);
    },
    afterTransactionRollback: ({ queryRunner }) => {
      const frames = framesOf(queryRunner);
      frames.pop();
      if (!queryRunner.isTransactionActive) delete (queryRunner.data as Record<symbol, unknown>)[FRAMES];
    },
  };

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly emitter: EventEmitter2,
    private readonly readiness: EventEmitterReadinessWatcher,
  ) {}

  onModuleInit(): void {
    this.ds.subscribers.push(this.subscriber);
  }

  /** Delivers what is under way before the application (and its database) goes down. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.settled();
  }

  onApplicationShutdown(): void {
    const at = this.ds.subscribers.indexOf(this.subscriber);
    if (at >= 0) this.ds.subscribers.splice(at, 1);
  }

  /** Emits the event once `m`'s transaction commits; never if it rolls back. */
  emitOnCommit<P>(m: EntityManager, name: EventName<P>, payload: P): void {
    const frames = m.queryRunner?.isTransactionActive ? framesOf(m.queryRunner) : undefined;
    if (!frames || frames.length === 0) {
      throw new Error(
        `Event ${name} stated outside a transaction: pass the transaction's EntityManager, or use emitCommitted() for a committed change`,
      );
    }
    (frames[frames.length - 1] ??= []).push({ name, payload });
  }

  /** Emits the event of a change that is committed already (its statement has returned). */
  emitCommitted<P>(name: EventName<P>, payload: P): void {
    this.deliver([{ name, payload }]);
  }

  /** Resolves when every delivery started so far (and those its listeners started) has ended. */
  async settled(): Promise<void> {
    while (this.deliveries.size > 0) await Promise.all([...this.deliveries]);
  }

  private deliver(events: Staged[]): void {
    const delivery = this.readiness
      .waitUntilReady()
      .then(async () => {
        // Every listener is called before the first one is awaited (in the order stated), and
        // each is awaited on its own: one that throws or rejects stops none of the others, and
        // settled() still waits for them all (EventEmitter2's emitAsync gives up at the first).
        const runs: Promise<void>[] = [];
        for (const e of events) {
          for (const listener of this.emitter.listeners(e.name)) {
            try {
              runs.push(
                Promise.resolve(listener(e.payload)).then(
                  () => undefined,
                  (error: unknown) => this.failed(e.name, error),
                ),
              );
            } catch (error) {
              this.failed(e.name, error);
            }
          }
        }
        await Promise.all(runs);
      })
      .catch((error: unknown) => this.failed(events.map((e) => e.name).join(', '), error))
      .finally(() => this.deliveries.delete(delivery));
    this.deliveries.add(delivery);
  }

  private failed(name: string, error: unknown): void {
    this.logger.error(`A listener of ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function framesOf(queryRunner: QueryRunner): Frames {
  const data = queryRunner.data as Record<symbol, Frames | undefined>;
  return (data[FRAMES] ??= []);
}
