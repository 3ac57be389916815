import type { Kysely } from 'kysely';
import { transactionLock } from '../cluster/cluster.repository.js';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import type { StoredEvent } from '../monitoring/results-writer.js';
import { ResultsRepository } from '../monitoring/results.repository.js';
import { SitesRepository } from '../sites/sites.repository.js';
import type { Monitor, SiteCodec } from '../sites/sites.service.js';
import { firstRecipients, isFailing, newIncident, severityOf, summarize, worse } from './incident-rules.js';
import { IncidentsRepository } from './incidents.repository.js';
import type { Notifier } from './notifier.js';
import { Directory } from './routing.js';

export interface EventRulesContext {
  clock: Clock;
  codec: SiteCodec;
  notifier: Notifier;
  resolveAfterMs: () => number;
}

/**
 * Turns monitor events into incidents, inside the transaction that stores the events: one open
 * incident per site gathers every failing monitor; a monitor whose dependency is down, or that is
 * flapping, joins silently; when all are up again the incident resolves after a cool-down.
 */
export async function applyMonitorEvents(trx: Kysely<Database>, events: readonly StoredEvent[], ctx: EventRulesContext): Promise<void> {
  const incidents = new IncidentsRepository(trx);
  // A monitor that is not failing matters only to an open incident it is in: a fleet's first checks (pending → up) read nothing more.
  const settling = events.filter((e) => e.kind === 'status' && !isFailing(e.to ?? 'pending')).map((e) => e.monitorId);
  const inIncidents = settling.length ? await incidents.inOpenAutoIncidents([...new Set(settling)]) : new Set<number>();
  const relevant = events.filter(
    (e) => e.kind === 'flapping_started' || (e.kind === 'status' && (isFailing(e.to ?? 'pending') || inIncidents.has(e.monitorId))),
  );
  if (!relevant.length) return;
  const sites = new SitesRepository(trx);
  const dir = await Directory.load(trx);
  const monitors = new Map<number, Monitor>();
  for (const id of new Set(relevant.map((e) => e.monitorId))) {
    const row = await sites.getMonitor(id);
    if (row) monitors.set(id, ctx.codec.monitorFromRow(row));
  }
  const flapping = await new ResultsRepository(trx).flapping();
  // Two nodes of a cluster may write events of one site's monitors at once: one at a time per site, so
  // they join one incident instead of opening two. Each site once, in id order: two batches sharing
  // sites then never wait on each other in a circle.
  for (const siteId of new Set([...monitors.values()].map((m) => m.siteId).sort((x, y) => x - y))) await transactionLock(trx, 'site', siteId);

  for (const event of relevant) {
    const monitor = monitors.get(event.monitorId);
    if (!monitor) continue;
    const site = ctx.codec.siteFromRow((await sites.getSite(monitor.siteId))!);
    // Taken, not just read: a resolution running at the same time then either comes first (and a
    // failure opens a new incident) or waits and sees this change.
    const current = await incidents.openAutoIncident(site.id);
    let incident = current && (await incidents.takeUnresolved(current.id, ctx.clock.now()));
    const name = monitor.spec.name;

    if (event.kind === 'flapping_started') {
      if (incident)
        await incidents.addTimeline(
          incident.id,
          event.at,
          'flapping',
          `${name} is flapping; its ups and downs are noted here without messages until it settles`,
        );
      continue;
    }
    const to = event.to ?? 'pending';
    if (isFailing(to)) {
      const severity = severityOf(monitor, to);
      if (!incident) {
        const id = await incidents.insert(
          newIncident(dir, site, { title: `${name} is ${to}`, severity, origin: 'auto', summary: event.message, openedAt: event.at, now: ctx.clock.now() }),
        );
        await incidents.upsertMonitor({ incident_id: id, monitor_id: monitor.id, status: to, message: event.message, since: event.at });
        await incidents.addTimeline(id, event.at, 'opened', `${name} is ${to}: ${event.message}`);
        incident = (await incidents.get(id))!;
        await ctx.notifier.send(trx, incident, 'incident.opened', firstRecipients(dir, site, monitor, severity, ctx.clock.now()), { fold: true });
        continue;
      }
      const members = await incidents.monitors(incident.id);
      const known = members.find((m) => m.monitor_id === monitor.id);
      await incidents.upsertMonitor({ incident_id: incident.id, monitor_id: monitor.id, status: to, message: event.message, since: event.at });
      const downDependency = monitor.spec.dependsOn?.find((dep) => members.some((m) => isFailing(m.status) && monitors.get(m.monitor_id)?.spec.name === dep));
      const quiet = downDependency ? `depends on ${downDependency}, which is down` : flapping.has(monitor.id) ? 'flapping' : undefined;
      await incidents.addTimeline(
        incident.id,
        event.at,
        quiet ? 'suppressed' : 'failing',
        `${name} is ${to}: ${event.message}${quiet ? ` (no message: ${quiet})` : ''}`,
      );
      const raised = worse(incident.severity as never, severity);
      await incidents.update(incident.id, {
        severity: raised,
        resolve_at: null,
        summary: await summarize(trx, { ...incident, summary: event.message }),
        updated_at: ctx.clock.now(),
      });
      if (incident.resolve_at !== null)
        await incidents.addTimeline(incident.id, event.at, 'reopened', `${name} failed again before the incident could resolve`);
      if (!quiet && (!known || !isFailing(known.status) || raised !== incident.severity)) {
        const updated = (await incidents.get(incident.id))!;
        const recipients = [...(await ctx.notifier.notified(trx, incident.id)), ...firstRecipients(dir, site, monitor, raised, ctx.clock.now())];
        const once = [...new Map(recipients.map((r) => [r.channelId, r])).values()];
        await ctx.notifier.send(trx, updated, 'incident.updated', once, { fold: true });
      }
      continue;
    }
    // Up again, paused, in maintenance: no longer failing for this incident.
    if (!incident) continue;
    const members = await incidents.monitors(incident.id);
    if (!members.some((m) => m.monitor_id === monitor.id)) continue;
    await incidents.upsertMonitor({ incident_id: incident.id, monitor_id: monitor.id, status: to, message: event.message, since: event.at });
    await incidents.addTimeline(incident.id, event.at, 'recovered', `${name} is ${to}${to === 'up' ? ' again' : ''}`);
    const stillFailing = members.some((m) => m.monitor_id !== monitor.id && isFailing(m.status));
    if (!stillFailing && incident.origin === 'auto') {
      await incidents.update(incident.id, {
        resolve_at: event.at + ctx.resolveAfterMs(),
        summary: await summarize(trx, incident),
        updated_at: ctx.clock.now(),
      });
    }
  }
}
