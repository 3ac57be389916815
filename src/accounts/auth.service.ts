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

/** Recovery codes: 20 characters of a 32-letter alphabet (100 bits), shown in groups of five. */
const RECOVERY_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const newRecoveryCode = () =>
  Array.from(randomBytes(20), (b) => RECOVERY_ALPHABET[b & 31])
    .join('')
    .replace(/(.{5})(?!$)/g, '$1-');
/**
 * The hashes a typed recovery code may be stored under: its letters without dashes or spaces, and
 * for the 10-letter codes made before (stored as "abcde-fghij") that form too.
 */
function recoveryHashes(code: string): string[] {
  const compact = code.toLowerCase().replace(/[\s-]/g, '');
  return compact.length === 10 ? [sha256(compact), sha256(`${compact.slice(0, 5)}-${compact.slice(5)}`)] : [sha256(compact)];
}

/**
 * Logging in and staying logged in: argon2id passwords, sessions stored server-side (a new one at
 * every login, ended at logout, at a password change and after idle or absolute expiry), TOTP
 * codes that work once, recovery codes, and throttling of failed logins.
 *
 * Throttling is keyed so that a stranger's guessing cannot lock the real user out: failures count
 * per address and per account and address (each waits up to 15 minutes), and per account across
 * addresses, which only slows (at most 30 s a try) and does not hold for addresses the account has
 * logged in from before.
 */
export class AuthService {
  private readonly byAddress = new LoginThrottle(5, 15 * 60_000);
  private readonly byAccountAddress = new LoginThrottle(5, 15 * 60_000);
  private readonly byAccount = new LoginThrottle(20, 30_000);
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
    const repo = new AccountsRepository(this.db);
    const user = await repo.getUserByEmail(email.toLowerCase());
    const usual = user !== undefined && (await new SessionsRepository(this.db).hasLoggedInFrom(user.id, meta.ip));
    const keys = this.throttleKeys(email, meta.ip, usual);
    const wait = Math.max(...keys.map(([throttle, key]) => throttle.wait(key, now)));
    if (wait > 0)
      throw new AppError('rate_limited', `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`, {
        details: [{ path: 'retryAfter', message: String(Math.ceil(wait / 1000)) }],
      });

    this.dummyHash ??= argon2.hash(randomBytes(16).toString('hex'), { type: argon2.argon2id });
    const passwordOk = await argon2.verify(user?.password_hash ?? (await this.dummyHash), password).catch(() => false);
    if (!user || !passwordOk || user.disabled) {
      await this.failed(keys, user, meta);
      throw new AppError('unauthorized', user?.disabled ? 'this account is disabled' : 'the email or the password is wrong');
    }
    if (user.totp_secret) await this.checkSecondFactor(user, totp, keys, meta);
    for (const [throttle, key] of keys) throttle.clear(key);
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

  /** The throttles a login attempt counts against: the account-wide one only from addresses the account has not logged in from. */
  private throttleKeys(email: string, ip: string, usual: boolean): [LoginThrottle, string][] {
    const account = email.toLowerCase();
    return [[this.byAddress, ip], [this.byAccountAddress, `${account} ${ip}`], ...(usual ? [] : [[this.byAccount, account] as [LoginThrottle, string]])];
  }

  private async failed(keys: [LoginThrottle, string][], user: UserRow | undefined, meta: LoginMeta): Promise<void> {
    const now = this.clock.now();
    for (const [throttle, key] of keys) {
      const { failures, waitMs } = throttle.fail(key, now);
      // The moment an account starts to be throttled is worth a line in the activity log (the lockout notice).
      if (!user || throttle === this.byAddress || waitMs === 0 || failures !== throttle.free + 1) continue;
      const where = throttle === this.byAccount ? 'from several addresses' : `from ${meta.ip}`;
      await this.log(user.id, user.email, 'login.locked', `${failures} failed logins in a row ${where}; further tries from there must wait`, meta.ip);
    }
  }

  private async checkSecondFactor(user: UserRow, code: string | undefined, keys: [LoginThrottle, string][], meta: LoginMeta): Promise<void> {
    if (!code)
      throw new AppError('unauthorized', 'a code from your authenticator app (or a recovery code) is required', {
        details: [{ path: 'totp', message: 'required' }],
      });
    const now = this.clock.now();
    const repo = new AccountsRepository(this.db);
    const digits = code.replace(/\s/g, '');
    if (!/^\d{6}$/.test(digits)) {
      // Taken out with a conditional update: of two logins with one code, one wins.
      const left = await repo.consumeRecoveryCode(user.id, recoveryHashes(code));
      if (left !== null) {
        await this.log(user.id, user.email, 'login.recovery-code', `used a recovery code (${left} left)`, meta.ip);
        return;
      }
    } else {
      const totp = this.totpOf(this.box.open<string>(user.totp_secret!), user.email);
      const delta = totp.validate({ token: digits, timestamp: now, window: 1 });
      // Each code works once: its time step is claimed only if later than the last one used, in one conditional update.
      if (delta !== null && (await repo.claimTotpStep(user.id, Math.floor(now / 30_000) + delta))) return;
    }
    await this.failed(keys, user, meta);
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

  /**
   * The principal of a session cookie, or an `unauthorized` error saying why. A request keeps the
   * session alive (`touch`); checking an open stream again does not, so an idle tab still times out.
   */
  async authenticateSession(token: string, touch = true): Promise<Principal> {
    const repo = new SessionsRepository(this.db);
    const id = sha256(token);
    const session = await repo.get(id);
    const now = this.clock.now();
    if (!session || session.revoked_at !== null) throw new AppError('unauthorized', 'the session has ended; log in again');
    if (session.expires_at <= now || session.last_seen_at + this.settings.idleMs <= now)
      throw new AppError('unauthorized', 'the session expired; log in again');
    const user = await new AccountsRepository(this.db).getUser(session.user_id);
    if (!user || user.disabled) throw new AppError('unauthorized', 'the account can no longer log in');
    if (touch && now - session.last_seen_at > 60_000) await repo.touch(id, now);
    return { ...(await this.accounts.principalOf(user, 'session')), session: { id, csrf: session.csrf } };
  }

  async logout(sessionId: string, principal: Principal, ip: string): Promise<void> {
    await new SessionsRepository(this.db).revoke({ id: sessionId }, this.clock.now());
    this.accounts.announceChange();
    if (principal.userId !== null) await this.log(principal.userId, principal.label, 'logout', 'logged out', ip);
  }

  async sessions(userId: number) {
    return new SessionsRepository(this.db).active(userId, this.clock.now());
  }

  async revokeSession(userId: number, sessionId: string): Promise<void> {
    const session = await new SessionsRepository(this.db).get(sessionId);
    if (!session || session.user_id !== userId) throw new AppError('not_found', 'no such session');
    await new SessionsRepository(this.db).revoke({ id: sessionId }, this.clock.now());
    this.accounts.announceChange();
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
    this.accounts.announceChange();
  }

  /** Sets a password (also for admins resetting one) and ends every session of the user. */
  async setPassword(user: UserRow, password: string): Promise<void> {
    const now = this.clock.now();
    const hash = await argon2.hash(parseInput(passwordSchema, password), { type: argon2.argon2id });
    await new AccountsRepository(this.db).updateUser(user.id, { password_hash: hash, password_changed_at: now, updated_at: now });
    await new SessionsRepository(this.db).revoke({ userId: user.id }, now);
    this.accounts.announceChange();
  }

  private totpOf(secret: string, email: string): OTPAuth.TOTP {
    return new OTPAuth.TOTP({ issuer: 'Upkeep', label: email, algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) });
  }

  /**
   * Starts turning two-factor login on (or enrolling a new device): a secret to put in an
   * authenticator app (as an otpauth:// URI). The current password is required, so a stolen
   * session cannot put its own device in place of the owner's.
   */
  async startTotp(userId: number, password: string): Promise<{ secret: string; uri: string }> {
    const user = await this.withPassword(userId, password);
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
    const codes = Array.from({ length: 10 }, newRecoveryCode);
    await new AccountsRepository(this.db).updateUser(userId, {
      totp_secret: this.box.seal(pending.secret),
      totp_last_step: Math.floor(now / 30_000) + delta,
      recovery_codes: JSON.stringify(codes.map((c) => recoveryHashes(c)[0]!)),
      updated_at: now,
    });
    this.pendingTotp.delete(userId);
    await this.log(userId, user.email, 'totp.enabled', 'turned two-factor login on', ip);
    return codes;
  }

  async disableTotp(userId: number, password: string, ip: string): Promise<void> {
    const repo = new AccountsRepository(this.db);
    const user = await this.withPassword(userId, password);
    await repo.updateUser(userId, { totp_secret: null, totp_last_step: null, recovery_codes: null, updated_at: this.clock.now() });
    await this.log(userId, user.email, 'totp.disabled', 'turned two-factor login off', ip);
  }

  /** The user, once their current password is given right. */
  private async withPassword(userId: number, password: string): Promise<UserRow> {
    const user = (await new AccountsRepository(this.db).getUser(userId))!;
    if (!(await argon2.verify(user.password_hash, password).catch(() => false)))
      throw new AppError('invalid_input', 'the password is wrong', { details: [{ path: 'password', message: 'wrong' }] });
    return user;
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
