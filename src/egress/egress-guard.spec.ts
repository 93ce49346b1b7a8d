import { Logger } from '@nestjs/common';
import { LOOPBACK_ALLOW, LOOPBACK_FORMS, LOOPBACK_NAME, testResolver } from '../../test/fakes/loopback';
import { WebhookReceiverFake } from '../../test/fakes/webhook-receiver.fake';
import { EgressGuard } from './egress-guard';
import { egressRefusal, EgressRefusedError } from './egress-refused.error';

Logger.overrideLogger(['error']);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to be refused');
}

describe('EgressGuard', () => {
  /** The address an attacker aims at: listens on 127.0.0.1 and [::1], counts what arrives. */
  const target = new WebhookReceiverFake();
  /** An allowed stand-in that redirects elsewhere. */
  const redirector = new WebhookReceiverFake();
  const guards: EgressGuard[] = [];
  const guard = (egressAllow: readonly string[], resolver = testResolver()): EgressGuard => {
    const made = new EgressGuard({ egressAllow }, resolver);
    guards.push(made);
    return made;
  };
  const urls = (port: number, path = '/hooks/secret-path?token=query-secret'): [string, string][] =>
    [...LOOPBACK_FORMS, LOOPBACK_NAME].map((form) => [form, `http://${form}:${port}${path}`]);

  beforeAll(async () => {
    await target.start({ ipv6: true });
    await redirector.start();
  });
  afterAll(async () => {
    await Promise.all(guards.map((g) => g.onModuleDestroy()));
    await Promise.all([target.stop(), redirector.stop()]);
  });
  beforeEach(() => {
    target.resetFaults().respondWith(200, { ok: true });
    redirector.resetFaults().respondWith(200, { ok: true });
  });

  it('refuses every spelling of loopback without EGRESS_ALLOW, and the target receives nothing', async () => {
    const closed = guard([]);
    for (const [form, url] of urls(target.port)) {
      for (const method of ['GET', 'POST']) {
        const error = await rejection(closed.fetch(url, { method, body: method === 'POST' ? '{}' : undefined }));
        expect([form, method, egressRefusal(error)]).toEqual([form, method, expect.any(EgressRefusedError)]);
        expect(egressRefusal(error)!.message).toMatch(/^the address \S+ is not allowed/);
      }
    }
    expect(target.requests).toHaveLength(0);
  });

  it('lets every spelling through with 127.0.0.0/8,::1/128 but 0.0.0.0, which is no loopback address', async () => {
    const open = guard(LOOPBACK_ALLOW);
    for (const [form, url] of urls(target.port, '/in')) {
      const before = target.requests.length;
      if (form === '0.0.0.0') {
        expect(egressRefusal(await rejection(open.fetch(url)))).toBeInstanceOf(EgressRefusedError);
        expect(target.requests.length).toBe(before);
        continue;
      }
      const response = await open.fetch(url, { method: 'POST', body: '{}' });
      expect([form, response.status]).toEqual([form, 200]);
      expect(target.requests.length).toBe(before + 1);
    }
  });

  it('connects to the address it checked: one lookup per connection, none behind its back', async () => {
    // The name answers 127.0.0.1 (allowed) the first time and 127.0.0.2 (refused) after:
    // a check-then-connect with two lookups would be turned around by the second answer.
    let answers = 0;
    const resolver = testResolver({ 'rebind.palinsesto.test': () => (answers++ === 0 ? '127.0.0.1' : '127.0.0.2') });
    const pinned = guard(['127.0.0.1/32'], resolver);
    const response = await pinned.fetch(`http://rebind.palinsesto.test:${target.port}/pinned`);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(resolver.calls.filter((h) => h === 'rebind.palinsesto.test')).toHaveLength(1);
    expect(target.requests.at(-1)).toMatchObject({ path: '/pinned' });
  });

  it('refuses a name when any of its addresses is refused', async () => {
    const resolver = Object.assign(
      async () => [
        { address: '127.0.0.1', family: 4 },
        { address: '10.0.0.1', family: 4 },
      ],
      { calls: [] },
    );
    const mixed = guard(['127.0.0.1/32'], resolver);
    const before = target.requests.length;
    expect(egressRefusal(await rejection(mixed.fetch(`http://mixed.palinsesto.test:${target.port}/`)))).toBeInstanceOf(
      EgressRefusedError,
    );
    await expect(mixed.assertAllowed(`http://mixed.palinsesto.test:${target.port}/`)).rejects.toBeInstanceOf(
      EgressRefusedError,
    );
    expect(target.requests.length).toBe(before);
  });

  it('checks every redirect hop like the first: a redirect to a refused address is refused, the target never asked', async () => {
    const onlyRedirector = guard(['127.0.0.1/32']);
    for (const refused of [`http://[::1]:${target.port}/stolen`, `http://0.0.0.0:${target.port}/stolen`]) {
      redirector.respondWith(307, '', { location: refused });
      const before = { target: target.requests.length, redirector: redirector.requests.length };
      const error = await rejection(onlyRedirector.fetch(`${redirector.url}/start`, { maxRedirects: 5 }));
      expect([refused, egressRefusal(error)]).toEqual([refused, expect.any(EgressRefusedError)]);
      expect(target.requests.length).toBe(before.target);
      expect(redirector.requests.length).toBe(before.redirector + 1);
    }
  });

  it('never follows a redirect of a POST, nor by default, and stops after maxRedirects hops', async () => {
    const open = guard(LOOPBACK_ALLOW);
    redirector.respondWith(307, '', { location: `${target.url}/elsewhere` });
    const before = target.requests.length;
    expect((await open.fetch(`${redirector.url}/post`, { method: 'POST', body: '{}', maxRedirects: 5 })).status).toBe(
      307,
    );
    expect((await open.fetch(`${redirector.url}/get`)).status).toBe(307);
    expect(target.requests.length).toBe(before);

    redirector.respondWith(302, '', { location: '/again' });
    const hops = redirector.requests.length;
    expect((await open.fetch(`${redirector.url}/loop`, { maxRedirects: 2 })).status).toBe(302);
    expect(redirector.requests.length).toBe(hops + 3);
  });

  it('follows a GET redirect through the guard, dropping credentials when the origin changes', async () => {
    const open = guard(LOOPBACK_ALLOW);
    redirector.respondWith(301, '', { location: `http://[::1]:${target.port}/moved` });
    const response = await open.fetch(`${redirector.url}/old`, {
      headers: { authorization: 'Bearer tok_secret', 'x-kept': 'yes' },
      maxRedirects: 1,
    });
    expect(response.status).toBe(200);
    const delivery = target.deliveries.at(-1)!;
    expect(delivery.path).toBe('/moved');
    expect(delivery.headers['authorization']).toBeUndefined();
    expect(delivery.headers['x-kept']).toBe('yes');
  });

  it('checks addresses when they are saved: refused forms throw, public and unresolvable ones pass', async () => {
    const closed = guard([]);
    for (const [form, url] of urls(target.port)) {
      await expect(closed.assertAllowed(url).then(() => form)).rejects.toBeInstanceOf(EgressRefusedError);
    }
    await expect(closed.assertAllowed('http://169.254.169.254/latest/meta-data/')).rejects.toThrow(
      'the address 169.254.169.254 is not allowed',
    );
    await expect(closed.assertAllowed('https://93.184.216.34/hook')).resolves.toBeUndefined();
    await expect(closed.assertAllowed('https://[2606:4700:4700::1111]/hook')).resolves.toBeUndefined();
    await expect(closed.assertAllowed('https://no-such-host.invalid/hook')).resolves.toBeUndefined();
    const open = guard(LOOPBACK_ALLOW);
    await expect(open.assertAllowed(`http://localhost:${target.port}/`)).resolves.toBeUndefined();
    await expect(open.assertAllowed(`http://0.0.0.0:${target.port}/`)).rejects.toBeInstanceOf(EgressRefusedError);
  });

  it('logs a refused request once, with the host and never the path or query', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const closed = guard([]);
      await rejection(
        closed.fetch(`http://${LOOPBACK_NAME}:${target.port}/hooks/secret-path?token=query-secret`, {
          method: 'POST',
          body: '{}',
        }),
      );
      const lines = warn.mock.calls.map((args) => String(args[0]));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(LOOPBACK_NAME);
      expect(lines[0]).not.toMatch(/secret-path|query-secret/);
    } finally {
      warn.mockRestore();
    }
  });
});
