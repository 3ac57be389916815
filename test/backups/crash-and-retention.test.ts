import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { prune } from '../../src/backups/prune.js';
import { listSnapshots } from '../../src/backups/repository/snapshots.js';
import { restoreTree } from '../../src/backups/restore.js';
import { snapshotPaths } from '../../src/backups/snapshot-writer.js';
import { verifyRepository } from '../../src/backups/verify.js';
import { initRepo, log, openRepo, password } from './support/repo.js';
import { restic, resticNeeds, resticReady } from './support/restic.js';
import { describeWhen } from './support/tools.js';
import { manifest } from './support/tree-fixture.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'upkeep-crash-'));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

const countPacks = async (path: string): Promise<number> => {
  let n = 0;
  for (const fan of await readdir(join(path, 'data'))) n += (await readdir(join(path, 'data', fan))).length;
  return n;
};

describeWhen(resticReady, resticNeeds, 'interrupted backups and pruning', () => {
  it('leaves a repository that restic check accepts after SIGKILL, and the next backup succeeds', async () => {
    const source = join(work, 'big');
    await mkdir(source);
    for (let i = 0; i < 12; i++) await writeFile(join(source, `part-${i}.bin`), randomBytes(8 * 1024 * 1024));
    const path = join(work, 'repo-crash');
    await initRepo(path);
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support', 'backup-child.ts'), path, source], {
      env: { ...process.env, UPKEEP_BACKUP_PASSWORD: password },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 60_000;
    while ((await countPacks(path)) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    expect(await countPacks(path)).toBeGreaterThanOrEqual(2);
    expect(await readdir(join(path, 'snapshots'))).toEqual([]);
    // restic's check takes an exclusive lock and stops at any lock; `unlock` removes only locks that
    // restic itself judges stale (same host, process gone), which is what a killed backup leaves.
    const judged = join(work, 'repo-crash-copy');
    await cp(path, judged, { recursive: true });
    restic(judged, password, ['unlock']);
    expect(await readdir(join(judged, 'locks'))).toEqual([]);
    expect(restic(judged, password, ['check'])).toContain('no errors were found');

    // Upkeep's next backup clears the stale lock by itself and completes.
    await snapshotPaths(await openRepo(path), [source], { log });
    expect(await readdir(join(path, 'locks'))).toEqual([]);
    expect(restic(path, password, ['check', '--read-data'])).toContain('no errors were found');
    const target = join(work, 'restored-after-crash');
    const repo = await openRepo(path);
    await restoreTree(repo, (await listSnapshots(repo))[0]!.tree, target, { log });
    expect(await manifest(join(target, source))).toEqual(await manifest(source));
  });

  it('forgets and prunes so that restic check still passes and kept snapshots restore', async () => {
    const source = join(work, 'site');
    await mkdir(source);
    const path = join(work, 'repo-prune');
    await initRepo(path);
    for (let i = 0; i < 3; i++) {
      await writeFile(join(source, `v${i}.bin`), randomBytes(2 * 1024 * 1024));
      await snapshotPaths(await openRepo(path), [source], { log });
    }
    const repo = await openRepo(path);
    const [oldest] = await listSnapshots(repo);
    await repo.backend.remove({ type: 'snapshots', name: oldest!.id });
    await rm(join(source, 'v0.bin'));
    const stats = await prune(repo, log);
    expect(stats.bytesFreed).toBeGreaterThan(0);
    expect(restic(path, password, ['check', '--read-data'])).toContain('no errors were found');
    const reopened = await openRepo(path);
    expect((await verifyRepository(reopened, { readDataFraction: 1 })).errors).toEqual([]);
    expect([...reopened.index.all()].length).toBeGreaterThan(0);
  });
});
