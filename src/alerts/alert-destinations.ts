import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CredentialsCipher } from '../channels/credentials.cipher';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { AlertSettingsEntity, DEFAULT_LOOKAHEAD_DAYS, StoredWebhook } from './alert.entity';
import { AlertsRepository } from './alerts.repository';
import { EmailNotifier } from './notifiers/email.notifier';

export interface WorkspaceAlerting {
  lookaheadDays: number;
  /**
   * `email:<address>` and `webhook:<url>`. Called inside a transaction, pass its manager: the
   * lookup then uses the transaction's connection instead of holding a second one.
   */
  destinations(m?: EntityManager): Promise<string[]>;
  mutedUntil(channelId: string): Date | null;
}

export const emailDestination = (address: string) => `email:${address.toLowerCase()}`;
export const webhookDestination = (url: string) => `webhook:${url}`;

/** Who hears of a workspace's alerts, and the webhook secrets (encrypted at rest). */
@Injectable()
export class AlertDestinations {
  private readonly cipher: CredentialsCipher | null;

  constructor(
    private readonly repo: AlertsRepository,
    private readonly workspaces: WorkspacesService,
    private readonly email: EmailNotifier,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cipher = config.secretKey ? new CredentialsCipher(config.secretKey) : null;
  }

  async forWorkspace(workspaceId: string, m?: EntityManager): Promise<WorkspaceAlerting> {
    const settings = await this.repo.settingsOf(workspaceId, m);
    let cached: Promise<string[]> | undefined;
    return {
      lookaheadDays: settings?.lookaheadDays ?? DEFAULT_LOOKAHEAD_DAYS,
      destinations: (tx) => (cached ??= this.destinationsOf(workspaceId, settings, tx ?? m)),
      mutedUntil: (channelId) => {
        const until = settings?.mutes?.[channelId];
        return until ? new Date(until) : null;
      },
    };
  }

  /** Email only when SMTP_URL is set: without it no email row is ever queued. */
  private async destinationsOf(
    workspaceId: string,
    settings: AlertSettingsEntity | null,
    m?: EntityManager,
  ): Promise<string[]> {
    const out: string[] = [];
    if (this.email.enabled) {
      const emails = settings?.emails ?? (await this.workspaces.leadEmails(workspaceId, m));
      out.push(...new Set(emails.map(emailDestination)));
    }
    for (const w of settings?.webhooks ?? []) out.push(webhookDestination(w.url));
    return [...new Set(out)];
  }

  encryptSecret(workspaceId: string, secret: string): string {
    if (!this.cipher) throw new Error('SECRET_KEY is not set: webhook secrets cannot be stored');
    return this.cipher.encrypt({ secret }, `alert-webhook:${workspaceId}`);
  }

  /** The webhook's secret (null when it has none); undefined when the webhook is no longer configured. */
  async webhookSecret(workspaceId: string, url: string): Promise<string | null | undefined> {
    const settings = await this.repo.settingsOf(workspaceId);
    const hook: StoredWebhook | undefined = settings?.webhooks.find((w) => w.url === url);
    if (!hook) return undefined;
    if (!hook.secretCiphertext || !this.cipher) return null;
    return String(this.cipher.decrypt(hook.secretCiphertext, `alert-webhook:${workspaceId}`).secret);
  }
}
