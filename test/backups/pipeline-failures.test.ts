import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BlobPool } from '../../src/backups/pool/blob-pool.js';
import { listSnapshots } from '../../src/backups/repository/snapshots.js';
import { restoreTree } from '../../src/backups/restore.js';
import { snapshotPaths } from '../../src/backups/snapshot-writer.js';
import { initRepo, log, openRepo, password } from './support/repo.js';
import { restic, resticNeeds, resticReady } from './support/restic.js';
import { describeWhen } from './support/tools.js';
import { manifest } from './support/tree-fixture.js';

let work: string;
let source: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'upkeep-pipeline-'));
  source = join(work, 'site');
  await mkdir(join(source, 'pages'), { recursive: true });
  // Several packs' worth, so that workers are busy with other files when the failure comes.
  for (let i = 0; i < 6; i++) await writeFile(join(source, `media-${i}.bin`), randomBytes(8 * 1024 * 1024));
  for (let i = 0; i < 50; i++) await writeFile(join(source, 'pages', `page-${i}.html`), `<p>page ${i}</p>`.repeat(500));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

const packCount = async (path: string): Promise<number> => {
  let n = 0;
  for (const fan of await readdir(join(path, 'data'))) n += (await readdir(join(path, 'data', fan))).length;
  return n;
};

/** What a failed backup must leave: no snapshot, no lock, a repository restic accepts, and a next backup that works. */
async function expectCleanFailure(path: string): Promise<void> {
  expect(await readdir(join(path, 'snapshots'))).toEqual([]);
  expect(await readdir(join(path, 'locks'))).toEqual([]);
  expect(restic(path, password, ['check'])).toContain('no errors were found');
  await snapshotPaths(await openRepo(path), [source], { log });
  const repo = await openRepo(path);
  const target = join(work, `restored-${Date.now()}`);
  await restoreTree(repo, (await listSnapshots(repo))[0]!.tree, target, { log });
  expect(await manifest(join(target, source))).toEqual(await manifest(source));
  expect(restic(path, password, ['check', '--read-data'])).toContain('no errors were found');
}

describeWhen(resticReady, resticNeeds, 'a backup whose pipeline fails', () => {
  it('fails cleanly on a file that cannot be read, naming it', async () => {
    const path = join(work, 'repo-read');
    const repo = await initRepo(path);
    // Reading /proc/self/mem from its start fails with EIO: a real read error, while other files are in flight.
    await expect(snapshotPaths(repo, [source, '/proc/self/mem'], { log })).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/^cannot read \/proc\/self\/mem: .*EIO/),
    });
    await expectCleanFailure(path);
  });

  it('fails cleanly when a worker thread dies in the middle of the backup', async () => {
    const path = join(work, 'repo-killed');
    const repo = await initRepo(path);
    // Far more than a pack's worth, so that the backup is still under way when the first pack shows up,
    // however fast the machine (a 48 MB tree could finish between the first pack and the kill).
    const big = join(work, 'big');
    await mkdir(big, { recursive: true });
    for (let i = 0; i < 16; i++) await writeFile(join(big, `media-${i}.bin`), randomBytes(8 * 1024 * 1024));
    const pool = BlobPool.start(repo, 2);
    const backup = snapshotPaths(repo, [big], { log, pool });
    const outcome = backup.then(
      () => 'finished',
      (err: unknown) => err,
    );
    while ((await packCount(path)) === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await pool.workers[1]!.terminate();
    expect(await outcome).toMatchObject({ code: 'internal', message: expect.stringMatching(/backup worker stopped/) });
    await expectCleanFailure(path);
  });
});
