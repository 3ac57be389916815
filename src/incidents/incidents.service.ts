import { maxId } from '../lib/ids.js';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { NotificationEvent } from '../notify/notification.js';
import { SitesRepository } from '../sites/sites.repository.js';
import type { SiteCodec } from '../sites/sites.service.js';
import type { AckLinks } from './ack-links.js';
import { firstRecipients, newIncident } from './incident-rules.js';
import { severity } from './incidents.schema.js';
import { IncidentsRepository, type IncidentFilter, type IncidentRow } from './incidents.repository.js';
import type { Notifier } from './notifier.js';
import { Directory } from './routing.js';

export const manualSchema = z
  .object({
    siteId: z.number().int().positive().max(maxId),
    title: z.string().trim().min(1).max(200),
    severity: severity.default('major'),
    message: z.string().max(10_000).default(''),
  })
  .strict()
  .meta({ examples: [{ siteId: 1, title: 'Checkout fails', severity: 'major' }] });
export const changeSchema = z
  .object({
    owner: z.string().max(200).nullable().optional(),
    severity: severity.optional(),
    postmortem: z
      .object({
        impact: z.string().max(20_000).optional(),
        rootCause: z.string().max(20_000).optional(),
        followUps: z.array(z.string().max(2_000)).max(100).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export const noteSchema = z.object({ message: z.string().trim().min(1).max(10_000) }).strict();

export type IncidentChange = z.input<typeof changeSchema>;

/** Incidents as people handle them: open by hand, acknowledge, assign, resolve, write up; and what falls due. */
export class IncidentsService {
  private readonly listeners: ((incident: IncidentRow) => void)[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly codec: SiteCodec,
    private readonly notifier: Notifier,
    private readonly links: AckLinks,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Hears of every change made through this service, after it is committed (live updates). */
  onChanged(listener: (incident: IncidentRow) => void): void {
    this.listeners.push(listener);
  }

  private changed(incident: IncidentRow): IncidentRow {
    for (const listener of this.listeners) listener(incident);
    return incident;
  }

  list(filter: IncidentFilter): Promise<IncidentRow[]> {
    return new IncidentsRepository(this.db).list(filter);
  }

  async get(id: number): Promise<IncidentRow> {
    const row = await new IncidentsRepository(this.db).get(id);
    if (!row) throw new AppError('not_found', `incident ${id} does not exist`);
    return row;
  }

  async details(id: number) {
    const incident = await this.get(id);
    const repo = new IncidentsRepository(this.db);
    return { incident, monitors: await repo.monitors(id), timeline: await repo.timeline(id) };
  }

  /** Opens an incident by hand, or (`updates`) for a component the updates inventory found vulnerable or past its end of life. */
  async open(input: unknown, author: string, origin: 'manual' | 'updates' = 'manual'): Promise<IncidentRow> {
    const spec = parseInput(manualSchema, input);
    const opened = await this.db.transaction().execute(async (trx) => {
      const siteRow = await new SitesRepository(trx).getSite(spec.siteId);
      if (!siteRow) throw new AppError('not_found', `site ${spec.siteId} does not exist`);
      const site = this.codec.siteFromRow(siteRow);
      const now = this.clock.now();
      const dir = await Directory.load(trx);
      const repo = new IncidentsRepository(trx);
      const id = await repo.insert(
        newIncident(dir, site, { title: spec.title, severity: spec.severity, origin, summary: spec.message || spec.title, openedAt: now, now }),
      );
      await repo.addTimeline(id, now, 'opened', spec.message || 'opened by hand', author);
      const incident = (await repo.get(id))!;
      await this.notifier.send(trx, incident, 'incident.opened', firstRecipients(dir, site, undefined, spec.severity, now), { fold: false });
      return incident;
    });
    return this.changed(opened);
  }

  /** Stops escalation and tells everyone told so far. */
  acknowledge(id: number, by: string): Promise<IncidentRow> {
    return this.transition(id, 'incident.acknowledged', async (repo, incident, now) => {
      if (incident.status === 'resolved') throw new AppError('conflict', `incident ${id} is already resolved`);
      if (incident.status === 'acknowledged') return false;
      await repo.update(id, { status: 'acknowledged', acknowledged_at: now, acknowledged_by: by, next_escalation_at: null, updated_at: now });
      await repo.addTimeline(id, now, 'acknowledged', `acknowledged by ${by}`, by);
      return true;
    });
  }

  resolve(id: number, by: string, reason = 'resolved by hand'): Promise<IncidentRow> {
    return this.transition(id, 'incident.resolved', async (repo, incident, now) => {
      if (incident.status === 'resolved') return false;
      await repo.update(id, { status: 'resolved', resolved_at: now, resolve_at: null, next_escalation_at: null, next_reminder_at: null, updated_at: now });
      await repo.addTimeline(id, now, 'resolved', reason, by);
      return true;
    });
  }

  /** Acknowledges through a link from a message: genuine, not expired, not used before. */
  async acknowledgeByLink(token: string): Promise<IncidentRow> {
    const claims = this.links.verify(token, this.clock.now());
    const used = await this.db.transaction().execute((trx) => new IncidentsRepository(trx).useLink(claims.nonce, claims.expiresAt));
    if (!used) throw new AppError('conflict', 'this acknowledge link was used already; each link works once');
    return this.acknowledge(claims.incidentId, 'an acknowledge link');
  }

  async change(id: number, input: unknown, by: string): Promise<IncidentRow> {
    const change = parseInput(changeSchema, input);
    const incident = await this.get(id);
    const now = this.clock.now();
    const repo = new IncidentsRepository(this.db);
    const postmortem = change.postmortem
      ? JSON.stringify({ ...(incident.postmortem ? (JSON.parse(incident.postmortem) as object) : {}), ...change.postmortem })
      : incident.postmortem;
    await repo.update(id, {
      ...(change.owner !== undefined ? { owner: change.owner } : {}),
      ...(change.severity ? { severity: change.severity } : {}),
      postmortem,
      updated_at: now,
    });
    if (change.owner !== undefined) await repo.addTimeline(id, now, 'assigned', change.owner ? `assigned to ${change.owner}` : 'unassigned', by);
    if (change.severity && change.severity !== incident.severity)
      await repo.addTimeline(id, now, 'severity', `severity ${incident.severity} → ${change.severity}`, by);
    if (change.postmortem) await repo.addTimeline(id, now, 'postmortem', 'postmortem updated', by);
    return this.changed(await this.get(id));
  }

  async note(id: number, input: unknown, by: string): Promise<void> {
    const { message } = parseInput(noteSchema, input);
    await this.get(id);
    await new IncidentsRepository(this.db).addTimeline(id, this.clock.now(), 'note', message, by);
    this.changed(await this.get(id));
  }

  private async transition(
    id: number,
    event: NotificationEvent,
    change: (repo: IncidentsRepository, incident: IncidentRow, now: number) => Promise<boolean>,
  ): Promise<IncidentRow> {
    const after = await this.db.transaction().execute(async (trx) => {
      const repo = new IncidentsRepository(trx);
      const incident = await repo.get(id);
      if (!incident) throw new AppError('not_found', `incident ${id} does not exist`);
      const now = this.clock.now();
      if (await change(repo, incident, now))
        await this.notifier.send(trx, (await repo.get(id))!, event, await this.notifier.notified(trx, id), { fold: false });
      return (await repo.get(id))!;
    });
    return this.changed(after);
  }

  /** What has fallen due: incidents whose monitors stayed up through the cool-down, escalation steps, reminders. */
  async tick(): Promise<void> {
    const now = this.clock.now();
    for (const incident of await new IncidentsRepository(this.db).due(now)) {
      if (incident.resolve_at !== null && incident.resolve_at <= now) {
        const minutes = Math.round((now - incident.opened_at) / 60_000);
        // Decided again inside the transaction: a monitor may have failed since the list was read.
        await this.transition(incident.id, 'incident.resolved', async (repo, _incident, at) => {
          if (!(await repo.resolveIfDue(incident.id, at))) return false;
          await repo.addTimeline(incident.id, at, 'resolved', `every monitor is up again; resolved after ${minutes} min`, 'Upkeep');
          return true;
        });
        continue;
      }
      await this.db.transaction().execute(async (trx) => {
        const repo = new IncidentsRepository(trx);
        const dir = await Directory.load(trx);
        const policy = incident.escalation_policy ? dir.policies.get(incident.escalation_policy) : undefined;
        if (incident.next_escalation_at !== null && incident.next_escalation_at <= now && incident.status === 'open') {
          const step = incident.escalation_step + 1;
          const next = policy?.steps[step + 1];
          await repo.update(incident.id, { escalation_step: step, next_escalation_at: next ? incident.opened_at + next.after : null, updated_at: now });
          const targets = policy?.steps[step]?.notify ?? [];
          await repo.addTimeline(incident.id, now, 'escalated', `not acknowledged: escalated to step ${step + 1} (${targets.join(', ')})`);
          await this.notifier.send(trx, (await repo.get(incident.id))!, 'incident.opened', dir.resolve(targets, now, incident.severity === 'critical'), {
            fold: false,
          });
        }
        if (incident.next_reminder_at !== null && incident.next_reminder_at <= now) {
          await repo.update(incident.id, { next_reminder_at: policy?.remindEvery ? now + policy.remindEvery : null, updated_at: now });
          await this.notifier.send(trx, (await repo.get(incident.id))!, 'incident.reminder', await this.notifier.notified(trx, incident.id), { fold: false });
        }
      });
    }
    await new IncidentsRepository(this.db)
      .forgetExpiredLinks(now)
      .catch((err: unknown) => this.log.warn({ err }, 'could not forget expired acknowledge links'));
  }
}
