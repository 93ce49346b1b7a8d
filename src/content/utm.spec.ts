import { findLinks } from './links';
import { tagLink, tagLinks, withChannelUtm } from './utm';

const opts = { source: 'mastodon', campaign: 'saldi estivi' };

describe('tagLink', () => {
  it('adds utm_source, utm_medium=social and utm_campaign', () => {
    expect(tagLink('https://example.com/saldi', opts)).toBe(
      'https://example.com/saldi?utm_source=mastodon&utm_medium=social&utm_campaign=saldi%20estivi',
    );
  });

  it('keeps other query parameters and the fragment as they are', () => {
    expect(tagLink('https://example.com/p?id=7&lang=it#prezzi', opts)).toBe(
      'https://example.com/p?id=7&lang=it&utm_source=mastodon&utm_medium=social&utm_campaign=saldi%20estivi#prezzi',
    );
    expect(tagLink('https://example.com/p?', opts)).toBe(
      'https://example.com/p?utm_source=mastodon&utm_medium=social&utm_campaign=saldi%20estivi',
    );
  });

  it('leaves a link that already has utm parameters alone', () => {
    const tagged = 'https://example.com/?utm_source=newsletter&x=1';
    expect(tagLink(tagged, opts)).toBe(tagged);
  });

  it('adds utm_content and a custom medium when asked', () => {
    expect(tagLink('http://example.com', { ...opts, medium: 'organic', content: 'post-1' })).toBe(
      'http://example.com?utm_source=mastodon&utm_medium=organic&utm_campaign=saldi%20estivi&utm_content=post-1',
    );
  });

  it('tags only the given hosts (and their subdomains) when hosts are set', () => {
    const own = { ...opts, hosts: ['example.com'] };
    expect(tagLink('https://shop.example.com/a', own)).toContain('utm_source=mastodon');
    expect(tagLink('https://other.org/a', own)).toBe('https://other.org/a');
    expect(tagLink('https://notexample.com/a', own)).toBe('https://notexample.com/a');
  });

  it('does not touch what is not an http(s) URL', () => {
    expect(tagLink('mailto:info@example.com', opts)).toBe('mailto:info@example.com');
    expect(tagLink('not a link', opts)).toBe('not a link');
  });
});

describe('tagLinks', () => {
  it('tags every link in a text and leaves punctuation and other text in place', () => {
    const text = 'Novità (https://example.com/a) e https://example.com/b?x=1#c. Fine!';
    expect(tagLinks(text, { source: 'bluesky', campaign: 'q3' })).toBe(
      'Novità (https://example.com/a?utm_source=bluesky&utm_medium=social&utm_campaign=q3) e ' +
        'https://example.com/b?x=1&utm_source=bluesky&utm_medium=social&utm_campaign=q3#c. Fine!',
    );
  });

  it('keeps balanced parentheses that belong to the link', () => {
    expect(findLinks('vedi https://it.wikipedia.org/wiki/Roma_(città), ok').map((l) => l.url)).toEqual([
      'https://it.wikipedia.org/wiki/Roma_(città)',
    ]);
  });
});

describe('withChannelUtm', () => {
  const post = { body: 'Read https://example.com/a and more', link: 'https://example.com/b?x=1' };

  it('tags the body and the link with the platform as source and the channel campaign', () => {
    expect(withChannelUtm(post, 'mastodon', 'spring')).toEqual({
      body: 'Read https://example.com/a?utm_source=mastodon&utm_medium=social&utm_campaign=spring and more',
      link: 'https://example.com/b?x=1&utm_source=mastodon&utm_medium=social&utm_campaign=spring',
    });
  });

  it('leaves the post alone when the channel has no campaign, and a missing link missing', () => {
    expect(withChannelUtm(post, 'mastodon', null)).toBe(post);
    expect(withChannelUtm({ body: 'no links', link: null }, 'bluesky', 'x')).toEqual({ body: 'no links', link: null });
  });
});
