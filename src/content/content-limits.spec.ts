import { mastodonCountedLength } from '../../test/fakes/mastodon.fake';
import { checkContentLimit, composeText } from './content-limits';
import { graphemeLength, mastodonLength } from './text-length';

describe('composeText', () => {
  it('joins title, body and link as paragraphs', () => {
    expect(composeText({ title: ' Titolo ', body: 'Testo\n', link: 'https://example.com' })).toBe(
      'Titolo\n\nTesto\n\nhttps://example.com',
    );
  });
  it('leaves out empty parts and a link the body already has', () => {
    expect(composeText({ title: null, body: 'Vedi https://example.com/a qui', link: 'https://example.com/a' })).toBe(
      'Vedi https://example.com/a qui',
    );
    expect(composeText({ title: '', body: '', link: 'https://example.com' })).toBe('https://example.com');
  });
});

describe('checkContentLimit: Mastodon (500, links 23, remote mentions by username)', () => {
  it('accepts exactly 500 and reports 501 as one over', () => {
    expect(checkContentLimit('mastodon', 'a'.repeat(500))).toBeNull();
    expect(checkContentLimit('mastodon', 'a'.repeat(501))).toMatchObject({
      limit: 500,
      length: 501,
      over: 1,
      unit: 'characters',
    });
  });

  it('counts every link as 23 characters, however long', () => {
    const longLink = `https://example.com/${'p'.repeat(300)}?utm_source=x#frag`;
    expect(mastodonLength(`Leggi ${longLink}.`)).toBe('Leggi '.length + 23 + 1);
    expect(checkContentLimit('mastodon', `${'a'.repeat(476)} ${longLink}`)).toBeNull(); // 476 + 1 + 23 = 500
    expect(checkContentLimit('mastodon', `${'a'.repeat(477)} ${longLink}`)?.over).toBe(1);
    expect(mastodonLength('http://a.it')).toBe(23); // a short link costs 23 too
  });

  it('counts @user@domain as @user and a local @user as written', () => {
    expect(mastodonLength('ciao @anna@mastodon.example.social!')).toBe('ciao @anna!'.length);
    expect(mastodonLength('ciao @anna!')).toBe('ciao @anna!'.length);
    expect(mastodonLength('mail anna@example.com')).toBe('mail anna@example.com'.length);
  });

  it('counts an emoji with modifiers and a letter with a combining accent as one character each', () => {
    expect(checkContentLimit('mastodon', '👍🏽'.repeat(500))).toBeNull();
    expect(checkContentLimit('mastodon', 'e\u0301'.repeat(500))).toBeNull();
    expect(checkContentLimit('mastodon', '👨‍👩‍👧'.repeat(501))?.length).toBe(501);
  });

  it('agrees with the Mastodon fake on mixed texts', () => {
    const samples = [
      'Nuovo articolo: https://example.com/blog/2026/03/un-titolo-molto-lungo?ref=home, leggete! 🎉',
      `@marco@social.example.org guarda (https://example.com/a_(b)) ${'è'.repeat(40)}`,
      'Niente link, solo testo con e\u0301 e 👩🏽‍💻.',
    ];
    for (const text of samples) expect(mastodonLength(text)).toBe(mastodonCountedLength(text));
  });

  it('says by how much to shorten', () => {
    expect(checkContentLimit('mastodon', 'a'.repeat(532))?.message).toBe(
      'The post is 532 characters long as Mastodon counts them (each link counts as 23); the limit is 500: shorten it by 32.',
    );
  });
});

describe('checkContentLimit: Bluesky (300 graphemes)', () => {
  it('counts graphemes, not code units or code points', () => {
    expect(graphemeLength('👨‍👩‍👧')).toBe(1);
    expect('👨‍👩‍👧'.length).toBe(8);
    expect(checkContentLimit('bluesky', '👨‍👩‍👧'.repeat(300))).toBeNull();
    expect(checkContentLimit('bluesky', 'e\u0301'.repeat(300))).toBeNull();
    expect(checkContentLimit('bluesky', `${'a'.repeat(300)}👍🏽`)).toMatchObject({
      limit: 300,
      length: 301,
      over: 1,
      unit: 'graphemes',
    });
  });

  it('counts links at their full length', () => {
    const link = `https://example.com/${'x'.repeat(281)}`;
    expect(link.length).toBe(301);
    expect(checkContentLimit('bluesky', link)).toMatchObject({ length: 301, over: 1 });
  });
});

describe('checkContentLimit: mock and webhook', () => {
  it('has no limit', () => {
    expect(checkContentLimit('mock', 'a'.repeat(100_000))).toBeNull();
    expect(checkContentLimit('webhook', 'a'.repeat(100_000))).toBeNull();
  });
});
