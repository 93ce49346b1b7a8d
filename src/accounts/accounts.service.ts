import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { CHANGE_CHANNELS, ChangeNotifications } from '../database/change-notifications';
import { NotifiedCache } from '../database/notified-cache';
import { PasswordHasher } from './password.hasher';
import { generateSecret, hashSecret, looksLikeSecret } from './secret-token';
import { SessionHolder, SessionsRepository } from './sessions.repository';
import { UserTokensRepository } from './user-tokens.repository';
import type { UserTokenPurpose } from './user-token.entity';
import type { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';

const MINUTE_MS = 60_000;
/** Sessions deleted per statement by the sweep. */
const SWEEP_BATCH = 1_000;

/**
 * Accounts, their sessions and their emailed links. Nothing here knows HTTP: the session
 * id, the links' tokens and the passwords come in and go out as strings, and only their
 * hashes reach the database.
 */
@Injectable()
export class AccountsService {
  private readonly logger = new Logger('Accounts');
  /** Sessions by id hash: read on every cookie-authenticated request; a deleted session is dropped on every instance. */
  private readonly sessionCache: NotifiedCache<SessionHolder>;
  /** When this instance last moved a session's last use (a write a minute at most). */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly links: UserTokensRepository,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    notifications: ChangeNotifications,
  ) {
    this.sessionCache = new NotifiedCache(notifications, {
      channel: CHANGE_CHANNELS.sessions,
      rowOf: (s) => s.sessionId,
      maxEntries: 10_000,
    });
  }

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.users.transaction(work);
  }

  hashPassword(password: string): Promise<string> {
    return this.hasher.hash(password);
  }

  userByEmail(email: string, m?: EntityManager): Promise<UserEntity | null> {
    return this.users.findByEmail(email, m);
  }

  userById(id: string, m?: EntityManager): Promise<UserEntity | null> {
    return this.users.findById(id, m);
  }

  /** A new account with a password hash made beforehand (outside the transaction); null: the email has one. */
  createUser(
    m: EntityManager,
    user: { email: string; name: string; passwordHash: string | null; verified?: boolean },
  ): Promise<UserEntity | null> {
    return this.users.insert(m, {
      email: user.email,
      name: user.name,
      passwordHash: user.passwordHash,
      emailVerifiedAt: user.verified ? this.clock.now() : null,
    });
  }

  /** The account of `email`, made without a password when there is none (members made by scripts). */
  findOrCreateUser(m: EntityManager, email: string, name: string): Promise<UserEntity> {
    return this.users.findOrInsert(m, email, name);
  }

  updateUser(
    m: EntityManager,
    id: string,
    changes: Partial<Pick<UserEntity, 'name' | 'passwordHash' | 'emailVerifiedAt'>>,
  ): Promise<void> {
    return this.users.update(m, id, changes);
  }

  /**
   * The account whose password this is, or null. An unknown email, an account without a
   * password and a wrong password take the same time (an Argon2id verification each).
   */
  async checkPassword(email: string, password: string): Promise<{ user: UserEntity | null; ok: boolean }> {
    const user = await this.users.findByEmail(email);
    if (!user?.passwordHash) {
      await this.hasher.verifyNothing(password);
      return { user, ok: false };
    }
    return { user, ok: await this.hasher.verify(user.passwordHash, password) };
  }

  verifyPassword(user: UserEntity, password: string): Promise<boolean> {
    return user.passwordHash ? this.hasher.verify(user.passwordHash, password) : this.hasher.verifyNothing(password);
  }

  /** A new session of the user: answers the session id for the cookie (its hash is stored). */
  async startSession(m: EntityManager, userId: string): Promise<{ token: string; sessionId: string }> {
    const token = generateSecret();
    const session = await this.sessions.insert(m, userId, hashSecret(token), this.clock.now());
    return { token, sessionId: session.id };
  }

  /**
   * The live session of a cookie's id, or null (unknown, signed out, timed out, its user
   * deleted). From memory while its row stands (a deletion on any instance before the
   * request is seen: NotifiedCache); the timeouts are checked against the clock each time.
   */
  async sessionByToken(token: string | undefined): Promise<SessionHolder | null> {
    if (!looksLikeSecret(token)) return null;
    const hash = hashSecret(token);
    const session = await this.sessionCache.get(hash, () => this.sessions.findByHash(hash));
    if (!session) return null;
    const now = this.clock.now().getTime();
    const lastSeen = Math.max(session.lastSeenAt.getTime(), this.touched.get(session.sessionId) ?? 0);
    if (
      now - lastSeen > this.config.sessionIdleMinutes * MINUTE_MS ||
      now - session.createdAt.getTime() > this.config.sessionAbsoluteMinutes * MINUTE_MS
    ) {
      await this.sessions.deleteById(session.sessionId);
      this.touched.delete(session.sessionId);
      return null;
    }
    if (now - lastSeen >= MINUTE_MS) this.touch(session.sessionId, now);
    return session;
  }

  /**
   * Deletes what can never be used again: sessions past the idle or absolute timeout (the
   * idle one with an hour's margin, as an instance writes a session's last use a minute
   * late at most) and emailed links expired a day ago. Requests check the timeouts
   * themselves; this keeps the tables from growing with every sign-in. Safe on several
   * instances at once (deletes only).
   */
  async sweepExpired(): Promise<{ sessions: number; links: number }> {
    const now = this.clock.now().getTime();
    const idleBefore = new Date(now - this.config.sessionIdleMinutes * MINUTE_MS - 60 * MINUTE_MS);
    const startedBefore = new Date(now - this.config.sessionAbsoluteMinutes * MINUTE_MS);
    let sessions = 0;
    for (;;) {
      const deleted = await this.sessions.deleteExpired(idleBefore, startedBefore, SWEEP_BATCH);
      sessions += deleted;
      if (deleted < SWEEP_BATCH) break;
    }
    const links = await this.links.deleteExpired(new Date(now - 24 * 60 * MINUTE_MS));
    return { sessions, links };
  }

  /** Ends the session of this cookie's id (sign-out). */
  async endSession(token: string | undefined): Promise<void> {
    if (!looksLikeSecret(token)) return;
    const session = await this.sessions.findByHash(hashSecret(token));
    if (session) await this.sessions.deleteById(session.sessionId);
  }

  /** Ends every session of the user, on every instance (sign out everywhere, password reset, removal). */
  endSessionsOfUser(m: EntityManager, userId: string): Promise<number> {
    return this.sessions.deleteOfUser(m, userId);
  }

  /** A single-use emailed link's token for the user (older unused ones of the purpose are void). */
  async issueLink(m: EntityManager, userId: string, purpose: UserTokenPurpose, ttlMs: number): Promise<string> {
    const token = generateSecret();
    const now = this.clock.now();
    await this.links.voidUnused(m, userId, purpose, now);
    await this.links.insert(m, {
      userId,
      purpose,
      tokenHash: hashSecret(token),
      expiresAt: new Date(now.getTime() + ttlMs),
      createdAt: now,
    });
    return token;
  }

  /** Uses a link once: its user, or null when forged, used or expired. */
  consumeLink(m: EntityManager, purpose: UserTokenPurpose, token: string): Promise<string | null> {
    if (!looksLikeSecret(token)) return Promise.resolve(null);
    return this.links.consume(m, purpose, hashSecret(token), this.clock.now());
  }

  private touch(sessionId: string, now: number): void {
    this.touched.set(sessionId, now);
    if (this.touched.size > 10_000) this.touched.delete(this.touched.keys().next().value as string);
    this.sessions
      .touch(sessionId, new Date(now))
      .catch((error: unknown) =>
        this.logger.warn(`Recording a session's last use failed: ${(error as Error).message}`),
      );
  }
}
