import { Inject, Injectable } from '@nestjs/common';
import { PLATFORMS, type Platform, PlatformAdapter } from './platform-adapter';
import { PublishError } from './publish-error';

/** Injection token of the list of every PlatformAdapter (see PublishingAdaptersModule). */
export const PLATFORM_ADAPTERS = 'PLATFORM_ADAPTERS';

/** Thrown for a platform that has no adapter: permanent, so the post fails with a clear reason. */
export class UnknownPlatformError extends PublishError {
  constructor(platform: string, known: readonly string[]) {
    super('rejected', `No publishing adapter for platform "${platform}" (known: ${known.join(', ') || 'none'}).`);
  }
}

/** The adapters by platform; the dispatcher's only way to reach one. */
@Injectable()
export class AdapterRegistry {
  private readonly byPlatform = new Map<Platform, PlatformAdapter>();

  constructor(@Inject(PLATFORM_ADAPTERS) adapters: readonly PlatformAdapter[]) {
    for (const adapter of adapters) {
      if (this.byPlatform.has(adapter.platform)) {
        throw new Error(`AdapterRegistry: two adapters for platform "${adapter.platform}"`);
      }
      this.byPlatform.set(adapter.platform, adapter);
    }
  }

  /** The adapter for `platform`; throws UnknownPlatformError when there is none. */
  get(platform: string): PlatformAdapter {
    const adapter = this.isPlatform(platform) ? this.byPlatform.get(platform) : undefined;
    if (!adapter) throw new UnknownPlatformError(platform, this.platforms());
    return adapter;
  }

  has(platform: string): boolean {
    return this.isPlatform(platform) && this.byPlatform.has(platform);
  }

  platforms(): Platform[] {
    return [...this.byPlatform.keys()];
  }

  private isPlatform(value: string): value is Platform {
    return (PLATFORMS as readonly string[]).includes(value);
  }
}
