import { createTestApp, TestApp } from '../support/test-app';
import { auth, seedWorkspace } from '../support/fixtures';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('answers health and a workspace', async () => {
    await t.http.get('/health').expect(200, { status: 'ok', db: 'up' });
    const { lead } = await seedWorkspace(t);
    const res = await t.http.get(`/v1/workspaces/${lead.workspaceId}`).set(auth(lead.key)).expect(200);
    expect(res.body.settings).toEqual({ maxActiveChannels: 3 });
  });
});
