import { z } from 'zod';
import { commandSource } from './command.js';
import { dirSource } from './dir.js';
import { mysqlSource } from './mysql.js';
import { postgresSource } from './postgres.js';
import { sftpDirSource } from './sftp-dir.js';
import { sqliteSource } from './sqlite.js';
import type { SourceType } from './types.js';

export const sourceConfigSchema = z.discriminatedUnion('kind', [
  dirSource.configSchema,
  sftpDirSource.configSchema,
  sqliteSource.configSchema,
  postgresSource.configSchema,
  mysqlSource.configSchema,
  commandSource.configSchema,
]);
export type SourceConfig = z.infer<typeof sourceConfigSchema>;
export type SourceKind = SourceConfig['kind'];

/** Every source kind with its behaviour; a kind missing here is a compile error. */
export const sourceTypes = {
  dir: dirSource,
  'sftp-dir': sftpDirSource,
  sqlite: sqliteSource,
  postgres: postgresSource,
  mysql: mysqlSource,
  command: commandSource,
} satisfies { [K in SourceKind]: SourceType<z.ZodType<Extract<SourceConfig, { kind: K }>>> };

/** The source type of a config, typed so its config fits (TypeScript cannot narrow a map lookup by itself). */
export function sourceTypeOf<C extends SourceConfig>(config: C): SourceType<z.ZodType<C>> {
  return sourceTypes[config.kind] as unknown as SourceType<z.ZodType<C>>;
}
