import { mkdtemp, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repository } from '../../src/backups/repository/repository.js';
import { type NodeJson } from '../../src/backups/repository/tree.js';
import { restoreTree } from '../../src/backups/restore.js';
import { initRepo, log } from './support/repo.js';

let work: string;
let outside: string;
let repo: Repository;
const time = '2024-01-01T00:00:00Z';
const base = { mtime: time, atime: time, ctime: time, uid: 0, gid: 0 };
const file = (name: string, content: string[]): NodeJson => ({ ...base, name, type: 'file', mode: 0o644, size: 5, content });
const dir = (name: string, subtree: string): NodeJson => ({ ...base, name, type: 'dir', mode: 2 ** 31 + 0o755, content: null, subtree });
const link = (name: string, target: string): NodeJson => ({ ...base, name, type: 'symlink', mode: 2 ** 27 + 0o777, linktarget: target, content: null });
/** Stores a crafted tree without the archiver, which would never write such names. */
const tree = async (nodes: NodeJson[]): Promise<string> => (await repo.saveBlob('tree', Buffer.from(JSON.stringify({ nodes })))).id;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'upkeep-malicious-'));
  outside = join(work, 'outside');
  await mkdir(outside);
  repo = await initRepo(join(work, 'repo'));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

describe('restoring malicious snapshots', () => {
  it('writes nothing outside the target for traversal names, absolute names and symlinks pointing out', async () => {
    const { id: blob } = await repo.saveBlob('data', Buffer.from('pwned'));
    const inner = await tree([file('pwned', [blob])]);
    const corpus: NodeJson[][] = [
      [file('../outside/pwned', [blob])],
      [file('..', [blob]), file('.', [blob]), file('', [blob])],
      [file(`${outside}/pwned`, [blob])],
      [dir('..', inner)],
      [dir('../outside', inner)],
      // A link to the outside, then a folder of the same name whose file would follow the link.
      [link('escape', outside), dir('escape', inner)],
      [dir('escape', inner), link('escape', outside)],
      [link('escape', outside), file('escape', [blob])],
      [file('a\\..\\..\\pwned', [blob]), file('nul\0name', [blob])],
    ];
    for (const [i, nodes] of corpus.entries()) {
      const target = join(work, `target-${i}`);
      await repo.flush();
      const stats = await restoreTree(repo, await tree(nodes), target, { log }).catch((err: unknown) => ({ refused: [String(err)] }));
      expect(stats.refused.length, `case ${i}`).toBeGreaterThan(0);
      expect(await readdir(outside), `case ${i}`).toEqual([]);
    }
  });

  it('refuses to write through a symlink that already sits in the target', async () => {
    const { id: blob } = await repo.saveBlob('data', Buffer.from('pwned'));
    const target = join(work, 'target-existing');
    await mkdir(target);
    await symlink(outside, join(target, 'docs'));
    const root = await tree([dir('docs', await tree([file('pwned', [blob])]))]);
    await repo.flush();
    await expect(restoreTree(repo, root, target, { log })).rejects.toThrow(/not a plain folder/);
    expect(await readdir(outside)).toEqual([]);
  });
});
