import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for channel credentials at rest. The channel id is bound as additional
 * authenticated data, so a ciphertext copied onto another channel does not decrypt.
 * Format: v1.<iv>.<tag>.<ciphertext>, each base64url.
 */
export class CredentialsCipher {
  private readonly key: Buffer;

  constructor(secretKey: string) {
    this.key = /^[0-9a-fA-F]{64}$/.test(secretKey)
      ? Buffer.from(secretKey, 'hex')
      : createHash('sha256').update(secretKey, 'utf8').digest();
  }

  encrypt(value: Record<string, unknown>, channelId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(channelId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), ciphertext]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  decrypt(payload: string, channelId: string): Record<string, unknown> {
    const [version, iv, tag, ciphertext] = payload.split('.');
    if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new Error('unknown credentials format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(channelId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plain = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
  }
}
