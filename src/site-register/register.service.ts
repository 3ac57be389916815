import type { Kysely } from 'kysely';
import { parseInput } from '../config/validate.js';
import type { Database, ManagedBy } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { assertOwner } from '../lib/stored-object.js';
import { REDACTED, type SecretBox } from '../lib/secrets.js';
import { RegisterRepository, type RegisterRow } from './register.repository.js';
import { registerInput, type RegisterBody } from './register.schema.js';
import { withRegisterTables } from './tables.js';

/** A date the site's checks found, and which monitor found it when. */
export interface CheckedDate {
  date: string;
  monitor: string;
  checkedAt: number;
}

/** A site's register: what was written (credential locations kept sealed), and the dates its checks know. */
export interface SiteRegister extends RegisterBody {
  expiry: { domain: CheckedDate | null; certificate: CheckedDate | null };
  updatedAt: number | null;
  /** Whether upkeep.yaml (`registers:`) or the API wrote it. */
  managedBy: ManagedBy;
}

const empty: RegisterBody = { vendors: [], people: [], dependsOn: [], credentials: [], notes: '' };

/**
 * A register's row: dependencies without the site itself, credential labels in the body and their
 * locations sealed. Shared by the API and upkeep.yaml (`managedBy`, `envRefs` of the locations).
 */
export function registerRow(
  box: SecretBox,
  siteId: number,
  doc: Omit<RegisterBody, 'credentials'>,
  locations: Record<string, string>,
  o: { managedBy: ManagedBy; envRefs: Record<string, string>; now: number },
): RegisterRow {
  const body: RegisterBody = { ...doc, dependsOn: [...new Set(doc.dependsOn.filter((id) => id !== siteId))], credentials: Object.keys(locations) };
  return {
    site_id: siteId,
    body: JSON.stringify(body),
    secrets: Object.keys(locations).length ? box.seal(locations) : null,
    managed_by: o.managedBy,
    env_refs: Object.keys(o.envRefs).length ? JSON.stringify(o.envRefs) : null,
    updated_at: o.now,
  };
}

/** The date field each check type writes into its result's detail. */
const expiryField = { domain: 'expiresAt', tls: 'validTo' } as const;

/**
 * The site register's use cases ("who to call"): vendors, people, dependencies and credential
 * references per site. Credential locations are sealed with the instance key and never leave this
 * class: the register answers their labels only.
 */
export class RegisterService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  private get repo() {
    return new RegisterRepository(withRegisterTables(this.db));
  }

  async get(siteId: number): Promise<SiteRegister> {
    const row = await this.repo.get(siteId);
    const body = row ? (JSON.parse(row.body) as RegisterBody) : empty;
    return { ...body, expiry: await this.expiry(siteId), updatedAt: row ? Number(row.updated_at) : null, managedBy: row?.managed_by ?? 'api' };
  }

  /**
   * Replaces the register. A credential whose location is written as `********` keeps the location
   * stored under its label (the API never answers it, so a client writes back what it read).
   * `reach.require` is asked about every site named in dependsOn (it throws for one out of reach);
   * stored dependencies the caller cannot see (`reach.sees`) were never shown to them, so they are kept.
   */
  async put(siteId: number, input: unknown, reach: { require: (id: number) => Promise<void>; sees: (id: number) => Promise<boolean> }): Promise<SiteRegister> {
    const parsed = parseInput(registerInput, input);
    for (const id of parsed.dependsOn) await reach.require(id);
    const row = await this.repo.get(siteId);
    assertOwner(row?.managed_by ?? 'api', 'api', `the register of site ${siteId}`, 'registers');
    for (const id of row ? (JSON.parse(row.body) as RegisterBody).dependsOn : [])
      if (!parsed.dependsOn.includes(id) && !(await reach.sees(id))) parsed.dependsOn.push(id);
    const stored = row?.secrets ? this.box.open<Record<string, string>>(row.secrets) : {};
    const locations: Record<string, string> = {};
    for (const [i, c] of parsed.credentials.entries()) {
      const kept = c.location === REDACTED ? stored[c.label] : c.location;
      if (kept === undefined) {
        const message = `no stored location for "${c.label}": write where the credential lives`;
        throw new AppError('invalid_input', message, { details: [{ path: `credentials[${i}].location`, message }] });
      }
      locations[c.label] = kept;
    }
    await this.repo.put(registerRow(this.box, siteId, parsed, locations, { managedBy: 'api', envRefs: {}, now: this.clock.now() }));
    return this.get(siteId);
  }

  /** Domain and certificate expiry from the newest results of the site's domain and tls monitors (the soonest when there are several). */
  private async expiry(siteId: number): Promise<SiteRegister['expiry']> {
    const found: SiteRegister['expiry'] = { domain: null, certificate: null };
    for (const r of await this.repo.latestDetails(siteId, Object.keys(expiryField))) {
      const key = r.type === 'domain' ? 'domain' : 'certificate';
      const value = (JSON.parse(r.detail) as Record<string, unknown>)[expiryField[r.type as keyof typeof expiryField]];
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) continue;
      const date = new Date(value).toISOString().slice(0, 10);
      const current = found[key];
      if (!current || date < current.date) found[key] = { date, monitor: r.name, checkedAt: r.at };
    }
    return found;
  }
}
