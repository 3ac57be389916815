import type { z } from 'zod';
import { KindRegistry } from '../../lib/kinds.js';
import { noSecrets, secretFields } from '../../lib/secrets.js';
import { commandSource } from './command.js';
import { dirSource } from './dir.js';
import { mysqlSource } from './mysql.js';
import { postgresSource } from './postgres.js';
import { sftpDirSource } from './sftp-dir.js';
import { sqliteSource } from './sqlite.js';
import type { SourceType } from './types.js';

/** A database password, bound to the server it is sent to. */
const databaseSecrets = secretFields(['password'], ['host', 'port']);

/**
 * Every backup source kind with its behaviour; the union of `source:` in upkeep.yaml, the JSON
 * Schema and `GET /api/v1/kinds` follow from it (a key that is not its schema's `kind` does not compile).
 */
export const sourceKinds = new KindRegistry('backup source', 'kind', {
  dir: { kind: 'dir', label: 'Folders on this machine', configSchema: dirSource.configSchema, secretFields: noSecrets, behaviour: dirSource },
  'sftp-dir': {
    kind: 'sftp-dir',
    label: 'Folders on a server (SFTP)',
    configSchema: sftpDirSource.configSchema,
    secretFields: secretFields(['password'], ['host', 'port']),
    behaviour: sftpDirSource,
  },
  sqlite: { kind: 'sqlite', label: 'SQLite database', configSchema: sqliteSource.configSchema, secretFields: noSecrets, behaviour: sqliteSource },
  postgres: {
    kind: 'postgres',
    label: 'PostgreSQL database',
    configSchema: postgresSource.configSchema,
    secretFields: databaseSecrets,
    behaviour: postgresSource,
  },
  mysql: { kind: 'mysql', label: 'MySQL or MariaDB database', configSchema: mysqlSource.configSchema, secretFields: databaseSecrets, behaviour: mysqlSource },
  command: { kind: 'command', label: 'Output of a command', configSchema: commandSource.configSchema, secretFields: noSecrets, behaviour: commandSource },
});

export const sourceConfigSchema = sourceKinds.schema;
export type SourceConfig = z.infer<typeof sourceConfigSchema>;
export type SourceKind = SourceConfig['kind'];

/** The source type of a config, typed so its config fits (TypeScript cannot narrow a map lookup by itself). */
export function sourceTypeOf<C extends SourceConfig>(config: C): SourceType<z.ZodType<C>> {
  return sourceKinds.get(config.kind).behaviour as unknown as SourceType<z.ZodType<C>>;
}
