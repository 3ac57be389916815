import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { withReportTables, type ReportArchiveTable, type ReportsDb } from './tables.js';

export type ArchivedRow = Omit<ReportArchiveTable, 'id'> & { id: number };
/** A row of the list: everything but the documents. */
export type ArchivedEntry = Omit<ArchivedRow, 'html' | 'pdf'> & { siteIds: number[] };

/** The only place that knows how sent reports are kept. */
export class ArchiveRepository {
  private readonly db: ReportsDb;

  constructor(db: Kysely<Database>) {
    this.db = withReportTables(db);
  }

  /**
   * Keeps a report with the sites it covers, and runs `then` (queueing its emails) in the same
   * transaction (typed as the plain database: the outbox knows no report tables); undefined when the schedule's report of that month is already kept.
   */
  async insert(
    row: Omit<ArchivedRow, 'id'>,
    siteIds: readonly number[],
    then: (trx: Kysely<Database>, id: number) => Promise<void> = async () => {},
  ): Promise<number | undefined> {
    return this.db.transaction().execute(async (trx) => {
      if (row.schedule !== null) {
        const kept = await trx.selectFrom('report_archive').select('id').where('schedule', '=', row.schedule).where('month', '=', row.month).executeTakeFirst();
        if (kept) return undefined;
      }
      const { id } = await trx.insertInto('report_archive').values(row).returning('id').executeTakeFirstOrThrow();
      if (siteIds.length)
        await trx
          .insertInto('report_archive_sites')
          .values(siteIds.map((site_id) => ({ report_id: id, site_id })))
          .execute();
      await then(trx as unknown as Kysely<Database>, id);
      return id;
    });
  }

  /** Whether the schedule's report of the month was made. */
  async has(schedule: string, month: string): Promise<boolean> {
    return Boolean(await this.db.selectFrom('report_archive').select('id').where('schedule', '=', schedule).where('month', '=', month).executeTakeFirst());
  }

  get(id: number): Promise<ArchivedRow | undefined> {
    return this.db.selectFrom('report_archive').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async sitesOf(id: number): Promise<number[]> {
    return (await this.db.selectFrom('report_archive_sites').select('site_id').where('report_id', '=', id).execute()).map((r) => r.site_id);
  }

  /** The newest reports first, with their sites. */
  async list(limit: number, beforeId?: number): Promise<ArchivedEntry[]> {
    const rows = await this.db
      .selectFrom('report_archive')
      .select(['id', 'schedule', 'title', 'month', 'language', 'recipients', 'created_at'])
      .$if(beforeId !== undefined, (q) => q.where('id', '<', beforeId!))
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    if (!rows.length) return [];
    const links = await this.db
      .selectFrom('report_archive_sites')
      .selectAll()
      .where(
        'report_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    return rows.map((r) => ({ ...r, siteIds: links.filter((l) => l.report_id === r.id).map((l) => l.site_id) }));
  }
}
