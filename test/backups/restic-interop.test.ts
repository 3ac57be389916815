import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../src/lib/logger.js';
import { LocalBackend } from '../../src/backups/backends/local.js';
import { ChunkSplitter } from '../../src/backups/chunker/chunker.js';
import { sha256Hex } from '../../src/backups/crypto.js';
import { Repository } from '../../src/backups/repository/repository.js';
import { findSnapshot, listSnapshots } from '../../src/backups/repository/snapshots.js';
import { decodeTree } from '../../src/backups/repository/tree.js';
import { restoreTree } from '../../src/backups/restore.js';
import { snapshotPaths } from '../../src/backups/snapshot-writer.js';
import { restic, resticNeeds, resticReady } from './support/restic.js';
import { describeWhen } from './support/tools.js';
import { makeTrickyTree, manifest } from './support/tree-fixture.js';

const password = 'correct horse battery staple';
const log = silentLogger();
let work: string;
let source: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'upkeep-interop-'));
  source = join(work, 'source');
  await makeTrickyTree(source);
  // Over restic's 8 MiB largest chunk, so it is cut at least once whatever the random content (a 3 MiB file has no cut about one time in ten).
  await writeFile(join(source, 'chunked.bin'), randomBytes(12 * 1024 * 1024));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

describeWhen(resticReady, resticNeeds, 'restic reads what Upkeep writes', () => {
  it('passes restic check --read-data and restic restore reproduces the tree byte for byte', async () => {
    const path = join(work, 'repo-upkeep');
    const repo = await Repository.init(new LocalBackend({ kind: 'local', path }), password);
    await snapshotPaths(repo, [source], { log });
    const check = restic(path, password, ['check', '--read-data']);
    expect(check).toContain('no errors were found');
    const target = join(work, 'restored-by-restic');
    restic(path, password, ['restore', 'latest', '--target', target]);
    expect(await manifest(join(target, source))).toEqual(await manifest(source));
    const listed = JSON.parse(restic(path, password, ['snapshots', '--json'])) as { paths: string[] }[];
    expect(listed.map((s) => s.paths)).toEqual([[source]]);
  });
});

describeWhen(resticReady, resticNeeds, 'Upkeep reads what restic writes', () => {
  it('lists and restores a restic repository, cutting chunks exactly where restic does', async () => {
    const path = join(work, 'repo-restic');
    restic(path, password, ['init']);
    restic(path, password, ['backup', source]);
    const repo = await Repository.open(new LocalBackend({ kind: 'local', path }), password);
    const snapshots = await listSnapshots(repo);
    expect(snapshots.map((s) => s.paths)).toEqual([[source]]);
    const target = join(work, 'restored-by-upkeep');
    const stats = await restoreTree(repo, (await findSnapshot(repo, 'latest')).tree, target, { log });
    expect(stats.refused).toEqual([]);
    expect(await manifest(join(target, source))).toEqual(await manifest(source));

    let tree = decodeTree(await repo.loadBlob(snapshots[0]!.tree));
    for (const part of source.split('/').filter(Boolean)) tree = decodeTree(await repo.loadBlob(tree.nodes.find((n) => n.name === part)!.subtree!));
    const big = tree.nodes.find((n) => n.name === 'chunked.bin')!;
    const splitter = new ChunkSplitter(repo.polynomial);
    const ours = [...splitter.push(await readFile(join(source, 'chunked.bin'))), ...splitter.end()].map((chunk) => sha256Hex(chunk.pieces));
    expect(big.content!.length).toBeGreaterThan(1);
    expect(ours).toEqual(big.content);
  });
});
