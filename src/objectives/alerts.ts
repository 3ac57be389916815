import type { Kysely } from 'kysely';
import { formatDuration } from '../config/duration.js';
import type { Database } from '../db/types.js';
import { firstRecipients, newIncident, worse } from '../incidents/incident-rules.js';
import { IncidentsRepository, type IncidentRow } from '../incidents/incidents.repository.js';
import type { Notifier } from '../incidents/notifier.js';
import { Directory } from '../incidents/routing.js';
import type { Clock } from '../lib/clock.js';
import type { Site } from '../sites/sites.service.js';
import type { BurnRule } from './burn.js';
import type { ObjectiveStatus } from './evaluate.js';

/** What an objective's incident remembers of its cause: which objective, and the rule that raised it last. */
interface ObjectiveSource {
  objective: string;
  rule: BurnRule['name'];
}

const sourceOf = (incident: IncidentRow) => JSON.parse(incident.source ?? '{}') as Partial<ObjectiveSource>;

function describe(status: ObjectiveStatus, rule: BurnRule): string {
  const rates = status.burnRates ?? {};
  const long = formatDuration(rule.long);
  const short = formatDuration(rule.short);
  const rate = (w: string) => (rates[w] ?? 0).toFixed(1);
  const left = status.budget?.remaining;
  return (
    `${rule.action === 'page' ? 'page' : 'ticket'} (${rule.name} burn): the error budget burns ${rate(long)}× over ${long} and ${rate(short)}× over ${short} ` +
    `(rule: ${rule.factor}× over both)${left === null || left === undefined ? '' : `; ${(left * 100).toFixed(1)} % of the budget is left`}`
  );
}

/**
 * Raises, strengthens and resolves the incidents of a site's objectives from their burn rates, in one
 * transaction writing the outbox like every other incident change: one incident per objective while
 * a burn-rate rule fires (severity critical for the fast page, major for the slower page, minor for a
 * ticket), resolved once no rule fires.
 */
export async function applyObjectiveAlerts(
  db: Kysely<Database>,
  ctx: { clock: Clock; notifier: Notifier },
  site: Site,
  statuses: readonly ObjectiveStatus[],
): Promise<void> {
  const watched = statuses.filter((s) => s.spec.type === 'availability' && s.spec.alert);
  await db.transaction().execute(async (trx) => {
    const incidents = new IncidentsRepository(trx);
    const now = ctx.clock.now();
    const open = (await incidents.list({ siteId: site.id, status: 'open', limit: 100 })).filter((i) => i.origin === 'objective');
    let dir: Directory | undefined;
    for (const status of watched) {
      const name = status.spec.name;
      const incident = open.find((i) => sourceOf(i).objective === name);
      const rule = status.alert;
      if (!rule) {
        if (!incident) continue;
        await incidents.update(incident.id, { status: 'resolved', resolved_at: now, next_escalation_at: null, next_reminder_at: null, updated_at: now });
        await incidents.addTimeline(incident.id, now, 'resolved', `${name}: no burn-rate rule fires any more`);
        await ctx.notifier.send(trx, (await incidents.get(incident.id))!, 'incident.resolved', await ctx.notifier.notified(trx, incident.id), { fold: false });
        continue;
      }
      dir ??= await Directory.load(trx);
      const line = describe(status, rule);
      const source = JSON.stringify({ objective: name, rule: rule.name } satisfies ObjectiveSource);
      if (!incident) {
        const title = `${name}: error budget burning ${rule.action === 'page' ? 'fast' : 'slowly'}`;
        const id = await incidents.insert(
          newIncident(dir, site, { title, severity: rule.severity, origin: 'objective', summary: line, openedAt: now, now, source }),
        );
        await incidents.addTimeline(id, now, 'opened', line);
        await ctx.notifier.send(trx, (await incidents.get(id))!, 'incident.opened', firstRecipients(dir, site, undefined, rule.severity, now), { fold: false });
        continue;
      }
      const raised = worse(incident.severity as never, rule.severity);
      if (raised === incident.severity) continue;
      await incidents.update(incident.id, { severity: raised, summary: line, source, updated_at: now });
      await incidents.addTimeline(incident.id, now, 'escalated', line);
      const recipients = [...(await ctx.notifier.notified(trx, incident.id)), ...firstRecipients(dir, site, undefined, raised, now)];
      const once = [...new Map(recipients.map((r) => [r.channelId, r])).values()];
      await ctx.notifier.send(trx, (await incidents.get(incident.id))!, 'incident.updated', once, { fold: false });
    }
  });
}
