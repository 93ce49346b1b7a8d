import { BLUESKY_MEDIA, defaultLimits } from '../../../src/content/content-limits';
import { mediaProblems, type ComposedMedia } from './media-limits';

const image = (alt = 'A photo', bytes = 200_000, mimeType = 'image/jpeg'): ComposedMedia => ({
  kind: 'image',
  mimeType,
  bytes,
  alt,
});
const video = (alt = 'A clip', durationMs = 10_000): ComposedMedia => ({
  kind: 'video',
  mimeType: 'video/mp4',
  bytes: 5_000_000,
  durationMs,
  alt,
});

describe('mediaProblems (the composer’s live check of a post’s media)', () => {
  const mastodon = defaultLimits('mastodon');
  const bluesky = defaultLimits('bluesky');

  it('accepts what the platform takes', () => {
    expect(mediaProblems(mastodon, [image(), image(), image(), image()], true)).toEqual([]);
    expect(mediaProblems(bluesky, [video()], true)).toEqual([]);
    expect(
      mediaProblems(
        defaultLimits('webhook'),
        Array.from({ length: 10 }, () => image()),
        true,
      ),
    ).toEqual([]);
  });

  it('names the limit and what to change: count, kinds, type, size, duration', () => {
    expect(
      mediaProblems(
        bluesky,
        Array.from({ length: 5 }, () => image()),
        false,
      ),
    ).toEqual(['Bluesky takes at most 4 images; this post has 5: remove 1.']);
    expect(mediaProblems(mastodon, [image(), video()], false)).toEqual([
      'Mastodon takes either a video or images on one post; this post has 1 video and 1 image: keep one kind.',
    ]);
    expect(mediaProblems(bluesky, [image('x', 1000, 'image/heic')], false)).toEqual([
      `Item 1 (image) is image/heic; Bluesky takes images of type ${BLUESKY_MEDIA.imageMimeTypes!.join(', ')}: convert it.`,
    ]);
    expect(mediaProblems(mastodon, [image('x', 17 * 1024 * 1024)], false)).toEqual([
      'Item 1 (image) is 17 MB; Mastodon takes images of at most 16 MB: make it smaller.',
    ]);
    expect(mediaProblems(bluesky, [video('x', 200_000)], false)).toHaveLength(1);
    expect(mediaProblems(bluesky, [video('x', 200_000)], false)[0]).toContain('trim it');
  });

  it('asks for alt text when the channel requires it, and only then', () => {
    expect(mediaProblems(mastodon, [image('A photo'), image('  ')], true)).toEqual([
      'Item 2 (image) has no alt text; this channel requires a description of every image and video: add one.',
    ]);
    expect(mediaProblems(mastodon, [image('')], false)).toEqual([]);
    // Limits not known yet: the alt text rule still applies, nothing else.
    expect(mediaProblems(null, [image(''), ...Array.from({ length: 9 }, () => image())], true)).toHaveLength(1);
  });

  it('bounds the alt text where the platform does', () => {
    expect(mediaProblems(mastodon, [image('a'.repeat(1501))], true)[0]).toContain('takes at most 1500: shorten it');
  });
});
