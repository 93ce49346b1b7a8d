import { Inject, Injectable } from '@nestjs/common';
import { EgressGuard } from '../../egress/egress-guard';
import { egressRefusal } from '../../egress/egress-refused.error';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhookBody } from '../../publishing/adapters/webhook-signature';
import { ALERTS_OPTIONS, DEFAULT_ALERTS_OPTIONS, type AlertsOptions } from '../alerts.options';

/**
 * POSTs the alert as JSON, signed like publishing webhooks (X-Palinsesto-Signature:
 * sha256=<HMAC of the body> when the destination has a secret) with X-Palinsesto-Delivery
 * (the outbox row id: a receiver drops repeats by it). Any 2xx is delivered; anything else,
 * a redirect included (never followed), is retried. The URL is tenant-given: it goes through
 * the egress guard, and a refused address throws the EgressRefusedError (permanent). Errors
 * say the status or "could not connect", never the receiver's body nor which failure it was.
 */
@Injectable()
export class WebhookNotifier {
  private readonly timeoutMs: number;

  constructor(
    @Inject(ALERTS_OPTIONS) options: Partial<AlertsOptions>,
    private readonly egress: EgressGuard,
  ) {
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
    let res: Awaited<ReturnType<EgressGuard['fetch']>>;
    try {
      res = await this.egress.fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const refused = egressRefusal(error);
      if (refused) throw refused;
      // The cause is dropped on purpose: its text tells an open port from a closed one.
      // eslint-disable-next-line preserve-caught-error
      throw new Error(`could not connect to ${new URL(url).host}, or it did not answer within ${this.timeoutMs} ms`);
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status >= 300) throw new Error(`webhook answered HTTP ${res.status}`);
  }
}
