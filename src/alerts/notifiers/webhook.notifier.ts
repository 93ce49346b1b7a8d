import { Inject, Injectable } from '@nestjs/common';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhookBody } from '../../publishing/adapters/webhook-signature';
import { ALERTS_OPTIONS, DEFAULT_ALERTS_OPTIONS, type AlertsOptions } from '../alerts.options';

/**
 * POSTs the alert as JSON, signed like publishing webhooks (X-Palinsesto-Signature:
 * sha256=<HMAC of the body> when the destination has a secret) with X-Palinsesto-Delivery
 * (the outbox row id: a receiver drops repeats by it). Any 2xx is delivered; anything else,
 * a redirect included, is retried.
 */
@Injectable()
export class WebhookNotifier {
  private readonly timeoutMs: number;

  constructor(@Inject(ALERTS_OPTIONS) options: Partial<AlertsOptions>) {
    this.timeoutMs = options.sendTimeoutMs ?? DEFAULT_ALERTS_OPTIONS.sendTimeoutMs;
  }

  async send(url: string, payload: unknown, deliveryId: string, secret: string | null): Promise<void> {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'Palinsesto-Alerts/1',
      [DELIVERY_HEADER]: deliveryId,
    };
    if (secret) headers[SIGNATURE_HEADER] = signWebhookBody(body, secret);
    const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status >= 300) throw new Error(`webhook answered HTTP ${res.status}`);
  }
}
