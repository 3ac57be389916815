import { z } from 'zod';
import type { Kysely } from 'kysely';
import { parseInput } from '../config/validate.js';
import type { Database } from '../db/types.js';
import { rruleStarts } from '../incidents/maintenance.js';
import { toIso, type Clock } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import { assertOwner } from '../lib/stored-object.js';
import type { Principal } from '../accounts/access.js';
import { requireAssignable } from '../accounts/assignable.js';
import { queueNotice } from '../notify/notice.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { checklistOf, completionInput, routineSchema, type RoutineSpec } from './routine.schema.js';
import { RoutinesRepository, type RoutineRow, type RunRow } from './routines.repository.js';
import { withRoutineTables } from './tables.js';

const DAY = 86_400_000;

/**
 * When a routine is next due after `after`: the rule's next start on its time zone's wall clock,
 * looked for up to 400 days ahead (yearly rules included); null when the rule has ended.
 */
export function nextDue(spec: Pick<RoutineSpec, 'rrule' | 'timezone'>, after: number): number | null {
  return rruleStarts(spec.rrule, spec.timezone, after + 1, after + 400 * DAY)[0] ?? null;
}

export interface Routine {
  id: number;
  siteId: number;
  spec: RoutineSpec;
  managedBy: 'config' | 'api';
  dueAt: number | null;
  createdAt: number;
  updatedAt: number;
}

const decode = (row: RoutineRow): Routine => ({
  id: row.id,
  siteId: row.site_id,
  spec: routineSchema.parse(JSON.parse(row.spec)),
  managedBy: row.managed_by,
  dueAt: row.due_at === null ? null : Number(row.due_at),
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});
/** Who writes a routine: the API (a caller, who names its assignee) or upkeep.yaml (in its transaction). */
export interface WriteOptions {
  managedBy?: 'config' | 'api';
  db?: Kysely<Database>;
  /** The caller naming the assignee; null (the default) for the operator, who may name any account. */
  who?: Principal | null;
}

/** The spec as written (durations as text), for storage and answers. */
export const encodeRoutine = (spec: RoutineSpec) => z.encode(routineSchema, spec);

/** Routines' use cases: kept per site, done with notes and evidence, reminded of and alerted on through the outbox. */
export class RoutinesService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    /** server.publicUrl, for the link in notices. */
    private readonly publicUrl: string | undefined,
  ) {}

  private repo(db: Kysely<Database> = this.db) {
    return new RoutinesRepository(withRoutineTables(db));
  }

  async list(siteId: number): Promise<Routine[]> {
    return (await this.repo().ofSite(siteId)).map(decode);
  }

  async get(id: number): Promise<Routine> {
    const row = await this.repo().get(id);
    if (!row) throw new AppError('not_found', `routine ${id} does not exist`);
    return decode(row);
  }

  /**
   * Checks a spec against what is stored: a new assignee must be an account `who` may name (null:
   * the operator, who may name any). An unchanged one is not asked about again, so a routine whose
   * assignee another team cannot see stays editable by that team.
   */
  async check(body: unknown, db: Kysely<Database> = this.db, who: Principal | null = null, before?: RoutineSpec): Promise<RoutineSpec> {
    const spec = parseInput(routineSchema, body);
    if (spec.assignee && spec.assignee.toLowerCase() !== before?.assignee?.toLowerCase())
      await requireAssignable(db, who, [{ path: 'assignee', email: spec.assignee }]);
    return spec;
  }

  async create(siteId: number, body: unknown, { managedBy = 'api', db = this.db, who = null }: WriteOptions = {}): Promise<Routine> {
    const spec = await this.check(body, db, who);
    const repo = this.repo(db);
    if (await repo.bySiteAndName(siteId, spec.name)) throw new AppError('conflict', `this site has a routine named "${spec.name}" already`);
    const now = this.clock.now();
    const id = await repo.insert({
      site_id: siteId,
      name: spec.name,
      spec: JSON.stringify(encodeRoutine(spec)),
      managed_by: managedBy,
      due_at: nextDue(spec, now),
      reminded_for: null,
      alerted_for: null,
      created_at: now,
      updated_at: now,
    });
    return decode((await repo.get(id))!);
  }

  /** Replaces a routine; a new rule or time zone sets its next due time afresh. Those from upkeep.yaml change only there. */
  async replace(id: number, body: unknown, { managedBy = 'api', db = this.db, who = null }: WriteOptions = {}): Promise<Routine> {
    const repo = this.repo(db);
    const row = await repo.get(id);
    if (!row) throw new AppError('not_found', `routine ${id} does not exist`);
    const current = decode(row);
    assertOwner(current.managedBy, managedBy, `routine "${current.spec.name}"`, 'routines');
    const spec = await this.check(body, db, who, current.spec);
    const other = await repo.bySiteAndName(current.siteId, spec.name);
    if (other && other.id !== id) throw new AppError('conflict', `this site has a routine named "${spec.name}" already`);
    const rescheduled = spec.rrule !== current.spec.rrule || spec.timezone !== current.spec.timezone;
    await repo.update(id, {
      name: spec.name,
      spec: JSON.stringify(encodeRoutine(spec)),
      managed_by: managedBy,
      ...(rescheduled ? { due_at: nextDue(spec, this.clock.now()), reminded_for: null, alerted_for: null } : {}),
      updated_at: this.clock.now(),
    });
    return decode((await repo.get(id))!);
  }

  async delete(id: number): Promise<void> {
    const current = await this.get(id);
    assertOwner(current.managedBy, 'api', `routine "${current.spec.name}"`, 'routines');
    await this.repo().delete(id);
  }

  /** Records that it was done (by whom, notes, evidence, which items) and moves it to its next due time after now. */
  async complete(id: number, body: unknown, by: string): Promise<RunRow> {
    const routine = await this.get(id);
    const input = parseInput(completionInput, body);
    const checklist = checklistOf(routine.spec);
    const bad = input.done?.find((i) => i >= checklist.length);
    if (bad !== undefined) {
      const message = `the checklist has ${checklist.length} items (0–${checklist.length - 1}); there is no item ${bad}`;
      throw new AppError('invalid_input', message, { details: [{ path: 'done', message }] });
    }
    const now = this.clock.now();
    return this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const runId = await repo.addRun({
        routine_id: id,
        due_at: routine.dueAt,
        completed_at: now,
        completed_by: by,
        notes: input.notes,
        evidence: JSON.stringify(input.evidence),
        checklist: JSON.stringify(checklist.map((text, i) => ({ text, done: input.done ? input.done.includes(i) : true }))),
      });
      const after = Math.max(now, routine.dueAt ?? now);
      await repo.update(id, { due_at: nextDue(routine.spec, after), reminded_for: null, alerted_for: null, updated_at: now });
      return (await repo.runs(id, 1)).find((r) => r.id === runId)!;
    });
  }

  history(id: number, limit = 100): Promise<RunRow[]> {
    return this.repo().runs(id, limit);
  }

  overdueBySite(siteIds: readonly number[] | undefined): Promise<Map<number, number>> {
    return this.repo().overdueBySite(this.clock.now(), siteIds);
  }

  /**
   * Sends what is due: a reminder once its time (due − remindBefore) has come, an alert once it is
   * overdue. Each is recorded with the due time it was for, in the transaction that queues it, so
   * each goes out once however often this runs. Returns how many notices were queued.
   */
  async tick(): Promise<number> {
    const now = this.clock.now();
    let queued = 0;
    for (const row of await this.repo().all()) {
      if (row.due_at === null) continue;
      const routine = decode(row);
      const due = routine.dueAt!;
      const overdue = now >= due && Number(row.alerted_for) !== due;
      const remind = !overdue && now >= due - routine.spec.remindBefore && Number(row.reminded_for) !== due && Number(row.alerted_for) !== due;
      if (!overdue && !remind) continue;
      queued += await this.db.transaction().execute(async (trx) => {
        await this.repo(trx).update(routine.id, overdue ? { alerted_for: due, reminded_for: due } : { reminded_for: due });
        return queueNotice(trx, routine.spec.channels ?? [], await this.notice(trx, routine, overdue), now);
      });
    }
    return queued;
  }

  private async notice(trx: Kysely<Database>, routine: Routine, overdue: boolean) {
    const site = (await new SitesRepository(trx).getSite(routine.siteId))!;
    const spec = JSON.parse(site.spec) as { url?: string; tags?: string[] };
    const who = routine.spec.assignee ?? 'the site’s owner';
    const due = toIso(routine.dueAt!);
    const base = this.publicUrl?.replace(/\/+$/, '');
    return {
      key: `upkeep-routine-${routine.id}-${routine.dueAt}`,
      title: overdue ? `Overdue: ${routine.spec.name} (${site.name})` : `Due soon: ${routine.spec.name} (${site.name})`,
      summary: `${overdue ? 'Was due' : 'Due'} ${due} (${routine.spec.timezone}), for ${who}: ${checklistOf(routine.spec).length} items to check`,
      site: { id: site.id, name: site.name, url: spec.url ?? null, tags: spec.tags ?? [] },
      url: base ? `${base}/sites/${site.id}/routines` : null,
    };
  }
}
