import { createHash, randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import type { Kysely } from 'kysely';
import * as OTPAuth from 'otpauth';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import type { Database, UserRow } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import type { SecretBox } from '../lib/secrets.js';
import type { Principal } from './access.js';
import { AccountsRepository } from './accounts.repository.js';
import type { AccountsService } from './accounts.service.js';
import { SessionsRepository } from './sessions.repository.js';
import { LoginThrottle } from './throttle.js';

export interface SessionSettings {
  /** A session not used for this long ends. */
  idleMs: number;
  /** A session ends this long after login, used or not. */
  maxAgeMs: number;
}

export const defaultSessionSettings: SessionSettings = { idleMs: 12 * 3_600_000, maxAgeMs: 7 * 86_400_000 };

export const loginSchema = z
  .object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(1_000), totp: z.string().trim().max(32).optional() })
  .strict();
export const passwordSchema = z.string().min(12, 'a password is at least 12 characters').max(1_000);

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface LoginMeta {
  ip: string;
  userAgent: string | undefined;
}

/**
 * Logging in and staying logged in: argon2id passwords, sessions stored server-side (a new one at
 * every login, ended at logout, at a password change and after idle or absolute expiry), TOTP
 * codes that work once, recovery codes, and throttling of failed logins.
 */
export class AuthService {
  private readonly throttle = new LoginThrottle();
  private readonly pendingTotp = new Map<number, { secret: string; until: number }>();
  /** Checked when no user has the email, so a wrong email costs as much time as a wrong password. */
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly accounts: AccountsService,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private settings: SessionSettings = defaultSessionSettings,
  ) {}

  async login(input: unknown, meta: LoginMeta): Promise<{ token: string; csrf: string; user: UserRow }> {
    const { email, password, totp } = parseInput(loginSchema, input);
    const now = this.clock.now();
    const keys = [`email:${email.toLowerCase()}`, `ip:${meta.ip}`];
    const wait = Math.max(...keys.map((k) => this.throttle.wait(k, now)));
    if (wait > 0)
      throw new AppError('rate_limited', `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`, {
        details: [{ path: 'retryAfter', message: String(Math.ceil(wait / 1000)) }],
      });

    const repo = new AccountsRepository(this.db);
    const user = await repo.getUserByEmail(email.toLowerCase());
    this.dummyHash ??= argon2.hash(randomBytes(16).toString('hex'), { type: argon2.argon2id });
    const passwordOk = await argon2.verify(user?.password_hash ?? (await this.dummyHash), password).catch(() => false);
    if (!user || !passwordOk || user.disabled) {
      const [forEmail] = keys.map((k) => this.throttle.fail(k, now));
      // The moment an account starts to be throttled is worth a line in the activity log (the lockout notice).
      if (user && forEmail && forEmail.waitMs > 0 && forEmail.failures === this.throttle.free + 1) {
        await this.log(
          user.id,
          user.email,
          'login.locked',
          `${forEmail.failures} failed logins in a row (last from ${meta.ip}); further tries must wait, doubling each time`,
          meta.ip,
        );
      }
      throw new AppError('unauthorized', user?.disabled ? 'this account is disabled' : 'the email or the password is wrong');
    }
    if (user.totp_secret) await this.checkSecondFactor(user, totp, keys, meta);
    for (const k of keys) this.throttle.clear(k);
    const session = await this.openSession(user.id, meta);
    await this.log(user.id, user.email, 'login', 'logged in', meta.ip);
    return { ...session, user };
  }

  /** A session for a user vouched for elsewhere (single sign-on). */
  async loginAs(user: UserRow, meta: LoginMeta, how: string): Promise<{ token: string; csrf: string; user: UserRow }> {
    if (user.disabled) throw new AppError('unauthorized', 'this account is disabled');
    const session = await this.openSession(user.id, meta);
    await this.log(user.id, user.email, 'login', `logged in with ${how}`, meta.ip);
    return { ...session, user };
  }

  /** Session lifetimes from the config (accounts.sessionIdle, accounts.sessionMaxAge). */
  useSettings(settings: SessionSettings): void {
    this.settings = settings;
  }

  private async checkSecondFactor(user: UserRow, code: string | undefined, keys: string[], meta: LoginMeta): Promise<void> {
    if (!code)
      throw new AppError('unauthorized', 'a code from your authenticator app (or a recovery code) is required', {
        details: [{ path: 'totp', message: 'required' }],
      });
    const now = this.clock.now();
    const repo = new AccountsRepository(this.db);
    if (/^[a-z0-9]{5}-[a-z0-9]{5}$/i.test(code)) {
      const left = JSON.parse(user.recovery_codes ?? '[]') as string[];
      const hash = sha256(code.toLowerCase());
      if (left.includes(hash)) {
        await repo.updateUser(user.id, { recovery_codes: JSON.stringify(left.filter((h) => h !== hash)) });
        await this.log(user.id, user.email, 'login.recovery-code', `used a recovery code (${left.length - 1} left)`, meta.ip);
        return;
      }
    } else {
      const totp = this.totpOf(this.box.open<string>(user.totp_secret!), user.email);
      const delta = totp.validate({ token: code.replace(/\s/g, ''), timestamp: now, window: 1 });
      const step = Math.floor(now / 30_000) + (delta ?? 0);
      // Each code works once: a step at or before the last one used is refused.
      if (delta !== null && step > (user.totp_last_step ?? -1)) {
        await repo.updateUser(user.id, { totp_last_step: step });
        return;
      }
    }
    for (const k of keys) this.throttle.fail(k, now);
    throw new AppError('unauthorized', 'the code is wrong or was used already', { details: [{ path: 'totp', message: 'invalid' }] });
  }

  private async openSession(userId: number, meta: LoginMeta): Promise<{ token: string; csrf: string }> {
    const token = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const now = this.clock.now();
    await new SessionsRepository(this.db).insert({
      id: sha256(token),
      user_id: userId,
      csrf,
      created_at: now,
      last_seen_at: now,
      expires_at: now + this.settings.maxAgeMs,
      revoked_at: null,
      ip: meta.ip,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
    });
    return { token, csrf };
  }

  /** The principal of a session cookie, or an `unauthorized` error saying why. */
  async authenticateSession(token: string): Promise<Principal> {
    const repo = new SessionsRepository(this.db);
    const id = sha256(token);
    const session = await repo.get(id);
    const now = this.clock.now();
    if (!session || session.revoked_at !== null) throw new AppError('unauthorized', 'the session has ended; log in again');
    if (session.expires_at <= now || session.last_seen_at + this.settings.idleMs <= now)
      throw new AppError('unauthorized', 'the session expired; log in again');
    const user = await new AccountsRepository(this.db).getUser(session.user_id);
    if (!user || user.disabled) throw new AppError('unauthorized', 'the account can no longer log in');
    if (now - session.last_seen_at > 60_000) await repo.touch(id, now);
    return { ...(await this.accounts.principalOf(user, 'session')), session: { id, csrf: session.csrf } };
  }

  async logout(sessionId: string, principal: Principal, ip: string): Promise<void> {
    await new SessionsRepository(this.db).revoke({ id: sessionId }, this.clock.now());
    if (principal.userId !== null) await this.log(principal.userId, principal.label, 'logout', 'logged out', ip);
  }

  async sessions(userId: number) {
    return new SessionsRepository(this.db).active(userId, this.clock.now());
  }

  async revokeSession(userId: number, sessionId: string): Promise<void> {
    const session = await new SessionsRepository(this.db).get(sessionId);
    if (!session || session.user_id !== userId) throw new AppError('not_found', 'no such session');
    await new SessionsRepository(this.db).revoke({ id: sessionId }, this.clock.now());
  }

  /** Changes the password and ends every session of the user; the caller gets a fresh one. */
  async changePassword(userId: number, current: string, next: string, meta: LoginMeta): Promise<{ token: string; csrf: string }> {
    const newPassword = parseInput(passwordSchema, next);
    const repo = new AccountsRepository(this.db);
    const user = await repo.getUser(userId);
    if (!user || !(await argon2.verify(user.password_hash, current)))
      throw new AppError('invalid_input', 'the current password is wrong', { details: [{ path: 'currentPassword', message: 'wrong' }] });
    await this.setPassword(user, newPassword);
    await this.log(user.id, user.email, 'password.changed', 'changed the password; every session ended', meta.ip);
    return this.openSession(user.id, meta);
  }

  async endSessions(userId: number): Promise<void> {
    await new SessionsRepository(this.db).revoke({ userId }, this.clock.now());
  }

  /** Sets a password (also for admins resetting one) and ends every session of the user. */
  async setPassword(user: UserRow, password: string): Promise<void> {
    const now = this.clock.now();
    const hash = await argon2.hash(parseInput(passwordSchema, password), { type: argon2.argon2id });
    await new AccountsRepository(this.db).updateUser(user.id, { password_hash: hash, password_changed_at: now, updated_at: now });
    await new SessionsRepository(this.db).revoke({ userId: user.id }, now);
  }

  private totpOf(secret: string, email: string): OTPAuth.TOTP {
    return new OTPAuth.TOTP({ issuer: 'Upkeep', label: email, algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) });
  }

  /** Starts turning two-factor login on: a secret to put in an authenticator app (as an otpauth:// URI). */
  async startTotp(userId: number): Promise<{ secret: string; uri: string }> {
    const user = (await new AccountsRepository(this.db).getUser(userId))!;
    const secret = new OTPAuth.Secret({ size: 20 }).base32;
    this.pendingTotp.set(userId, { secret, until: this.clock.now() + 15 * 60_000 });
    return { secret, uri: this.totpOf(secret, user.email).toString() };
  }

  /** Finishes turning it on with a code from the app; answers ten single-use recovery codes, shown this once. */
  async confirmTotp(userId: number, code: string, ip: string): Promise<string[]> {
    const pending = this.pendingTotp.get(userId);
    const now = this.clock.now();
    if (!pending || pending.until < now) throw new AppError('invalid_input', 'start two-factor setup first (it is valid for 15 minutes)');
    const user = (await new AccountsRepository(this.db).getUser(userId))!;
    const delta = this.totpOf(pending.secret, user.email).validate({ token: code.replace(/\s/g, ''), timestamp: now, window: 1 });
    if (delta === null)
      throw new AppError('invalid_input', 'the code does not match; check the time on your device', { details: [{ path: 'code', message: 'invalid' }] });
    const codes = Array.from({ length: 10 }, () => {
      const raw = randomBytes(10)
        .toString('hex')
        .replace(/[^a-z0-9]/g, '')
        .slice(0, 10);
      return `${raw.slice(0, 5)}-${raw.slice(5, 10)}`;
    });
    await new AccountsRepository(this.db).updateUser(userId, {
      totp_secret: this.box.seal(pending.secret),
      totp_last_step: Math.floor(now / 30_000) + delta,
      recovery_codes: JSON.stringify(codes.map((c) => sha256(c))),
      updated_at: now,
    });
    this.pendingTotp.delete(userId);
    await this.log(userId, user.email, 'totp.enabled', 'turned two-factor login on', ip);
    return codes;
  }

  async disableTotp(userId: number, password: string, ip: string): Promise<void> {
    const repo = new AccountsRepository(this.db);
    const user = (await repo.getUser(userId))!;
    if (!(await argon2.verify(user.password_hash, password)))
      throw new AppError('invalid_input', 'the password is wrong', { details: [{ path: 'password', message: 'wrong' }] });
    await repo.updateUser(userId, { totp_secret: null, totp_last_step: null, recovery_codes: null, updated_at: this.clock.now() });
    await this.log(userId, user.email, 'totp.disabled', 'turned two-factor login off', ip);
  }

  private async log(userId: number | null, actor: string, action: string, summary: string, ip: string | null): Promise<void> {
    await new SessionsRepository(this.db).log({
      at: this.clock.now(),
      actor,
      user_id: userId,
      action,
      object: userId === null ? null : `user ${userId}`,
      summary,
      ip,
    });
  }
}
