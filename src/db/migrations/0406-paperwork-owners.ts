import type { Kysely } from 'kysely';

/**
 * Who owns a site's paperwork (issue 17): the register, the GDPR records, planned work and the
 * feedback widget may now be written in upkeep.yaml, so each row says whether the file or the API
 * made it (`managed_by`, like sites and channels; rows written before are the API's). The register
 * also remembers the `${VAR}` references its credential locations were written with, so
 * `upkeep export` writes them back instead of the values.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['site_registers', 'privacy_records', 'planned_work', 'feedback_widgets'])
    await db.schema
      .alterTable(table)
      .addColumn('managed_by', 'text', (c) => c.notNull().defaultTo('api'))
      .execute();
  await db.schema.alterTable('site_registers').addColumn('env_refs', 'text').execute();
}
