import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import argon2 from 'argon2';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AccountScope, Database, Role, TokenScope, UserRow } from '../db/types.js';
import type { Principal } from './access.js';
import type { Clock } from '../lib/clock.js';
import type { Environment } from '../config/env.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { parseInput } from '../config/validate.js';
import { AccountsRepository } from './accounts.repository.js';

export const roles = ['owner', 'admin', 'editor', 'viewer'] as const satisfies readonly Role[];
export const accountScopes = ['instance', 'teams'] as const satisfies readonly AccountScope[];

const newUserSchema = z.object({
  email: z.email().transform((e) => e.toLowerCase()),
  password: z.string().min(12, 'a password is at least 12 characters').max(1_000),
  role: z.enum(roles).default('admin'),
  scope: z.enum(accountScopes).default('instance'),
});

const TOKEN_PREFIX = 'upk_';
/** How bearer tokens (API tokens, probes' tokens) are kept: 32 random bytes need no slow hash, SHA-256 is enough. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
/** A new bearer token with its kind's prefix (`upk_`, `upp_`): 32 random bytes; store only its hash and its first 12 characters. */
export const mintToken = (prefix: string) => prefix + randomBytes(32).toString('base64url');

/** Owners and admins reach the whole instance: a team scope for them is refused rather than silently ignored. */
export function scopeFor(role: Role, scope: AccountScope): AccountScope {
  if (scope === 'teams' && (role === 'owner' || role === 'admin'))
    throw new AppError('invalid_input', 'owners and admins reach the whole instance; their scope is "instance"', {
      details: [{ path: 'scope', message: 'owners and admins reach the whole instance' }],
    });
  return scope;
}

/** Users and API tokens. Full sessions and 2FA arrive with the dashboard. */
export class AccountsService {
  private readonly repo: AccountsRepository;
  /** Tokens' last use is written at most once a minute per token, so reads do not turn into writes. */
  private readonly touched = new Map<number, number>();
  private setupToken: string | undefined;
  private readonly changes = new EventEmitter();

  constructor(
    db: Kysely<Database>,
    private readonly clock: Clock,
  ) {
    this.repo = new AccountsRepository(db);
  }

  async createUser(input: {
    email: string;
    password: string;
    role?: Role;
    scope?: AccountScope;
  }): Promise<{ id: number; email: string; role: Role; scope: AccountScope }> {
    const user = parseInput(newUserSchema, input);
    const scope = scopeFor(user.role, user.scope);
    if (await this.repo.getUserByEmail(user.email)) throw new AppError('conflict', `a user with the email ${user.email} already exists`);
    const passwordHash = await argon2.hash(user.password, { type: argon2.argon2id });
    const id = await this.repo.insertUser({ email: user.email, passwordHash, role: user.role, scope }, this.clock.now());
    return { id, email: user.email, role: user.role, scope };
  }

  /**
   * On first start, makes the owner account from UPKEEP_ADMIN_EMAIL and UPKEEP_ADMIN_PASSWORD when no
   * user exists yet; without them, answers a one-time setup token for the setup page.
   */
  async ensureFirstAdmin({ adminEmail: email, adminPassword: password }: Environment, log: Logger): Promise<string | undefined> {
    if ((await this.repo.countUsers()) > 0) return undefined;
    if (!email || !password) {
      this.setupToken = randomBytes(18).toString('base64url');
      return this.setupToken;
    }
    const user = await this.createUser({ email, password, role: 'owner' });
    log.info({ email: user.email }, 'created the first owner account from UPKEEP_ADMIN_EMAIL');
    return undefined;
  }

  /** Makes the first owner with the one-time setup token printed at first start. */
  async setup(input: { token?: unknown; email: string; password: string }): Promise<{ id: number; email: string; role: Role }> {
    if ((await this.repo.countUsers()) > 0) throw new AppError('conflict', 'setup is done: an account exists already; log in');
    if (!this.setupToken || input.token !== this.setupToken)
      throw new AppError('forbidden', 'the setup token is wrong; use the link printed when Upkeep started');
    const user = await this.createUser({ email: input.email, password: input.password, role: 'owner' });
    this.setupToken = undefined;
    return user;
  }

  /** Makes an API token; the token itself is returned once and only its hash is kept. */
  async createToken(input: {
    name: string;
    scope: TokenScope;
    userEmail?: string;
    userId?: number;
    expiresInMs?: number;
  }): Promise<{ id: number; token: string }> {
    let userId: number | null = input.userId ?? null;
    if (input.userEmail) {
      const user = await this.repo.getUserByEmail(input.userEmail.toLowerCase());
      if (!user) throw new AppError('not_found', `no user has the email ${input.userEmail}`);
      userId = user.id;
    }
    const token = mintToken(TOKEN_PREFIX);
    const now = this.clock.now();
    const id = await this.repo.insertToken(
      {
        userId,
        name: input.name,
        prefix: token.slice(0, 12),
        hash: hashToken(token),
        scope: input.scope,
        expiresAt: input.expiresInMs ? now + input.expiresInMs : null,
      },
      now,
    );
    return { id, token };
  }

  /** The principal behind a bearer token, or an `unauthorized` error that says why. */
  async authenticateToken(token: string): Promise<Principal> {
    if (!token.startsWith(TOKEN_PREFIX)) throw new AppError('unauthorized', 'the bearer token is not an Upkeep API token');
    const row = await this.repo.getTokenByHash(hashToken(token));
    const now = this.clock.now();
    if (!row) throw new AppError('unauthorized', 'the API token is not known');
    if (row.revoked_at !== null) throw new AppError('unauthorized', 'the API token was revoked');
    if (row.expires_at !== null && row.expires_at <= now) throw new AppError('unauthorized', 'the API token has expired');
    if (now - (this.touched.get(row.id) ?? 0) > 60_000) {
      this.touched.set(row.id, now);
      await this.repo.touchToken(row.id, now);
    }
    const label = `API token #${row.id} (${row.name})`;
    // A token made on the command line without --user acts for the operator who made it: an admin.
    if (row.user_id === null) return { kind: 'token', tokenId: row.id, userId: null, label, role: 'admin', reach: 'instance', teams: [], scope: row.scope };
    const user = await this.repo.getUser(row.user_id);
    if (!user || user.disabled) throw new AppError('unauthorized', 'the API token belongs to a user who can no longer log in');
    return { ...(await this.principalOf(user, 'token')), tokenId: row.id, label: `${user.email} (API token #${row.id})`, scope: row.scope };
  }

  /** A user's principal: their global role and their teams' reach. */
  async principalOf(user: UserRow, kind: Principal['kind']): Promise<Principal> {
    const teams = (await this.repo.memberships(user.id)).map((m) => {
      const spec = JSON.parse(m.spec) as { tags?: string[]; sites?: string[] };
      return { teamId: m.team_id, role: m.role, tags: spec.tags ?? [], sites: spec.sites ?? [] };
    });
    return { kind, userId: user.id, label: user.email, role: user.role, reach: user.scope, teams, scope: 'write' };
  }

  /**
   * Says that who may do what has changed (a logout, a revoked token, a disabled account, a role,
   * scope or team change): whoever holds access for longer than a request (the live stream) checks it again.
   */
  announceChange(): void {
    this.changes.emit('change');
  }

  /** Calls `listener` after every `announceChange`; answers the function that stops it. */
  onChange(listener: () => void): () => void {
    this.changes.on('change', listener);
    return () => this.changes.off('change', listener);
  }

  /** Tokens of one user, or of everyone. */
  async listTokens(userId?: number) {
    return (await this.repo.listTokens(userId)).map((t) => ({
      id: t.id,
      userId: t.user_id,
      name: t.name,
      prefix: t.prefix,
      scope: t.scope,
      createdAt: t.created_at,
      lastUsedAt: t.last_used_at,
      expiresAt: t.expires_at,
      revokedAt: t.revoked_at,
    }));
  }

  /** Revokes a token; `ownerId` limits it to that user's tokens (admins pass none). */
  async revokeToken(id: number, ownerId?: number): Promise<void> {
    if (ownerId !== undefined && (await this.repo.getToken(id))?.user_id !== ownerId) throw new AppError('not_found', `token ${id} does not exist`);
    if (!(await this.repo.revokeToken(id, this.clock.now()))) throw new AppError('not_found', `token ${id} does not exist or is already revoked`);
    this.announceChange();
  }
}
