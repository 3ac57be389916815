import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { commandInput, commandOutput } from './spawn-stream.js';
import type { SourceType } from './types.js';

export const mysqlSourceSchema = z
  .object({
    kind: z.literal('mysql'),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(3306),
    user: z.string().min(1),
    /** Passed through MYSQL_PWD, never on the command line where `ps` would show it. */
    password: z.string().optional(),
    database: z.string().regex(/^[A-Za-z0-9_$]+$/),
  })
  .strict();
type MysqlConfig = z.infer<typeof mysqlSourceSchema>;

const connection = (c: MysqlConfig) => ['-h', c.host, '-P', String(c.port), '-u', c.user];
const secretEnv = (c: MysqlConfig): Record<string, string> => (c.password === undefined ? {} : { MYSQL_PWD: c.password });

async function query(c: MysqlConfig, sql: string, database = c.database): Promise<string> {
  let out = '';
  const argv = ['mysql', ...connection(c), '-N', '-B', '-e', sql, ...(database === '' ? [] : [database])];
  for await (const chunk of commandOutput(argv, secretEnv(c))) out += Buffer.from(chunk).toString('utf8');
  return out;
}

export async function mysqlRowCounts(c: MysqlConfig, database = c.database): Promise<Record<string, number>> {
  const tables = (
    await query(c, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1", database)
  )
    .split('\n')
    .filter(Boolean);
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t] = Number((await query(c, `SELECT COUNT(*) FROM \`${t.replaceAll('`', '``')}\``, database)).trim());
  return counts;
}

/** MySQL/MariaDB via `mysqldump --single-transaction`: a consistent InnoDB dump without locking writers. */
export const mysqlSource = {
  kind: 'mysql',
  configSchema: mysqlSourceSchema,
  open: async (c) => ({
    kind: 'stream',
    filename: `${c.database}.sql`,
    rowCounts: await mysqlRowCounts(c),
    stream: commandOutput(['mysqldump', '--single-transaction', '--routines', '--triggers', ...connection(c), c.database], secretEnv(c)),
    close: async () => {},
  }),
  async replace(c) {
    return {
      async load(dump) {
        // Tables and views the dump does not have (made after the backup) must not survive it.
        const objects = (await query(c, 'SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = DATABASE()'))
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split('\t') as [string, string]);
        const quoted = (names: string[]) => names.map((n) => `\`${n.replaceAll('`', '``')}\``).join(', ');
        const views = objects.filter(([, type]) => type === 'VIEW').map(([name]) => name);
        const tables = objects.filter(([, type]) => type !== 'VIEW').map(([name]) => name);
        const drops = [...(views.length ? [`DROP VIEW IF EXISTS ${quoted(views)}`] : []), ...(tables.length ? [`DROP TABLE IF EXISTS ${quoted(tables)}`] : [])];
        if (drops.length) await query(c, `SET FOREIGN_KEY_CHECKS=0; ${drops.join('; ')}`);
        await commandInput(['mysql', ...connection(c), c.database], dump, secretEnv(c));
        return mysqlRowCounts(c);
      },
    };
  },
  async scratch(c) {
    const name = `upkeep_drill_${randomBytes(6).toString('hex')}`;
    await query(c, `CREATE DATABASE \`${name}\``, '');
    return {
      async load(dump) {
        await commandInput(['mysql', ...connection(c), name], dump, secretEnv(c));
        return mysqlRowCounts(c, name);
      },
      dispose: async () => void (await query(c, `DROP DATABASE IF EXISTS \`${name}\``, '')),
    };
  },
} satisfies SourceType<typeof mysqlSourceSchema>;
