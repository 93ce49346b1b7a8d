import type { TestApp } from './test-app';

export interface Session {
  workspaceId: string;
  key: string;
  memberId: string;
}

let counter = 0;

export const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

/** A workspace with its lead, plus an editor and a viewer. */
export async function seedWorkspace(t: TestApp, name = `Team ${++counter}`) {
  const res = await t.http
    .post('/v1/workspaces')
    .send({ name, timezone: 'Europe/Rome', lead: { name: 'Lea Lead', email: `lead${counter}@example.com` } })
    .expect(201);
  const lead: Session = { workspaceId: res.body.workspace.id, key: res.body.apiKey, memberId: res.body.member.id };
  const member = async (role: 'editor' | 'viewer' | 'lead', who: string): Promise<Session> => {
    const r = await t.http
      .post(`/v1/workspaces/${lead.workspaceId}/members`)
      .set(auth(lead.key))
      .send({ name: who, email: `${who.toLowerCase()}${counter}@example.com`, role })
      .expect(201);
    return { workspaceId: lead.workspaceId, key: r.body.apiKey, memberId: r.body.member.id };
  };
  const editor = await member('editor', 'Eddie');
  const viewer = await member('viewer', 'Vera');
  return { lead, editor, viewer, workspaceId: lead.workspaceId };
}

export async function createChannel(t: TestApp, lead: Session, body: Record<string, unknown> = {}) {
  const res = await t.http
    .post(`/v1/workspaces/${lead.workspaceId}/channels`)
    .set(auth(lead.key))
    .send({ name: 'Acme Mastodon', platform: 'mock', handle: '@acme', timezone: 'Europe/Rome', ...body })
    .expect(201);
  return res.body as { id: string; version: number; warnings: string[] } & Record<string, unknown>;
}

export async function createPost(t: TestApp, s: Session, channelId: string, body: Record<string, unknown> = {}) {
  const res = await t.http
    .post(`/v1/channels/${channelId}/posts`)
    .set(auth(s.key))
    .send({ body: 'Hello from Palinsesto', category: 'informative', ...body })
    .expect(201);
  return res.body as { id: string; version: number; status: string; sequence: number } & Record<string, unknown>;
}
