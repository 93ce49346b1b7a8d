import { checkMedia, checkText, defaultLimits, type CheckedMedia, type PlatformLimits } from './content-limits';

const image = (overrides: Partial<CheckedMedia> = {}): CheckedMedia => ({
  kind: 'image',
  mimeType: 'image/jpeg',
  bytes: 200_000,
  alt: 'Una foto',
  ...overrides,
});
const video = (overrides: Partial<CheckedMedia> = {}): CheckedMedia => ({
  kind: 'video',
  mimeType: 'video/mp4',
  bytes: 5_000_000,
  durationMs: 30_000,
  alt: 'Un video',
  ...overrides,
});

describe('checkMedia', () => {
  const bluesky = defaultLimits('bluesky');
  const mastodon = defaultLimits('mastodon');

  it('accepts what the platform takes', () => {
    expect(checkMedia(bluesky, [image(), image(), image(), image()], true)).toEqual([]);
    expect(checkMedia(mastodon, [video()], true)).toEqual([]);
    expect(checkMedia(bluesky, [], true)).toEqual([]);
  });

  it('names the count limit and what to change', () => {
    expect(
      checkMedia(
        bluesky,
        [1, 2, 3, 4, 5].map(() => image()),
        false,
      ),
    ).toEqual(['Bluesky takes at most 4 images; this post has 5: remove 1.']);
    expect(checkMedia(mastodon, [video(), video()], false)).toEqual([
      'Mastodon takes at most 1 video; this post has 2: remove 1.',
    ]);
  });

  it('refuses a video with images where the platform does not mix them', () => {
    expect(checkMedia(bluesky, [video(), image(), image()], false)).toEqual([
      'Bluesky takes either a video or images on one post; this post has 1 video and 2 images: keep one kind.',
    ]);
  });

  it('refuses missing alt text only when the channel requires it', () => {
    expect(checkMedia(mastodon, [image(), image({ alt: '  ' })], true)).toEqual([
      'Item 2 (image) has no alt text; this channel requires a description of every image and video: add one.',
    ]);
    expect(checkMedia(mastodon, [image({ alt: '' })], false)).toEqual([]);
  });

  it('checks type, size and duration against the limits', () => {
    expect(checkMedia(bluesky, [video({ durationMs: 250_000 })], false)).toEqual([
      'Item 1 (video) is 4 min 10 s long; Bluesky takes videos of at most 3 min: trim it.',
    ]);
    expect(checkMedia(bluesky, [video({ bytes: 120_000_000 })], false)).toEqual([
      'Item 1 (video) is 120 MB; Bluesky takes videos of at most 100 MB: make it smaller.',
    ]);
    expect(checkMedia(mastodon, [image({ mimeType: 'image/tiff' })], false)).toEqual([
      'Item 1 (image) is image/tiff; Mastodon takes images of type image/jpeg, image/png, image/gif, image/webp, image/heic, image/heif, image/avif: convert it.',
    ]);
    expect(checkMedia(mastodon, [image({ bytes: 20 * 1024 * 1024 })], false)).toEqual([
      'Item 1 (image) is 20 MB; Mastodon takes images of at most 16 MB: make it smaller.',
    ]);
  });

  it('takes any image size on Bluesky (re-encoded to fit at publish time)', () => {
    expect(checkMedia(bluesky, [image({ bytes: 15_000_000 })], false)).toEqual([]);
  });

  it('uses the limits it is given (an instance with other numbers), and none for a webhook', () => {
    const generous: PlatformLimits = {
      ...mastodon,
      name: 'Mastodon (big.example)',
      media: { ...mastodon.media!, maxItems: 8, maxImages: 8, altMaxLength: 10 },
    };
    expect(
      checkMedia(
        generous,
        [1, 2, 3, 4, 5, 6].map(() => image()),
        false,
      ),
    ).toEqual([]);
    expect(checkMedia(generous, [image({ alt: 'una descrizione lunga' })], false)).toEqual([
      'Item 1 (image) has an alt text of 21 characters; Mastodon (big.example) takes at most 10: shorten it.',
    ]);
    expect(
      checkMedia(
        defaultLimits('webhook'),
        [1, 2, 3, 4, 5, 6].map(() => video()),
        false,
      ),
    ).toEqual([]);
    expect(checkMedia(defaultLimits('webhook'), [image({ alt: '' })], true)).toHaveLength(1);
  });
});

describe('checkText', () => {
  it('takes the character limit and the weight of a link from the limits', () => {
    const limits: PlatformLimits = {
      ...defaultLimits('mastodon'),
      name: 'Mastodon (big.example)',
      text: { maxCharacters: 1000, unit: 'characters', urlWeight: 30 },
    };
    expect(checkText(limits, 'a'.repeat(1000))).toBeNull();
    expect(checkText(limits, `${'a'.repeat(971)} https://example.com`)).toMatchObject({ length: 1002, over: 2 });
    expect(checkText(limits, `${'a'.repeat(971)} https://example.com`)!.message).toBe(
      'The post is 1002 characters long as Mastodon (big.example) counts them (each link counts as 30); the limit is 1000: shorten it by 2.',
    );
    expect(checkText(defaultLimits('webhook'), 'a'.repeat(100_000))).toBeNull();
  });
});
