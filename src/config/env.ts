/**
 * Everything Upkeep reads from the process environment, read in one place. (`${VAR}` references in
 * upkeep.yaml are resolved by the config loader from the same environment.)
 */
export interface Environment {
  /** `postgres://…` to use PostgreSQL instead of the embedded SQLite file. */
  databaseUrl: string | undefined;
  /** SQLite durability: `full` also survives power loss, at some write speed. */
  sqliteSynchronous: 'normal' | 'full';
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  /** The password of backup repositories named on the command line (`upkeep backup … --repo`). */
  backupPassword: string | undefined;
  logLevel: string;
  /** `pretty` for people, `json` for log collectors; by default pretty on a terminal. */
  logFormat: 'pretty' | 'json';
  /** The raw environment, for `${VAR}` substitution in the config file and the secret key. */
  vars: NodeJS.ProcessEnv;
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env, isTty = Boolean(process.stdout.isTTY)): Environment {
  const format = env.UPKEEP_LOG_FORMAT;
  return Object.freeze({
    databaseUrl: env.UPKEEP_DATABASE_URL || undefined,
    sqliteSynchronous: env.UPKEEP_SQLITE_SYNCHRONOUS?.toLowerCase() === 'full' ? 'full' : 'normal',
    adminEmail: env.UPKEEP_ADMIN_EMAIL || undefined,
    adminPassword: env.UPKEEP_ADMIN_PASSWORD || undefined,
    backupPassword: env.UPKEEP_BACKUP_PASSWORD || undefined,
    logLevel: env.UPKEEP_LOG_LEVEL || 'info',
    logFormat: format === 'json' || format === 'pretty' ? format : isTty ? 'pretty' : 'json',
    vars: env,
  });
}
