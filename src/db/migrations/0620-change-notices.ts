import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './index.js';

/**
 * Cluster mode (issue 19): every write to what the nodes keep in memory (monitors and sites for the
 * engine, maintenance windows and templates, status pages and what they show) tells the nodes on the
 * cluster's channel which table changed, whoever wrote it (a node's API, `upkeep apply` from any
 * process), once per statement and once per transaction for the same table (PostgreSQL folds equal
 * notices). The nodes re-read on the notice instead of polling every second. PostgreSQL only: SQLite
 * has no cluster, and its single process polls in memory.
 */
export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`
    create function upkeep_notice_change() returns trigger language plpgsql as $$
    begin
      perform pg_notify('upkeep_cluster', json_build_object('type', 'changed', 'table', tg_table_name)::text);
      return null;
    end $$`.execute(db);
  for (const table of ['monitors', 'sites', 'config_objects', 'status_pages', 'incidents', 'incident_updates'])
    await sql`
      create trigger ${sql.id(`${table}_changed`)} after insert or update or delete or truncate on ${sql.table(table)}
      for each statement execute procedure upkeep_notice_change()`.execute(db);
}
