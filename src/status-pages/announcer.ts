import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import type { MaintenanceSpec } from '../incidents/incidents.schema.js';
import type { Occurrence } from '../incidents/maintenance.js';
import type { Clock } from '../lib/clock.js';
import { maintenanceMessage } from './messages.js';
import { maintenanceOf } from './model.js';
import type { PublicPages } from './pages.js';
import type { StatusPageSpec } from './status-page.schema.js';
import { StatusPagesRepository } from './status-pages.repository.js';
import { Outbox } from '../notify/outbox.service.js';
import { enqueue, wants, type Subscriptions } from './subscriptions.js';
import { withStatusTables } from './tables.js';

/** How long after its start a window never told of is still announced (as a reminder). */
const JUST_BEGUN_MS = 10 * 60_000;

export interface AnnouncerDeps {
  db: Kysely<Database>;
  pages: PublicPages;
  upcoming: (from: number, to: number) => { name: string; spec: MaintenanceSpec; occurrence: Occurrence }[];
  subscriptions: Subscriptions;
  pageUrl: (spec: StatusPageSpec) => string;
  clock: Clock;
  wake: () => void;
}

/**
 * Tells subscribers of scheduled maintenance ahead of time: an announcement once an occurrence is
 * within the page's `maintenanceNotice.announce`, a reminder once it is within `remind`. Each is
 * recorded per page and occurrence in the transaction that queues the messages, so neither is
 * sent twice, across restarts too; an occurrence first seen inside the reminder time gets only the
 * reminder, and so does one that began less than ten minutes ago (a window opened on the spot).
 */
export class MaintenanceAnnouncer {
  constructor(private readonly deps: AnnouncerDeps) {}

  async tick(): Promise<void> {
    const { db, clock } = this.deps;
    const now = clock.now();
    let queued = false;
    for (const page of this.deps.pages.all()) {
      const { announce, remind } = page.spec.maintenanceNotice;
      // A window opened on the spot (an update run's) has begun by the time it is seen: it is told once, late, rather than never.
      const coming = maintenanceOf(page.spec, this.deps.pages.membersOf(page), this.deps.upcoming(now, now + announce), now).filter(
        (m) => m.start > now - JUST_BEGUN_MS,
      );
      for (const m of coming) {
        const kind = m.start - now <= remind ? 'reminder' : 'announce';
        queued =
          (await db.transaction().execute(async (trx) => {
            const tables = withStatusTables(trx);
            const repo = new StatusPagesRepository(tables);
            if (!(await repo.announce(page.id, m.name, m.start, kind))) return false;
            if (kind === 'reminder') await repo.announce(page.id, m.name, m.start, 'announce');
            for (const sub of await repo.subscribers(page.id, true)) {
              if (!wants(sub, m.components)) continue;
              await enqueue(
                new Outbox(trx),
                sub.id,
                'maintenance',
                maintenanceMessage(page.spec, sub, m, kind, this.deps.subscriptions.links(sub, this.deps.pageUrl(page.spec))),
                now,
              );
            }
            return true;
          })) || queued;
      }
    }
    if (queued) this.deps.wake();
  }
}
