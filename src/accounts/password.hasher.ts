import { Inject, Injectable } from '@nestjs/common';
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

/**
 * Argon2id password hashes (PHC strings), with the parameters of ARGON2_MEMORY_KIB,
 * ARGON2_TIME_COST and ARGON2_PARALLELISM (OWASP's Password Storage Cheat Sheet:
 * m=19456 KiB, t=2, p=1). A hash made with other parameters still verifies: the
 * parameters are in the string.
 *
 * `verifyNothing()` costs what a verification costs, for an email with no account (or no
 * password): sign-in answers the same, in the same time, whether an email exists or not.
 */
/** `Algorithm.Argon2id` (an ambient const enum, which isolated modules cannot read). */
const ARGON2ID = 2 as Algorithm;

@Injectable()
export class PasswordHasher {
  private dummy: Promise<string> | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  hash(password: string): Promise<string> {
    return hash(password, {
      algorithm: ARGON2ID,
      memoryCost: this.config.argon2.memoryKib,
      timeCost: this.config.argon2.timeCost,
      parallelism: this.config.argon2.parallelism,
    });
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  /** Spends a verification's time and answers false. */
  async verifyNothing(password: string): Promise<false> {
    this.dummy ??= this.hash('palinsesto: no such account');
    await this.verify(await this.dummy, password);
    return false;
  }
}
