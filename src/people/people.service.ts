import { Inject, Injectable, Logger } from '@nestjs/common';
import { AccountsService } from '../accounts/accounts.service';
import { generateSecret, hashSecret, looksLikeSecret } from '../accounts/secret-token';
import type { UserEntity } from '../accounts/user.entity';
import type { Actor, SignedInUser } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode } from '../common/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Mailer } from '../mail/mailer';
import { addressKey } from '../throttle/client-address';
import { RateLimiter } from '../throttle/rate-limiter';
import { mapMember, mapWorkspace } from '../workspaces/dto/workspace.dto';
import { WorkspacesService } from '../workspaces/workspaces.service';
import type { InvitationAcceptDto, InvitationCreateDto, SignInDto, SignUpDto } from './dto/people.dto';
import type { InvitationEntity } from './invitation.entity';
import { InvitationsRepository } from './invitations.repository';
import type { OidcIdentity } from './oidc.client';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const VERIFY_TTL_MS = 48 * HOUR_MS;

/** Limits of the emailing and link endpoints (sign-in's is SIGNIN_ATTEMPTS_PER_MINUTE). */
const LIMITS = {
  /** Reset or verification emails per account, per 15 minutes. */
  mailPerAccount: { limit: 3, windowMs: 15 * MINUTE_MS },
  /** Reset or verification requests per client address, per 15 minutes. */
  mailPerAddress: { limit: 30, windowMs: 15 * MINUTE_MS },
  /** Link uses (invitation accepts, resets, verifications) per client address, per minute. */
  linksPerAddress: { limit: 20, windowMs: MINUTE_MS },
  /** Invitations per workspace, per hour. */
  invitationsPerWorkspace: { limit: 100, windowMs: HOUR_MS },
  /** Sign-ups per client address, per hour. */
  signupsPerAddress: { limit: 20, windowMs: HOUR_MS },
} as const;

/** One answer for an unknown email and a wrong password: the answer never tells which. */
const WRONG_CREDENTIALS = 'The email or the password is wrong.';
const BAD_LINK = 'This link is not valid: it may have been used already, have expired, or be mistyped.';

export interface SessionStarted {
  /** The session id for the cookie (set by the controller, never in a body). */
  sessionToken: string;
}

function mapUser(u: Pick<UserEntity, 'id' | 'name' | 'email' | 'emailVerifiedAt'>) {
  return { id: u.id, name: u.name, email: u.email, emailVerified: u.emailVerifiedAt !== null };
}

/**
 * People's use cases: sign-up, sign-in and out, invitations, email verification and
 * password resets. Every emailed link and session id is a 256-bit secret stored as its
 * hash; passwords only as Argon2id hashes; none of them is ever logged or returned after
 * it is made (the session id only as the cookie).
 */
@Injectable()
export class PeopleService {
  private readonly logger = new Logger('People');

  constructor(
    private readonly accounts: AccountsService,
    private readonly workspaces: WorkspacesService,
    private readonly invitations: InvitationsRepository,
    private readonly audit: AuditService,
    private readonly limiter: RateLimiter,
    private readonly mailer: Mailer,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async signUp(dto: SignUpDto, authorization: string | undefined, ip: string | undefined) {
    this.workspaces.assertSignupAllowed(authorization);
    await this.limit(`signup:addr:${addressKey(ip)}`, LIMITS.signupsPerAddress, 'sign-ups from your address');
    const passwordHash = await this.accounts.hashPassword(dto.password);
    const { user, workspace, member, sessionToken, verifyToken } = await this.accounts.transaction(async (m) => {
      const user = await this.accounts.createUser(m, { email: dto.email, name: dto.name, passwordHash });
      if (!user) {
        throw new DomainError(ErrorCode.Conflict, 'An account with this email exists already; sign in instead.', {
          errors: [{ field: 'email', message: 'has an account already' }],
        });
      }
      const { workspace, member } = await this.workspaces.createWithLead(m, dto.workspace, user, dto.name, null);
      const { token: sessionToken } = await this.accounts.startSession(m, user.id);
      const verifyToken = await this.accounts.issueLink(m, user.id, 'verify_email', VERIFY_TTL_MS);
      await this.audit.record(
        { workspaceId: workspace.id, memberId: member.id, userId: user.id },
        { action: 'user.sign_up', entityType: 'user', entityId: user.id },
        m,
      );
      return { user, workspace, member, sessionToken, verifyToken };
    });
    this.sendLater('verification', this.verificationMail(user.email, verifyToken));
    return {
      body: {
        workspace: mapWorkspace(workspace),
        member: mapMember(member),
        user: mapUser(user),
      },
      sessionToken,
    };
  }

  /**
   * Sign-in by email and password. Every attempt counts against the account and the
   * client address (shared by all instances) before the password is checked, so past the
   * limit no guess is checked at all (429) and none can be told right from wrong; after a
   * minute the account signs in again (throttling, not a lock-out an attacker could keep).
   */
  async signIn(dto: SignInDto, ip: string | undefined) {
    const perMinute = this.config.signinAttemptsPerMinute;
    await this.limit(`signin:acct:${dto.email}`, { limit: perMinute, windowMs: MINUTE_MS }, 'sign-in attempts');
    await this.limit(`signin:addr:${addressKey(ip)}`, { limit: perMinute, windowMs: MINUTE_MS }, 'sign-in attempts');
    const { user, ok } = await this.accounts.checkPassword(dto.email, dto.password);
    if (!ok || !user) {
      await this.accounts.transaction((m) =>
        this.audit.record(
          { workspaceId: null, memberId: null, userId: user?.id ?? null },
          {
            action: 'auth.sign_in_failed',
            entityType: 'user',
            entityId: user?.id ?? null,
            details: { email: dto.email },
          },
          m,
        ),
      );
      throw new DomainError(ErrorCode.Unauthenticated, WRONG_CREDENTIALS);
    }
    // Only after the right password: the answer then tells nothing its owner does not know.
    if (await this.workspaces.ssoOnlyFor(user.id)) {
      throw new DomainError(
        ErrorCode.Forbidden,
        'Your workspace signs in by single sign-on only: use the single sign-on button.',
      );
    }
    const sessionToken = await this.accounts.transaction(async (m) => {
      const { token, sessionId } = await this.accounts.startSession(m, user.id);
      await this.audit.record(
        { workspaceId: null, memberId: null, userId: user.id },
        { action: 'auth.sign_in', entityType: 'user', entityId: user.id, details: { sessionId } },
        m,
      );
      return token;
    });
    return { body: await this.whoIs(user), sessionToken };
  }

  /**
   * Sign-in by the OpenID provider's verified email: the account of that email (made, with
   * no password and the address verified, when there is none: it then belongs to no
   * workspace until a lead invites it). Works with SIGNUP=closed: no workspace is made.
   */
  async signInByOidc(identity: OidcIdentity, ip: string | undefined) {
    await this.limit(`links:addr:${addressKey(ip)}`, LIMITS.linksPerAddress, 'sign-ins from your address');
    const { user, sessionToken } = await this.accounts.transaction(async (m) => {
      let user = await this.accounts.userByEmail(identity.email, m);
      if (!user) {
        await this.accounts.createUser(m, {
          email: identity.email,
          name: identity.name ?? identity.email.split('@')[0],
          passwordHash: null,
          verified: true,
        });
        user = await this.accounts.userByEmail(identity.email, m);
        if (!user) throw new DomainError(ErrorCode.Conflict, 'The account was made meanwhile; try again.');
      } else if (!user.emailVerifiedAt) {
        await this.accounts.updateUser(m, user.id, { emailVerifiedAt: this.clock.now() });
      }
      await this.workspaces.joinByDomain(m, user);
      const { token, sessionId } = await this.accounts.startSession(m, user.id);
      await this.audit.record(
        { workspaceId: null, memberId: null, userId: user.id },
        {
          action: 'auth.sign_in',
          entityType: 'user',
          entityId: user.id,
          details: { sessionId, via: 'oidc', subject: identity.subject },
        },
        m,
      );
      return { user, sessionToken: token };
    });
    return { body: await this.whoIs(user), sessionToken };
  }

  async signOut(sessionCookie: string | undefined, user: SignedInUser | undefined): Promise<void> {
    await this.accounts.endSession(sessionCookie);
    if (user)
      await this.accounts.transaction((m) =>
        this.audit.record(
          { workspaceId: null, memberId: null, userId: user.userId },
          { action: 'auth.sign_out', entityType: 'user', entityId: user.userId },
          m,
        ),
      );
  }

  /** Ends every session of the user on every instance (this one included). */
  async signOutEverywhere(user: SignedInUser): Promise<{ ended: number }> {
    const ended = await this.accounts.transaction(async (m) => {
      const ended = await this.accounts.endSessionsOfUser(m, user.userId);
      await this.audit.record(
        { workspaceId: null, memberId: null, userId: user.userId },
        { action: 'auth.sign_out_everywhere', entityType: 'user', entityId: user.userId, details: { ended } },
        m,
      );
      return ended;
    });
    return { ended };
  }

  /** The user and their memberships (sign-in's answer). */
  async whoIs(user: Pick<UserEntity, 'id' | 'name' | 'email' | 'emailVerifiedAt'>) {
    return { user: mapUser(user), memberships: await this.workspaces.membershipsOf(user.id) };
  }

  /** Sends (again) the link that verifies the signed-in user's email. */
  async resendVerification(signedIn: SignedInUser, ip: string | undefined): Promise<void> {
    const user = await this.accounts.userById(signedIn.userId);
    if (!user || user.emailVerifiedAt) return;
    await this.limit(`mail:acct:${user.email}`, LIMITS.mailPerAccount, 'emails to this account');
    await this.limit(`mail:addr:${addressKey(ip)}`, LIMITS.mailPerAddress, 'email requests from your address');
    const token = await this.accounts.transaction((m) =>
      this.accounts.issueLink(m, user.id, 'verify_email', VERIFY_TTL_MS),
    );
    this.sendLater('verification', this.verificationMail(user.email, token));
  }

  async verifyEmail(token: string, ip: string | undefined): Promise<void> {
    await this.limit(`links:addr:${addressKey(ip)}`, LIMITS.linksPerAddress, 'link uses from your address');
    await this.accounts.transaction(async (m) => {
      const userId = await this.accounts.consumeLink(m, 'verify_email', token);
      if (!userId) throw DomainError.invalid('token', BAD_LINK);
      await this.accounts.updateUser(m, userId, { emailVerifiedAt: this.clock.now() });
      await this.audit.record(
        { workspaceId: null, memberId: null, userId },
        { action: 'user.email_verified', entityType: 'user', entityId: userId },
        m,
      );
    });
  }

  /**
   * Sends a password reset link when the email has an account; answers the same either
   * way (the email goes out after the answer, so its time does not tell either).
   */
  async requestPasswordReset(email: string, ip: string | undefined): Promise<void> {
    await this.limit(`mail:acct:${email}`, LIMITS.mailPerAccount, 'emails to this account');
    await this.limit(`mail:addr:${addressKey(ip)}`, LIMITS.mailPerAddress, 'email requests from your address');
    const user = await this.accounts.userByEmail(email);
    if (!user) return;
    const token = await this.accounts.transaction(async (m) => {
      const token = await this.accounts.issueLink(
        m,
        user.id,
        'reset_password',
        this.config.passwordResetTtlMinutes * MINUTE_MS,
      );
      await this.audit.record(
        { workspaceId: null, memberId: null, userId: user.id },
        { action: 'user.password_reset_requested', entityType: 'user', entityId: user.id },
        m,
      );
      return token;
    });
    this.sendLater('password reset', {
      to: user.email,
      subject: 'Reset your Palinsesto password',
      text:
        `Someone (hopefully you) asked to reset the password of your Palinsesto account.\n\n` +
        `Choose a new password here (the link works once, for ${this.config.passwordResetTtlMinutes} minutes):\n` +
        `${this.link('reset', token)}\n\nIf it was not you, ignore this email: your password stays as it is.\n`,
    });
  }

  /** Sets a new password by an emailed link; every session of the account ends. */
  async resetPassword(token: string, password: string, ip: string | undefined): Promise<void> {
    await this.limit(`links:addr:${addressKey(ip)}`, LIMITS.linksPerAddress, 'link uses from your address');
    if (!looksLikeSecret(token)) throw DomainError.invalid('token', BAD_LINK);
    const passwordHash = await this.accounts.hashPassword(password);
    await this.accounts.transaction(async (m) => {
      const userId = await this.accounts.consumeLink(m, 'reset_password', token);
      if (!userId) throw DomainError.invalid('token', BAD_LINK);
      // The link came by email: the address is proven.
      await this.accounts.updateUser(m, userId, { passwordHash, emailVerifiedAt: this.clock.now() });
      const ended = await this.accounts.endSessionsOfUser(m, userId);
      await this.audit.record(
        { workspaceId: null, memberId: null, userId },
        { action: 'user.password_reset', entityType: 'user', entityId: userId, details: { sessionsEnded: ended } },
        m,
      );
    });
  }

  /** A lead invites by email with a role: a single-use link that expires (INVITATION_TTL_HOURS). */
  async invite(actor: Actor, workspaceId: string, dto: InvitationCreateDto) {
    const workspace = await this.workspaces.get(actor, workspaceId);
    await this.limit(`invite:ws:${workspaceId}`, LIMITS.invitationsPerWorkspace, 'invitations from this workspace');
    const token = generateSecret();
    const now = this.clock.now();
    const invitation = await this.invitations.transaction(async (m) => {
      if (await this.workspaces.isMemberEmail(m, workspaceId, dto.email)) {
        throw new DomainError(ErrorCode.Conflict, `${dto.email} is already a member of this workspace.`, {
          errors: [{ field: 'email', message: 'is already a member of this workspace' }],
        });
      }
      const invitation = await this.invitations.insert(m, {
        workspaceId,
        email: dto.email,
        role: dto.role,
        tokenHash: hashSecret(token),
        invitedBy: actor.memberId,
        expiresAt: new Date(now.getTime() + this.config.invitationTtlHours * HOUR_MS),
        createdAt: now,
      });
      await this.audit.record(
        actor,
        {
          action: 'invitation.create',
          entityType: 'invitation',
          entityId: invitation.id,
          details: { email: dto.email, role: dto.role },
        },
        m,
      );
      return invitation;
    });
    const emailSent = await this.mailer.send('invitation', {
      to: dto.email,
      subject: `${actor.name} invites you to ${workspace.name} on Palinsesto`,
      text:
        `${actor.name} invites you to plan and publish with "${workspace.name}" on Palinsesto, as ${dto.role}.\n\n` +
        `Accept here (the link works once, for ${this.config.invitationTtlHours} hours):\n${this.link('invitation', token)}\n`,
    });
    return { ...mapInvitation(invitation), emailSent };
  }

  async listInvitations(actor: Actor, workspaceId: string) {
    this.workspaces.assertOwn(actor, workspaceId);
    const rows = await this.invitations.listOpen(workspaceId, this.clock.now());
    return { items: rows.map(mapInvitation), nextCursor: null };
  }

  /**
   * Accepts an invitation once: a signed-in user just gains the membership; otherwise the
   * invitee's account is made (name and password), or, when the email has one, its password
   * is checked (or set, for an account made by a script without one). A session starts for
   * a user who was not signed in. A forged, used or expired link changes nothing (400).
   */
  async accept(token: string, dto: InvitationAcceptDto, signedIn: SignedInUser | undefined, ip: string | undefined) {
    await this.limit(`links:addr:${addressKey(ip)}`, LIMITS.linksPerAddress, 'link uses from your address');
    if (!looksLikeSecret(token)) throw DomainError.invalid('token', BAD_LINK);
    if (!signedIn && (!dto.name || !dto.password)) {
      throw new DomainError(ErrorCode.InvalidInput, 'Give your name and a password (or sign in first).', {
        errors: [
          ...(dto.name ? [] : [{ field: 'name', message: 'is required unless you are signed in' }]),
          ...(dto.password ? [] : [{ field: 'password', message: 'is required unless you are signed in' }]),
        ],
      });
    }
    const newHash = !signedIn && dto.password ? await this.accounts.hashPassword(dto.password) : null;
    const now = this.clock.now();
    const outcome = await this.invitations.transaction(async (m) => {
      const invitation = await this.invitations.lockOpen(m, hashSecret(token), now);
      if (!invitation) throw DomainError.invalid('token', BAD_LINK);
      let user: UserEntity | null;
      if (signedIn) {
        user = await this.accounts.userById(signedIn.userId, m);
        if (!user) throw new DomainError(ErrorCode.Unauthenticated, 'Your session has ended; sign in again.');
      } else {
        user = await this.accounts.userByEmail(invitation.email, m);
        if (user?.passwordHash) {
          if (!(await this.accounts.verifyPassword(user, dto.password!)))
            throw new DomainError(
              ErrorCode.Unauthenticated,
              'This email has an account: give its password (or sign in first) to accept.',
            );
        } else if (user) {
          await this.accounts.updateUser(m, user.id, { passwordHash: newHash, name: dto.name!, emailVerifiedAt: now });
        } else {
          user = await this.accounts.createUser(m, {
            email: invitation.email,
            name: dto.name!,
            passwordHash: newHash!,
            verified: true,
          });
          if (!user) throw new DomainError(ErrorCode.Conflict, 'The account was made meanwhile; try again.');
        }
      }
      const member = await this.workspaces.addMembership(
        m,
        invitation.workspaceId,
        user,
        dto.name ?? user.name,
        invitation.role,
      );
      if (!member) {
        throw new DomainError(ErrorCode.Conflict, `${user.email} is already a member of this workspace.`);
      }
      await this.invitations.markAccepted(m, invitation.id, now);
      await this.audit.record(
        { workspaceId: invitation.workspaceId, memberId: member.id, userId: user.id },
        {
          action: 'invitation.accept',
          entityType: 'invitation',
          entityId: invitation.id,
          details: { email: invitation.email, role: invitation.role, memberId: member.id },
        },
        m,
      );
      const session = signedIn ? null : await this.accounts.startSession(m, user.id);
      return { user, member, invitation, sessionToken: session?.token ?? null };
    });
    const fresh = (await this.accounts.userById(outcome.user.id)) ?? outcome.user;
    return {
      body: { member: mapMember(outcome.member), ...(await this.whoIs(fresh)) },
      sessionToken: outcome.sessionToken,
    };
  }

  private async limit(key: string, rule: { limit: number; windowMs: number }, what: string): Promise<void> {
    const verdict = await this.limiter.hit(key, rule.limit, rule.windowMs);
    if (!verdict.allowed) {
      throw new DomainError(ErrorCode.RateLimited, `Too many ${what}; try again in ${verdict.retryAfterSeconds} s.`, {
        retryAfter: verdict.retryAfterSeconds,
      });
    }
  }

  private verificationMail(to: string, token: string) {
    return {
      to,
      subject: 'Confirm your email for Palinsesto',
      text: `Confirm that this is your email address (the link works once, for 48 hours):\n${this.link('verify', token)}\n`,
    };
  }

  /**
   * A link to the page with the token in the fragment: browsers never send a fragment to a
   * server, so the token stays out of access logs and Referer headers.
   */
  private link(kind: 'invitation' | 'reset' | 'verify', token: string): string {
    const base = this.config.publicUrl ?? `http://localhost:${this.config.port}`;
    return `${base}/#${kind}=${token}`;
  }

  /** Sends after the answer: an email's time must not tell whether an account exists. */
  private sendLater(kind: string, message: { to: string; subject: string; text: string }): void {
    void this.mailer.send(kind, message);
  }
}

function mapInvitation(i: InvitationEntity) {
  return {
    id: i.id,
    workspaceId: i.workspaceId,
    email: i.email,
    role: i.role,
    expiresAt: i.expiresAt.toISOString(),
    createdAt: i.createdAt.toISOString(),
  };
}
