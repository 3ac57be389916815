import { existsSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../src/db/connection.js';
import { tempDir } from '../support/databases.js';

const MiB = 1024 * 1024;

/**
 * SQLite's write-ahead log is copied into the database by a thread of its own (src/db/checkpointer.ts), not by
 * whichever commit on the main thread grows it past 1,000 pages; the main connection checkpoints only past 40 MB.
 */
describe('SQLite checkpoints', () => {
  const dir = tempDir('upkeep-checkpoints-');
  let storage: Storage | undefined;
  afterEach(async () => {
    await storage?.close();
    dir.cleanup();
  });

  it('keep the write-ahead log well under what the main thread writes (30 MB), and the log is gone after close', async () => {
    storage = openStorage({ dataDir: dir.path });
    await sql`create table filler (id integer primary key, body blob)`.execute(storage.db);
    const wal = `${dir.path}/upkeep.db-wal`;
    let largest = 0;
    // 30 MB in transactions of 1 MB, a fifth of a second apart: under the main connection's own 40 MB threshold,
    // so without the worker the log would hold all 30 MB.
    for (let i = 0; i < 30; i++) {
      await storage.db.transaction().execute(async (trx) => {
        for (let j = 0; j < 16; j++) await sql`insert into filler (body) values (randomblob(${64 * 1024}))`.execute(trx);
      });
      largest = Math.max(largest, statSync(wal).size);
      await sleep(200);
    }
    // Without the worker it reaches 30 MB; with it, about a second of writes (5 MB), more on a loaded machine.
    expect(largest / MiB).toBeLessThan(24);
    await storage.close();
    storage = undefined;
    expect(existsSync(wal)).toBe(false);
  });
});
