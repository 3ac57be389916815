import type { Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * What a probe last said of its buffer (issue 19): how many results wait to be sent and how many its
 * cap has dropped, so operators see a probe that lost results in the API, /metrics and the dashboard,
 * not only in the probe's own log. Null until a probe that reports them is heard from.
 */
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema.alterTable('probes').addColumn('backlog', bigint).execute();
  await db.schema.alterTable('probes').addColumn('dropped', bigint).execute();
}
