import { createTestApp, type TestApp } from '../support/test-app';

/** What the sign-in page is told to offer: sign-up and single sign-on, as configured. */
describe('GET /v1/auth/providers', () => {
  const apps: TestApp[] = [];
  afterAll(() => Promise.all(apps.map((a) => a.close())));
  const start = async (config: Parameters<typeof createTestApp>[0]) => {
    const t = await createTestApp(config);
    apps.push(t);
    return t;
  };

  it('says sign-up is open and single sign-on off by default, without a key', async () => {
    const t = await start({});
    const res = await t.http.get('/v1/auth/providers').expect(200);
    expect(res.body).toEqual({ signUp: 'open', oidc: { enabled: false, label: null } });
  });

  it('says sign-up is closed (or needs the token) and names the single sign-on button', async () => {
    const closed = await start({
      config: {
        signup: 'closed',
        oidc: { issuer: 'http://127.0.0.1:9', clientId: 'c', clientSecret: 's', label: 'Company login' },
      },
    });
    expect((await closed.http.get('/v1/auth/providers').expect(200)).body).toEqual({
      signUp: 'closed',
      oidc: { enabled: true, label: 'Company login' },
    });
    const token = await start({ config: { signupToken: 'a-long-enough-signup-token-for-tests' } });
    expect((await token.http.get('/v1/auth/providers').expect(200)).body.signUp).toBe('token');
  });
});
