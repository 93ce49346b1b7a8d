import { AccountsService } from '../../src/accounts/accounts.service';
import { createTestApp, TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery staple';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const line = ((res.headers['set-cookie'] as string[] | undefined) ?? []).find((l) =>
    l.startsWith('palinsesto_session='),
  );
  if (!line) throw new Error('no session cookie');
  return line.split(';')[0];
}

describe('accounts sweep: expired sessions and links leave the database', () => {
  let t: TestApp;
  let sweep: () => Promise<{ sessions: number; links: number }>;
  const count = async (table: string, email: string) =>
    Number(
      (
        await t.db.query(
          `SELECT count(*)::int AS n FROM ${table} x JOIN users u ON u.id = x.user_id WHERE u.email = $1`,
          [email],
        )
      )[0].n,
    );

  beforeAll(async () => {
    t = await createTestApp();
    const accounts = t.app.get(AccountsService);
    sweep = () => accounts.sweepExpired();
  });
  afterAll(() => t.close());

  it('deletes idle and too-old sessions and expired links, and keeps the live ones', async () => {
    const email = 'sweep@example.com';
    const signUp = await t.http
      .post('/v1/auth/sign-up')
      .send({ name: 'Ada', email, password: PASSWORD, workspace: { name: 'Sweep', timezone: 'Europe/Rome' } });
    expect(signUp.status).toBe(201);
    const idle = cookieOf(signUp); // never used again
    const busy = cookieOf(await t.http.post('/v1/auth/sign-in').send({ email, password: PASSWORD }));
    expect(await count('sessions', email)).toBe(2);
    const links = await count('user_tokens', email); // the verification link of the sign-up
    expect(links).toBeGreaterThan(0);

    // The verification link is valid for 48 hours and kept a day past that.
    t.clock.advance(3 * DAY - MINUTE);
    expect(await sweep()).toEqual({ sessions: 0, links: 0 });
    t.clock.advance(2 * MINUTE);
    expect(await sweep()).toEqual({ sessions: 0, links });
    expect(await count('user_tokens', email)).toBe(0);

    // Six days on: no session has expired; the busy session is used every day.
    expect((await t.http.get('/v1/me').set('Cookie', busy)).status).toBe(200);
    for (let day = 3; day < 6; day++) {
      t.clock.advance(DAY);
      expect((await t.http.get('/v1/me').set('Cookie', busy)).status).toBe(200);
    }
    expect(await sweep()).toEqual({ sessions: 0, links: 0 });

    // Past the idle timeout (7 days) and the sweep's hour of margin: the idle session goes,
    // the busy one stays and still works.
    t.clock.advance(DAY + 61 * MINUTE);
    expect((await t.http.get('/v1/me').set('Cookie', busy)).status).toBe(200);
    expect(await sweep()).toEqual({ sessions: 1, links: 0 });
    expect(await count('sessions', email)).toBe(1);
    expect((await t.http.get('/v1/me').set('Cookie', idle)).status).toBe(401);
    expect((await t.http.get('/v1/me').set('Cookie', busy)).status).toBe(200);

    // Past the absolute timeout (30 days), however often used: used daily up to day 28,
    // then not again (a request past the timeout would end it itself).
    for (let day = 7; day < 28; day++) {
      t.clock.advance(DAY);
      expect((await t.http.get('/v1/me').set('Cookie', busy)).status).toBe(200);
    }
    t.clock.advance(DAY);
    expect(await sweep()).toEqual({ sessions: 0, links: 0 });
    t.clock.advance(DAY);
    expect(await sweep()).toEqual({ sessions: 1, links: 0 });
    expect(await count('sessions', email)).toBe(0);
  });
});
