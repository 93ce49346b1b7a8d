import { EventEmitter2, EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/data-source.options';
import { AfterCommitEvents, eventName } from '../../src/database/after-commit-events';
import { createTestDatabase } from '../support/test-database';

interface Probe {
  id: number;
}
const PROBED = eventName<Probe>('probe.written');
const OTHER = eventName<Probe>('probe.other');

/**
 * The one place events wait for their transaction: delivered once after COMMIT, never
 * after a rollback, on a real PostgreSQL (listeners read the row from another connection).
 */
describe('events after commit', () => {
  let database: { url: string; drop(): Promise<void> };
  let ds: DataSource;
  let emitter: EventEmitter2;
  let events: AfterCommitEvents;
  /** Each delivery in the order listeners were called, with whether another connection saw the row it names. */
  let heard: { name: string; id: number; visible: boolean }[];
  let next = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    ds = new DataSource(dataSourceOptions(database.url, { poolSize: 4 }));
    await ds.initialize();
    await ds.query('CREATE TABLE probe (id integer PRIMARY KEY)');
  });
  afterAll(async () => {
    await ds.destroy();
    await database.drop();
  });
  beforeEach(() => {
    emitter = new EventEmitter2();
    const readiness = new EventEmitterReadinessWatcher();
    readiness.setReady();
    events = new AfterCommitEvents(ds, emitter, readiness);
    events.onModuleInit();
    heard = [];
    for (const name of [PROBED, OTHER]) {
      // eslint-disable-next-line @typescript-eslint/no-misused-promises -- async listeners are awaited by AfterCommitEvents
      emitter.on(name, async (p: Probe) => {
        const entry = { name, id: p.id, visible: false }; // in the order called
        heard.push(entry);
        entry.visible = ((await ds.query('SELECT 1 FROM probe WHERE id = $1', [p.id])) as unknown[]).length === 1;
      });
    }
  });
  afterEach(() => events.onApplicationShutdown());

  it('delivers an event once, after its transaction committed', async () => {
    const id = ++next;
    await ds.transaction(async (m) => {
      await m.query('INSERT INTO probe VALUES ($1)', [id]);
      events.emitOnCommit(m, PROBED, { id });
      await m.query('SELECT pg_sleep(0.05)');
      expect(heard).toEqual([]); // not while the transaction is open
    });
    await events.settled();
    expect(heard).toEqual([{ name: PROBED, id, visible: true }]);
    await ds.transaction((m) => m.query('SELECT 1')); // a later transaction re-delivers nothing
    await events.settled();
    expect(heard).toHaveLength(1);
  });

  it('delivers nothing for a transaction that rolled back', async () => {
    const id = ++next;
    await expect(
      ds.transaction(async (m) => {
        await m.query('INSERT INTO probe VALUES ($1)', [id]);
        events.emitOnCommit(m, PROBED, { id });
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    // Nor when the COMMIT itself fails (a deferred constraint, a serialization failure...).
    await expect(
      ds.transaction(async (m) => {
        await m.query(
          'CREATE TEMP TABLE deferred_probe (id integer UNIQUE DEFERRABLE INITIALLY DEFERRED) ON COMMIT DROP',
        );
        await m.query('INSERT INTO deferred_probe VALUES (1), (1)');
        events.emitOnCommit(m, PROBED, { id });
      }),
    ).rejects.toThrow(/duplicate key/);
    await ds.transaction((m) => m.query('SELECT 1'));
    await events.settled();
    expect(heard).toEqual([]);
    expect(await ds.query('SELECT 1 FROM probe WHERE id = $1', [id])).toEqual([]);
  });

  it('keeps the events of a released savepoint and drops those of a rolled-back one', async () => {
    const [kept, dropped, outer] = [++next, ++next, ++next];
    await ds.transaction(async (m) => {
      await m.transaction(async (inner) => {
        await inner.query('INSERT INTO probe VALUES ($1)', [kept]);
        events.emitOnCommit(inner, PROBED, { id: kept });
      });
      await m
        .transaction(async (inner) => {
          await inner.query('INSERT INTO probe VALUES ($1)', [dropped]);
          events.emitOnCommit(inner, PROBED, { id: dropped });
          throw new Error('inner refused');
        })
        .catch(() => undefined);
      await m.query('INSERT INTO probe VALUES ($1)', [outer]);
      events.emitOnCommit(m, OTHER, { id: outer });
      await m.query('SELECT pg_sleep(0.02)');
      expect(heard).toEqual([]); // a released savepoint is not a commit
    });
    await events.settled();
    expect(heard).toEqual([
      { name: PROBED, id: kept, visible: true },
      { name: OTHER, id: outer, visible: true },
    ]);
  });

  it('refuses an event stated outside a transaction, and delivers one whose change is committed', async () => {
    const id = ++next;
    await ds.query('INSERT INTO probe VALUES ($1)', [id]);
    expect(() => events.emitOnCommit(ds.manager, PROBED, { id })).toThrow(/outside a transaction/);
    events.emitCommitted(PROBED, { id });
    await events.settled();
    expect(heard).toEqual([{ name: PROBED, id, visible: true }]);
  });

  it('calls listeners in the order the events were stated; a failing listener hurts neither the others nor the change', async () => {
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- async listeners are awaited by AfterCommitEvents
    emitter.prependListener(PROBED, async () => {
      throw new Error('listener broke');
    });
    emitter.prependListener(OTHER, () => {
      throw new Error('listener broke at once');
    });
    const [a, b] = [++next, ++next];
    const order: number[] = [];
    emitter.on(PROBED, (p: Probe) => void order.push(p.id));
    emitter.on(OTHER, (p: Probe) => void order.push(p.id));
    const result = await ds.transaction(async (m) => {
      await m.query('INSERT INTO probe VALUES ($1), ($2)', [a, b]);
      events.emitOnCommit(m, OTHER, { id: a });
      events.emitOnCommit(m, PROBED, { id: b });
      return 'committed';
    });
    expect(result).toBe('committed');
    await events.settled();
    expect(order).toEqual([a, b]);
    expect(heard).toEqual([
      { name: OTHER, id: a, visible: true },
      { name: PROBED, id: b, visible: true },
    ]);
  });

  it('waits for the emitter to be ready (listeners are attached at application bootstrap)', async () => {
    const readiness = new EventEmitterReadinessWatcher();
    const early = new AfterCommitEvents(ds, emitter, readiness);
    const id = ++next;
    await ds.query('INSERT INTO probe VALUES ($1)', [id]);
    early.emitCommitted(PROBED, { id });
    await new Promise((r) => setTimeout(r, 20));
    expect(heard).toEqual([]);
    readiness.setReady();
    await early.settled();
    expect(heard).toEqual([{ name: PROBED, id, visible: true }]);
  });
});
