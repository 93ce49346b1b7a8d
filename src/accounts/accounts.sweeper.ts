import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { AccountsService } from './accounts.service';

/** Injection token of {@link AccountsSweepOptions}. */
export const ACCOUNTS_SWEEP_OPTIONS = 'ACCOUNTS_SWEEP_OPTIONS';

export interface AccountsSweepOptions {
  /** Run the sweep on a timer (default on; tests call AccountsService.sweepExpired themselves). */
  schedule?: boolean;
}

/** How often each instance sweeps expired sessions and links (deletes only: instances may overlap). */
export const ACCOUNTS_SWEEP_EVERY_MS = 3_600_000;

/** Runs AccountsService.sweepExpired every hour, the first a minute after start. */
@Injectable()
export class AccountsSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AccountsSweep');
  private timers: NodeJS.Timeout[] = [];
  private running?: Promise<void>;

  constructor(
    private readonly accounts: AccountsService,
    @Optional() @Inject(ACCOUNTS_SWEEP_OPTIONS) private readonly options: AccountsSweepOptions | null,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options?.schedule === false) return;
    this.timers = [setTimeout(() => this.run(), 60_000), setInterval(() => this.run(), ACCOUNTS_SWEEP_EVERY_MS)];
    for (const t of this.timers) t.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await this.running;
  }

  private run(): void {
    if (this.running) return;
    this.running = this.accounts
      .sweepExpired()
      .then(({ sessions, links }) => {
        if (sessions + links > 0) this.logger.log(`Deleted ${sessions} expired sessions and ${links} expired links`);
      })
      .catch((error: unknown) => this.logger.warn(`Sweep failed: ${(error as Error).message}`))
      .finally(() => (this.running = undefined));
  }
}
