import { existsSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import type { Core } from '../../src/app.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

/**
 * Suites that need Debian's Chromium skip with the reason printed when it is missing here, and fail
 * under CI=1, where .ci/run installs it.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const chromiumSkip = existsSync(CHROMIUM) ? undefined : `Chromium suites skipped: ${CHROMIUM} is missing (apt-get install chromium)`;
if (chromiumSkip && process.env.CI) throw new Error(`CI=1 but ${CHROMIUM} is missing: the Chromium suites must run in CI (apt-get install chromium)`);
if (chromiumSkip) process.stderr.write(`${chromiumSkip}\n`);

/** A core over a fresh SQLite database for the file, closed after it. */
export function useCore(): { readonly core: Core } {
  let db: TestDatabase;
  let core: Core;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
  });
  afterAll(async () => {
    await core?.close();
    await db?.cleanup();
  });
  return {
    get core() {
      return core;
    },
  };
}
