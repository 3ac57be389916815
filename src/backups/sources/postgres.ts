import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { z } from 'zod';
import { commandInput, commandOutput } from './spawn-stream.js';
import type { SourceType } from './types.js';

export const postgresSourceSchema = z
  .object({
    kind: z.literal('postgres'),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(5432),
    user: z.string().min(1),
    /** Arrives as a `${ENV}` reference substituted by the config loader; never logged. */
    password: z.string().optional(),
    database: z.string().min(1),
  })
  .strict();
type PostgresConfig = z.infer<typeof postgresSourceSchema>;

const connection = (c: PostgresConfig, database = c.database) => ['-h', c.host, '-p', String(c.port), '-U', c.user, '-d', database];
const secretEnv = (c: PostgresConfig): Record<string, string> => (c.password === undefined ? {} : { PGPASSWORD: c.password });

const clientOf = (c: PostgresConfig, database: string) =>
  new pg.Client({ host: c.host, port: c.port, user: c.user, ...(c.password === undefined ? {} : { password: c.password }), database });

async function withClient<T>(c: PostgresConfig, database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = clientOf(c, database);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Rows per table (`schema.table`), as the client's transaction sees them. */
async function countRows(client: pg.Client): Promise<Record<string, number>> {
  const tables = await client.query<{ s: string; t: string }>(
    "SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
  );
  const counts: Record<string, number> = {};
  for (const { s, t } of tables.rows) {
    const result = await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${client.escapeIdentifier(s)}.${client.escapeIdentifier(t)}`);
    counts[`${s}.${t}`] = Number(result.rows[0]?.n ?? 0);
  }
  return counts;
}

function postgresRowCounts(c: PostgresConfig, database = c.database): Promise<Record<string, number>> {
  return withClient(c, database, countRows);
}

/** Loads a plain-SQL dump with psql, stopping at the first error so a bad restore is never "fine". */
export function loadPostgresDump(c: PostgresConfig, database: string, dump: AsyncIterable<Uint8Array>): Promise<string> {
  return commandInput(['psql', '-q', '-v', 'ON_ERROR_STOP=1', ...connection(c, database)], dump, secretEnv(c));
}

/** PostgreSQL via `pg_dump`, streamed straight into the chunker; a failing pg_dump fails the snapshot. */
export const postgresSource = {
  kind: 'postgres',
  configSchema: postgresSourceSchema,
  async open(c) {
    // The row counts and the dump see one snapshot (exported by a transaction held open until pg_dump is
    // done), so the counts a drill compares are the dump's, however much is written meanwhile.
    const client = clientOf(c, c.database);
    await client.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const snapshot = (await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]!.id;
      return {
        kind: 'stream',
        filename: `${c.database}.sql`,
        rowCounts: await countRows(client),
        stream: commandOutput(['pg_dump', '--no-owner', '--no-privileges', `--snapshot=${snapshot}`, ...connection(c)], secretEnv(c)),
        close: () => client.end(),
      };
    } catch (err) {
      await client.end();
      throw err;
    }
  },
  async scratch(c) {
    const name = `upkeep_drill_${randomBytes(6).toString('hex')}`;
    await withClient(c, 'postgres', (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
    return {
      async load(dump) {
        await loadPostgresDump(c, name, dump);
        return postgresRowCounts(c, name);
      },
      dispose: () => withClient(c, 'postgres', async (client) => void (await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)}`))),
    };
  },
} satisfies SourceType<typeof postgresSourceSchema>;
