import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, describe } from 'vitest';
import { snapshotPaths } from '../../src/backups/snapshot-writer.js';
import { initRepo, log, openRepo } from './support/repo.js';

let work: string;
let source: string;
const repoSize = async (path: string): Promise<number> => {
  const repo = await openRepo(path);
  let total = 0;
  for (const type of ['data', 'index', 'snapshots'] as const) for (const f of await repo.backend.list(type)) total += f.size;
  return total;
};
const dataBlobs = async (path: string): Promise<Set<string>> =>
  new Set([...(await openRepo(path)).index.all()].filter((b) => b.type === 'data').map((b) => b.id));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'upkeep-dedup-'));
  source = join(work, 'site');
  await mkdir(join(source, 'uploads'), { recursive: true });
  await writeFile(join(source, 'database.bin'), randomBytes(24 * 1024 * 1024));
  for (let i = 0; i < 200; i++) await writeFile(join(source, 'uploads', `file-${i}.txt`), `page ${i} ${randomBytes(2000).toString('hex')}`);
});
afterAll(async () => rm(work, { recursive: true, force: true }));

describe('deduplication', () => {
  it('adds under 1 % for an unchanged tree and about one chunk for a one-byte change', async () => {
    const path = join(work, 'repo');
    await snapshotPaths(await initRepo(path), [source], { log });
    const first = await repoSize(path);

    await snapshotPaths(await openRepo(path), [source], { log });
    const second = await repoSize(path);
    expect((second - first) / first).toBeLessThan(0.01);

    const before = await dataBlobs(path);
    const file = await open(join(source, 'database.bin'), 'r+');
    await file.write(Buffer.from([0xff ^ 0x5a]), 0, 1, 12 * 1024 * 1024 + 12345);
    await file.close();
    // Same size and a fresh mtime: the archiver must reread the file rather than trust the parent.
    const result = await snapshotPaths(await openRepo(path), [source], { log });
    expect(result.stats.filesChanged).toBe(1);
    const added = [...(await dataBlobs(path))].filter((id) => !before.has(id));
    expect(added.length).toBeGreaterThanOrEqual(1);
    expect(added.length).toBeLessThanOrEqual(2);
    const third = await repoSize(path);
    expect(third - second).toBeLessThan(2 * 8 * 1024 * 1024 + 64 * 1024);
  });
});
