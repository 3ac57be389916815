import type { Kysely } from 'kysely';
import { z } from 'zod';
import { siteRefOf, type Principal, type SiteRef } from '../accounts/access.js';
import { assignableAccounts, requireAssignable } from '../accounts/assignable.js';
import type { Database, ManagedBy, SiteRow } from '../db/types.js';
import { AppError } from '../lib/errors.js';
import type { Clock } from '../lib/clock.js';
import type { SecretBox } from '../lib/secrets.js';
import { assertOwner, objectKind, type Stored } from '../lib/stored-object.js';
import { monitorKinds, monitorSchema, type MonitorSpec } from '../monitoring/monitor.schema.js';
import { LOCAL } from '../monitoring/locations.js';
import { parseInput } from '../config/validate.js';
import { SitesRepository, type MonitorFilter, type MonitorWithSite, type MonitorWrite, type SiteColumns, type SiteFilter } from './sites.repository.js';
import { siteSchema, type SiteSpec } from './site.schema.js';

export type Site = Stored<SiteSpec>;

export interface Monitor extends Stored<MonitorSpec> {
  siteId: number;
  siteName: string;
  /** The site's tags (a monitor is found by its own tags and its site's). */
  siteTags: string[];
  /** The secret part of a heartbeat's ping URL (every monitor gets one, so a type change keeps it). */
  pingKey: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
  nextCursor: string | null;
}

/** Sites as stored objects: the name in its column, tags and owner copied out for lists and filters. */
export const siteObjects = objectKind({
  name: 'site',
  schema: siteSchema,
  parse: (input) => parseInput(siteSchema, input),
  label: (spec) => `site "${spec.name}"`,
  lifted: ['name'],
  columns: (spec) => ({ name: spec.name, tags: spec.tags, owner: spec.owner?.toLowerCase() ?? null }),
  fromColumns: (row: SiteRow) => ({ name: row.name }),
  envRefs: true,
});

/** Monitors as stored objects: name, type and paused in columns, the interval and tags copied out, secrets by the check type's declaration. */
export const monitorObjects = objectKind({
  name: 'monitor',
  schema: monitorSchema,
  parse: (input) => parseInput(monitorSchema, input),
  label: (spec) => `monitor "${spec.name}"`,
  lifted: ['name', 'type', 'paused'],
  columns: (spec) => ({ name: spec.name, type: spec.type, paused: spec.paused, intervalMs: 'interval' in spec ? spec.interval : null, tags: spec.tags }),
  fromColumns: (row: MonitorWithSite) => ({ name: row.name, type: row.type, paused: row.paused === 1 }) as Partial<MonitorSpec>,
  secrets: (spec) => monitorKinds.get(spec.type).secretFields,
  envRefs: true,
});

/** A monitor as messages name it: by its site too ("Shop/Home page"). */
const monitorLabel = (monitor: Monitor) => `monitor "${monitor.siteName}/${monitor.spec.name}"`;

/** Turns stored rows into sites and monitors and back (a monitor with its site's name and tags); shared by the API use cases and `upkeep apply`. */
export class SiteCodec {
  private readonly sites: ReturnType<typeof siteObjects.codec>;
  private readonly monitors: ReturnType<typeof monitorObjects.codec>;

  constructor(box: SecretBox) {
    this.sites = siteObjects.codec(box);
    this.monitors = monitorObjects.codec(box);
  }

  siteFromRow(row: SiteRow): Site {
    return this.sites.fromRow(row);
  }

  siteToWrite(spec: SiteSpec, managedBy: ManagedBy, envRefs: Record<string, string>): SiteColumns {
    return this.sites.toWrite(spec, managedBy, envRefs);
  }

  monitorFromRow(row: MonitorWithSite): Monitor {
    return {
      ...this.monitors.fromRow(row),
      siteId: row.site_id,
      siteName: row.site_name,
      siteTags: (JSON.parse(row.site_spec) as { tags?: string[] }).tags ?? [],
      pingKey: row.ping_key,
    };
  }

  monitorToWrite(siteId: number, spec: MonitorSpec, managedBy: ManagedBy, envRefs: Record<string, string>): MonitorWrite {
    return { siteId, ...this.monitors.toWrite(spec, managedBy, envRefs) };
  }
}

/** The written form of a monitor (durations as "60s"), with secrets shown as `********` unless `redact` is false (a probe's own copy). */
export function encodeMonitor(spec: MonitorSpec, redact = true): Record<string, unknown> {
  return redact ? monitorObjects.redact(spec) : z.encode(monitorSchema, spec);
}

export const pageOf = <T extends { id: number }>(items: T[], total: number, limit: number): Page<T> => ({
  items,
  total,
  nextCursor: items.length === limit ? String(items.at(-1)!.id) : null,
});

/**
 * An owner or deputy named in the API must be an account the caller may name (`requireAssignable`:
 * the same answer for an email without an account and one out of the caller's sight). Only names
 * that change are checked, so a site whose owner's account was removed can still be edited (and
 * shows "no owner" until someone is named). upkeep.yaml is not checked: it may name people before
 * their accounts exist, and the overview flags them.
 */
async function checkOwners(db: Kysely<Database>, who: Principal | null, spec: SiteSpec, before?: SiteSpec): Promise<void> {
  const named = (['owner', 'deputy'] as const).filter((field) => spec[field] && spec[field].toLowerCase() !== before?.[field]?.toLowerCase());
  await requireAssignable(
    db,
    who,
    named.map((field) => ({ path: field, email: spec[field]! })),
  );
}

/** Checks a caller may change a site: as it is `before` the change, and as the change leaves it (`after`); throws when not. */
export type Authorize = (site: SiteRef, when: 'before' | 'after') => void;

/** Checks a caller may make an object so (`before` undefined) or change it so; throws when not (see `Access.guardPrivateTargets`). */
export type GuardChange<T> = (before: T | undefined, after: T) => void;

/** What the engine reads to schedule monitors: the stored rows with their site, and when anything last changed. */
export type MonitorStore = Pick<SitesRepository, 'allMonitors' | 'getMonitor' | 'monitorsChanged' | 'sitesChangedAt'>;

/** Use cases on sites and their monitors, for the API. */
export class SitesService {
  private readonly repo: SitesRepository;
  /** The config's `locations:` and "local": a monitor made in the API may be checked from these only. */
  private locations: ReadonlySet<string> = new Set([LOCAL]);

  constructor(
    private readonly db: Kysely<Database>,
    private readonly codec: SiteCodec,
    private readonly clock: Clock,
  ) {
    this.repo = new SitesRepository(db);
  }

  async listSites(filter: SiteFilter): Promise<Page<Site>> {
    const { rows, total } = await this.repo.listSites(filter);
    return pageOf(
      rows.map((r) => this.codec.siteFromRow(r)),
      total,
      filter.limit,
    );
  }

  /** The locations the config declares (upkeep.yaml `locations:`). */
  useLocations(declared: readonly string[]): void {
    this.locations = new Set([LOCAL, ...declared]);
  }

  /** A location nobody declared would leave the monitor with a location that never reports: refused, on the field. */
  private checkLocations(spec: MonitorSpec): void {
    const locations = 'locations' in spec ? (spec.locations ?? []) : [];
    const unknown = locations.findIndex((l) => !this.locations.has(l));
    if (unknown < 0) return;
    const message = `unknown location "${locations[unknown]}": declare it under locations: in the config, or use "local" (known: ${[...this.locations].join(', ')})`;
    throw new AppError('invalid_input', message, { details: [{ path: `locations.${unknown}`, message }] });
  }

  /** The stored monitors as the engine reads them (read only). */
  monitorStore(): MonitorStore {
    return this.repo;
  }

  /** Every site, in the order they were made. */
  async allSites(): Promise<Site[]> {
    return (await this.repo.allSites()).map((r) => this.codec.siteFromRow(r));
  }

  /** Every site as access rules see it (name and tags). */
  async siteRefs(): Promise<SiteRef[]> {
    return (await this.allSites()).map((s) => siteRefOf.site(s));
  }

  /** Which of these emails belong to an account, lowercased (an owner without one is flagged). */
  knownAccounts(emails: readonly string[]): Promise<Set<string>> {
    return assignableAccounts(this.db, null, emails);
  }

  /** The site of this name, if there is one. */
  async findSite(name: string): Promise<Site | undefined> {
    const row = await this.repo.getSiteByName(name);
    return row && this.codec.siteFromRow(row);
  }

  async getSite(id: number): Promise<Site> {
    const row = await this.repo.getSite(id);
    if (!row) throw new AppError('not_found', `site ${id} does not exist`);
    return this.codec.siteFromRow(row);
  }

  /**
   * `authorize` sees the new site before it is written (a team member may only make sites in reach);
   * `who` names its owner and deputy (null: the operator, who may name any account).
   */
  async createSite(input: unknown, authorize: Authorize = () => {}, who: Principal | null = null): Promise<Site> {
    const spec = parseInput(siteSchema, input);
    authorize({ id: 0, name: spec.name, tags: spec.tags }, 'after');
    return this.db.transaction().execute(async (trx) => {
      const repo = new SitesRepository(trx);
      if (await repo.getSiteByName(spec.name)) throw new AppError('conflict', `a site named "${spec.name}" already exists`);
      await checkOwners(trx, who, spec);
      const id = await repo.insertSite(this.codec.siteToWrite(spec, 'api', {}), this.clock.now());
      return this.codec.siteFromRow((await repo.getSite(id))!);
    });
  }

  /** Replaces a site's fields (PUT), or merges a JSON merge patch into them (PATCH). */
  async updateSite(id: number, input: unknown, mode: 'replace' | 'merge', authorize: Authorize = () => {}, who: Principal | null = null): Promise<Site> {
    return this.db.transaction().execute(async (trx) => {
      const repo = new SitesRepository(trx);
      const row = await repo.getSite(id);
      if (!row) throw new AppError('not_found', `site ${id} does not exist`);
      const current = this.codec.siteFromRow(row);
      authorize(siteRefOf.site(current), 'before');
      const { spec, envRefs } = siteObjects.mergeWrite(current, input, mode);
      authorize({ id, name: spec.name, tags: spec.tags }, 'after');
      const other = await repo.getSiteByName(spec.name);
      if (other && other.id !== id) throw new AppError('conflict', `a site named "${spec.name}" already exists`);
      await checkOwners(trx, who, spec, current.spec);
      await repo.updateSite(id, this.codec.siteToWrite(spec, 'api', envRefs), this.clock.now());
      return this.codec.siteFromRow((await repo.getSite(id))!);
    });
  }

  async deleteSite(id: number): Promise<void> {
    siteObjects.assertOwner(await this.getSite(id), 'api');
    await this.repo.deleteSite(id);
  }

  async listMonitors(filter: MonitorFilter): Promise<Page<Monitor>> {
    const { rows, total } = await this.repo.listMonitors(filter);
    return pageOf(
      rows.map((r) => this.codec.monitorFromRow(r)),
      total,
      filter.limit,
    );
  }

  async getMonitor(id: number): Promise<Monitor> {
    const row = await this.repo.getMonitor(id);
    if (!row) throw new AppError('not_found', `monitor ${id} does not exist`);
    return this.codec.monitorFromRow(row);
  }

  async createMonitor(siteId: number, input: unknown, guard: GuardChange<MonitorSpec> = () => {}): Promise<Monitor> {
    const spec = parseInput(monitorSchema, input);
    this.checkLocations(spec);
    guard(undefined, spec);
    return this.db.transaction().execute(async (trx) => {
      const repo = new SitesRepository(trx);
      const site = await repo.getSite(siteId);
      if (!site) throw new AppError('not_found', `site ${siteId} does not exist`);
      if (await repo.getMonitorByName(siteId, spec.name)) throw new AppError('conflict', `site "${site.name}" already has a monitor named "${spec.name}"`);
      const id = await repo.insertMonitor(this.codec.monitorToWrite(siteId, spec, 'api', {}), this.clock.now());
      return this.codec.monitorFromRow((await repo.getMonitor(id))!);
    });
  }

  async updateMonitor(id: number, input: unknown, mode: 'replace' | 'merge', guard: GuardChange<MonitorSpec> = () => {}): Promise<Monitor> {
    return this.db.transaction().execute(async (trx) => {
      const repo = new SitesRepository(trx);
      const row = await repo.getMonitor(id);
      if (!row) throw new AppError('not_found', `monitor ${id} does not exist`);
      const current = this.codec.monitorFromRow(row);
      assertOwner(current.managedBy, 'api', monitorLabel(current));
      const { spec, envRefs } = monitorObjects.mergeWrite(current, input, mode);
      this.checkLocations(spec);
      guard(current.spec, spec);
      const other = await repo.getMonitorByName(current.siteId, spec.name);
      if (other && other.id !== id) throw new AppError('conflict', `site "${current.siteName}" already has a monitor named "${spec.name}"`);
      await repo.updateMonitor(id, this.codec.monitorToWrite(current.siteId, spec, 'api', envRefs), this.clock.now());
      return this.codec.monitorFromRow((await repo.getMonitor(id))!);
    });
  }

  async deleteMonitor(id: number): Promise<void> {
    const monitor = await this.getMonitor(id);
    assertOwner(monitor.managedBy, 'api', monitorLabel(monitor));
    await this.repo.deleteMonitor(id);
  }
}
