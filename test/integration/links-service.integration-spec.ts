import { LinksService } from '../../src/links/links.service';
import { createChannel, createPost, seedWorkspace } from '../support/fixtures';
import { createTestApp, TestApp } from '../support/test-app';

describe('LinksService: tracked links and their click counts', () => {
  let t: TestApp;
  let links: LinksService;

  beforeAll(async () => {
    t = await createTestApp({ config: { publicUrl: 'https://pal.example.com' } });
    links = t.app.get(LinksService);
  });
  afterAll(() => t.close());

  it('gives one code per post and target, counts clicks per post and link, by period', async () => {
    const { lead } = await seedWorkspace(t);
    const channel = await createChannel(t, lead);
    const post = await createPost(t, lead, channel.id);
    const other = await createPost(t, lead, channel.id);
    const owner = { postId: post.id, channelId: channel.id, workspaceId: lead.workspaceId, campaign: 'spring' };
    const a = 'https://acme.example/a?utm_source=mock';
    const b = 'https://acme.example/b?utm_source=mock';

    const first = await links.track(owner, [a, b, a]);
    expect([...first.keys()].sort()).toEqual([a, b]);
    for (const url of first.values()) expect(url).toMatch(/^https:\/\/pal\.example\.com\/l\/[0-9A-Za-z]{12}$/);
    expect(first.get(a)).not.toBe(first.get(b));
    // The same post and target: the same code (a retried publication publishes the same text).
    const again = await links.track(owner, [b, a]);
    expect(again).toEqual(first);

    const codeA = first.get(a)!.split('/l/')[1];
    const codeB = first.get(b)!.split('/l/')[1];
    expect(await links.targetOf(codeA)).toBe(a);
    expect(await links.targetOf('nonexistent1')).toBeNull();

    await links.recordClick(codeA, new Date('2027-01-04T09:01:00Z'));
    await links.recordClick(codeA, new Date('2027-01-04T09:14:59Z'));
    await links.recordClick(codeB, new Date('2027-01-04T09:15:00Z'));
    await links.recordClick(codeA, new Date('2027-01-05T10:00:00Z'));
    await links.recordClick('nonexistent1', new Date('2027-01-04T09:01:00Z')); // skipped, not an error

    const counts = await links.countsByPost([post.id, other.id], new Date('2027-01-04T09:15:00Z'));
    expect(counts).toEqual(new Map([[post.id, 2]]));
    expect((await links.countsByPost([post.id], new Date('2027-02-01T00:00:00Z'))).get(post.id)).toBe(4);

    const byLink = await links.clicksByLink(
      [post.id],
      new Date('2027-01-04T00:00:00Z'),
      new Date('2027-01-05T00:00:00Z'),
    );
    expect(byLink.sort((x, y) => x.targetUrl.localeCompare(y.targetUrl))).toEqual([
      { postId: post.id, code: codeA, targetUrl: a, clicks: 2 },
      { postId: post.id, code: codeB, targetUrl: b, clicks: 1 },
    ]);
  });
});
