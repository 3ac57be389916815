import type { Insertable, Kysely } from 'kysely';
import type { Database, IncidentsTable } from '../db/types.js';
import type { Severity } from '../notify/notification.js';
import type { Monitor, Site } from '../sites/sites.service.js';
import { IncidentsRepository, type IncidentRow } from './incidents.repository.js';
import type { Directory, Recipient } from './routing.js';

const rank: Record<Severity, number> = { minor: 1, major: 2, critical: 3 };

export const worse = (a: Severity, b: Severity): Severity => (rank[a] >= rank[b] ? a : b);

/** A failing monitor's severity: its own, else major when down and minor when degraded. */
export const severityOf = (monitor: Monitor, status: string): Severity => monitor.spec.severity ?? (status === 'down' ? 'major' : 'minor');

export const isFailing = (status: string) => status === 'down' || status === 'degraded';

/**
 * Who hears of an incident first: the first step of the site's escalation policy, or else the
 * monitor's `notify:` list, the site's, or every channel.
 */
export function firstRecipients(dir: Directory, site: Site, monitor: Monitor | undefined, severity: Severity, now: number): Recipient[] {
  const policy = site.spec.escalation ? dir.policies.get(site.spec.escalation) : undefined;
  if (policy) return dir.resolve(policy.steps[0]!.notify, now, severity === 'critical');
  const names = monitor?.spec.notify ?? site.spec.notify;
  return names ? dir.resolve(names, now, severity === 'critical') : dir.everyone(now);
}

/** When the next escalation step and the next reminder fall due for a new incident. */
export function escalationTimes(
  dir: Directory,
  site: Site,
  openedAt: number,
): { next_escalation_at: number | null; next_reminder_at: number | null; escalation_policy: string | null } {
  const policy = site.spec.escalation ? dir.policies.get(site.spec.escalation) : undefined;
  if (!policy) return { next_escalation_at: null, next_reminder_at: null, escalation_policy: null };
  const next = policy.steps[1];
  return {
    escalation_policy: site.spec.escalation!,
    next_escalation_at: next ? openedAt + next.after : null,
    next_reminder_at: policy.remindEvery ? openedAt + policy.remindEvery : null,
  };
}

/** A new open incident's row, assigned to the site's owner: what differs between monitors, audits and people opening one, the rest as defaults. */
export function newIncident(
  dir: Directory,
  site: Site,
  fields: { title: string; severity: Severity; origin: IncidentRow['origin']; summary: string; openedAt: number; now: number; source?: string },
): Insertable<IncidentsTable> {
  return {
    site_id: site.id,
    title: fields.title,
    severity: fields.severity,
    status: 'open',
    origin: fields.origin,
    summary: fields.summary,
    // Assigned to the site's owner until someone takes it (issue 16).
    owner: site.spec.owner ?? null,
    opened_at: fields.openedAt,
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolve_at: null,
    ...escalationTimes(dir, site, fields.openedAt),
    postmortem: null,
    source: fields.source ?? null,
    updated_at: fields.now,
  };
}

/** One line on what is wrong: the failing monitors and their messages. */
export async function summarize(trx: Kysely<Database>, incident: IncidentRow): Promise<string> {
  const rows = await new IncidentsRepository(trx).namedMonitors(incident.id);
  const failing = rows.filter((r) => isFailing(r.status));
  if (!failing.length) return rows.length ? `all ${rows.length} monitor(s) are up again` : incident.summary;
  return failing.map((r) => `${r.name} is ${r.status}: ${r.message}`).join('; ');
}
