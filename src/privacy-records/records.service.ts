import type { Kysely } from 'kysely';
import type { StoredAudit } from '../audits/audit.service.js';
import type { Artifact, ThirdParty } from '../audits/types.js';
import { parseInput } from '../config/validate.js';
import type { Database, ManagedBy } from '../db/types.js';
import { toIso, type Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { assertOwner } from '../lib/stored-object.js';
import { needsDpa, recordsInput, type RecordsBody } from './records.schema.js';
import { RecordsRepository, type ObservationRow, type TaskRow } from './records.repository.js';
import { withPrivacyTables, type PrivacyDb } from './tables.js';
import { openPrivacyTask } from './tasks.js';

const YEAR = 365 * 86_400_000;

/** What the privacy audits saw of a third party (the detail kept with it). */
export type SeenParty = Pick<ThirdParty, 'entity' | 'categories' | 'country'>;
export interface SeenCookie {
  name: string;
  domain: string;
}

/** A site's GDPR records: as written, what the privacy audits saw, and the open tasks. */
export interface SiteRecords {
  body: RecordsBody;
  reviewedAt: number | null;
  updatedAt: number | null;
  /** Whether upkeep.yaml (`privacyRecords:`) or the API wrote them. */
  managedBy: ManagedBy;
  thirdParties: (ObservationRow & { seen: SeenParty; documented: boolean })[];
  cookies: (ObservationRow & { seen: SeenCookie })[];
  tasks: TaskRow[];
}

const empty: RecordsBody = { controller: {}, purposes: [], processors: [], notes: '' };

/** The cookie list the privacy audit keeps beside an audit (see audits/privacy/index.ts). */
const COOKIES_ARTIFACT = 'privacy-cookies.json';

/**
 * GDPR records of processing per site. People write the purposes and processors; the privacy
 * audits fill in the third parties and cookies the site's pages actually use, and keep them
 * current. A third party not yet in the records, or a processor outside the EU/EEA without a
 * data processing agreement, opens a task (one open task per subject).
 */
export class PrivacyRecordsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    /** Makes sure the site has its yearly review routine (called when its records are first written). */
    private readonly ensureYearlyReview: (siteId: number) => Promise<void>,
  ) {}

  private repo(db: PrivacyDb = withPrivacyTables(this.db)) {
    return new RecordsRepository(db);
  }

  async get(siteId: number): Promise<SiteRecords> {
    const repo = this.repo();
    const row = await repo.get(siteId);
    const body = row ? (JSON.parse(row.body) as RecordsBody) : empty;
    const documented = new Set(body.processors.flatMap((p) => (p.domain ? [p.domain] : [])));
    const seen = await repo.observations(siteId);
    return {
      body,
      reviewedAt: row?.reviewed_at == null ? null : Number(row.reviewed_at),
      updatedAt: row ? Number(row.updated_at) : null,
      managedBy: row?.managed_by ?? 'api',
      thirdParties: seen
        .filter((o) => o.kind === 'third-party')
        .map((o) => ({ ...o, seen: JSON.parse(o.detail) as SeenParty, documented: documented.has(o.name) })),
      cookies: seen.filter((o) => o.kind === 'cookie').map((o) => ({ ...o, seen: JSON.parse(o.detail) as SeenCookie })),
      tasks: await repo.openTasks(siteId),
    };
  }

  /** Replaces what people write (purposes, processors…); what the audits saw stays. Records from upkeep.yaml change only there. */
  async put(siteId: number, input: unknown): Promise<SiteRecords> {
    const body = parseInput(recordsInput, input);
    const first = await this.db.transaction().execute(async (trx) => {
      const stored = await this.repo(withPrivacyTables(trx)).get(siteId);
      assertOwner(stored?.managed_by ?? 'api', 'api', `the GDPR record of site ${siteId}`, 'privacyRecords');
      return this.write(trx, siteId, body, 'api');
    });
    if (first) await this.ensureYearlyReview(siteId);
    return this.get(siteId);
  }

  /**
   * Writes the records in the caller's transaction (the API's or `upkeep apply`'s), keeping when
   * they were reviewed, and opens a task for each processor outside the EU/EEA without an agreement.
   * True when the site had no records before.
   */
  async write(trx: Kysely<Database>, siteId: number, body: RecordsBody, managedBy: ManagedBy): Promise<boolean> {
    const now = this.clock.now();
    const repo = this.repo(withPrivacyTables(trx));
    const before = await repo.get(siteId);
    await repo.put({ site_id: siteId, body: JSON.stringify(body), reviewed_at: before?.reviewed_at ?? null, updated_at: now, managed_by: managedBy });
    for (const p of body.processors.filter(needsDpa)) {
      await openPrivacyTask(
        trx,
        {
          siteId,
          kind: 'processor-outside-eea',
          subject: p.name,
          summary: `${p.name} processes data in ${p.country}, outside the EU/EEA, and its data processing agreement is ${p.dpa === 'none' ? 'missing' : 'pending'}: sign one (with standard contractual clauses) or stop using it`,
        },
        now,
      );
    }
    return !before;
  }

  /** Marks the records reviewed now (the yearly review), which closes the review's open task. */
  async review(siteId: number, by: string): Promise<SiteRecords> {
    const now = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(withPrivacyTables(trx));
      const row = await repo.get(siteId);
      await repo.put({
        site_id: siteId,
        body: row?.body ?? JSON.stringify(empty),
        reviewed_at: now,
        updated_at: row ? Number(row.updated_at) : now,
        managed_by: row?.managed_by ?? 'api',
      });
      await repo.closeTasksOfKind(siteId, 'yearly-review', now, by);
    });
    return this.get(siteId);
  }

  /**
   * Opens the yearly review's task (and tells the site's channels) for records last reviewed a year
   * ago or more, or never reviewed and unchanged for a year. Returns how many it opened.
   */
  async reviewsDue(): Promise<number> {
    const now = this.clock.now();
    let opened = 0;
    for (const row of await this.repo().all()) {
      const last = Number(row.reviewed_at ?? row.updated_at);
      if (now - last < YEAR) continue;
      const summary = `The GDPR records were ${row.reviewed_at === null ? 'never reviewed' : `last reviewed on ${toIso(last).slice(0, 10)}`}: review the purposes, processors and what the audits saw, then mark them reviewed.`;
      const made = await this.db
        .transaction()
        .execute((trx) => openPrivacyTask(trx, { siteId: row.site_id, kind: 'yearly-review', subject: 'records', summary }, now));
      if (made) opened += 1;
    }
    return opened;
  }

  async task(id: number): Promise<TaskRow> {
    const task = await this.repo().task(id);
    if (!task) throw new AppError('not_found', `privacy task ${id} does not exist`);
    return task;
  }

  async completeTask(id: number, by: string): Promise<TaskRow> {
    const task = await this.task(id);
    if (task.state === 'open') await this.repo().closeTask(id, this.clock.now(), by);
    return this.task(id);
  }

  /**
   * Keeps a site's records current with a finished privacy audit: every third party and cookie it
   * saw is recorded (first and last sighting), and a third party the records did not know opens a
   * task unless a processor already names its domain. Returns the tasks it opened.
   */
  async fromAudit(audit: StoredAudit, artifacts: readonly Artifact[]): Promise<number> {
    if (audit.siteId === null || !audit.categories.includes('privacy') || audit.errors.privacy) return 0;
    const siteId = audit.siteId;
    const parties = audit.facts.thirdParties ?? [];
    const cookieFile = artifacts.find((a) => a.name === COOKIES_ARTIFACT);
    const cookies = cookieFile ? (JSON.parse(cookieFile.content) as { cookies: SeenCookie[] }).cookies : [];
    const now = this.clock.now();
    return this.db.transaction().execute(async (trx) => {
      const repo = this.repo(withPrivacyTables(trx));
      const row = await repo.get(siteId);
      const body = row ? (JSON.parse(row.body) as RecordsBody) : empty;
      const documented = new Set(body.processors.flatMap((p) => (p.domain ? [p.domain] : [])));
      const known = new Set((await repo.observations(siteId)).map((o) => `${o.kind} ${o.name}`));
      let opened = 0;
      for (const p of parties) {
        const seen: SeenParty = { categories: p.categories, ...(p.entity ? { entity: p.entity } : {}), ...(p.country ? { country: p.country } : {}) };
        const observation = {
          site_id: siteId,
          kind: 'third-party' as const,
          name: p.domain,
          detail: JSON.stringify(seen),
          first_seen: now,
          last_seen: now,
          audit_id: audit.id,
        };
        await repo.observe(observation);
        if (known.has(`third-party ${p.domain}`) || documented.has(p.domain)) continue;
        const what = [p.entity, ...p.categories].filter(Boolean).join(', ');
        const made = await openPrivacyTask(
          trx,
          {
            siteId,
            kind: 'new-third-party',
            subject: p.domain,
            summary: `The privacy audit (#${audit.id}) saw a new third party: ${p.domain}${what ? ` (${what})` : ''}. Add it to the processors with its country and agreement, or remove it from the site.`,
          },
          now,
        );
        if (made) opened += 1;
      }
      for (const c of cookies) {
        const seen: SeenCookie = { name: c.name, domain: c.domain };
        await repo.observe({
          site_id: siteId,
          kind: 'cookie',
          name: `${c.name}@${c.domain}`,
          detail: JSON.stringify(seen),
          first_seen: now,
          last_seen: now,
          audit_id: audit.id,
        });
      }
      return opened;
    });
  }
}
