import type { Insertable, Selectable, Updateable } from 'kysely';
import { nameContains } from '../sites/sites.repository.js';
import type { FeedbackDb, FeedbackState, FeedbackTable, FeedbackWidgetsTable } from './tables.js';

export type FeedbackRow = Selectable<FeedbackTable>;
export type WidgetRow = Selectable<FeedbackWidgetsTable>;

export interface InboxFilter {
  siteId: number;
  state?: FeedbackState | undefined;
  tag?: string | undefined;
  q?: string | undefined;
  limit: number;
  /** Only reports older than this id (the previous page's last). */
  before?: number | undefined;
}

/** The only place that knows how feedback is stored. Works inside and outside transactions. */
export class FeedbackRepository {
  constructor(private readonly db: FeedbackDb) {}

  widgetOfSite(siteId: number): Promise<WidgetRow | undefined> {
    return this.db.selectFrom('feedback_widgets').selectAll().where('site_id', '=', siteId).executeTakeFirst();
  }

  allWidgets(): Promise<WidgetRow[]> {
    return this.db.selectFrom('feedback_widgets').selectAll().orderBy('site_id').execute();
  }

  async deleteWidget(siteId: number): Promise<void> {
    await this.db.deleteFrom('feedback_widgets').where('site_id', '=', siteId).execute();
  }

  /** A site's reports made in [from, to): the fields a summary counts. */
  between(siteId: number, from: number, to: number) {
    return this.db
      .selectFrom('feedback')
      .select(['went_wrong', 'rating', 'comment', 'tags', 'incident_id'])
      .where('site_id', '=', siteId)
      .where('created_at', '>=', from)
      .where('created_at', '<', to)
      .execute();
  }

  widgetByKey(siteKey: string): Promise<WidgetRow | undefined> {
    return this.db.selectFrom('feedback_widgets').selectAll().where('site_key', '=', siteKey).executeTakeFirst();
  }

  async saveWidget(row: Insertable<FeedbackWidgetsTable>): Promise<void> {
    await this.db
      .insertInto('feedback_widgets')
      .values(row)
      .onConflict((oc) => oc.column('site_id').doUpdateSet({ origins: row.origins, updated_at: row.updated_at, managed_by: row.managed_by }))
      .execute();
  }

  async insert(row: Insertable<FeedbackTable>): Promise<number> {
    const made = await this.db.insertInto('feedback').values(row).returning('id').executeTakeFirstOrThrow();
    return made.id;
  }

  async countSince(siteId: number, since: number): Promise<number> {
    const row = await this.db
      .selectFrom('feedback')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('site_id', '=', siteId)
      .where('created_at', '>=', since)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  list(filter: InboxFilter): Promise<FeedbackRow[]> {
    let query = this.db.selectFrom('feedback').selectAll().where('site_id', '=', filter.siteId);
    if (filter.state) query = query.where('state', '=', filter.state);
    // Tags are letters, digits and "_.:-" (the tag schema), so the quoted form matches exactly one JSON element.
    if (filter.tag) query = query.where('tags', 'like', `%${JSON.stringify(filter.tag)}%`);
    if (filter.q) {
      const q = filter.q;
      query = query.where((eb) => eb.or([nameContains('comment', q), nameContains('page_url', q), nameContains('email', q)]));
    }
    if (filter.before) query = query.where('id', '<', filter.before);
    return query.orderBy('id', 'desc').limit(filter.limit).execute();
  }

  get(id: number): Promise<FeedbackRow | undefined> {
    return this.db.selectFrom('feedback').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async update(id: number, change: Updateable<FeedbackTable>): Promise<void> {
    await this.db.updateTable('feedback').set(change).where('id', '=', id).execute();
  }

  ratingsSince(siteId: number, since: number): Promise<{ rating: number | null; went_wrong: number | null; created_at: number }[]> {
    return this.db
      .selectFrom('feedback')
      .select(['rating', 'went_wrong', 'created_at'])
      .where('site_id', '=', siteId)
      .where('created_at', '>=', since)
      .execute();
  }

  async deleteBefore(cutoff: number): Promise<number> {
    const done = await this.db.deleteFrom('feedback').where('created_at', '<', cutoff).executeTakeFirst();
    return Number(done.numDeletedRows);
  }

  async lastSpike(siteId: number): Promise<number | undefined> {
    const row = await this.db.selectFrom('feedback_spikes').select('at').where('site_id', '=', siteId).executeTakeFirst();
    return row?.at;
  }

  async saveSpike(siteId: number, at: number, reports: number): Promise<void> {
    await this.db
      .insertInto('feedback_spikes')
      .values({ site_id: siteId, at, reports })
      .onConflict((oc) => oc.column('site_id').doUpdateSet({ at, reports }))
      .execute();
  }
}
