import { maxId } from '../lib/ids.js';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { assertOwner } from '../lib/stored-object.js';
import { PlannedWorkRepository, type PlannedRow } from './planned-work.repository.js';
import { withPlannedWorkTables } from './tables.js';

export const plannedKinds = ['upgrade', 'redesign', 'migration', 'other'] as const;
export const plannedStates = ['planned', 'in-progress', 'done', 'cancelled'] as const;

export const plannedInput = z
  .object({
    title: z.string().trim().min(1, 'a title cannot be empty').max(200, 'a title is at most 200 characters'),
    kind: z.enum(plannedKinds).describe('what sort of work'),
    targetDate: z.iso.date('a target date is a calendar date, YYYY-MM-DD'),
    state: z.enum(plannedStates).default('planned'),
    notes: z.string().max(10_000, 'notes are at most 10000 characters').default(''),
    maintenanceId: z
      .number()
      .int()
      .min(1)
      .max(maxId)
      .nullable()
      .default(null)
      .describe('the maintenance window the work is done in (GET /maintenance); accounts limited to their teams may keep an item’s window, not name one'),
  })
  .strict();

/** Planned work's use cases: upgrades and redesigns per site, each optionally in a maintenance window. */
export class PlannedWorkService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  private get repo() {
    return new PlannedWorkRepository(withPlannedWorkTables(this.db));
  }

  list(siteId: number): Promise<PlannedRow[]> {
    return this.repo.ofSite(siteId);
  }

  async get(id: number): Promise<PlannedRow> {
    const row = await this.repo.get(id);
    if (!row) throw new AppError('not_found', `planned work ${id} does not exist`);
    return row;
  }

  /**
   * `windows` is whether the caller may name any maintenance window (they belong to the whole
   * instance, listed only to global accounts); others may keep the item's own (`kept`) or clear it,
   * and are answered as for a window that does not exist.
   */
  private async parse(body: unknown, windows: boolean, kept: number | null = null) {
    const input = parseInput(plannedInput, body);
    const id = input.maintenanceId;
    if (id !== null && id !== kept && !(windows && (await this.repo.windowExists(id)))) {
      const message = `no maintenance window ${id}`;
      throw new AppError('invalid_input', message, { details: [{ path: 'maintenanceId', message }] });
    }
    return {
      title: input.title,
      kind: input.kind,
      target_date: input.targetDate,
      state: input.state,
      notes: input.notes,
      maintenance_id: input.maintenanceId,
    };
  }

  /** A title names one item of its site (upkeep.yaml finds items by site and title). */
  private async requireFreeTitle(siteId: number, title: string, id?: number): Promise<void> {
    const other = (await this.repo.ofSite(siteId)).find((r) => r.title === title && r.id !== id);
    if (other) throw new AppError('conflict', `this site has planned work titled "${title}" already`, { details: [{ path: 'title', message: 'taken' }] });
  }

  async create(siteId: number, body: unknown, windows: boolean): Promise<PlannedRow> {
    const fields = await this.parse(body, windows);
    await this.requireFreeTitle(siteId, fields.title);
    const now = this.clock.now();
    return this.get(await this.repo.insert({ ...fields, site_id: siteId, created_at: now, updated_at: now }));
  }

  /** Replaces the item's fields (PUT). Items from upkeep.yaml change only there. */
  async replace(id: number, body: unknown, windows: boolean): Promise<PlannedRow> {
    const current = await this.changeable(id);
    const fields = await this.parse(body, windows, current.maintenance_id);
    await this.requireFreeTitle(current.site_id, fields.title, id);
    await this.repo.update(id, { ...fields, updated_at: this.clock.now() });
    return this.get(id);
  }

  async delete(id: number): Promise<void> {
    await this.changeable(id);
    await this.repo.delete(id);
  }

  private async changeable(id: number): Promise<PlannedRow> {
    const row = await this.get(id);
    assertOwner(row.managed_by, 'api', `planned work "${row.title}"`, 'plannedWork');
    return row;
  }
}
