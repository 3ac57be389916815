import type { Kysely } from 'kysely';
import { parseInput } from '../config/validate.js';
import type { Database } from '../db/types.js';
import { ConfigObjectsRepository } from '../incidents/config-objects.repository.js';
import type { IncidentsService } from '../incidents/incidents.service.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { incidentMessage } from './messages.js';
import { componentsOf, touchedMonitors, type IncidentModel } from './model.js';
import type { PublicPages } from './pages.js';
import { incidentUpdateSchema, type MessageTemplateSpec } from './status-page.schema.js';
import type { StatusPageSpec } from './status-page.schema.js';
import { StatusPagesRepository, type IncidentUpdateRow } from './status-pages.repository.js';
import { Outbox } from '../notify/outbox.service.js';
import { enqueue, wants, type Subscriptions } from './subscriptions.js';
import { withStatusTables } from './tables.js';

export interface UpdateDeps {
  db: Kysely<Database>;
  incidents: IncidentsService;
  pages: PublicPages;
  subscriptions: Subscriptions;
  /** The absolute address of a page, for links in messages. */
  pageUrl: (spec: StatusPageSpec) => string;
  clock: Clock;
  /** Tells the sender there is mail. */
  wake: () => void;
}

/**
 * Public updates on incidents (investigating → identified → monitoring → resolved), written in the
 * API: stored with the pages they are for, shown on those pages and their feeds, and sent to
 * their subscribers in the same transaction (so an update is never shown without being sent). A
 * "resolved" update resolves the incident too.
 */
export class IncidentUpdates {
  constructor(private readonly deps: UpdateDeps) {}

  async list(incidentId: number): Promise<IncidentUpdateRow[]> {
    await this.deps.incidents.get(incidentId);
    return new StatusPagesRepository(withStatusTables(this.deps.db)).updatesOf([incidentId]);
  }

  async post(incidentId: number, input: unknown, author: string): Promise<{ update: IncidentUpdateRow; notified: number }> {
    const spec = parseInput(incidentUpdateSchema, input);
    let template: MessageTemplateSpec | undefined;
    if (spec.template !== undefined) {
      const row = await new ConfigObjectsRepository(this.deps.db).getByName('message-template', spec.template);
      if (!row) throw new AppError('invalid_input', `template: no message template is named "${spec.template}"`);
      template = JSON.parse(row.spec) as MessageTemplateSpec;
    }
    const status = spec.status ?? template?.status;
    if (!status)
      throw new AppError('invalid_input', 'status: say what the update means: investigating, identified, monitoring or resolved (or use a template that does)');
    const body = spec.body ?? template!.body;
    const unknownPage = spec.pages?.find((slug) => !this.deps.pages.page(slug));
    if (unknownPage !== undefined) throw new AppError('invalid_input', `pages: no status page has the slug "${unknownPage}"`);
    const incident = await this.deps.incidents.get(incidentId);
    const now = this.deps.clock.now();

    const result = await this.deps.db.transaction().execute(async (trx) => {
      const db = withStatusTables(trx);
      const repo = new StatusPagesRepository(db);
      const id = await repo.addUpdate({ incident_id: incidentId, status, body, author, pages: spec.pages ? JSON.stringify(spec.pages) : null, at: now });
      let notified = 0;
      if (spec.notify) {
        const links = await repo.incidentMonitors([incidentId]);
        for (const page of this.deps.pages.all()) {
          if (spec.pages && !spec.pages.includes(page.spec.slug)) continue;
          const { byComponent, monitors } = this.deps.pages.membersOf(page);
          const components = componentsOf(page.spec, byComponent, touchedMonitors(incident, links, monitors, new Set(byComponent.flat())));
          if (!components.length) continue;
          const model: IncidentModel = {
            id: incidentId,
            title: incident.origin === 'auto' ? null : incident.title,
            impact: incident.severity === 'critical' ? 'critical' : incident.severity === 'minor' ? 'minor' : 'major',
            status,
            startedAt: incident.opened_at,
            resolvedAt: incident.resolved_at,
            updatedAt: now,
            components,
            updates: [],
          };
          for (const sub of await repo.subscribers(page.id, true)) {
            if (!wants(sub, components)) continue;
            const urls = this.deps.subscriptions.links(sub, this.deps.pageUrl(page.spec));
            await enqueue(
              new Outbox(trx),
              sub.id,
              'incident',
              incidentMessage(page.spec, sub, { incident: model, update: { status, body, at: now } }, urls),
              now,
            );
            notified++;
          }
        }
      }
      return { update: (await repo.updatesOf([incidentId])).find((u) => u.id === id)!, notified };
    });
    if (status === 'resolved' && incident.status !== 'resolved') await this.deps.incidents.resolve(incidentId, author, 'resolved with a status update');
    this.deps.pages.invalidate();
    this.deps.wake();
    return result;
  }
}
