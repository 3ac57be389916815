import type { Kysely } from 'kysely';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import type { Database, ManagedBy } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { canonicalJson, mergePatch } from '../lib/json.js';
import { mergeSecrets, REDACTED, splitSecrets, type SecretBox } from '../lib/secrets.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { statusPageSchema, statusPageSecretFields, type StatusPageSpec } from './status-page.schema.js';
import { StatusPagesRepository, type StatusPageRow, type StatusPageWrite } from './status-pages.repository.js';
import { ownHostRefusal, type OwnHosts } from './own-hosts.js';
import { withStatusTables } from './tables.js';

export interface StatusPage {
  id: number;
  /** The whole definition, the password included: for the server, never for answers. */
  spec: StatusPageSpec;
  managedBy: ManagedBy;
  envRefs: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

/** Turns stored rows into status pages and back, sealing the password with the instance key. */
export class StatusPageCodec {
  constructor(private readonly box: SecretBox) {}

  fromRow(row: StatusPageRow): StatusPage {
    const plain = JSON.parse(row.spec) as Record<string, unknown>;
    const secrets = row.secrets ? this.box.open<Record<string, string>>(row.secrets) : {};
    return {
      id: row.id,
      spec: { ...mergeSecrets(plain, secrets), slug: row.slug } as StatusPageSpec,
      managedBy: row.managed_by,
      envRefs: row.env_refs ? (JSON.parse(row.env_refs) as Record<string, string>) : {},
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  toWrite(spec: StatusPageSpec, managedBy: ManagedBy, envRefs: Record<string, string>): StatusPageWrite {
    const { slug, ...rest } = spec;
    const { plain, secrets } = splitSecrets(rest, statusPageSecretFields);
    return {
      slug,
      spec: canonicalJson(plain),
      secrets: Object.keys(secrets).length ? this.box.seal(secrets) : null,
      envRefs: Object.keys(envRefs).length ? canonicalJson(envRefs) : null,
      managedBy,
    };
  }
}

/** The written form of a page (durations as "3d"), the password shown as `********`. */
export function encodePage(spec: StatusPageSpec): Record<string, unknown> {
  const { plain, secrets } = splitSecrets(spec, statusPageSecretFields);
  return z.encode(statusPageSchema, mergeSecrets(plain, secrets, REDACTED));
}

const managedByFile = (slug: string) =>
  new AppError(
    'conflict',
    `status page "${slug}" is defined in the config file; change it there and run "upkeep apply" (or remove it from the file to manage it here)`,
    {
      details: [{ path: 'managedBy', message: 'config' }],
    },
  );

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
      const current = this.codec.fromRow(row);
      if (current.managedBy === 'config') throw managedByFile(current.spec.slug);
      const written = (mode === 'merge' ? mergePatch(encodePage(current.spec), input) : input) as { access?: { password?: unknown } } | null;
      if (written?.access?.password === REDACTED) written.access.password = current.spec.access?.password;
      const spec = parseInput(statusPageSchema, written);
      await this.checkReferences(trx, spec, id, requestHosts);
      await repo.update(id, this.codec.toWrite(spec, 'api', {}), this.clock.now());
      return this.codec.fromRow((await repo.get(id))!);
    });
  }

  async delete(id: number): Promise<void> {
    const page = await this.get(id);
    if (page.managedBy === 'config') throw managedByFile(page.spec.slug);
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
