import { linkableUrl } from './links';

describe('linkableUrl', () => {
  it('keeps http and https URLs', () => {
    expect(linkableUrl('https://mastodon.social/@acme/110000000000000001')).toBe(
      'https://mastodon.social/@acme/110000000000000001',
    );
    expect(linkableUrl('http://hooks.example.com/x')).toBe('http://hooks.example.com/x');
  });

  it('refuses every other scheme, however it is written', () => {
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      '\tjava\nscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'mock://c1/p1',
      'file:///etc/passwd',
    ]) {
      expect([url, linkableUrl(url)]).toEqual([url, null]);
    }
  });

  it('refuses what is not an absolute URL', () => {
    for (const url of ['', null, undefined, '/relative', 'not a url', '//evil.example/x'])
      expect(linkableUrl(url)).toBeNull();
  });
});
