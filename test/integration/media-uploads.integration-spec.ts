import { MastodonFake } from '../fakes/mastodon.fake';
import { testImage } from '../fakes/media-fixtures';
import { MastodonAdapter } from '../../src/publishing/adapters/mastodon.adapter';
import { PublishError } from '../../src/publishing/adapters/publish-error';
import { MediaUploadsRepository } from '../../src/publishing/media-uploads.repository';
import { createChannel, seedWorkspace, type Session } from '../support/fixtures';
import { createPublishingApp, schedulePost, type PublishingTestApp } from '../publishing/publishing-app';

// The PostgreSQL ledger: what one attempt uploaded, the next one (on any instance) reuses.
const T0 = '2027-01-04T08:00:00Z';
const TOKEN = 'mastodon-token-ledger-0123456789';

describe('post_media_uploads: the media upload ledger in PostgreSQL', () => {
  let t: PublishingTestApp;
  let lead: Session;
  let mastodon: MastodonFake;

  beforeAll(async () => {
    t = await createPublishingApp({ now: T0 });
    ({ lead } = await seedWorkspace(t));
    mastodon = new MastodonFake({ accessToken: TOKEN });
    await mastodon.start();
  });
  afterAll(async () => {
    await mastodon.stop();
    await t.close();
  });

  const newPost = async () => {
    const channel = await createChannel(t, lead, {
      name: `Mastodon ${Math.random()}`,
      platform: 'mastodon',
      approvalRequired: false,
      credentials: { instanceUrl: mastodon.url, accessToken: TOKEN },
    });
    return schedulePost(t, lead.key, channel.id, new Date('2027-01-05T08:00:00Z'));
  };

  it('keeps each upload across attempts: a 503 mid-upload, then a retry that uploads only what is missing', async () => {
    const post = await newPost();
    const repository = t.app.get(MediaUploadsRepository);
    const adapter = t.app.get(MastodonAdapter);
    const images = await Promise.all(
      ['#123', '#456', '#789'].map((background, i) =>
        testImage({ id: `lib-${i}`, width: 500, height: 400, alt: `Foto ${i + 1}`, background }),
      ),
    );
    const target = {
      channelId: 'c',
      platform: 'mastodon' as const,
      name: 'M',
      handle: '@m',
      credentials: { instanceUrl: mastodon.url, accessToken: TOKEN },
    };
    const publishable = {
      id: post.id,
      body: 'Tre foto',
      category: 'informative',
      scheduledAt: new Date(T0),
      media: images,
    };
    mastodon.failMediaUpload(2, 503);

    const first = await adapter
      .publish(publishable, target, post.id, undefined, repository.ledgerFor(post.id, 'mastodon'))
      .catch((e: unknown) => e);
    expect(first).toBeInstanceOf(PublishError);
    expect((await repository.forPost(post.id)).map((r) => r.mediaId)).toEqual(['lib-0']);

    // A fresh ledger object over the same rows: as another instance would see them.
    await adapter.publish(publishable, target, post.id, undefined, repository.ledgerFor(post.id, 'mastodon'));

    const rows = await repository.forPost(post.id);
    expect(rows.map((r) => [r.mediaId, r.platform])).toEqual([
      ['lib-0', 'mastodon'],
      ['lib-1', 'mastodon'],
      ['lib-2', 'mastodon'],
    ]);
    expect(mastodon.media).toHaveLength(3);
    expect(mastodon.statuses).toHaveLength(1);
    expect(mastodon.statuses[0]!.media.map((m) => m.id)).toEqual(rows.map((r) => r.platformMediaId));
    expect(images.map((i) => i.opens.length)).toEqual([1, 2, 1]); // the second was sent twice: the 503, then the retry
  });

  it('keeps one row per post, file and platform (a put replaces), and forgets them with the post', async () => {
    const post = await newPost();
    const repository = t.app.get(MediaUploadsRepository);
    const ledger = repository.ledgerFor(post.id, 'bluesky');
    await ledger.put('lib-x', '{"blob":1}');
    await ledger.put('lib-x', '{"blob":2}');
    await repository.ledgerFor(post.id, 'mastodon').put('lib-x', '42');
    expect(await ledger.get('lib-x')).toBe('{"blob":2}');
    expect(await repository.ledgerFor(post.id, 'mastodon').get('lib-x')).toBe('42');
    expect(await ledger.get('lib-y')).toBeNull();

    await t.db.query(`DELETE FROM posts WHERE id = $1`, [post.id]);
    expect(await repository.forPost(post.id)).toEqual([]);
  });
});
