import { Client } from 'pg';
import { CHANGE_CHANNELS, ChangeNotifications, ChangeSubscriber } from '../../src/database/change-notifications';
import { NotifiedCache } from '../../src/database/notified-cache';
import { createTestApp, TestApp } from '../support/test-app';
import { auth, createChannel, createPost, seedWorkspace } from '../support/fixtures';

/** What a subscriber heard, in order: ids, and "reset". */
class Recorder implements ChangeSubscriber {
  readonly heard: string[] = [];
  changed(id: string): void {
    this.heard.push(id);
  }
  reset(): void {
    this.heard.push('reset');
  }
}

let t: TestApp;
let notifications: ChangeNotifications;
/** Another session on the application's database: what another instance (or psql) would do. */
let other: Client;
let database: string;
/** A session on the server's maintenance database, which can close this one to new connections. */
let admin: Client;

beforeAll(async () => {
  t = await createTestApp();
  notifications = t.app.get(ChangeNotifications);
  other = new Client({ connectionString: (t.db.options as { url: string }).url });
  await other.connect();
  database = (await other.query('SELECT current_database() AS name')).rows[0].name;
  admin = new Client({ connectionString: process.env.PALINSESTO_TEST_ADMIN_URL });
  await admin.connect();
});

afterAll(async () => {
  await admin.end();
  await other.end();
  await t.close();
});

async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not ${what} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Ends the listening connection from the server's side, as a restart or a network cut
 * would, and keeps new connections to the database out (those open stay) until
 * `restoreListener`, so that the test decides how long nobody listens.
 */
async function cutListener(): Promise<void> {
  await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
  const { rows } = await other.query(
    `SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE application_name = 'palinsesto-listener' AND datname = current_database()`,
  );
  expect(rows).toEqual([{ cut: true }]);
}

async function restoreListener(): Promise<void> {
  await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
  await eventually(() => notifications.live, 'back');
}

describe('change notifications', () => {
  it('a change committed before caughtUp() was called has reached the subscribers when it resolves', async () => {
    const recorder = new Recorder();
    notifications.subscribe(CHANGE_CHANNELS.members, recorder);
    // A race that a plain "notifications arrive soon" would lose now and then: many rounds.
    for (let i = 0; i < 100; i++) {
      await other.query(`SELECT pg_notify($1, $2)`, [CHANGE_CHANNELS.members, `row-${i}`]);
      expect(await notifications.caughtUp()).toBe(true);
      expect(recorder.heard.at(-1)).toBe(`row-${i}`);
    }
  });

  it('callers that arrive together share one round trip', async () => {
    const sent = jest.spyOn(Client.prototype, 'query');
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, () => notifications.caughtUp()));
      expect(answers.every(Boolean)).toBe(true);
      // The first caller's query, and one more for all who came while it was in flight.
      expect(sent.mock.calls.filter(([q]) => q === 'SELECT 1').length).toBeLessThanOrEqual(2);
    } finally {
      sent.mockRestore();
    }
  });

  it('the triggers name the changed row: members, channels, and a channel whose posts were written; nothing for a rollback', async () => {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead);
    const members = new Recorder();
    const channels = new Recorder();
    notifications.subscribe(CHANGE_CHANNELS.members, members);
    notifications.subscribe(CHANGE_CHANNELS.channels, channels);

    await t.http
      .delete(`/v1/workspaces/${ws.workspaceId}/members/${ws.viewer.memberId}`)
      .set(auth(ws.lead.key))
      .expect(204);
    await notifications.caughtUp();
    expect(members.heard).toEqual([ws.viewer.memberId]);

    await t.http.patch(`/v1/channels/${channel.id}`).set(auth(ws.lead.key)).send({ name: 'Renamed' }).expect(200);
    await notifications.caughtUp();
    expect(channels.heard).toEqual([channel.id]);

    await createPost(t, ws.editor, channel.id);
    await notifications.caughtUp();
    expect(channels.heard).toEqual([channel.id, channel.id]);

    // A bulk write outside the API: one notification for the channel, however many rows.
    await other.query(`UPDATE posts SET body = body || '!' WHERE channel_id = $1`, [channel.id]);
    await notifications.caughtUp();
    expect(channels.heard).toEqual([channel.id, channel.id, channel.id]);

    await other.query('BEGIN');
    await other.query(`UPDATE channels SET name = 'Never' WHERE id = $1`, [channel.id]);
    await other.query('ROLLBACK');
    await notifications.caughtUp();
    expect(channels.heard).toHaveLength(3);
    expect(members.heard).toEqual([ws.viewer.memberId]);
  });

  it('a lost connection resets the subscribers and answers false until it is back, then resets them again', async () => {
    const recorder = new Recorder();
    notifications.subscribe(CHANGE_CHANNELS.channels, recorder);
    await cutListener();
    try {
      await eventually(() => !notifications.live, 'down');
      expect(recorder.heard).toEqual(['reset']);
      expect(await notifications.caughtUp()).toBe(false);
    } finally {
      await restoreListener();
    }
    expect(recorder.heard).toEqual(['reset', 'reset']);
    // And it hears again.
    await other.query(`SELECT pg_notify($1, 'after')`, [CHANGE_CHANNELS.channels]);
    expect(await notifications.caughtUp()).toBe(true);
    expect(recorder.heard.at(-1)).toBe('after');
  });

  it('a TRUNCATE resets the subscribers of the table; one of posts moves every plan revision', async () => {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead);
    await createPost(t, ws.editor, channel.id);
    const channels = new Recorder();
    notifications.subscribe(CHANGE_CHANNELS.channels, channels);
    const [before] = (await other.query(`SELECT revision FROM post_plan_revisions WHERE channel_id = $1`, [channel.id]))
      .rows;
    await other.query(`TRUNCATE posts CASCADE`);
    await notifications.caughtUp();
    expect(channels.heard).toContain(channel.id);
    const [after] = (await other.query(`SELECT revision FROM post_plan_revisions WHERE channel_id = $1`, [channel.id]))
      .rows;
    expect(Number(after.revision)).toBeGreaterThan(Number(before.revision));
    await other.query(`TRUNCATE post_plan_revisions`);
    await notifications.caughtUp();
    expect(channels.heard.at(-1)).toBe('reset');
  });
});

describe('NotifiedCache', () => {
  async function channelRow() {
    const ws = await seedWorkspace(t);
    return createChannel(t, ws.lead);
  }
  const nameOf = async (id: string) => {
    const { rows } = await other.query(`SELECT id, name FROM channels WHERE id = $1`, [id]);
    return (rows[0] as { id: string; name: string } | undefined) ?? null;
  };

  it('answers from memory until the row changes, then reads it again', async () => {
    const channel = await channelRow();
    const cache = new NotifiedCache<{ id: string; name: string }>(notifications, {
      channel: CHANGE_CHANNELS.channels,
      rowOf: (v) => v.id,
      maxEntries: 10,
    });
    const read = jest.fn(() => nameOf(channel.id));
    expect(await cache.get(channel.id, read)).toEqual({ id: channel.id, name: 'Acme Mastodon' });
    expect(await cache.get(channel.id, read)).toEqual({ id: channel.id, name: 'Acme Mastodon' });
    expect(read).toHaveBeenCalledTimes(1);
    // Changed by another session: the very next get sees it.
    await other.query(`UPDATE channels SET name = 'Changed elsewhere' WHERE id = $1`, [channel.id]);
    expect(await cache.get(channel.id, read)).toEqual({ id: channel.id, name: 'Changed elsewhere' });
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('does not keep a value when its row changed while it was being read', async () => {
    const channel = await channelRow();
    const cache = new NotifiedCache<{ id: string; name: string }>(notifications, {
      channel: CHANGE_CHANNELS.channels,
      rowOf: (v) => v.id,
      maxEntries: 10,
    });
    const read = jest.fn(async () => {
      const value = await nameOf(channel.id);
      if (read.mock.calls.length === 1) {
        // Committed after this read's snapshot, heard before the read returns.
        await other.query(`UPDATE channels SET name = 'Moved on' WHERE id = $1`, [channel.id]);
        await notifications.caughtUp();
      }
      return value;
    });
    expect((await cache.get(channel.id, read))?.name).toBe('Acme Mastodon'); // what was read, not kept
    expect((await cache.get(channel.id, read))?.name).toBe('Moved on');
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('keeps at most maxEntries, least recently used out first; nothing for a missing row', async () => {
    const cache = new NotifiedCache<{ id: string; name: string }>(notifications, {
      channel: CHANGE_CHANNELS.channels,
      rowOf: (v) => v.id,
      maxEntries: 2,
    });
    const [a, b, c] = [await channelRow(), await channelRow(), await channelRow()];
    const reads: string[] = [];
    const get = (id: string) => cache.get(id, () => (reads.push(id), nameOf(id)));
    await get(a.id);
    await get(b.id);
    await get(a.id); // a is now the most recently used
    await get(c.id); // b goes
    expect(cache.size).toBe(2);
    await get(a.id);
    await get(b.id);
    expect(reads).toEqual([a.id, b.id, c.id, b.id]);
    await get('00000000-0000-4000-8000-000000000000');
    await get('00000000-0000-4000-8000-000000000000');
    expect(reads.filter((id) => id.startsWith('00000000'))).toHaveLength(2);
  });

  it('while the connection is down every get reads the database, and nothing read before the gap is used after it', async () => {
    const channel = await channelRow();
    const cache = new NotifiedCache<{ id: string; name: string }>(notifications, {
      channel: CHANGE_CHANNELS.channels,
      rowOf: (v) => v.id,
      maxEntries: 10,
    });
    const read = jest.fn(() => nameOf(channel.id));
    await cache.get(channel.id, read);
    await cutListener();
    try {
      await eventually(() => !notifications.live, 'down');
      // A change nobody hears.
      await other.query(`UPDATE channels SET name = 'Unheard' WHERE id = $1`, [channel.id]);
      expect((await cache.get(channel.id, read))?.name).toBe('Unheard');
      expect((await cache.get(channel.id, read))?.name).toBe('Unheard');
      expect(read).toHaveBeenCalledTimes(3);
    } finally {
      await restoreListener();
    }
    expect((await cache.get(channel.id, read))?.name).toBe('Unheard');
    expect(await cache.get(channel.id, read)).toEqual({ id: channel.id, name: 'Unheard' });
    expect(read).toHaveBeenCalledTimes(4);
  });

  it('getMany: one barrier, the current values from memory, the missing or changed ones in one read', async () => {
    const [a, b, c] = [await channelRow(), await channelRow(), await channelRow()];
    const cache = new NotifiedCache<{ id: string; name: string }>(notifications, {
      channel: CHANGE_CHANNELS.channels,
      rowOf: (v) => v.id,
      maxEntries: 10,
    });
    const reads: string[][] = [];
    const none = '00000000-0000-4000-8000-000000000000';
    const read = async (ids: string[]) => {
      reads.push(ids);
      const found = new Map<string, { id: string; name: string }>();
      for (const id of ids) {
        const row = await nameOf(id);
        if (row) found.set(id, row);
      }
      return found;
    };
    const names = async (ids: string[]) => (await cache.getMany(ids, read)).map((v) => v?.name ?? null);
    expect(await names([a.id, none, b.id])).toEqual(['Acme Mastodon', null, 'Acme Mastodon']);
    expect(reads).toEqual([[a.id, none, b.id]]);
    const sent = jest.spyOn(Client.prototype, 'query');
    try {
      expect(await names([b.id, a.id, c.id, a.id])).toEqual([
        'Acme Mastodon',
        'Acme Mastodon',
        'Acme Mastodon',
        'Acme Mastodon',
      ]);
      expect(sent.mock.calls.filter(([q]) => q === 'SELECT 1')).toHaveLength(1);
    } finally {
      sent.mockRestore();
    }
    expect(reads.at(-1)).toEqual([c.id]); // a and b from memory, c read once
    await other.query(`UPDATE channels SET name = 'Changed elsewhere' WHERE id = $1`, [b.id]);
    expect(await names([a.id, b.id, c.id])).toEqual(['Acme Mastodon', 'Changed elsewhere', 'Acme Mastodon']);
    expect(reads.at(-1)).toEqual([b.id]);
    expect(reads).toHaveLength(3);
    expect(await cache.getMany([], read)).toEqual([]);
    expect(reads).toHaveLength(3);
  });

  it('getMany keeps nothing it read while a change of its rows was heard', async () => {
    const [a, b] = [await channelRow(), await channelRow()];
    const cache = new NotifiedCache<{ id: string; name: string }>(notifications, {
      channel: CHANGE_CHANNELS.channels,
      rowOf: (v) => v.id,
      maxEntries: 10,
    });
    let calls = 0;
    const read = async (ids: string[]) => {
      const found = new Map<string, { id: string; name: string }>();
      for (const id of ids) found.set(id, (await nameOf(id))!);
      if (++calls === 1) {
        await other.query(`UPDATE channels SET name = 'Moved on' WHERE id = $1`, [a.id]);
        await notifications.caughtUp();
      }
      return found;
    };
    expect((await cache.getMany([a.id, b.id], read)).map((v) => v?.name)).toEqual(['Acme Mastodon', 'Acme Mastodon']);
    expect((await cache.getMany([a.id, b.id], read)).map((v) => v?.name)).toEqual(['Moved on', 'Acme Mastodon']);
    expect(calls).toBe(2);
  });

  it('reads a value again once it is older than maxAgeMs, though no change was notified', async () => {
    const channel = await channelRow();
    const cache = new NotifiedCache<{ id: string; name: string }>(notifications, {
      channel: CHANGE_CHANNELS.channels,
      rowOf: (v) => v.id,
      maxEntries: 10,
      maxAgeMs: 100,
    });
    const read = jest.fn(() => nameOf(channel.id));
    await cache.get(channel.id, read);
    await cache.get(channel.id, read);
    expect(read).toHaveBeenCalledTimes(1);
    await new Promise((r) => setTimeout(r, 150));
    await cache.get(channel.id, read);
    expect(read).toHaveBeenCalledTimes(2);
  });
});
