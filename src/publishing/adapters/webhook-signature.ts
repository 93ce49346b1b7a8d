import { createHmac, timingSafeEqual } from 'node:crypto';

export const DELIVERY_HEADER = 'X-Palinsesto-Delivery';
export const SIGNATURE_HEADER = 'X-Palinsesto-Signature';

/** `sha256=<hex HMAC-SHA256 of the exact body bytes>`, the value of X-Palinsesto-Signature. */
export function signWebhookBody(body: Uint8Array | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of a received signature header against the body and a secret. */
export function verifyWebhookSignature(body: Uint8Array | string, secret: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signWebhookBody(body, secret));
  const received = Buffer.from(header.trim());
  return expected.length === received.length && timingSafeEqual(expected, received);
}
