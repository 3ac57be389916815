import { sql, type Kysely } from 'kysely';
import { encodeChecks } from '../../monitoring/check-blocks.js';
import { DAY, HOUR, MINUTE, MONTH, rollUpRollups } from '../../monitoring/rollups.js';
import type { CheckResultsTable, Database, ResultRollupsTable } from '../types.js';
import type { MigrationContext } from './index.js';

/**
 * Raw results packed per monitor and hour (check_blocks), and rollups thinned by age with a month
 * level (see docs/monitoring.md, "Results and history"). Existing data is converted, nothing of the
 * rollups is lost: every closed hour of raw rows becomes blocks; the hour and day rows gain the
 * minutes rolled up after their own watermark (every level now holds everything up to the minute
 * watermark); month rows are made from the day rows. Minute and hour rows past their age are
 * deleted later by the retention job, not here.
 */
export async function up(db: Kysely<unknown>, { bigint, dialect }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('check_blocks')
    .addColumn('monitor_id', 'integer', (c) => c.notNull())
    .addColumn('start', bigint, (c) => c.notNull())
    .addColumn('checks', 'integer', (c) => c.notNull())
    .addColumn('data', dialect === 'sqlite' ? 'blob' : 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('check_blocks_pk', ['monitor_id', 'start'])
    .$call((t) => (dialect === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t))
    .execute();
  // Expiry deletes by age across monitors; old edges of the overview find blocks by time.
  await db.schema.createIndex('check_blocks_start').on('check_blocks').column('start').execute();
  // The month level's key (2,629,746,000) does not fit PostgreSQL's 32-bit integer.
  if (dialect === 'postgres') await sql`alter table result_rollups alter column bucket_ms type bigint`.execute(db);

  const d = db as unknown as Kysely<Database>;
  await packClosedHours(d);
  await completeCoarseLevels(d);
}

async function packClosedHours(db: Kysely<Database>): Promise<void> {
  const open = Date.now() - (Date.now() % HOUR);
  const first = await db
    .selectFrom('check_results')
    .select((eb) => eb.fn.min('at').as('at'))
    .where('at', '<', open)
    .executeTakeFirst();
  if (first?.at === null || first?.at === undefined) return;
  for (let hour = Number(first.at) - (Number(first.at) % HOUR); hour < open; hour += HOUR) {
    const rows = await db
      .selectFrom('check_results')
      .selectAll()
      .where('at', '>=', hour)
      .where('at', '<', hour + HOUR)
      .execute();
    if (!rows.length) continue;
    const byMonitor = new Map<number, CheckResultsTable[]>();
    for (const row of rows) byMonitor.set(row.monitor_id, [...(byMonitor.get(row.monitor_id) ?? []), row]);
    const blocks = [...byMonitor].map(([monitorId, list]) => ({ monitor_id: monitorId, start: hour, checks: list.length, data: encodeChecks(hour, list) }));
    for (let i = 0; i < blocks.length; i += 200)
      await db
        .insertInto('check_blocks')
        .values(blocks.slice(i, i + 200))
        .execute();
    await db
      .deleteFrom('check_results')
      .where('at', '>=', hour)
      .where('at', '<', hour + HOUR)
      .execute();
  }
}

async function completeCoarseLevels(db: Kysely<Database>): Promise<void> {
  const marks = new Map((await db.selectFrom('rollup_watermarks').selectAll().execute()).map((r) => [Number(r.bucket_ms), Number(r.done_until)]));
  const minutesDone = marks.get(MINUTE);
  if (minutesDone === undefined) return;
  const rows = (bucketMs: number, from: number, to: number) =>
    db.selectFrom('result_rollups').selectAll().where('bucket_ms', '=', bucketMs).where('start', '>=', from).where('start', '<', to).execute();
  const insert = async (list: readonly ResultRollupsTable[]) => {
    for (let i = 0; i < list.length; i += 200)
      await db
        .insertInto('result_rollups')
        .values(list.slice(i, i + 200))
        .execute();
  };
  // Hours from the minutes after the hour watermark, then days from those hours: one level at a time, finest first.
  for (const [level, finer] of [
    [HOUR, MINUTE],
    [DAY, HOUR],
  ] as const) {
    const from = marks.get(level) ?? minutesDone;
    await insert(rollUpRollups(await rows(finer, from, minutesDone), level));
  }
  // Months from the days, a month at a time.
  const first = await db
    .selectFrom('result_rollups')
    .select((eb) => eb.fn.min('start').as('start'))
    .where('bucket_ms', '=', DAY)
    .executeTakeFirst();
  if (first?.start !== null && first?.start !== undefined)
    for (let month = Number(first.start); month < minutesDone;) {
      const d = new Date(month);
      const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      await insert(rollUpRollups(await rows(DAY, month, next), MONTH));
      month = next;
    }
  await db.deleteFrom('rollup_watermarks').where('bucket_ms', '!=', MINUTE).execute();
}
