import type { Kysely } from 'kysely';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import type { AccountScope, Database, Role, UserRow } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { canonicalJson } from '../lib/json.js';
import { roleRank, type Access } from './access.js';
import { AccountsRepository } from './accounts.repository.js';
import { IdentitiesRepository } from './identities.repository.js';
import { accountScopes, roles, scopeFor, type AccountsService } from './accounts.service.js';
import type { AuthService } from './auth.service.js';

const membership = z.object({ team: z.string().min(1), role: z.enum(roles) }).strict();
export const createSchema = z
  .object({
    email: z.email(),
    password: z.string(),
    name: z.string().max(200).optional(),
    role: z.enum(roles).default('viewer'),
    /** Default: "teams" when teams are given, else "instance". */
    scope: z.enum(accountScopes).optional(),
    teams: z.array(membership).default([]),
  })
  .strict();
export const changeSchema = z
  .object({
    name: z.string().max(200).nullable().optional(),
    role: z.enum(roles).optional(),
    disabled: z.boolean().optional(),
    password: z.string().optional(),
    scope: z.enum(accountScopes).optional(),
    teams: z.array(membership).optional(),
  })
  .strict();
export const teamSchema = z.object({ tags: z.array(z.string().min(1)).default([]), sites: z.array(z.string().min(1)).default([]) }).strict();

export interface UserView {
  id: number;
  email: string;
  name: string | null;
  role: Role;
  /** "instance": every site; "teams": only the teams' sites (none without a team). Always "instance" for owners and admins. */
  scope: AccountScope;
  disabled: boolean;
  twoFactor: boolean;
  teams: { team: string; role: Role }[];
  createdAt: number;
}

/** Users and teams, as admins manage them. Owners alone make or change owners and admins. */
export class UsersService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly accounts: AccountsService,
    private readonly auth: AuthService,
    private readonly clock: Clock,
  ) {}

  private repo() {
    return new AccountsRepository(this.db);
  }

  async view(user: UserRow): Promise<UserView> {
    const teams = (await this.repo().memberships(user.id)).map((m) => ({ team: m.name, role: m.role }));
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      scope: roleRank[user.role] >= roleRank.admin ? 'instance' : user.scope,
      disabled: Boolean(user.disabled),
      twoFactor: user.totp_secret !== null,
      teams,
      createdAt: user.created_at,
    };
  }

  /** Links a user to an issuer's single sign-on subject (null unlinks); a subject linked to someone else is refused. */
  async linkIdentity(userId: number, issuer: string, subject: string | null): Promise<void> {
    const identities = new IdentitiesRepository(this.db);
    if (subject === null) return identities.unlink(userId, issuer);
    const holder = await identities.userFor(issuer, subject);
    if (holder !== undefined && holder !== userId) throw new AppError('conflict', `the subject "${subject}" is linked to user ${holder} already`);
    await identities.link(userId, issuer, subject, this.clock.now());
  }

  async list(): Promise<UserView[]> {
    return Promise.all((await this.repo().listUsers()).map((u) => this.view(u)));
  }

  async get(id: number): Promise<UserRow> {
    const user = await this.repo().getUser(id);
    if (!user) throw new AppError('not_found', `user ${id} does not exist`);
    return user;
  }

  /** Only owners may hand out or take away owner and admin roles. */
  private checkRole(access: Access, role: Role): void {
    if (roleRank[role] >= roleRank.admin && access.principal.role !== 'owner') throw new AppError('forbidden', 'only owners may make owners and admins');
  }

  private async teamIds(list: readonly { team: string; role: Role }[]): Promise<{ teamId: number; role: Role }[]> {
    return Promise.all(
      list.map(async (m) => {
        const team = await this.repo().getTeamByName(m.team);
        if (!team)
          throw new AppError('invalid_input', `no team is named "${m.team}"`, { details: [{ path: 'teams', message: `no team is named "${m.team}"` }] });
        return { teamId: team.id, role: m.role };
      }),
    );
  }

  async create(access: Access, input: unknown): Promise<UserView> {
    const spec = parseInput(createSchema, input);
    this.checkRole(access, spec.role);
    const teams = await this.teamIds(spec.teams);
    const scope = spec.scope ?? (spec.teams.length && roleRank[spec.role] < roleRank.admin ? 'teams' : 'instance');
    const created = await this.accounts.createUser({ email: spec.email, password: spec.password, role: spec.role, scope });
    if (spec.name) await this.repo().updateUser(created.id, { name: spec.name });
    await this.repo().setMemberships(created.id, teams);
    return this.view(await this.get(created.id));
  }

  async change(access: Access, id: number, input: unknown): Promise<UserView> {
    const spec = parseInput(changeSchema, input);
    const user = await this.get(id);
    this.checkRole(access, user.role);
    if (spec.role) this.checkRole(access, spec.role);
    if ((spec.role && spec.role !== 'owner') || spec.disabled) await this.keepAnOwner(user);
    const role = spec.role ?? user.role;
    // Made owner or admin: instance-wide from now on, also if demoted later. Given teams, an account is
    // limited to them unless told otherwise; losing them never widens it.
    const scope = roleRank[role] >= roleRank.admin ? scopeFor(role, spec.scope ?? 'instance') : (spec.scope ?? (spec.teams?.length ? 'teams' : user.scope));
    await this.repo().updateUser(id, {
      ...(spec.name !== undefined ? { name: spec.name } : {}),
      ...(spec.role ? { role: spec.role } : {}),
      scope,
      ...(spec.disabled !== undefined ? { disabled: spec.disabled ? 1 : 0 } : {}),
      updated_at: this.clock.now(),
    });
    if (spec.teams) await this.repo().setMemberships(id, await this.teamIds(spec.teams));
    // A new password, or an account taken away, ends its sessions.
    if (spec.password) await this.auth.setPassword(user, spec.password);
    if (spec.disabled) await this.auth.endSessions(id);
    this.accounts.announceChange();
    return this.view(await this.get(id));
  }

  async delete(access: Access, id: number): Promise<void> {
    const user = await this.get(id);
    this.checkRole(access, user.role);
    if (access.principal.userId === id) throw new AppError('conflict', 'you cannot delete your own account');
    await this.keepAnOwner(user);
    await this.repo().deleteUser(id);
    this.accounts.announceChange();
  }

  private async keepAnOwner(user: UserRow): Promise<void> {
    if (user.role !== 'owner') return;
    // Another owner who can log in must remain (a disabled owner counts for nothing, and may go).
    const others = (await this.repo().listUsers()).filter((u) => u.role === 'owner' && !u.disabled && u.id !== user.id);
    if (others.length === 0) throw new AppError('conflict', 'this is the last owner; make another owner first');
  }

  async teams() {
    return (await this.repo().teams()).map((t) => ({ id: t.id, name: t.name, ...(JSON.parse(t.spec) as object) }));
  }

  async putTeam(name: string, input: unknown) {
    const spec = parseInput(teamSchema, input);
    if (!/^[\w .:-]{1,80}$/.test(name)) throw new AppError('invalid_input', 'a team name is 1–80 letters, digits, spaces, ".", ":", "_" or "-"');
    const id = await this.repo().upsertTeam(name, canonicalJson(spec), this.clock.now());
    this.accounts.announceChange();
    return { id, name, ...spec };
  }

  async deleteTeam(id: number): Promise<void> {
    if (!(await this.repo().deleteTeam(id))) throw new AppError('not_found', `team ${id} does not exist`);
    this.accounts.announceChange();
  }
}
