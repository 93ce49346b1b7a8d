import { DomainError } from '../common/domain-error';
import { normalizeInstance } from './mastodon-connect.service';

describe('normalizeInstance', () => {
  it('turns what a person types into the instance origin', () => {
    expect(normalizeInstance('mastodon.social')).toBe('https://mastodon.social');
    expect(normalizeInstance(' https://Mastodon.Social/ ')).toBe('https://mastodon.social');
    expect(normalizeInstance('https://mastodon.social/@someone')).toBe('https://mastodon.social');
    expect(normalizeInstance('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
  });

  it('refuses other schemes, user names and non-addresses with a 400 naming instanceUrl', () => {
    for (const bad of ['ftp://mastodon.social', 'https://me:pw@mastodon.social', 'javascript:alert(1)', 'exa mple']) {
      let error: unknown;
      try {
        normalizeInstance(bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).extra.errors?.[0]?.field).toBe('instanceUrl');
    }
  });
});
