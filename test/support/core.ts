import { openCore, type Core } from '../../src/app.js';
import { readEnvironment } from '../../src/config/env.js';
import type { LoadedConfig } from '../../src/config/load.js';
import { parseConfig } from '../../src/config-file.js';
import type { Clock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { TestDatabase } from './databases.js';

export const testEnv = (db: TestDatabase, extra: Record<string, string> = {}) =>
  readEnvironment({ ...(db.url ? { UPKEEP_DATABASE_URL: db.url } : {}), UPKEEP_WEBHOOK_SECRET: 'a-test-secret-long-enough', ...extra }, false);

export function openTestCore(db: TestDatabase, clock?: Clock): Promise<Core> {
  return openCore({ dataDir: db.dataDir, env: testEnv(db), logger: silentLogger(), ...(clock ? { clock } : {}) });
}

export function config(yaml: string, env: Record<string, string> = { UPKEEP_WEBHOOK_SECRET: 'a-test-secret-long-enough' }): LoadedConfig {
  return parseConfig(yaml, 'upkeep.yaml', env);
}
