import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { withUpdatesTables, type ApprovalStatus, type UpdateApprovalsTable, type UpdateComponentIncidentsTable, type UpdatesDb } from './tables.js';

export type ApprovalRow = Omit<UpdateApprovalsTable, 'id'> & { id: number };
export type ComponentIncidentRow = UpdateComponentIncidentsTable;

/** What makes a component's incident one: the site, the component's version and why it was opened. */
type ComponentIncidentKey = Pick<ComponentIncidentRow, 'site_id' | 'ecosystem' | 'name' | 'version' | 'reason'>;
const incidentKey = (row: ComponentIncidentKey): ComponentIncidentKey => ({
  site_id: row.site_id,
  ecosystem: row.ecosystem,
  name: row.name,
  version: row.version,
  reason: row.reason,
});

/** The SQL of planned runs and their approvals, and of the incidents opened for components. */
export class ApprovalsRepository {
  private readonly db: UpdatesDb;

  constructor(db: Kysely<Database>) {
    this.db = withUpdatesTables(db);
  }

  async insert(row: Omit<ApprovalRow, 'id'>): Promise<number> {
    return (await this.db.insertInto('update_approvals').values(row).returning('id').executeTakeFirstOrThrow()).id;
  }

  get(id: number): Promise<ApprovalRow | undefined> {
    return this.db.selectFrom('update_approvals').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first; `siteIds` 'all' or a set of sites in reach. */
  list(filter: { status?: ApprovalStatus | undefined; siteId?: number | undefined; siteIds: Set<number> | 'all'; limit: number }): Promise<ApprovalRow[]> {
    let q = this.db.selectFrom('update_approvals').selectAll().orderBy('id', 'desc').limit(filter.limit);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.siteId !== undefined) q = q.where('site_id', '=', filter.siteId);
    if (filter.siteIds !== 'all') {
      const ids = [...filter.siteIds];
      if (!ids.length) return Promise.resolve([]);
      q = q.where('site_id', 'in', ids);
    }
    return q.execute();
  }

  /** Counts of pending approvals per site. */
  async pendingCounts(): Promise<Map<number, number>> {
    const rows = await this.db
      .selectFrom('update_approvals')
      .select((eb) => ['site_id', eb.fn.countAll<number>().as('n')])
      .where('status', '=', 'pending')
      .groupBy('site_id')
      .execute();
    return new Map(rows.map((r) => [r.site_id, Number(r.n)]));
  }

  /** Earlier plans of a site that wait (for approval, or for their window) give way to a newer one: their links stop working. */
  async supersede(siteId: number, now: number): Promise<void> {
    await this.db
      .updateTable('update_approvals')
      .set({ status: 'superseded', decided_at: now, decided_by: 'a newer plan' })
      .where('site_id', '=', siteId)
      .where('status', 'in', ['pending', 'waiting'])
      .execute();
  }

  /**
   * Decides a pending request, once: only the first decision for that exact plan changes the row
   * (two clicks on one link, or a link of a changed plan, change nothing). Returns whether it did.
   */
  async decide(id: number, planHash: string, change: Pick<ApprovalRow, 'status' | 'decided_by' | 'decided_at' | 'reason'>): Promise<boolean> {
    const result = await this.db
      .updateTable('update_approvals')
      .set(change)
      .where('id', '=', id)
      .where('plan_hash', '=', planHash)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Approved runs waiting for their maintenance window, oldest first. */
  waiting(): Promise<ApprovalRow[]> {
    return this.db.selectFrom('update_approvals').selectAll().where('status', '=', 'waiting').orderBy('id').execute();
  }

  /** Takes a waiting approval out of the queue to start its run; false when another caller took it first. */
  async claimWaiting(id: number): Promise<boolean> {
    const result = await this.db
      .updateTable('update_approvals')
      .set({ status: 'approved', wait_window: null, starts_at: null })
      .where('id', '=', id)
      .where('status', '=', 'waiting')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async settle(id: number, change: Partial<Pick<ApprovalRow, 'status' | 'run_id' | 'reason' | 'wait_window' | 'starts_at'>>): Promise<void> {
    await this.db.updateTable('update_approvals').set(change).where('id', '=', id).execute();
  }

  async expire(now: number): Promise<void> {
    await this.db
      .updateTable('update_approvals')
      .set({ status: 'expired', decided_at: now, decided_by: 'expiry' })
      .where('status', '=', 'pending')
      .where('expires_at', '<=', now)
      .execute();
  }

  openComponentIncidents(siteId: number): Promise<ComponentIncidentRow[]> {
    return this.db.selectFrom('update_component_incidents').selectAll().where('site_id', '=', siteId).where('resolved_at', 'is', null).execute();
  }

  async componentIncidentKnown(row: ComponentIncidentKey): Promise<boolean> {
    const found = await this.db
      .selectFrom('update_component_incidents')
      .select('incident_id')
      .where((eb) => eb.and(incidentKey(row)))
      .executeTakeFirst();
    return found !== undefined;
  }

  async addComponentIncident(row: ComponentIncidentRow): Promise<void> {
    await this.db.insertInto('update_component_incidents').values(row).execute();
  }

  async resolveComponentIncident(row: ComponentIncidentKey, now: number): Promise<void> {
    await this.db
      .updateTable('update_component_incidents')
      .set({ resolved_at: now })
      .where((eb) => eb.and(incidentKey(row)))
      .execute();
  }
}
