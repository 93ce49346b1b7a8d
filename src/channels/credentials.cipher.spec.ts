import { CredentialsCipher } from './credentials.cipher';

describe('CredentialsCipher', () => {
  const cipher = new CredentialsCipher('0123456789abcdef'.repeat(4));
  const channel = '6f1b7c1e-2d1a-4e8f-9a51-6f7f0e9c1a00';

  it('round-trips and never stores the plain text', () => {
    const secret = { instanceUrl: 'https://m.example', accessToken: 'tok-very-secret' };
    const stored = cipher.encrypt(secret, channel);
    expect(stored).not.toContain('tok-very-secret');
    expect(stored).toMatch(/^v1\./);
    expect(cipher.decrypt(stored, channel)).toEqual(secret);
  });

  it('uses a fresh IV each time', () => {
    expect(cipher.encrypt({ a: 1 }, channel)).not.toBe(cipher.encrypt({ a: 1 }, channel));
  });

  it('refuses a ciphertext moved to another channel, a tampered one, or another key', () => {
    const stored = cipher.encrypt({ a: 1 }, channel);
    expect(() => cipher.decrypt(stored, '00000000-0000-4000-8000-000000000000')).toThrow();
    const parts = stored.split('.');
    const tampered = [...parts.slice(0, 3), Buffer.from('{"a":2}').toString('base64url')].join('.');
    expect(() => cipher.decrypt(tampered, channel)).toThrow();
    expect(() => new CredentialsCipher('x'.repeat(40)).decrypt(stored, channel)).toThrow();
  });
});
