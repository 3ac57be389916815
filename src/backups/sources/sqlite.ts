import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { z } from 'zod';
import type { SourceType } from './types.js';

export const sqliteSourceSchema = z.object({ kind: z.literal('sqlite'), path: z.string().min(1) }).strict();

const scratchFile = (): string => join(tmpdir(), `upkeep-sqlite-${randomBytes(6).toString('hex')}.db`);

/** Row count of every table; shared by the live database and the restored copy a drill compares. */
export function sqliteRowCounts(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    return Object.fromEntries(
      tables.map((t) => [
        t,
        db
          .prepare(`SELECT COUNT(*) FROM "${t.replaceAll('"', '""')}"`)
          .pluck()
          .get() as number,
      ]),
    );
  } finally {
    db.close();
  }
}

/**
 * SQLite through its online backup API: a consistent copy of a database that may be written to
 * meanwhile (copying the live file could catch a half-applied transaction or miss the WAL).
 */
export const sqliteSource = {
  kind: 'sqlite',
  configSchema: sqliteSourceSchema,
  async open(config) {
    const copy = scratchFile();
    const db = new Database(config.path, { readonly: true, fileMustExist: true });
    try {
      await db.backup(copy);
    } finally {
      db.close();
    }
    const filename = `${config.path.split('/').pop() ?? 'database'}`;
    const rowCounts = sqliteRowCounts(copy);
    return { kind: 'stream', filename, rowCounts, stream: createReadStream(copy, { highWaterMark: 1024 * 1024 }), close: () => rm(copy, { force: true }) };
  },
  async scratch() {
    const path = scratchFile();
    return {
      async load(dump) {
        await pipeline(dump, createWriteStream(path));
        return sqliteRowCounts(path);
      },
      dispose: () => rm(path, { force: true }),
    };
  },
} satisfies SourceType<typeof sqliteSourceSchema>;
