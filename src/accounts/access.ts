import { isDeepStrictEqual } from 'node:util';
import type { AccountScope, Role, TokenScope } from '../db/types.js';
import { AppError } from '../lib/errors.js';

const rank: Record<Role, number> = { viewer: 1, editor: 2, admin: 3, owner: 4 };

/** A team's reach: sites carrying one of its tags, or named. */
export interface TeamScope {
  teamId: number;
  role: Role;
  tags: string[];
  sites: string[];
}

/** Who is calling, resolved from a session cookie or an API token. */
export interface Principal {
  kind: 'session' | 'token';
  userId: number | null;
  /** For the activity log and timelines: "alice@shop.test", "API token #3 (ci)". */
  label: string;
  /** The global role. Owners and admins see everything; others as `reach` says. */
  role: Role;
  /** The account's reach as written on it ("teams": only `teams`' sites, none without a team), never inferred from the teams. */
  reach: AccountScope;
  teams: TeamScope[];
  /** A read token may only read, whatever its user may do. */
  scope: TokenScope;
  tokenId?: number;
  session?: { id: string; csrf: string };
}

export interface SiteRef {
  id: number;
  name: string;
  tags: readonly string[];
}

/** Where Access learns which sites there are (the sites service), to list those in reach. */
export interface SiteDirectory {
  siteRefs(): Promise<SiteRef[]>;
}

/**
 * What a principal may do. Global principals (owners, admins, and accounts whose scope is the
 * instance) act on every site with their role; team-scoped accounts act only on their teams' sites,
 * with their role in the team, and on nothing when they have no team. Objects out of reach answer
 * 404, so their existence is not confirmed.
 */
export class Access {
  private visible: Promise<Set<number> | 'all'> | undefined;

  constructor(
    readonly principal: Principal,
    private readonly sites: SiteDirectory,
  ) {}

  get global(): boolean {
    return this.isAdmin || this.principal.reach === 'instance';
  }

  get isAdmin(): boolean {
    return rank[this.principal.role] >= rank.admin;
  }

  /** The role on one site, or null when it is out of reach. */
  roleOn(site: SiteRef): Role | null {
    if (this.global) return this.principal.role;
    let best: Role | null = null;
    for (const t of this.principal.teams) {
      if (t.sites.includes(site.name) || t.tags.some((tag) => site.tags.includes(tag))) best = !best || rank[t.role] > rank[best] ? t.role : best;
    }
    return best;
  }

  /** The ids of the sites in reach ('all' for global principals), for filtering lists. */
  visibleSites(): Promise<Set<number> | 'all'> {
    if (this.global) return Promise.resolve('all');
    this.visible ??= this.sites.siteRefs().then((refs) => new Set(refs.filter((r) => this.roleOn(r)).map((r) => r.id)));
    return this.visible;
  }

  /** Whether the principal may change things on the site (an editor there, not with a read token). */
  mayWrite(site: SiteRef): boolean {
    const role = this.roleOn(site);
    return role !== null && rank[role] >= rank.editor && this.principal.scope === 'write';
  }

  /**
   * Throws 404 when the site is out of reach, 403 when it may be read but not changed. `what` is the
   * object asked for ("monitor 7"): the answer names it as if it did not exist, never its site.
   */
  require(site: SiteRef, need: 'read' | 'write', what = `site ${site.id}`): void {
    const role = this.roleOn(site);
    if (!role) throw new AppError('not_found', `${what} does not exist`);
    if (need === 'write') this.requireWriter(role);
  }

  /**
   * A site as a change leaves it (made, renamed, retagged) must stay in reach: a team member cannot
   * make a site outside their teams or move one out. Said plainly (403, on its tags): there is nothing to hide.
   */
  requireKept(site: SiteRef): void {
    const role = this.roleOn(site);
    if (!role) {
      const tags = [...new Set(this.principal.teams.flatMap((t) => t.tags))].map((t) => `"${t}"`);
      const message = tags.length
        ? `a site of yours needs one of your team’s tags: ${tags.join(', ')}`
        : 'your team reaches only the sites it names; an admin can add this one to it';
      throw new AppError('forbidden', message, { details: [{ path: 'tags', message }] });
    }
    this.requireWriter(role);
  }

  /** Instance-wide objects (channels, maintenance, escalation): global principals only; writing needs editor. */
  requireGlobal(need: 'read' | 'write'): void {
    if (!this.global) throw new AppError('forbidden', 'this belongs to the whole instance; your account is limited to your team’s sites');
    if (need === 'write') this.requireWriter(this.principal.role);
  }

  /** Whether the principal may change anything at all (an editor somewhere, with a write token). */
  requireSomeWrite(): void {
    if (!this.global && this.principal.teams.length === 0)
      throw new AppError('forbidden', 'your account reaches only its teams’ sites and is in no team; an admin can add it to one');
    const best = Math.max(rank[this.global ? this.principal.role : 'viewer'], ...this.principal.teams.map((t) => rank[t.role]));
    this.requireWriter(Object.entries(rank).find(([, r]) => r === best)![0] as Role);
  }

  /**
   * Letting an object reach loopback and private addresses (`allowPrivateTargets: true`) is for
   * owners and admins (and upkeep.yaml): anyone else may neither set it nor change where such an
   * object goes or what it asks — only its `free` fields (names, schedule, alerting). Lowering the
   * guard is open to all. Refused with 403 on the field.
   */
  guardPrivateTargets<T extends object>(free: ReadonlySet<string>): (before: T | undefined, after: T) => void {
    return (before, after) => {
      if (this.isAdmin) return;
      const was = before as Record<string, unknown> | undefined;
      const now = after as Record<string, unknown>;
      if (now.allowPrivateTargets !== true) return;
      if (was?.allowPrivateTargets !== true) {
        const message = 'only owners and admins may let an object reach loopback and private addresses';
        throw new AppError('forbidden', message, { details: [{ path: 'allowPrivateTargets', message }] });
      }
      const changed = [...new Set([...Object.keys(was), ...Object.keys(now)])].find((key) => !free.has(key) && !isDeepStrictEqual(was[key], now[key]));
      if (changed) {
        const message = `only owners and admins may change ${changed} of an object that may reach private addresses (allowPrivateTargets)`;
        throw new AppError('forbidden', message, { details: [{ path: changed, message }] });
      }
    };
  }

  /** Users, teams, the activity log: admins and owners. */
  requireAdmin(): void {
    if (!this.isAdmin) throw new AppError('forbidden', 'only admins and owners may do this');
    if (this.principal.scope === 'read') throw new AppError('forbidden', 'this API token may only read');
  }

  private requireWriter(role: Role): void {
    if (this.principal.scope === 'read') throw new AppError('forbidden', 'this API token may only read; make a token with scope write to change things');
    if (rank[role] < rank.editor) throw new AppError('forbidden', 'viewers may look but not change things');
  }
}

export const roleRank = rank;

/** The site a site or monitor belongs to, as access sees it. */
export const siteRefOf = {
  site: (site: { id: number; spec: { name: string; tags: readonly string[] } }): SiteRef => ({ id: site.id, name: site.spec.name, tags: site.spec.tags }),
  monitor: (m: { siteId: number; siteName: string; siteTags: readonly string[] }): SiteRef => ({ id: m.siteId, name: m.siteName, tags: m.siteTags }),
};
