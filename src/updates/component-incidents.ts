import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { ApprovalsRepository, type ComponentIncidentRow } from './approvals.repository.js';
import type { VulnerabilitySeverity } from './component.js';
import { worstSeverity, type Assessed } from './match.js';
import type { UpdatePolicy } from './policy.js';

type Severity = 'critical' | 'major' | 'minor';

export interface ComponentIncidentsDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** Opens an incident of origin `updates`: internal (never on a status page) until someone writes to the public about it. */
  open(input: { siteId: number; title: string; severity: Severity; message: string }, author: string, origin: 'updates'): Promise<{ id: number }>;
  resolve(id: number, by: string, reason: string): Promise<unknown>;
}

const RANK: VulnerabilitySeverity[] = ['unknown', 'low', 'medium', 'high', 'critical'];
const severityOf = (worst: VulnerabilitySeverity): Severity => (worst === 'critical' ? 'critical' : worst === 'high' ? 'major' : 'minor');
type Key = Pick<ComponentIncidentRow, 'ecosystem' | 'name' | 'version' | 'reason'>;
const keyOf = (k: Key) => `${k.ecosystem}\0${k.name}\0${k.version}\0${k.reason}`;

/**
 * Opens an incident for each newly seen vulnerable component version at or above the policy's
 * severity (and each end-of-life one, when the policy says so), once per component version, and
 * resolves those whose version is gone from the site's newest inventory (updated or removed).
 * Returns the incidents opened and resolved.
 */
export async function reconcileComponentIncidents(
  deps: ComponentIncidentsDeps,
  site: { id: number; name: string },
  policy: UpdatePolicy,
  components: readonly Assessed[],
): Promise<{ opened: number[]; resolved: number[] }> {
  const repo = new ApprovalsRepository(deps.db);
  const threshold = policy.incidents.severity;
  const wanted = new Map<string, { key: Key; title: string; severity: Severity; message: string }>();
  for (const c of components) {
    if (!c.version) continue;
    const worst = worstSeverity(c.vulnerabilities);
    if (worst && threshold !== 'off' && RANK.indexOf(worst) >= RANK.indexOf(threshold)) {
      const key: Key = { ecosystem: c.ecosystem, name: c.name, version: c.version, reason: 'vulnerable' };
      const fixes = [...new Set(c.vulnerabilities.flatMap((v) => v.fixedIn.slice(0, 1)))];
      wanted.set(keyOf(key), {
        key,
        title: `Vulnerable ${c.name} ${c.version} on ${site.name}`,
        severity: severityOf(worst),
        message:
          `${c.ecosystem} ${c.name} ${c.version}: ${c.vulnerabilities.map((v) => `${v.id} (${v.severity})`).join(', ')}${fixes.length ? `; fixed in ${fixes.join(', ')}` : '; no fixed version known'}`.slice(
            0,
            2_000,
          ),
      });
    }
    if (c.endOfLife && policy.incidents.endOfLife) {
      const key: Key = { ecosystem: c.ecosystem, name: c.name, version: c.version, reason: 'end-of-life' };
      wanted.set(keyOf(key), {
        key,
        title: `End of life: ${c.name} ${c.version} on ${site.name}`,
        severity: 'minor',
        message: `${c.ecosystem} ${c.name} ${c.version} gets no more fixes${c.eolDate ? ` since ${c.eolDate}` : ''}${c.latest ? `; newest ${c.latest}` : ''}`,
      });
    }
  }
  const opened: number[] = [];
  const resolved: number[] = [];
  for (const w of wanted.values()) {
    if (await repo.componentIncidentKnown({ site_id: site.id, ...w.key })) continue;
    const incident = await deps.open({ siteId: site.id, title: w.title.slice(0, 200), severity: w.severity, message: w.message }, 'updates', 'updates');
    await repo.addComponentIncident({ site_id: site.id, ...w.key, incident_id: incident.id, opened_at: deps.clock.now(), resolved_at: null });
    opened.push(incident.id);
  }
  for (const row of await repo.openComponentIncidents(site.id)) {
    if (wanted.has(keyOf(row))) continue;
    await deps.resolve(row.incident_id, 'updates', `${row.name} ${row.version} is no longer on the site (updated or removed)`);
    await repo.resolveComponentIncident(row, deps.clock.now());
    resolved.push(row.incident_id);
  }
  return { opened, resolved };
}
