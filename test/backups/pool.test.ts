import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BlobPool } from '../../src/backups/pool/blob-pool.js';
import type { FromWorker } from '../../src/backups/pool/messages.js';
import { listSnapshots } from '../../src/backups/repository/snapshots.js';
import { restoreTree } from '../../src/backups/restore.js';
import { snapshotPaths } from '../../src/backups/snapshot-writer.js';
import { initRepo, log, openRepo, password } from './support/repo.js';
import { restic, resticNeeds, resticReady } from './support/restic.js';
import { describeWhen } from './support/tools.js';
import { manifest } from './support/tree-fixture.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'upkeep-pool-'));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

/** What each worker of the pool told the main thread during a backup: chunks found, blobs sealed, chunks handed over. */
function listen(pool: BlobPool): Record<'chunk' | 'sealed' | 'handed-over', number>[] {
  return pool.workers.map((worker) => {
    const seen = { chunk: 0, sealed: 0, 'handed-over': 0 };
    worker.on('message', (m: FromWorker) => {
      if (m.kind in seen) seen[m.kind as keyof typeof seen] += 1;
    });
    return seen;
  });
}

describeWhen(resticReady, resticNeeds, 'the backup worker pool', () => {
  it('keeps every worker sealing for one big stream (chunked in one, blobs handed to the other), and restic reads it back', async () => {
    const source = join(work, 'dump');
    await mkdir(source);
    await writeFile(join(source, 'database.sql'), randomBytes(96 * 1024 * 1024));
    const path = join(work, 'repo-one-stream');
    const repo = await initRepo(path);
    const pool = BlobPool.start(repo, 2);
    const seen = listen(pool);
    await snapshotPaths(repo, [source], { log, pool });
    // One stream: one worker chunks it all; both seal.
    expect(seen.filter((w) => w.chunk > 0)).toHaveLength(1);
    const [chunker, other] = seen[0]!.chunk > 0 ? [seen[0]!, seen[1]!] : [seen[1]!, seen[0]!];
    expect(chunker['handed-over']).toBeGreaterThan(0);
    expect(other.sealed).toBe(chunker['handed-over']);
    expect(chunker.sealed + other.sealed).toBe(chunker.chunk);

    const target = join(work, 'restored');
    await restoreTree(await openRepo(path), (await listSnapshots(repo))[0]!.tree, target, { log });
    expect(await manifest(join(target, source))).toEqual(await manifest(source));
    expect(restic(path, password, ['check', '--read-data'])).toContain('no errors were found');
  });

  it('seals each new chunk once, and lets every chunk go when the same files are backed up again without a parent', async () => {
    const source = join(work, 'site');
    await mkdir(source);
    for (let i = 0; i < 8; i++) await writeFile(join(source, `media-${i}.bin`), randomBytes(3 * 1024 * 1024));
    const path = join(work, 'repo-twice');
    const repo = await initRepo(path);
    const first = BlobPool.start(repo, 2);
    const once = listen(first);
    await snapshotPaths(repo, [source], { log, pool: first });
    const chunks = once.reduce((n, w) => n + w.chunk, 0);
    expect(once.reduce((n, w) => n + w.sealed, 0)).toBe(chunks);

    // Other paths, so no parent snapshot: every file is read and chunked again, and every chunk is let go.
    const empty = join(work, 'empty');
    await mkdir(empty);
    const again = await openRepo(path);
    const second = BlobPool.start(again, 2);
    const twice = listen(second);
    await snapshotPaths(again, [source, empty], { log, pool: second });
    expect(twice.reduce((n, w) => n + w.chunk, 0)).toBe(chunks);
    expect(twice.reduce((n, w) => n + w.sealed + w['handed-over'], 0)).toBe(0);
    expect(restic(path, password, ['check', '--read-data'])).toContain('no errors were found');
  });
});
