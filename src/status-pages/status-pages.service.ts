import type { Kysely } from 'kysely';
import { parseInput } from '../config/validate.js';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { objectKind, type Stored } from '../lib/stored-object.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { statusPageSchema, statusPageSecrets, type StatusPageSpec } from './status-page.schema.js';
import { StatusPagesRepository, type StatusPageRow } from './status-pages.repository.js';
import { ownHostRefusal, type OwnHosts } from './own-hosts.js';
import { withStatusTables } from './tables.js';

/** A stored status page; its `spec` holds the password, for the server, never for answers. */
export type StatusPage = Stored<StatusPageSpec>;

/** Status pages as stored objects: the slug in its column, the password sealed (see `statusPageSecrets`). */
export const statusPageObjects = objectKind({
  name: 'status-page',
  schema: statusPageSchema,
  parse: (input) => parseInput(statusPageSchema, input),
  label: (spec) => `status page "${spec.slug}"`,
  lifted: ['slug'],
  columns: (spec) => ({ slug: spec.slug }),
  fromColumns: (row: StatusPageRow) => ({ slug: row.slug }),
  secrets: () => statusPageSecrets,
  envRefs: true,
});

export type StatusPageCodec = ReturnType<typeof statusPageObjects.codec>;

/** Status pages made in the API (those of upkeep.yaml are changed there). */
export class StatusPagesService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly codec: StatusPageCodec,
    private readonly clock: Clock,
    /** The instance's own addresses, which no page may take as its domain. */
    private readonly own: OwnHosts = {},
  ) {}

  private repo(db: Kysely<Database> = this.db) {
    return new StatusPagesRepository(withStatusTables(db));
  }

  async list(): Promise<StatusPage[]> {
    return (await this.repo().all()).map((r) => this.codec.fromRow(r));
  }

  async get(id: number): Promise<StatusPage> {
    const row = await this.repo().get(id);
    if (!row) throw new AppError('not_found', `status page ${id} does not exist`);
    return this.codec.fromRow(row);
  }

  /** `requestHosts`: where the request came in (Host, X-Forwarded-Host), the dashboard's own address. */
  async create(input: unknown, requestHosts: readonly (string | undefined)[] = []): Promise<StatusPage> {
    const spec = parseInput(statusPageSchema, input);
    return this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      await this.checkReferences(trx, spec, undefined, requestHosts);
      const id = await repo.insert(this.codec.toWrite(spec, 'api', {}), this.clock.now());
      return this.codec.fromRow((await repo.get(id))!);
    });
  }

  /** Replaces a page (PUT) or merges a JSON merge patch into it (PATCH); a password written as `********` is kept. */
  async update(id: number, input: unknown, mode: 'replace' | 'merge', requestHosts: readonly (string | undefined)[] = []): Promise<StatusPage> {
    return this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const row = await repo.get(id);
      if (!row) throw new AppError('not_found', `status page ${id} does not exist`);
      const { spec, envRefs } = statusPageObjects.mergeWrite(this.codec.fromRow(row), input, mode);
      await this.checkReferences(trx, spec, id, requestHosts);
      await repo.update(id, this.codec.toWrite(spec, 'api', envRefs), this.clock.now());
      return this.codec.fromRow((await repo.get(id))!);
    });
  }

  async delete(id: number): Promise<void> {
    statusPageObjects.assertOwner(await this.get(id), 'api');
    await this.repo().delete(id);
  }

  /** What the config file's cross-checks do for pages made in the API: the slug, domains, sites and monitors. */
  private async checkReferences(
    db: Kysely<Database>,
    spec: StatusPageSpec,
    self: number | undefined,
    requestHosts: readonly (string | undefined)[],
  ): Promise<void> {
    const others = (await this.repo(db).all()).filter((r) => r.id !== self).map((r) => this.codec.fromRow(r));
    if (others.some((p) => p.spec.slug === spec.slug)) throw new AppError('conflict', `a status page with the slug "${spec.slug}" already exists`);
    for (const [i, domain] of (spec.domains ?? []).entries()) {
      const refusal = ownHostRefusal(domain, { ...this.own, requestHosts });
      if (refusal) throw new AppError('conflict', `domains[${i}]: ${refusal}`, { details: [{ path: `domains[${i}]`, message: refusal }] });
      const other = others.find((p) => p.spec.domains?.some((d) => d.toLowerCase() === domain.toLowerCase()));
      if (other) throw new AppError('conflict', `the domain "${domain}" already serves the page "${other.spec.slug}"`);
    }
    const sites = new SitesRepository(db);
    const siteNames = new Set((await sites.allSites()).map((s) => s.name));
    const monitorKeys = new Set((await sites.allMonitors()).map((m) => `${m.site_name}/${m.name}`));
    spec.components.forEach((c, i) => {
      if (c.site !== undefined && !siteNames.has(c.site)) throw new AppError('invalid_input', `components[${i}].site: no site is named "${c.site}"`);
      const missing = c.monitors?.find((m) => !monitorKeys.has(m));
      if (missing) throw new AppError('invalid_input', `components[${i}].monitors: no monitor is named "${missing}" (write "Site name/Monitor name")`);
    });
  }
}
